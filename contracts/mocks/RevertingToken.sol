// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title RevertingToken
/// @notice Test-only hostile settlement token that reverts every transfer from or to a blocked account, or every
/// transfer at all while `blockAll` is on (like a USDC blacklist or a paused token). Anyone may mint and block:
/// test-only.
contract RevertingToken is ERC20 {
    /// @notice Thrown for every transfer the token refuses.
    error RevertingTokenBlocked(address from, address to);

    bool private _blockAll;
    mapping(address account => bool blocked) private _blocked;

    constructor() ERC20("Reverting", "REV") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Blocks or unblocks every transfer from or to `account`.
    function setBlocked(address account, bool blocked) external {
        _blocked[account] = blocked;
    }

    /// @notice Blocks or unblocks every transfer.
    function setBlockAll(bool blockAll_) external {
        _blockAll = blockAll_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (_blockAll || _blocked[from] || _blocked[to]) revert RevertingTokenBlocked(from, to);
        super._update(from, to, value);
    }
}
