// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title SettlementToken
/// @notice Fuzz-only settlement token with any number of decimals and an open mint (an 18-decimal stable such
/// as DAI next to the 6-decimal MockUSDC).
/// Any address can be made unable to receive (like a USDC blocklist, or a contract that reverts), to show that
/// no ending of an access request depends on its buyer receiving the refund.
contract SettlementToken is ERC20 {
    uint8 private immutable _decimals;

    /// @notice Addresses that transfers (not mints) to revert.
    mapping(address account => bool) public blocked;

    /// @notice Thrown on a transfer to a blocked address.
    error SettlementTokenBlocked(address to);

    constructor(uint8 decimals_) ERC20("Fuzz Settlement", "FUZZ") {
        _decimals = decimals_;
    }

    /// @notice Mints `amount` to `to`. Open to everyone: fuzz-only.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Blocks or unblocks transfers to `account`. Open to everyone: fuzz-only.
    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
    }

    /// @notice The decimals chosen at deployment.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && blocked[to]) revert SettlementTokenBlocked(to);
        super._update(from, to, value);
    }
}
