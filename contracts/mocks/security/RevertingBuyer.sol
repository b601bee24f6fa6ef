// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IAccessEscrow} from "../../interfaces/IAccessEscrow.sol";

/// @title RevertingBuyer
/// @notice Test-only hostile buyer: a contract that requests access and reverts on every call it does not expect
/// and on every ether transfer, as a buyer trying to make its own refund (and any batch containing it) fail would.
contract RevertingBuyer {
    using SafeERC20 for IERC20;

    /// @notice Thrown by every unexpected call or payment.
    error RevertingBuyerRefuses();

    IAccessEscrow private immutable _escrow;

    /// @param escrow_ The escrow to buy from.
    constructor(IAccessEscrow escrow_) {
        _escrow = escrow_;
    }

    /// @notice Requests access, paying `amount` of the settlement token this contract holds.
    function request(
        uint8 purpose,
        uint256 amount,
        uint32 duration,
        bytes32 termsHash,
        bytes calldata publicKey
    ) external returns (uint256) {
        _escrow.settlementToken().forceApprove(address(_escrow), amount);
        return _escrow.requestAccess(purpose, amount, duration, termsHash, "", publicKey);
    }

    /// @notice Cancels a pending request of this contract.
    function cancel(uint256 requestId) external {
        _escrow.cancel(requestId);
    }

    /// @notice Refuses ether.
    receive() external payable {
        revert RevertingBuyerRefuses();
    }

    /// @notice Refuses every other call (e.g. a token's transfer hook).
    fallback() external payable {
        revert RevertingBuyerRefuses();
    }
}
