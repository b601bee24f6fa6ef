// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ShrinkingToken
/// @notice Test-only hostile settlement token: while `shrinking` is on, `transferFrom` moves nothing, reports
/// success, and takes one unit from the recipient, so that the recipient's balance goes down during a pull. Anyone
/// may mint and switch: test-only.
contract ShrinkingToken is ERC20 {
    bool private _shrinking;

    constructor() ERC20("Shrinking", "SHRINK") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Turns the shrinking pull on or off.
    function setShrinking(bool shrinking_) external {
        _shrinking = shrinking_;
    }

    /// @notice While shrinking: spends the allowance, moves nothing, burns one unit of `to`'s balance.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (!_shrinking) return super.transferFrom(from, to, value);
        _spendAllowance(from, msg.sender, value);
        _burn(to, 1);
        return true;
    }
}
