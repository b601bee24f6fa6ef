// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

import {FlashLender, IFlashBorrower} from "./FlashLender.sol";

/// @title FlashBorrower
/// @notice Test-only attacker: borrows governance tokens for one transaction, delegates them to itself, calls
/// `target` with `data` (a vote, a proposal, an objection) while holding them, and repays. A failing call reverts
/// the whole transaction with the target's own error.
contract FlashBorrower is IFlashBorrower {
    using SafeERC20 for IERC20;

    /// @notice Thrown when someone other than the lender calls back.
    error FlashBorrowerUnexpectedLender(address caller);

    address private _lender;
    address private _target;
    bytes private _data;

    /// @notice Borrows `amount` from `lender` and calls `target` with `data` while holding it.
    function attack(FlashLender lender, uint256 amount, address target, bytes calldata data) external {
        _lender = address(lender);
        _target = target;
        _data = data;
        lender.flashLoan(this, amount, "");
        _lender = address(0);
    }

    /// @inheritdoc IFlashBorrower
    function onFlashLoan(address token, uint256 amount, bytes calldata) external {
        if (msg.sender != _lender) revert FlashBorrowerUnexpectedLender(msg.sender);
        IVotes(token).delegate(address(this));
        Address.functionCall(_target, _data);
        IERC20(token).safeTransfer(msg.sender, amount);
    }
}
