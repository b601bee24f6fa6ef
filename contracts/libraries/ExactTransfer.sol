// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title ExactTransfer
/// @notice Pulls a settlement token into the calling contract and measures what actually arrived, so the caller
/// can refuse a fee-on-transfer or otherwise surprising token instead of booking what it was merely promised.
/// @dev The escrow (access fees) and the distributor (deposits) both pull this way; each reverts with its own
/// `…UnexpectedTransfer(expected, received)` when `received != amount`.
/// @dev Warning: the measure is this contract's balance before and after one `transferFrom`; tokens moved into it
/// by a callback during that call count as received (the callers' re-entrancy guards stop callbacks into them).
library ExactTransfer {
    using SafeERC20 for IERC20;

    /// @notice Pulls `amount` of `token` from `from` into this contract.
    /// @return received How much this contract's balance rose: 0 if it did not rise (a hostile token can even
    /// lower it, which is reported as nothing received rather than an underflow).
    /// @return balanceAfter This contract's balance after the pull.
    function pull(
        IERC20 token,
        address from,
        uint256 amount
    ) internal returns (uint256 received, uint256 balanceAfter) {
        uint256 balanceBefore = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        balanceAfter = token.balanceOf(address(this));
        received = balanceAfter > balanceBefore ? balanceAfter - balanceBefore : 0;
    }
}
