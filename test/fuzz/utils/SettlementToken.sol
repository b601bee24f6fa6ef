// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title SettlementToken
/// @notice Fuzz-only settlement token with any number of decimals and an open mint (an 18-decimal stable such
/// as DAI next to the 6-decimal MockUSDC).
contract SettlementToken is ERC20 {
    uint8 private immutable _decimals;

    constructor(uint8 decimals_) ERC20("Fuzz Settlement", "FUZZ") {
        _decimals = decimals_;
    }

    /// @notice Mints `amount` to `to`. Open to everyone: fuzz-only.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The decimals chosen at deployment.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }
}
