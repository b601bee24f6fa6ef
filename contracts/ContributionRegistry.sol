// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlEnumerable} from "@openzeppelin/contracts/access/extensions/AccessControlEnumerable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IContributionRegistry} from "./interfaces/IContributionRegistry.sol";
import {ICoopToken} from "./interfaces/ICoopToken.sol";
import {IRevenueDistributor} from "./interfaces/IRevenueDistributor.sol";
import {ContributionPacking} from "./libraries/ContributionPacking.sol";
import {PurposeMask} from "./libraries/PurposeMask.sol";

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
    uint8 public constant MAX_PURPOSES = PurposeMask.COUNT;
    /// @inheritdoc IContributionRegistry
    uint256 public constant MAX_REWARD_RATE = 1e18;
    /// @inheritdoc IContributionRegistry
    uint256 public constant MAX_THRESHOLD = 16;
    uint16 private constant _MAX_QUALITY = 10_000;

    /// @inheritdoc IContributionRegistry
    uint32 public constant MIN_MINT_PERIOD = 1 hours;
    /// @inheritdoc IContributionRegistry
    uint32 public constant MAX_MINT_PERIOD = 365 days;

    /// @dev Parameters read together on every contribution: one slot (64 + 8 + 16 + 32 + 32 + 104 = 256 bits).
    struct Params {
        uint64 rewardRate;
        uint8 threshold;
        uint16 definedPurposes;
        uint32 maxUnitsPerAttestation;
        uint32 mintPeriod;
        uint104 mintBudget;
    }

    /// @dev Tokens minted in the fixed window `index` (`block.timestamp / mintPeriod`): one slot.
    struct MintWindow {
        uint48 index;
        uint128 minted;
    }

    struct PurposeInfo {
        string name;
        string metadataURI;
    }

    ICoopToken private immutable _token;
    IRevenueDistributor private immutable _distributor;
    /// @dev The token's cap, read once: with it, one `totalSupply` read tells what can still be minted.
    uint256 private immutable _tokenCap;

    Params private _params;
    MintWindow private _mintWindow;
    mapping(bytes32 contentHash => IRevenueDistributor.Consent) private _consent;
    mapping(bytes32 contentHash => uint256 packed) private _contributions;
    mapping(bytes32 sourceHash => bytes32 latestContentHash) private _sources;
    mapping(uint8 purpose => PurposeInfo) private _purposeInfo;
    /// @dev The x and y coordinates of each validator's public key (its address cannot give it back).
    mapping(address validator => bytes32[2] xy) private _validatorKeys;

    /// @param token_ The governance token (this registry must be its minter).
    /// @param distributor_ The revenue ledger (this registry must be wired into it).
    /// @param timelock The only admin: parameters, purposes and validators.
    /// @param config Initial reward rate, attestation threshold, units per attestation and mint budget.
    /// @param validators Initial validators.
    /// @param purposeNames Names of the seeded purposes 0..n-1.
    /// @param purposeURIs Metadata URIs of the seeded purposes.
    constructor(
        ICoopToken token_,
        IRevenueDistributor distributor_,
        address timelock,
        RegistryConfig memory config,
        address[] memory validators,
        string[] memory purposeNames,
        string[] memory purposeURIs
    ) EIP712("DataCoop ContributionRegistry", "1") {
        if (address(token_) == address(0) || address(distributor_) == address(0) || timelock == address(0)) {
            revert RegistryZeroAddress();
        }
        if (purposeNames.length != purposeURIs.length) {
            revert RegistryPurposeLengthMismatch(purposeNames.length, purposeURIs.length);
        }
        if (purposeNames.length > MAX_PURPOSES) revert RegistryTooManyPurposes(purposeNames.length, MAX_PURPOSES);
        _token = token_;
        _distributor = distributor_;
        _tokenCap = token_.cap();
        _grantRole(DEFAULT_ADMIN_ROLE, timelock);
        for (uint256 i = 0; i < validators.length; ++i) {
            if (validators[i] == address(0)) revert RegistryZeroValidator(i);
            _grantRole(VALIDATOR_ROLE, validators[i]);
        }
        for (uint256 i = 0; i < purposeNames.length; ++i) {
            // i < MAX_PURPOSES = 16, checked above.
            _definePurpose(uint8(i), purposeNames[i], purposeURIs[i]);
        }
        _setRewardRate(config.rewardRate);
        _setAttestationThreshold(config.attestationThreshold);
        _setMaxUnitsPerAttestation(config.maxUnitsPerAttestation);
        _setMintBudget(config.mintBudget, config.mintPeriod);
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
        (uint32 epoch, ) = _distributor.currentEpoch();
        IRevenueDistributor.Consent memory consent = _consent[contentHash];
        uint16 pendingNow = consent.epoch == epoch ? consent.pending : 0;
        uint16 removed = oldPurposes & ~purposes;
        uint16 added = purposes & ~oldPurposes;
        // Consent given waits for the next epoch; consent withdrawn leaves at once, pending or not.
        uint16 pendingAfter = (pendingNow & ~removed) | added;
        _contributions[contentHash] = packed.withPurposes(purposes);
        if (pendingAfter != pendingNow) _consent[contentHash] = IRevenueDistributor.Consent(epoch, pendingAfter);
        emit PurposesChanged(contentHash, oldPurposes, purposes);
        if (removed | added != 0) {
            uint256 weight = packed.weight();
            _distributor.onConsentChange(msg.sender, removed, consent, weight, added, weight);
        }
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
    function publishValidatorPublicKeys(bytes[] calldata publicKeys) external {
        for (uint256 i = 0; i < publicKeys.length; ++i) {
            bytes calldata key = publicKeys[i];
            if (key.length != 65 || key[0] != 0x04) revert RegistryInvalidValidatorKey(i, key.length);
            address account = address(uint160(uint256(keccak256(key[1:65]))));
            if (!hasRole(VALIDATOR_ROLE, account)) revert RegistryKeyNotOfValidator(account);
            _validatorKeys[account] = [bytes32(key[1:33]), bytes32(key[33:65])];
            emit ValidatorPublicKeyPublished(account, key);
        }
    }

    /// @inheritdoc IContributionRegistry
    function setAttestationThreshold(uint256 threshold) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setAttestationThreshold(threshold);
    }

    /// @inheritdoc IContributionRegistry
    function setMaxUnitsPerAttestation(uint256 maxUnits) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMaxUnitsPerAttestation(maxUnits);
    }

    /// @inheritdoc IContributionRegistry
    function setMintBudget(uint256 budget, uint256 period) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMintBudget(budget, period);
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
        return PurposeMask.holds(effectivePurposes(contentHash), purpose);
    }

    /// @inheritdoc IContributionRegistry
    function effectivePurposes(bytes32 contentHash) public view returns (uint16) {
        uint256 packed = _contributions[contentHash];
        if (packed.status() != uint8(Status.Active)) return 0;
        (uint32 epoch, ) = _distributor.currentEpoch();
        IRevenueDistributor.Consent memory consent = _consent[contentHash];
        return consent.epoch == epoch ? packed.purposes() & ~consent.pending : packed.purposes();
    }

    /// @inheritdoc IContributionRegistry
    function pendingPurposes(bytes32 contentHash) external view returns (uint16) {
        uint256 packed = _contributions[contentHash];
        if (packed.status() != uint8(Status.Active)) return 0;
        (uint32 epoch, ) = _distributor.currentEpoch();
        IRevenueDistributor.Consent memory consent = _consent[contentHash];
        return consent.epoch == epoch ? packed.purposes() & consent.pending : 0;
    }

    /// @inheritdoc IContributionRegistry
    function source(bytes32 sourceHash) external view returns (address wallet, bytes32 latest, uint32 paidUnits) {
        latest = _sources[sourceHash];
        uint256 packed = _contributions[latest];
        return (packed.owner(), latest, packed.paidUnits());
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
    function maxUnitsPerAttestation() external view returns (uint256) {
        return _params.maxUnitsPerAttestation;
    }

    /// @inheritdoc IContributionRegistry
    function mintBudget() external view returns (uint256 budget, uint256 period) {
        return (_params.mintBudget, _params.mintPeriod);
    }

    /// @inheritdoc IContributionRegistry
    function mintableNow() public view returns (uint256) {
        Params memory params = _params;
        MintWindow memory window = _mintWindow;
        uint256 minted = window.index == block.timestamp / params.mintPeriod ? window.minted : 0;
        uint256 budgetLeft = params.mintBudget > minted ? params.mintBudget - minted : 0;
        uint256 capLeft = _tokenCap - _token.totalSupply();
        return budgetLeft < capLeft ? budgetLeft : capLeft;
    }

    /// @inheritdoc IContributionRegistry
    function maxRewardPerAttestation() external view returns (uint256) {
        Params memory params = _params;
        uint256 byUnits = uint256(params.maxUnitsPerAttestation) * _MAX_QUALITY * params.rewardRate;
        uint256 byBudget = params.mintBudget;
        uint256 capLeft = _tokenCap - _token.totalSupply();
        uint256 max = byUnits < byBudget ? byUnits : byBudget;
        return max < capLeft ? max : capLeft;
    }

    /// @inheritdoc IContributionRegistry
    function validatorPublicKey(address validator) external view returns (bytes memory) {
        bytes32[2] storage xy = _validatorKeys[validator];
        // x = 0 is not on the curve (7 is not a square mod p), so it marks "never published".
        if (xy[0] == bytes32(0) || !hasRole(VALIDATOR_ROLE, validator)) return "";
        return abi.encodePacked(bytes1(0x04), xy[0], xy[1]);
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
        if (a.units > params.maxUnitsPerAttestation) {
            revert RegistryTooManyUnits(a.units, params.maxUnitsPerAttestation);
        }
        if (a.quality == 0 || a.quality > _MAX_QUALITY) revert RegistryQualityOutOfRange(a.quality);
        _checkPurposes(purposes, params.definedPurposes);
        if (block.timestamp > a.deadline) revert RegistryAttestationExpired(a.deadline, block.timestamp);
        _verifySignatures(attestationDigest(a), signatures, params.threshold);
        if (_contributions[a.contentHash] != 0) revert RegistryDuplicateContent(a.contentHash);

        reward = _record(a, purposes, params);
        // The amount was cut to the budget and the cap above, so the token mints all of it.
        if (reward != 0) _token.mint(msg.sender, reward);
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

    /// @dev What a new contribution takes over from the source's previous one.
    struct Previous {
        uint16 purposes;
        IRevenueDistributor.Consent consent;
        uint32 paidUnits;
        uint256 weight;
    }

    /// @dev Binds the source to the caller (or checks the binding), supersedes the source's active
    /// contribution, works out the reward, stores the new contribution and moves the caller's weight from the
    /// superseded contribution to the new one (pending until the next epoch).
    function _record(Attestation calldata a, uint16 purposes, Params memory params) private returns (uint256 reward) {
        Previous memory prev = _supersede(a);
        uint32 rewarded;
        (rewarded, reward) = _reward(a, prev.paidUnits, params);
        _contributions[a.contentHash] = ContributionPacking.pack(
            msg.sender,
            a.units,
            // Only units actually rewarded count as paid (finding 7); rewarded <= units - paidUnits.
            prev.paidUnits + rewarded,
            a.quality,
            purposes,
            uint8(Status.Active)
        );
        _sources[a.sourceHash] = a.contentHash;
        if (prev.purposes != 0 || purposes != 0) {
            // The distributor tells the epoch: the new consent is pending in it.
            uint32 epoch = _distributor.onConsentChange(
                msg.sender,
                prev.purposes,
                prev.consent,
                prev.weight,
                purposes,
                uint256(a.units) * a.quality
            );
            if (purposes != 0) _consent[a.contentHash] = IRevenueDistributor.Consent(epoch, purposes);
        }
    }

    /// @dev Checks the source's binding and supersedes its active contribution, if any.
    function _supersede(Attestation calldata a) private returns (Previous memory prev) {
        bytes32 previous = _sources[a.sourceHash];
        if (previous == bytes32(0)) return prev;
        uint256 packed = _contributions[previous];
        if (packed.owner() != msg.sender) revert RegistrySourceBoundToOther(a.sourceHash, packed.owner());
        prev.paidUnits = packed.paidUnits();
        if (packed.status() != uint8(Status.Active)) return prev;
        prev.purposes = packed.purposes();
        prev.weight = packed.weight();
        prev.consent = _consent[previous];
        _contributions[previous] = packed.withStatus(uint8(Status.Superseded));
        emit Superseded(previous, a.contentHash);
    }

    /// @dev The reward for the units beyond the most this source was paid for, cut to what the mint budget of
    /// the current window and the token cap still allow, and rounded down to whole units: it returns how many
    /// units are rewarded and the tokens that pays. Cutting, rather than reverting, keeps honest registrations
    /// going while a compromised validator has exhausted the budget.
    function _reward(
        Attestation calldata a,
        uint32 paidBefore,
        Params memory params
    ) private returns (uint32 units, uint256 reward) {
        if (a.units <= paidBefore || params.rewardRate == 0) return (0, 0);
        uint256 perUnit = uint256(a.quality) * params.rewardRate;
        MintWindow memory window = _mintWindow;
        uint48 index = uint48(block.timestamp / params.mintPeriod);
        uint256 minted = window.index == index ? window.minted : 0;
        uint256 allowed = params.mintBudget > minted ? params.mintBudget - minted : 0;
        uint256 capLeft = _tokenCap - _token.totalSupply();
        if (capLeft < allowed) allowed = capLeft;
        uint256 wanted = uint256(a.units - paidBefore);
        uint256 affordable = allowed / perUnit;
        units = uint32(affordable < wanted ? affordable : wanted);
        if (units == 0) return (0, 0);
        reward = units * perUnit;
        // minted + reward <= mintBudget < 2^104.
        _mintWindow = MintWindow(index, uint128(minted + reward));
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
        emit Revoked(contentHash, msg.sender);
        uint16 purposes = packed.purposes();
        if (purposes != 0) {
            _distributor.onConsentChange(msg.sender, purposes, _consent[contentHash], packed.weight(), 0, 0);
        }
    }

    /// @dev The count of validators never falls below the threshold (finding 5): revoking or renouncing the
    /// role is refused when it would, so contributions can never stall for lack of signers.
    function _revokeRole(bytes32 role, address account) internal override returns (bool) {
        if (role == VALIDATOR_ROLE && hasRole(role, account)) {
            uint256 remaining = getRoleMemberCount(role) - 1;
            if (remaining < _params.threshold) revert RegistryValidatorsBelowThreshold(remaining, _params.threshold);
        }
        return super._revokeRole(role, account);
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
        if (!PurposeMask.isId(purpose)) revert RegistryInvalidPurposeId(purpose);
        _purposeInfo[purpose] = PurposeInfo(name, metadataURI);
        _params.definedPurposes |= uint16(1) << purpose;
        emit PurposeDefined(purpose, name, metadataURI);
    }

    function _setRewardRate(uint256 rate) private {
        if (rate > MAX_REWARD_RATE) revert RegistryRewardRateTooHigh(rate, MAX_REWARD_RATE);
        emit RewardRateChanged(_params.rewardRate, rate);
        // rate <= MAX_REWARD_RATE = 1e18 < 2^64.
        _params.rewardRate = uint64(rate);
    }

    function _setMaxUnitsPerAttestation(uint256 maxUnits) private {
        if (maxUnits == 0 || maxUnits > type(uint32).max) revert RegistryInvalidMaxUnits(maxUnits);
        emit MaxUnitsPerAttestationChanged(_params.maxUnitsPerAttestation, maxUnits);
        _params.maxUnitsPerAttestation = uint32(maxUnits);
    }

    function _setMintBudget(uint256 budget, uint256 period) private {
        if (budget > type(uint104).max || period < MIN_MINT_PERIOD || period > MAX_MINT_PERIOD) {
            revert RegistryInvalidMintBudget(budget, period);
        }
        emit MintBudgetChanged(budget, period);
        // Both fit, checked above. A window already under way keeps what it minted, counted against the new budget.
        _params.mintBudget = uint104(budget);
        _params.mintPeriod = uint32(period);
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
