// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title PurposeMask
/// @notice Consent purposes are the bits of a `uint16` mask: ids 0..15, one bit each. The registry (consent and
/// defined purposes), the distributor (one ledger per purpose) and the escrow (one request per purpose) share
/// this one definition of the width.
/// @dev Pure checks only: each caller reverts with its own error, named after it, when a check fails.
library PurposeMask {
    /// @dev How many purposes a mask holds (its width in bits).
    uint8 internal constant COUNT = 16;

    /// @notice Whether `purpose` is an id a mask can hold (below `COUNT`).
    function isId(uint256 purpose) internal pure returns (bool) {
        return purpose < COUNT;
    }

    /// @notice Whether `mask` holds `purpose`: false for an id the mask cannot hold, never a revert.
    function holds(uint16 mask, uint256 purpose) internal pure returns (bool) {
        // The bound comes first: a shift by 16 or more would read as "not held" anyway, but says so explicitly.
        return purpose < COUNT && (mask >> purpose) & 1 == 1;
    }
}
