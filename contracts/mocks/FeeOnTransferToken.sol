// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferToken
/// @notice Test-only hostile settlement token that takes a fee on every transfer (not on mint or burn).
/// @dev With `senderPays` off, the recipient receives `value - fee` (the classic fee-on-transfer token). With it
/// on, the recipient receives `value` and the sender is charged `fee` on top, so a sender loses more than it
/// sent. The fee is burned. Anyone may mint and change the fee: test-only.
contract FeeOnTransferToken is ERC20 {
    uint16 private _feeBps;
    bool private _senderPays;

    constructor(uint16 feeBps_) ERC20("Fee On Transfer", "FOT") {
        _feeBps = feeBps_;
    }

    /// @notice Mints `amount` to `to` (no fee).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Sets the fee, in bps of each transfer, and who pays it.
    function setFee(uint16 feeBps_, bool senderPays_) external {
        _feeBps = feeBps_;
        _senderPays = senderPays_;
    }

    /// @notice The current fee, in bps of each transfer.
    function feeBps() external view returns (uint16) {
        return _feeBps;
    }

    function _update(address from, address to, uint256 value) internal override {
        uint256 fee = (value * _feeBps) / 10_000;
        if (from == address(0) || to == address(0) || fee == 0) {
            super._update(from, to, value);
        } else if (_senderPays) {
            super._update(from, address(0), fee);
            super._update(from, to, value);
        } else {
            super._update(from, address(0), fee);
            super._update(from, to, value - fee);
        }
    }
}
