// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorPreventLateQuorum} from "@openzeppelin/contracts/governance/extensions/GovernorPreventLateQuorum.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title CoopGovernor
/// @notice The DataCoop Governor: token-weighted votes (timestamp clock), simple counting (against, for,
/// abstain), a quorum of `max(fraction of the past total supply, absolute floor)`, late-quorum protection, and
/// execution through the TimelockController that holds every protocol role and parameter.
/// @dev The absolute floor (finding 6) keeps a young coop, whose supply is a few contributions, from being run
/// by its first contributors: until the supply has grown, no proposal reaches quorum without `quorumFloor`
/// votes. It is checkpointed like the fraction, so changing it never moves a running proposal's quorum.
/// @dev Standard OpenZeppelin Governor events and views, so Tally and similar front ends work unchanged.
/// Voting delay, voting period and proposal threshold can later be changed by governance itself.
contract CoopGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl,
    GovernorPreventLateQuorum
{
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Deployment parameters (all durations in seconds: the clock is a timestamp).
    struct Settings {
        uint48 votingDelay;
        uint32 votingPeriod;
        uint256 proposalThreshold;
        uint256 quorumNumerator;
        uint48 lateQuorumExtension;
        uint256 quorumFloor;
    }

    /// @notice Emitted when the absolute quorum floor changes.
    /// @param oldFloor The floor before, in votes.
    /// @param newFloor The floor now, in votes.
    event QuorumFloorChanged(uint256 oldFloor, uint256 newFloor);

    Checkpoints.Trace208 private _quorumFloor;

    constructor(
        IVotes token,
        TimelockController timelock,
        Settings memory settings
    )
        Governor("DataCoop Governor")
        GovernorSettings(settings.votingDelay, settings.votingPeriod, settings.proposalThreshold)
        GovernorVotes(token)
        GovernorVotesQuorumFraction(settings.quorumNumerator)
        GovernorTimelockControl(timelock)
        GovernorPreventLateQuorum(settings.lateQuorumExtension)
    {
        _setQuorumFloor(settings.quorumFloor);
    }

    /// @notice The absolute quorum floor now, in votes.
    /// @return The floor.
    function quorumFloor() public view returns (uint256) {
        return _quorumFloor.latest();
    }

    /// @notice Sets the absolute quorum floor. Governance only (a passed proposal, through the timelock).
    /// @dev Warning: a floor above the votes that exist makes every proposal fail quorum, including the one
    /// that would lower it again.
    /// @param newFloor The new floor, in votes.
    /// @custom:governance `quorumFloor`: the fewest votes any proposal needs, whatever the supply
    /// @custom:bounds `newFloor < 2^208`
    function setQuorumFloor(uint256 newFloor) external onlyGovernance {
        _setQuorumFloor(newFloor);
    }

    function _setQuorumFloor(uint256 newFloor) private {
        uint256 oldFloor = _quorumFloor.latest();
        _quorumFloor.push(clock(), SafeCast.toUint208(newFloor));
        emit QuorumFloorChanged(oldFloor, newFloor);
    }

    // The overrides below only resolve the multiple inheritance; each defers to OpenZeppelin.

    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    /// @notice The votes a proposal whose snapshot is `timepoint` needs: the larger of the fraction of the past
    /// total supply and the floor in force then.
    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return Math.max(super.quorum(timepoint), _quorumFloor.upperLookupRecent(SafeCast.toUint48(timepoint)));
    }

    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    function proposalDeadline(
        uint256 proposalId
    ) public view override(Governor, GovernorPreventLateQuorum) returns (uint256) {
        return super.proposalDeadline(proposalId);
    }

    function _tallyUpdated(uint256 proposalId) internal override(Governor, GovernorPreventLateQuorum) {
        super._tallyUpdated(proposalId);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
