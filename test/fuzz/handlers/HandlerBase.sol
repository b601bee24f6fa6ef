// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FuzzBase} from "../utils/FuzzBase.sol";

/// @title HandlerBase
/// @notice What every handler shares: each action predicts from the model whether the protocol must accept
/// it, makes the call inside `try`, and records any disagreement here. A handler never reverts on a
/// disagreement (with `fail_on_revert = false` forge would discard it); an invariant reads the record instead.
abstract contract HandlerBase is FuzzBase {
    /// @notice Calls whose outcome (accepted or refused, and the effects checked right after) differed from
    /// the model's prediction.
    uint256 public mismatches;
    /// @notice The first disagreement, for the failure message.
    string public firstMismatch;
    /// @notice Calls of each action the protocol accepted as the model expected (what a run really exercised).
    mapping(string action => uint256 count) public successes;

    /// @dev Records a disagreement between `accepted` and `expected` for `action`.
    function _expectOutcome(bool accepted, bool expected, string memory action) internal {
        if (accepted && expected) ++successes[action];
        if (accepted != expected) {
            _mismatch(
                string.concat(
                    action,
                    expected ? ": refused, model expected success" : ": accepted, model expected refusal"
                )
            );
        }
    }

    /// @dev Records a disagreement found after a call (a balance or ledger entry off the model).
    function _check(bool ok, string memory what) internal {
        if (!ok) _mismatch(what);
    }

    function _mismatch(string memory what) private {
        if (mismatches == 0) firstMismatch = what;
        ++mismatches;
    }

    /// @dev Calls `target` as `caller` and tells whether it was accepted (for calls the model says always succeed).
    function _callAs(address caller, address target, bytes memory data) internal returns (bool accepted) {
        vm.prank(caller);
        (accepted, ) = target.call(data);
    }

    /// @dev True for `percent` of seeds, independently for each `salt`: the share of calls that take a rare
    /// path (often one the protocol must refuse). Hashing keeps the draws independent, so a small seed (the
    /// fuzzer's favourite) does not take every rare path at once.
    function _chance(uint256 seed, uint256 salt, uint256 percent) internal pure returns (bool) {
        return uint256(keccak256(abi.encode(seed, salt))) % 100 < percent;
    }
}
