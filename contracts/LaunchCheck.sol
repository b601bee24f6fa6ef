// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IContributionRegistry} from "./interfaces/IContributionRegistry.sol";
import {ICustodianSet} from "./interfaces/ICustodianSet.sol";

/// @dev The Governor's views this check reads.
interface IQuorumSettings {
    function quorumFloor() external view returns (uint256);
    function quorumNumerator() external view returns (uint256);
    function quorumDenominator() external view returns (uint256);
}

/// @title LaunchCheck
/// @notice Deployed last by the deployment module: its constructor reverts when one first contribution could
/// meet the Governor's quorum on its own (finding 6), so a capturable configuration never finishes deploying.
/// @dev The rule (the same as `launchCheck` in `src/protocol/launch.ts`): with `r` the most one attestation can
/// be rewarded now (`registry.maxRewardPerAttestation()`, which counts the mint budget and the cap) and `s` the
/// supply before it, the quorum after it is `max(floor, (s + r) * numerator / denominator)`; the launch is
/// capturable when `r` reaches it. It also refuses a custodian set whose threshold is below 2 (one custodian
/// could then open every contribution or withhold every sale). It holds nothing and has no functions.
contract LaunchCheck {
    uint8 private constant _MIN_CUSTODIAN_THRESHOLD = 2;

    /// @notice Thrown when one first contribution of `reward` votes reaches the quorum of `quorum` votes.
    /// @param reward The most one attestation can be rewarded.
    /// @param quorum The quorum once it is minted.
    error LaunchCheckCapturable(uint256 reward, uint256 quorum);

    /// @notice Thrown when the custodian set's threshold is below `minimum` (one custodian would be enough).
    /// @param threshold The custodian set's k (0 for no custodian set).
    /// @param minimum The least k a public launch accepts.
    error LaunchCheckCustodianThreshold(uint8 threshold, uint8 minimum);

    /// @notice Emitted when the check passes.
    /// @param reward The most one attestation can be rewarded.
    /// @param quorum The quorum once it is minted.
    event LaunchChecked(uint256 reward, uint256 quorum);

    /// @param governor The CoopGovernor.
    /// @param registry The ContributionRegistry.
    /// @param token The governance token.
    /// @param custodianSet The CustodianSet.
    /// @param enforce False only on local chains, whose tests pass proposals with a single contribution.
    constructor(
        IQuorumSettings governor,
        IContributionRegistry registry,
        IERC20 token,
        ICustodianSet custodianSet,
        bool enforce
    ) {
        uint256 reward = registry.maxRewardPerAttestation();
        uint256 fraction = ((token.totalSupply() + reward) * governor.quorumNumerator()) / governor.quorumDenominator();
        uint256 floor = governor.quorumFloor();
        uint256 quorum = floor > fraction ? floor : fraction;
        if (enforce && reward >= quorum) revert LaunchCheckCapturable(reward, quorum);
        uint8 custodianThreshold = custodianSet.threshold();
        if (enforce && custodianThreshold < _MIN_CUSTODIAN_THRESHOLD) {
            revert LaunchCheckCustodianThreshold(custodianThreshold, _MIN_CUSTODIAN_THRESHOLD);
        }
        emit LaunchChecked(reward, quorum);
    }
}
