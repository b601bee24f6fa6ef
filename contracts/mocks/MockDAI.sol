// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockDAI
/// @notice Test-only settlement token with 18 decimals (like DAI), and anyone may mint. Never deployed to a
/// public network with value.
contract MockDAI is ERC20 {
    constructor() ERC20("Mock Dai", "DAI") {}

    /// @notice Mints `amount` to `to`. Open to everyone: test-only.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
