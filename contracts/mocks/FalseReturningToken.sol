// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FalseReturningToken
/// @notice Test-only hostile settlement token: while `failing` is on, `transfer` and `transferFrom` move nothing
/// and return `false` instead of reverting (as some old tokens do). Anyone may mint and switch: test-only.
contract FalseReturningToken is ERC20 {
    bool private _failing;

    constructor() ERC20("False Returning", "FALSE") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Turns the silent failure on or off.
    function setFailing(bool failing_) external {
        _failing = failing_;
    }

    /// @notice Moves nothing and returns false while failing.
    function transfer(address to, uint256 value) public override returns (bool) {
        if (_failing) return false;
        return super.transfer(to, value);
    }

    /// @notice Moves nothing and returns false while failing.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (_failing) return false;
        return super.transferFrom(from, to, value);
    }
}
