// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ICustodianSet
/// @notice The key custodians of a DataCoop deployment: each custodian's account and secp256k1 public key, the
/// threshold k of custodians whose shares rebuild a data key, and a version that increments on every change.
/// Contributors split each data key k-of-n among the current set's keys and record the version in their
/// descriptor; the AccessEscrow releases a fee once k distinct custodians of the current version have posted
/// their share manifests for the same eligible set.
///
/// Every change replaces the whole set at once (`setCustodians`, timelock only), so a proposal that swaps a
/// custodian and changes k makes one new version, never an intermediate one. Every version stays readable
/// (`custodiansAt`), so a buyer or an auditor can check which keys a contribution sealed for an older version
/// was split among.
///
/// @dev Version 0 is the empty set: no custodian, no delivery possible, nothing can be sealed.
/// @dev Warning: a contribution sealed for version `v` can be opened only while at least `thresholdAt(v)` of
/// version `v`'s custodians still hold their shares; removing custodians does not move shares (resharing is not
/// built; see SECURITY.md). Governance must keep k of every live version in office, or accept that the
/// contributions sealed for it become unreadable to future buyers (they stop being paid only when their owners
/// revoke).
/// @dev Warning: each custodian is trusted to keep its share secret and to re-wrap only shares of eligible
/// contributions; any k custodians colluding can rebuild every data key sealed for a version they form k of.
interface ICustodianSet {
    /// @notice One custodian.
    /// @param account The address that posts share manifests to the escrow.
    /// @param publicKey Its secp256k1 public key (33 bytes compressed or 65 uncompressed), shares are wrapped to.
    struct Custodian {
        address account;
        bytes publicKey;
    }

    /// @notice Thrown when someone other than the timelock changes the set.
    error CustodianSetNotTimelock(address caller);
    /// @notice Thrown when the timelock given at deployment is the zero address.
    error CustodianSetZeroTimelock();
    /// @notice Thrown when the deployment lists a different number of accounts and public keys.
    error CustodianSetLengthMismatch(uint256 accounts, uint256 publicKeys);
    /// @notice Thrown when a set would have no custodian or more than `MAX_CUSTODIANS`.
    error CustodianSetInvalidSize(uint256 count, uint256 max);
    /// @notice Thrown when the threshold is not within `[1, count]`.
    error CustodianSetInvalidThreshold(uint8 threshold, uint256 count);
    /// @notice Thrown when custodian `index` has the zero address.
    error CustodianSetZeroAccount(uint256 index);
    /// @notice Thrown when an account appears twice in one set.
    error CustodianSetDuplicateAccount(address account);
    /// @notice Thrown when custodian `index`'s public key is not a secp256k1 point encoding.
    error CustodianSetInvalidPublicKey(uint256 index, bytes publicKey);
    /// @notice Thrown when custodians `index` and an earlier one have the same public key.
    error CustodianSetDuplicatePublicKey(uint256 index, bytes publicKey);
    /// @notice Thrown when a version that was never made is read.
    error CustodianSetUnknownVersion(uint32 version, uint32 currentVersion);

    /// @notice Emitted when governance replaces the set; `version` is the new one.
    /// @param version The new set version (the previous one plus one).
    /// @param threshold Shares needed to rebuild a key sealed for this version.
    /// @param accounts The custodians' accounts, in share order (share `i + 1` goes to `accounts[i]`).
    /// @param publicKeys Their public keys, in the same order.
    event CustodianSetChanged(uint32 indexed version, uint8 threshold, address[] accounts, bytes[] publicKeys);

    /// @notice Most custodians in one set (the off-chain splitter's limit, `MAX_CUSTODIANS` in src/crypto).
    /// @return 32.
    function MAX_CUSTODIANS() external view returns (uint8);

    /// @notice Replaces the whole custodian set and threshold; the version increments. Timelock only.
    /// @dev Every in-flight delivery round restarts (posts made under the previous version stop counting; the
    /// custodians still in office post again). Contributions sealed for older versions keep their shares.
    /// @custom:governance `custodiansAt(currentVersion())`: who holds key shares and how many must deliver
    /// @custom:bounds `1 <= custodians.length <= MAX_CUSTODIANS` (32), `1 <= threshold <= custodians.length`, distinct
    /// non-zero accounts, distinct valid secp256k1 public keys
    /// @param custodians The new custodians, in share order.
    /// @param threshold The new k.
    /// @return version The new version.
    function setCustodians(Custodian[] calldata custodians, uint8 threshold) external returns (uint32 version);

    /// @notice The current set version (0 until the first set).
    /// @return The version contributions are sealed for now.
    function currentVersion() external view returns (uint32);

    /// @notice The current threshold k (0 for the empty set).
    /// @return How many custodians' shares rebuild a key sealed now, and how many posts release a fee.
    function threshold() external view returns (uint8);

    /// @notice The custodians of version `version`, in share order, and its threshold.
    /// @param version A version from 0 to `currentVersion()`.
    /// @return custodians The custodians (empty for version 0).
    /// @return threshold_ Its k (0 for version 0).
    function custodiansAt(uint32 version) external view returns (Custodian[] memory custodians, uint8 threshold_);

    /// @notice Where `account` sits in the current set, read in one call on the escrow's delivery path.
    /// @param account Any address.
    /// @return version The current version.
    /// @return threshold_ Its k.
    /// @return slot The account's position in the set (0-based; share index `slot + 1`), 0 if not a member.
    /// @return member Whether `account` is a custodian of the current version.
    function seatOf(address account) external view returns (uint32 version, uint8 threshold_, uint8 slot, bool member);

    /// @notice Whether `account` is a custodian of the current version.
    /// @param account Any address.
    /// @return True for a current custodian.
    function isCustodian(address account) external view returns (bool);

    /// @notice The timelock, the only account that changes the set.
    /// @return The timelock.
    function timelock() external view returns (address);
}
