// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @notice What a flash borrower implements: it holds the loan during the call and must repay before returning.
interface IFlashBorrower {
    /// @notice Called with the loan in hand; must send `amount` of `token` back to the caller.
    function onFlashLoan(address token, uint256 amount, bytes calldata data) external;
}

/// @title FlashLender
/// @notice Test-only flash lender: lends any amount of its token for the duration of one call, free of charge.
contract FlashLender {
    using SafeERC20 for IERC20;

    /// @notice Thrown when the borrower did not repay in the same call.
    error FlashLenderNotRepaid(uint256 balance, uint256 expected);

    IERC20 private immutable _token;

    /// @param token_ The token lent.
    constructor(IERC20 token_) {
        _token = token_;
    }

    /// @notice Lends `amount` to `borrower` for one `onFlashLoan` call.
    function flashLoan(IFlashBorrower borrower, uint256 amount, bytes calldata data) external {
        uint256 balanceBefore = _token.balanceOf(address(this));
        _token.safeTransfer(address(borrower), amount);
        borrower.onFlashLoan(address(_token), amount, data);
        uint256 balanceAfter = _token.balanceOf(address(this));
        if (balanceAfter < balanceBefore) revert FlashLenderNotRepaid(balanceAfter, balanceBefore);
    }
}
