// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Votes} from "@openzeppelin/contracts/governance/utils/Votes.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

import {ICoopToken} from "./interfaces/ICoopToken.sol";

/// @title CoopToken
/// @notice See {ICoopToken}.
contract CoopToken is ERC20, ERC20Permit, ERC20Votes, ICoopToken {
    uint256 private immutable _cap;
    /// @dev The deployer, whose only power is to set the minter once.
    address private immutable _wirer;

    address private _minter;
    /// @dev Accounts that explicitly delegated to the zero address; they are never auto-delegated.
    mapping(address account => bool optedOut) private _delegationOptOut;

    /// @param name_ Token name (also the EIP-712 domain name for permits).
    /// @param symbol_ Token symbol.
    /// @param cap_ Hard cap on total supply.
    /// @param treasury Receiver of the initial supply (ignored when `initialSupply` is zero).
    /// @param initialSupply Optional supply minted to `treasury` at deployment.
    constructor(
        string memory name_,
        string memory symbol_,
        uint256 cap_,
        address treasury,
        uint256 initialSupply
    ) ERC20(name_, symbol_) ERC20Permit(name_) {
        if (cap_ == 0 || cap_ > type(uint208).max) revert CoopTokenInvalidCap(cap_);
        if (initialSupply > cap_ || (initialSupply != 0 && treasury == address(0))) {
            revert CoopTokenInvalidInitialSupply(treasury, initialSupply, cap_);
        }
        _cap = cap_;
        _wirer = msg.sender;
        if (initialSupply != 0) _mint(treasury, initialSupply);
    }

    /// @inheritdoc ICoopToken
    function cap() external view returns (uint256) {
        return _cap;
    }

    /// @inheritdoc ICoopToken
    function minter() external view returns (address) {
        return _minter;
    }

    /// @inheritdoc ICoopToken
    function setMinter(address newMinter) external {
        if (msg.sender != _wirer) revert CoopTokenUnauthorizedWirer(msg.sender);
        if (_minter != address(0)) revert CoopTokenMinterAlreadySet(_minter);
        if (newMinter == address(0)) revert CoopTokenZeroMinter();
        _minter = newMinter;
        emit MinterSet(newMinter);
    }

    /// @inheritdoc ICoopToken
    function mint(address to, uint256 amount) external returns (uint256 minted) {
        if (msg.sender != _minter) revert CoopTokenUnauthorizedMinter(msg.sender);
        // The cap can never be below the supply (every mint is cut to it), so this cannot underflow.
        uint256 remaining = _cap - totalSupply();
        minted = amount < remaining ? amount : remaining;
        if (minted == 0) return 0;
        if (!_delegationOptOut[to] && delegates(to) == address(0)) _delegate(to, to);
        _mint(to, minted);
    }

    /// @notice The ERC-6372 clock: the block timestamp.
    function clock() public view override(IERC6372, Votes) returns (uint48) {
        return Time.timestamp();
    }

    /// @notice The ERC-6372 clock mode.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override(IERC6372, Votes) returns (string memory) {
        return "mode=timestamp";
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev Records an explicit delegation to nobody, so that minting never overrides that choice.
    function _delegate(address account, address delegatee) internal override {
        if (delegatee == address(0) && !_delegationOptOut[account]) _delegationOptOut[account] = true;
        super._delegate(account, delegatee);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
