// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @title ReentrantToken
/// @notice Test-only hostile settlement token that, once armed, calls back into `target` with `data` in the middle
/// of its next transfer (after balances move), as a token with transfer hooks could.
/// @dev The callback fires once per arming. With `bubble` on, a failed callback reverts the transfer with the
/// callee's own revert data; with it off, the outcome is recorded (`lastCallback`) and the transfer goes on.
/// Anyone may mint and arm: test-only.
contract ReentrantToken is ERC20 {
    address private _target;
    bytes private _data;
    bool private _bubble;
    bool private _armed;

    bool private _lastSucceeded;
    bytes private _lastReturnData;
    uint256 private _callbacks;

    constructor() ERC20("Reentrant", "REENT") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the callback: the next transfer calls `target` with `data`.
    function arm(address target, bytes calldata data, bool bubble) external {
        _target = target;
        _data = data;
        _bubble = bubble;
        _armed = true;
    }

    /// @notice How many callbacks ran, and whether the last one succeeded and what it returned.
    function lastCallback() external view returns (uint256 callbacks, bool succeeded, bytes memory returnData) {
        return (_callbacks, _lastSucceeded, _lastReturnData);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (!_armed || from == address(0) || to == address(0)) return;
        _armed = false;
        _callbacks += 1;
        if (_bubble) {
            Address.functionCall(_target, _data);
            _lastSucceeded = true;
            return;
        }
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = _target.call(_data);
        _lastSucceeded = ok;
        _lastReturnData = ret;
    }
}
