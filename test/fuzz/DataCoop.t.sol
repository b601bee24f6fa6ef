// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DataCoopInvariants} from "./DataCoopInvariants.sol";

/// @notice The invariants with a 6-decimal settlement token (USDC-like).
contract DataCoopSixDecimalsInvariants is DataCoopInvariants {
    function _decimals() internal pure override returns (uint8) {
        return 6;
    }
}

/// @notice The invariants with an 18-decimal settlement token (DAI-like), where accumulator bounds bite.
contract DataCoopEighteenDecimalsInvariants is DataCoopInvariants {
    function _decimals() internal pure override returns (uint8) {
        return 18;
    }
}
