// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlEnumerable} from "@openzeppelin/contracts/access/extensions/AccessControlEnumerable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IContributionRegistry} from "./interfaces/IContributionRegistry.sol";
import {ICoopToken} from "./interfaces/ICoopToken.sol";
import {IRevenueDistributor} from "./interfaces/IRevenueDistributor.sol";
import {ContributionPacking} from "./libraries/ContributionPacking.sol";

/// @title ContributionRegistry
/// @notice See {IContributionRegistry}.
contract ContributionRegistry is IContributionRegistry, AccessControlEnumerable, EIP712 {
    using ContributionPacking for uint256;

    /// @inheritdoc IContributionRegistry
    bytes32 public constant VALIDATOR_ROLE = keccak256("VALIDATOR_ROLE");
    /// @inheritdoc IContributionRegistry
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(address contributor,bytes32 contentHash,bytes32 sourceHash,uint32 units,uint16 quality,uint32 scorerVersion,uint64 deadline)"
    );
    /// @inheritdoc IContributionRegistry
    uint8 public constant MAX_PURPOSES = 16;
    /// @inheritdoc IContributionRegistry
    uint256 public constant MAX_REWARD_RATE = 1e18;
    /// @inheritdoc IContributionRegistry
    uint256 public constant MAX_THRESHOLD = 16;
    uint16 private constant _MAX_QUALITY = 10_000;

    /// @dev Parameters read together on every contribution: one slot.
    struct Params {
        uint96 rewardRate;
        uint8 threshold;
        uint16 definedPurposes;
    }

    struct AccountCounts {
        uint32 total;
        uint32 active;
    }

    struct PurposeInfo {
        string name;
        string metadataURI;
    }

    ICoopToken private immutable _token;
    IRevenueDistributor private immutable _distributor;

    Params private _params;
    mapping(bytes32 contentHash => uint256 packed) private _contributions;
    mapping(bytes32 sourceHash => bytes32 latestContentHash) private _sources;
    mapping(address account => AccountCounts) private _counts;
    mapping(uint8 purpose => PurposeInfo) private _purposeInfo;

    /// @param token_ The governance token (this registry must be its minter).
    /// @param distributor_ The revenue ledger (this registry must be wired into it).
    /// @param timelock The only admin: parameters, purposes and validators.
    /// @param rewardRate_ Initial reward rate (token units per unit of weight).
    /// @param threshold_ Initial attestation threshold.
    /// @param validators Initial validators.
    /// @param purposeNames Names of the seeded purposes 0..n-1.
    /// @param purposeURIs Metadata URIs of the seeded purposes.
    constructor(
        ICoopToken token_,
        IRevenueDistributor distributor_,
        address timelock,
        uint256 rewardRate_,
        uint256 threshold_,
        address[] memory validators,
        string[] memory purposeNames,
        string[] memory purposeURIs
    ) EIP712("DataCoop ContributionRegistry", "1") {
        if (
            address(token_) == address(0) ||
            address(distributor_) == address(0) ||
            timelock == address(0) ||
            purposeNames.length != purposeURIs.length ||
            purposeNames.length > MAX_PURPOSES
        ) revert RegistryInvalidConfiguration();
        _token = token_;
        _distributor = distributor_;
        _grantRole(DEFAULT_ADMIN_ROLE, timelock);
        for (uint256 i = 0; i < validators.length; ++i) {
            if (validators[i] == address(0)) revert RegistryInvalidConfiguration();
            _grantRole(VALIDATOR_ROLE, validators[i]);
        }
        for (uint256 i = 0; i < purposeNames.length; ++i) {
            // i < MAX_PURPOSES = 16, checked above.
            _definePurpose(uint8(i), purposeNames[i], purposeURIs[i]);
        }
        _setRewardRate(rewardRate_);
        _setAttestationThreshold(threshold_);
    }

    // ---------------------------------------------------------------------------------------------
    // Contributors
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IContributionRegistry
    function contribute(
        Attestation calldata attestation,
        bytes[] calldata signatures,
        uint16 purposes,
        string calldata uri
    ) external returns (uint256 reward) {
        return _contribute(attestation, signatures, purposes, uri);
    }

    /// @inheritdoc IContributionRegistry
    function replace(
        bytes32 previous,
        Attestation calldata attestation,
        bytes[] calldata signatures,
        uint16 purposes,
        string calldata uri
    ) external returns (uint256 reward) {
        _revoke(previous);
        return _contribute(attestation, signatures, purposes, uri);
    }

    /// @inheritdoc IContributionRegistry
    function setPurposes(bytes32 contentHash, uint16 purposes) external {
        uint256 packed = _ownedActive(contentHash);
        _checkPurposes(purposes, _params.definedPurposes);
        uint16 oldPurposes = packed.purposes();
        _contributions[contentHash] = packed.withPurposes(purposes);
        emit PurposesChanged(contentHash, oldPurposes, purposes);
        uint256 weight = packed.weight();
        _distributor.onWeightChange(msg.sender, oldPurposes, weight, purposes, weight);
    }

    /// @inheritdoc IContributionRegistry
    function revoke(bytes32 contentHash) external {
        _revoke(contentHash);
    }

    // ---------------------------------------------------------------------------------------------
    // Governance (timelock only)
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IContributionRegistry
    function definePurpose(
        uint8 purpose,
        string calldata name,
        string calldata metadataURI
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _definePurpose(purpose, name, metadataURI);
    }

    /// @inheritdoc IContributionRegistry
    function setRewardRate(uint256 rate) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRewardRate(rate);
    }

    /// @inheritdoc IContributionRegistry
    function setAttestationThreshold(uint256 threshold) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setAttestationThreshold(threshold);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IContributionRegistry
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IContributionRegistry
    function distributor() external view returns (address) {
        return address(_distributor);
    }

    /// @inheritdoc IContributionRegistry
    function contribution(bytes32 contentHash) external view returns (Contribution memory c) {
        uint256 packed = _contributions[contentHash];
        c.owner = packed.owner();
        c.status = Status(packed.status());
        c.purposes = packed.purposes();
        c.units = packed.units();
        c.quality = packed.quality();
        c.weight = packed.weight();
        c.sourcePaidUnits = packed.paidUnits();
    }

    /// @inheritdoc IContributionRegistry
    function isEligible(bytes32 contentHash, uint8 purpose) external view returns (bool) {
        uint256 packed = _contributions[contentHash];
        return
            purpose < MAX_PURPOSES &&
            packed.status() == uint8(Status.Active) &&
            (packed.purposes() >> purpose) & 1 == 1;
    }

    /// @inheritdoc IContributionRegistry
    function source(bytes32 sourceHash) external view returns (address wallet, bytes32 latest, uint32 paidUnits) {
        latest = _sources[sourceHash];
        uint256 packed = _contributions[latest];
        return (packed.owner(), latest, packed.paidUnits());
    }

    /// @inheritdoc IContributionRegistry
    function contributionCount(address account) external view returns (uint32 total, uint32 active) {
        AccountCounts memory counts = _counts[account];
        return (counts.total, counts.active);
    }

    /// @inheritdoc IContributionRegistry
    function definedPurposes() external view returns (uint16) {
        return _params.definedPurposes;
    }

    /// @inheritdoc IContributionRegistry
    function purposeInfo(uint8 purpose) external view returns (string memory name, string memory metadataURI) {
        PurposeInfo storage info = _purposeInfo[purpose];
        return (info.name, info.metadataURI);
    }

    /// @inheritdoc IContributionRegistry
    function rewardRate() external view returns (uint256) {
        return _params.rewardRate;
    }

    /// @inheritdoc IContributionRegistry
    function attestationThreshold() external view returns (uint256) {
        return _params.threshold;
    }

    /// @inheritdoc IContributionRegistry
    function attestationDigest(Attestation calldata attestation) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        ATTESTATION_TYPEHASH,
                        attestation.contributor,
                        attestation.contentHash,
                        attestation.sourceHash,
                        attestation.units,
                        attestation.quality,
                        attestation.scorerVersion,
                        attestation.deadline
                    )
                )
            );
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    function _contribute(
        Attestation calldata a,
        bytes[] calldata signatures,
        uint16 purposes,
        string calldata uri
    ) private returns (uint256 reward) {
        Params memory params = _params;
        if (a.contributor != msg.sender) revert RegistryNotContributor(msg.sender, a.contributor);
        if (a.contentHash == bytes32(0)) revert RegistryZeroContentHash();
        if (a.sourceHash == bytes32(0)) revert RegistryZeroSourceHash();
        if (a.units == 0) revert RegistryZeroUnits();
        if (a.quality == 0 || a.quality > _MAX_QUALITY) revert RegistryQualityOutOfRange(a.quality);
        _checkPurposes(purposes, params.definedPurposes);
        if (block.timestamp > a.deadline) revert RegistryAttestationExpired(a.deadline, block.timestamp);
        _verifySignatures(attestationDigest(a), signatures, params.threshold);
        if (_contributions[a.contentHash] != 0) revert RegistryDuplicateContent(a.contentHash);

        uint32 paidBefore = _record(a, purposes);

        // Reward only the units beyond the most this source was ever paid for.
        if (a.units > paidBefore && params.rewardRate != 0) {
            reward = _token.mint(msg.sender, uint256(a.units - paidBefore) * a.quality * params.rewardRate);
        }
        _emitContributed(a, purposes, reward, uri);
    }

    function _emitContributed(Attestation calldata a, uint16 purposes, uint256 reward, string calldata uri) private {
        emit Contributed(
            a.contentHash,
            msg.sender,
            a.sourceHash,
            a.units,
            a.quality,
            purposes,
            reward,
            a.scorerVersion,
            uri
        );
    }

    /// @dev Binds the source to the caller (or checks the binding), supersedes the source's active
    /// contribution, stores the new one, updates the caller's counts and moves the caller's weight from the
    /// superseded contribution to the new one. Returns the units the source was paid for before.
    function _record(Attestation calldata a, uint16 purposes) private returns (uint32 paidBefore) {
        uint16 oldPurposes;
        uint256 oldWeight;
        bytes32 previous = _sources[a.sourceHash];
        AccountCounts memory counts = _counts[msg.sender];
        if (previous != bytes32(0)) {
            uint256 prev = _contributions[previous];
            if (prev.owner() != msg.sender) revert RegistrySourceBoundToOther(a.sourceHash, prev.owner());
            paidBefore = prev.paidUnits();
            if (prev.status() == uint8(Status.Active)) {
                oldPurposes = prev.purposes();
                oldWeight = prev.weight();
                _contributions[previous] = prev.withStatus(uint8(Status.Superseded));
                // The superseded contribution was active and owned by the caller: active >= 1.
                --counts.active;
                emit Superseded(previous, a.contentHash);
            }
        }
        _contributions[a.contentHash] = ContributionPacking.pack(
            msg.sender,
            a.units,
            a.units > paidBefore ? a.units : paidBefore,
            a.quality,
            purposes,
            uint8(Status.Active)
        );
        _sources[a.sourceHash] = a.contentHash;
        ++counts.total;
        ++counts.active;
        _counts[msg.sender] = counts;
        if (oldPurposes != 0 || purposes != 0) {
            _distributor.onWeightChange(msg.sender, oldPurposes, oldWeight, purposes, uint256(a.units) * a.quality);
        }
    }

    /// @dev Requires `threshold` signatures from distinct validators, ordered by ascending signer address
    /// (so distinctness costs no storage). Extra valid signatures beyond the threshold are accepted.
    function _verifySignatures(bytes32 digest, bytes[] calldata signatures, uint256 threshold) private view {
        if (signatures.length < threshold) revert RegistryBelowThreshold(signatures.length, threshold);
        address previous;
        for (uint256 i = 0; i < signatures.length; ++i) {
            (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError || !hasRole(VALIDATOR_ROLE, signer)) {
                revert RegistryUnknownValidator(signer);
            }
            if (signer == previous) revert RegistryDuplicateValidator(signer);
            if (signer < previous) revert RegistryValidatorsNotAscending(previous, signer);
            previous = signer;
        }
    }

    function _revoke(bytes32 contentHash) private {
        uint256 packed = _ownedActive(contentHash);
        _contributions[contentHash] = packed.withStatus(uint8(Status.Revoked));
        // The contribution was active and owned by the caller: active >= 1.
        --_counts[msg.sender].active;
        emit Revoked(contentHash, msg.sender);
        uint16 purposes = packed.purposes();
        if (purposes != 0) _distributor.onWeightChange(msg.sender, purposes, packed.weight(), 0, 0);
    }

    function _ownedActive(bytes32 contentHash) private view returns (uint256 packed) {
        packed = _contributions[contentHash];
        if (packed.status() != uint8(Status.Active)) revert RegistryNotActive(contentHash, Status(packed.status()));
        if (packed.owner() != msg.sender) revert RegistryNotOwner(contentHash, msg.sender, packed.owner());
    }

    function _checkPurposes(uint16 purposes, uint16 defined) private pure {
        if (purposes & ~defined != 0) revert RegistryUnknownPurpose(purposes, defined);
    }

    function _definePurpose(uint8 purpose, string memory name, string memory metadataURI) private {
        if (purpose >= MAX_PURPOSES) revert RegistryInvalidPurposeId(purpose);
        _purposeInfo[purpose] = PurposeInfo(name, metadataURI);
        _params.definedPurposes |= uint16(1) << purpose;
        emit PurposeDefined(purpose, name, metadataURI);
    }

    function _setRewardRate(uint256 rate) private {
        if (rate > MAX_REWARD_RATE) revert RegistryRewardRateTooHigh(rate, MAX_REWARD_RATE);
        emit RewardRateChanged(_params.rewardRate, rate);
        // rate <= MAX_REWARD_RATE = 1e18 < 2^96.
        _params.rewardRate = uint96(rate);
    }

    function _setAttestationThreshold(uint256 threshold) private {
        uint256 validators = getRoleMemberCount(VALIDATOR_ROLE);
        if (threshold == 0 || threshold > MAX_THRESHOLD || threshold > validators) {
            revert RegistryInvalidThreshold(threshold, validators);
        }
        emit AttestationThresholdChanged(_params.threshold, threshold);
        // threshold <= MAX_THRESHOLD = 16.
        _params.threshold = uint8(threshold);
    }
}
