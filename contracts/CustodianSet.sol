// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICustodianSet} from "./interfaces/ICustodianSet.sol";
import {Secp256k1PublicKey} from "./libraries/Secp256k1PublicKey.sol";

/// @title CustodianSet
/// @notice See {ICustodianSet}.
/// @dev A contract of its own rather than part of the escrow: contributors' clients read it to seal, independently
/// of any request; the escrow (21.6 KB of the 24 KB limit) keeps only the delivery tally; and the set's history
/// (every version, for contributions sealed long ago) is a concern of its own. The escrow pays one external call
/// (`seatOf`, two storage reads) per post for it.
contract CustodianSet is ICustodianSet {
    /// @dev Where an account sits: valid only while `version` is the current version, so a whole set is replaced
    /// without clearing the seats of custodians who left.
    struct Seat {
        uint32 version;
        uint8 slot;
    }

    /// @inheritdoc ICustodianSet
    uint8 public constant MAX_CUSTODIANS = 32;

    address private immutable _timelock;

    /// @dev The current version and its threshold, read together on every post: one slot.
    uint32 private _version;
    uint8 private _threshold;

    mapping(uint32 version => Custodian[] custodians) private _custodians;
    mapping(uint32 version => uint8 threshold) private _thresholds;
    mapping(address account => Seat seat) private _seats;

    modifier onlyTimelock() {
        if (msg.sender != _timelock) revert CustodianSetNotTimelock(msg.sender);
        _;
    }

    /// @param timelock_ The only account that changes the set.
    /// @param accounts The first set's accounts (version 1), in share order; empty to start at version 0, with no
    /// custodian.
    /// @param publicKeys Their public keys, in the same order (two lists so that deployment parameters stay flat).
    /// @param threshold_ Its k; ignored when `accounts` is empty.
    constructor(address timelock_, address[] memory accounts, bytes[] memory publicKeys, uint8 threshold_) {
        if (timelock_ == address(0)) revert CustodianSetZeroTimelock();
        if (accounts.length != publicKeys.length) {
            revert CustodianSetLengthMismatch(accounts.length, publicKeys.length);
        }
        _timelock = timelock_;
        if (accounts.length == 0) return;
        Custodian[] memory custodians = new Custodian[](accounts.length);
        for (uint256 i = 0; i < accounts.length; ++i) custodians[i] = Custodian(accounts[i], publicKeys[i]);
        _replace(custodians, threshold_);
    }

    /// @inheritdoc ICustodianSet
    function setCustodians(
        Custodian[] calldata custodians,
        uint8 threshold_
    ) external onlyTimelock returns (uint32 version) {
        return _replace(custodians, threshold_);
    }

    /// @inheritdoc ICustodianSet
    function currentVersion() external view returns (uint32) {
        return _version;
    }

    /// @inheritdoc ICustodianSet
    function threshold() external view returns (uint8) {
        return _threshold;
    }

    /// @inheritdoc ICustodianSet
    function custodiansAt(uint32 version) external view returns (Custodian[] memory custodians, uint8 threshold_) {
        uint32 current = _version;
        if (version > current) revert CustodianSetUnknownVersion(version, current);
        return (_custodians[version], _thresholds[version]);
    }

    /// @inheritdoc ICustodianSet
    function seatOf(address account) external view returns (uint32 version, uint8 threshold_, uint8 slot, bool member) {
        version = _version;
        threshold_ = _threshold;
        Seat memory seat = _seats[account];
        // Version 0 has no members, so a never-seated account (seat version 0) is never one.
        member = version != 0 && seat.version == version;
        if (member) slot = seat.slot;
    }

    /// @inheritdoc ICustodianSet
    function isCustodian(address account) external view returns (bool) {
        uint32 version = _version;
        return version != 0 && _seats[account].version == version;
    }

    /// @inheritdoc ICustodianSet
    function timelock() external view returns (address) {
        return _timelock;
    }

    /// @dev Validates and stores `custodians` as the next version and seats its members.
    function _replace(Custodian[] memory custodians, uint8 threshold_) private returns (uint32 version) {
        uint256 count = custodians.length;
        if (count == 0 || count > MAX_CUSTODIANS) revert CustodianSetInvalidSize(count, MAX_CUSTODIANS);
        if (threshold_ == 0 || threshold_ > count) revert CustodianSetInvalidThreshold(threshold_, count);
        // Checked arithmetic: 2^32 - 1 governance changes would be needed to overflow.
        version = _version + 1;
        Custodian[] storage stored = _custodians[version];
        address[] memory accounts = new address[](count);
        bytes[] memory publicKeys = new bytes[](count);
        for (uint256 i = 0; i < count; ++i) {
            Custodian memory c = custodians[i];
            if (c.account == address(0)) revert CustodianSetZeroAccount(i);
            if (!Secp256k1PublicKey.isValid(c.publicKey)) revert CustodianSetInvalidPublicKey(i, c.publicKey);
            // O(n²) over at most 32 entries, once per governance change: cheaper than a scratch mapping.
            for (uint256 j = 0; j < i; ++j) {
                if (accounts[j] == c.account) revert CustodianSetDuplicateAccount(c.account);
                if (keccak256(publicKeys[j]) == keccak256(c.publicKey)) {
                    revert CustodianSetDuplicatePublicKey(i, c.publicKey);
                }
            }
            accounts[i] = c.account;
            publicKeys[i] = c.publicKey;
            stored.push(c);
            // `i < MAX_CUSTODIANS` fits in a uint8.
            _seats[c.account] = Seat({version: version, slot: uint8(i)});
        }
        _thresholds[version] = threshold_;
        _version = version;
        _threshold = threshold_;
        emit CustodianSetChanged(version, threshold_, accounts, publicKeys);
    }
}
