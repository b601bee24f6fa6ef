// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PurposeMask} from "../../libraries/PurposeMask.sol";

/// @title PurposeMaskHarness
/// @notice Test-only: exposes the internal functions of {PurposeMask} for its spec.
contract PurposeMaskHarness {
    /// @notice {PurposeMask.COUNT}.
    function count() external pure returns (uint8) {
        return PurposeMask.COUNT;
    }

    /// @notice {PurposeMask.isId}.
    function isId(uint256 purpose) external pure returns (bool) {
        return PurposeMask.isId(purpose);
    }

    /// @notice {PurposeMask.holds}.
    function holds(uint16 mask, uint256 purpose) external pure returns (bool) {
        return PurposeMask.holds(mask, purpose);
    }
}
