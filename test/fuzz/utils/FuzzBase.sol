// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm, VM_ADDRESS} from "./Vm.sol";

/// @title FuzzBase
/// @notice What handlers and invariant suites share: the cheatcodes, `bound`, and assertions that revert
/// with a message (forge reports an invariant as broken when its function reverts).
abstract contract FuzzBase {
    /// @notice Thrown by every assertion; `message` names the rule and the values that broke it.
    error AssertionFailed(string message, uint256 left, uint256 right);

    Vm internal constant vm = Vm(VM_ADDRESS);

    /// @dev Maps any `x` into [min, max] without discarding inputs (so no run is wasted on `assume`).
    /// Values already inside the range are kept, so the fuzzer's dictionary of interesting values still lands.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (min > max) revert AssertionFailed("bound: min > max", min, max);
        if (x >= min && x <= max) return x;
        uint256 size = max - min;
        // size + 1 overflows only for the full range, where every x is already inside.
        return min + (x % (size + 1));
    }

    function assertEq(uint256 left, uint256 right, string memory message) internal pure {
        if (left != right) revert AssertionFailed(message, left, right);
    }

    function assertLe(uint256 left, uint256 right, string memory message) internal pure {
        if (left > right) revert AssertionFailed(message, left, right);
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert AssertionFailed(message, 0, 1);
    }
}

/// @title InvariantTargets
/// @notice The target lists forge reads from an invariant suite (`targetContracts`, `targetSelectors`), so a
/// suite calls its handlers' chosen functions only, never the protocol contracts directly.
abstract contract InvariantTargets is FuzzBase {
    /// @notice A contract and the functions of it the fuzzer may call.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetContracts;
    FuzzSelector[] private _targetSelectors;

    function targetContract(address target) internal {
        _targetContracts.push(target);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetSelectors.push(selector);
    }

    /// @notice Read by forge: the only contracts the fuzzer calls.
    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }

    /// @notice Read by forge: the only functions of those contracts the fuzzer calls.
    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetSelectors;
    }
}
