// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ExactTransfer} from "../../libraries/ExactTransfer.sol";

/// @title ExactTransferHarness
/// @notice Test-only: exposes {ExactTransfer.pull} for its spec and reports what it measured.
contract ExactTransferHarness {
    /// @notice Emitted after each pull with what {ExactTransfer.pull} returned.
    event Pulled(uint256 received, uint256 balanceAfter);

    /// @notice Pulls `amount` of `token` from `from` (who approved this contract) and emits what arrived.
    function pull(
        IERC20 token,
        address from,
        uint256 amount
    ) external returns (uint256 received, uint256 balanceAfter) {
        (received, balanceAfter) = ExactTransfer.pull(token, from, amount);
        emit Pulled(received, balanceAfter);
    }
}
