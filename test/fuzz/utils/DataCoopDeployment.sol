// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {AccessEscrow} from "../../../contracts/AccessEscrow.sol";
import {ContributionRegistry} from "../../../contracts/ContributionRegistry.sol";
import {CoopGovernor} from "../../../contracts/CoopGovernor.sol";
import {CustodianSet} from "../../../contracts/CustodianSet.sol";
import {CoopTimelock} from "../../../contracts/CoopTimelock.sol";
import {CoopToken} from "../../../contracts/CoopToken.sol";
import {RevenueDistributor} from "../../../contracts/RevenueDistributor.sol";
import {IQuorumSettings, LaunchCheck} from "../../../contracts/LaunchCheck.sol";
import {IAccessEscrow} from "../../../contracts/interfaces/IAccessEscrow.sol";
import {IContributionRegistry} from "../../../contracts/interfaces/IContributionRegistry.sol";

/// @notice The deployed system, as `deploy/modules/DataCoop.ts` returns it.
struct DataCoop {
    CoopTimelock timelock;
    CoopToken token;
    CoopGovernor governor;
    RevenueDistributor distributor;
    ContributionRegistry registry;
    AccessEscrow escrow;
}

/// @title DataCoopDeployment
/// @notice Deploys and wires the whole protocol in the seven steps of `deploy/modules/DataCoop.ts`, with that
/// module's defaults (the testnet parameters), so the fuzz suites attack what production runs.
/// @dev Keep in step with the module: a new constructor argument or wiring call there belongs here too.
library DataCoopDeployment {
    uint256 internal constant HOUR = 1 hours;
    uint256 internal constant DAY = 1 days;
    uint256 internal constant TOKEN_CAP = 1_000_000_000e18;
    uint256 internal constant REWARD_RATE = 1e14;
    uint16 internal constant TREASURY_SHARE_BPS = 500;
    // `LAUNCH_DEFAULTS` of the module (findings 1, 2 and 6).
    uint32 internal constant CONSENT_EPOCH = 1 hours;
    /// @dev `MAX_UNITS_PER_ATTESTATION` of `src/protocol/launch.ts`: 4 GiB / 64 bytes per unit.
    uint256 internal constant MAX_UNITS_PER_ATTESTATION = 2 ** 26;
    uint256 internal constant MINT_BUDGET = 100_000e18;
    uint256 internal constant MINT_PERIOD = 1 days;
    uint256 internal constant QUORUM_FLOOR = 1_000_000e18;
    uint256 internal constant PROPOSAL_THRESHOLD = 1_000e18;
    /// @dev The second custodian of the 2-of-2 set, and its key (a local development key of the parameters).
    address internal constant SECOND_CUSTODIAN = address(uint160(uint256(keccak256("datacoop.fuzz.second-custodian"))));
    bytes internal constant SECOND_CUSTODIAN_KEY =
        hex"02d9a3564b94a531728b80dde46a73a94496ba6e24da56b55e5d63c62ecdfbf5c7";

    function deploy(
        IERC20 settlementToken,
        address[] memory validators,
        address custodian,
        bytes memory custodianPublicKey
    ) internal returns (DataCoop memory c) {
        // 1. Timelock, the deployer (this contract) a temporary admin; anyone may execute.
        address[] memory executors = new address[](1);
        c.timelock = new CoopTimelock(HOUR, new address[](0), executors, address(this));

        // 2. Token (no initial supply) and Governor.
        c.token = new CoopToken("DataCoop", "COOP", TOKEN_CAP, address(this), 0);
        c.governor = new CoopGovernor(
            c.token,
            c.timelock,
            CoopGovernor.Settings({
                votingDelay: uint48(HOUR),
                votingPeriod: uint32(DAY),
                proposalThreshold: PROPOSAL_THRESHOLD,
                quorumNumerator: 4,
                lateQuorumExtension: uint48(6 * HOUR),
                quorumFloor: QUORUM_FLOOR
            })
        );

        // 3. Revenue ledger and registry (the six default purposes); the registry is the only minter.
        c.distributor = new RevenueDistributor(settlementToken, address(c.timelock), CONSENT_EPOCH);
        string[] memory names = new string[](6);
        (names[0], names[1], names[2]) = ("RESEARCH", "ANALYTICS", "AI_TRAINING");
        (names[3], names[4], names[5]) = ("AI_FINE_TUNING", "AI_EVALUATION", "COMMERCIAL");
        string[] memory uris = new string[](6);
        for (uint256 i = 0; i < 6; ++i) uris[i] = string.concat("datacoop:purpose/", names[i]);
        c.registry = new ContributionRegistry(
            c.token,
            c.distributor,
            address(c.timelock),
            IContributionRegistry.RegistryConfig({
                rewardRate: REWARD_RATE,
                attestationThreshold: 1,
                maxUnitsPerAttestation: MAX_UNITS_PER_ATTESTATION,
                mintBudget: MINT_BUDGET,
                mintPeriod: MINT_PERIOD
            }),
            validators,
            names,
            uris
        );
        c.token.setMinter(address(c.registry));

        // 4. Escrow, wired into the distributor as its depositor.
        c.escrow = new AccessEscrow(
            settlementToken,
            address(c.token),
            address(c.registry),
            address(c.distributor),
            address(c.timelock),
            address(0),
            IAccessEscrow.EscrowConfig({
                treasuryShareBps: TREASURY_SHARE_BPS,
                decisionPeriod: uint32(7 * DAY),
                deliveryPeriod: uint32(3 * DAY)
            }),
            _custodianSet(c.timelock, custodian, custodianPublicKey)
        );
        c.distributor.wire(address(c.registry), address(c.escrow));

        // 5. The Governor proposes and cancels; 6. the deployer keeps nothing.
        c.timelock.grantRole(c.timelock.PROPOSER_ROLE(), address(c.governor));
        c.timelock.grantRole(c.timelock.CANCELLER_ROLE(), address(c.governor));
        c.timelock.renounceRole(c.timelock.DEFAULT_ADMIN_ROLE(), address(this));

        // 7. The launch check: reverts if one first contribution could meet quorum alone.
        new LaunchCheck(
            IQuorumSettings(address(c.governor)),
            c.registry,
            IERC20(address(c.token)),
            c.escrow.custodianSet(),
            true
        );
    }

    /// @dev A 2-of-2 custodian set: the handler's custodian and a second one (`SECOND_CUSTODIAN`) that posts the
    /// same set just before it, so the handler's post is the releasing one (the rounds themselves are specified
    /// in test/AccessEscrow.custody.test.ts).
    function _custodianSet(
        CoopTimelock timelock,
        address custodian,
        bytes memory custodianPublicKey
    ) private returns (CustodianSet) {
        address[] memory accounts = new address[](2);
        (accounts[0], accounts[1]) = (SECOND_CUSTODIAN, custodian);
        bytes[] memory keys = new bytes[](2);
        (keys[0], keys[1]) = (SECOND_CUSTODIAN_KEY, custodianPublicKey);
        return new CustodianSet(address(timelock), accounts, keys, 2);
    }
}
