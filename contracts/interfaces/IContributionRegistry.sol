// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IContributionRegistry
/// @notice What was contributed, by whom, with what consent. A contribution is an encrypted data export
/// (e.g. a ChatGPT account export), identified by the keccak256 hash of its ciphertext, scored off-chain
/// by validators who sign an EIP-712 attestation, and rewarded in the governance token.
/// @dev Rules it keeps:
/// - a content hash registers once, ever (also after revocation);
/// - a source account (the salted hash of e.g. a ChatGPT user id) is bound to the first wallet that
///   contributed it, and has at most one active contribution: a newer export supersedes the older one in
///   the same transaction;
/// - weight = units × quality (bps); reward = (units beyond the most the source was ever paid for)
///   × quality × reward rate, minted within the token cap;
/// - consent is a bitmask of purposes; it governs future revenue only.
/// @dev Warning: validators are trusted to score honestly; a threshold of distinct validators
/// (governance-set) must sign the same attestation. Validators are EOAs (ECDSA signatures).
/// @dev Warning: contribution timestamps are not kept in storage (every bit of the packed slot is used);
/// they are the block times of the `Contributed`, `PurposesChanged` and `Revoked` events.
interface IContributionRegistry {
    /// @notice Lifecycle of a contribution.
    enum Status {
        None,
        Active,
        Revoked,
        Superseded
    }

    /// @notice What validators sign (EIP-712 struct `Attestation`).
    /// @param contributor The wallet that will own the contribution; must be the caller of `contribute`.
    /// @param contentHash keccak256 of the ciphertext.
    /// @param sourceHash Salted hash of the source account id (never the id).
    /// @param units Volume, as defined by the scorer version.
    /// @param quality Quality in basis points, 1..10000.
    /// @param scorerVersion Version of the off-chain scorer that produced units and quality.
    /// @param deadline Unix time after which the attestation is no longer accepted.
    struct Attestation {
        address contributor;
        bytes32 contentHash;
        bytes32 sourceHash;
        uint32 units;
        uint16 quality;
        uint32 scorerVersion;
        uint64 deadline;
    }

    /// @notice A registered contribution as returned by `contribution`.
    struct Contribution {
        address owner;
        Status status;
        uint16 purposes;
        uint32 units;
        uint16 quality;
        uint256 weight;
        /// @dev The most units its source had been paid for once this contribution was registered.
        uint32 sourcePaidUnits;
    }

    /// @notice Thrown when the caller of `contribute` is not the attested contributor.
    error RegistryNotContributor(address caller, address contributor);
    /// @notice Thrown when the attestation's deadline has passed.
    error RegistryAttestationExpired(uint64 deadline, uint256 now_);
    /// @notice Thrown when fewer signatures than the threshold are given.
    error RegistryBelowThreshold(uint256 signatures, uint256 threshold);
    /// @notice Thrown when a signature does not recover to a validator.
    error RegistryUnknownValidator(address signer);
    /// @notice Thrown when the same validator signs twice.
    error RegistryDuplicateValidator(address signer);
    /// @notice Thrown when signatures are not ordered by ascending signer address.
    error RegistryValidatorsNotAscending(address previous, address signer);
    /// @notice Thrown when a content hash was registered before.
    error RegistryDuplicateContent(bytes32 contentHash);
    /// @notice Thrown when the content hash is zero.
    error RegistryZeroContentHash();
    /// @notice Thrown when the source hash is zero.
    error RegistryZeroSourceHash();
    /// @notice Thrown when an attestation has zero units.
    error RegistryZeroUnits();
    /// @notice Thrown when quality is 0 or above 10000 bps.
    error RegistryQualityOutOfRange(uint16 quality);
    /// @notice Thrown when a purpose bit is set for a purpose that is not defined.
    error RegistryUnknownPurpose(uint16 purposes, uint16 defined);
    /// @notice Thrown when a source account is already bound to another wallet.
    error RegistrySourceBoundToOther(bytes32 sourceHash, address wallet);
    /// @notice Thrown when the caller does not own the contribution.
    error RegistryNotOwner(bytes32 contentHash, address caller, address owner);
    /// @notice Thrown when the contribution is not active (unknown, revoked or superseded).
    error RegistryNotActive(bytes32 contentHash, Status status);
    /// @notice Thrown when a purpose id is not below 16.
    error RegistryInvalidPurposeId(uint8 purpose);
    /// @notice Thrown when the attestation threshold is zero or above the number of validators (or the cap).
    error RegistryInvalidThreshold(uint256 threshold, uint256 validators);
    /// @notice Thrown when the reward rate is above `MAX_REWARD_RATE`.
    error RegistryRewardRateTooHigh(uint256 rate, uint256 max);
    /// @notice Thrown when constructor arrays differ in length or an address is zero.
    error RegistryInvalidConfiguration();

    /// @notice Emitted when a contribution is registered. The storage URI of the ciphertext lives here only.
    event Contributed(
        bytes32 indexed contentHash,
        address indexed owner,
        bytes32 indexed sourceHash,
        uint32 units,
        uint16 quality,
        uint16 purposes,
        uint256 reward,
        uint32 scorerVersion,
        string uri
    );
    /// @notice Emitted when a newer export of the same source supersedes `previous`.
    event Superseded(bytes32 indexed previous, bytes32 indexed next);
    /// @notice Emitted when the owner changes the consent of a contribution.
    event PurposesChanged(bytes32 indexed contentHash, uint16 oldPurposes, uint16 newPurposes);
    /// @notice Emitted when the owner revokes a contribution ("delete my data").
    event Revoked(bytes32 indexed contentHash, address indexed owner);
    /// @notice Emitted when governance defines or renames a purpose.
    event PurposeDefined(uint8 indexed purpose, string name, string metadataURI);
    /// @notice Emitted when governance changes the reward rate.
    event RewardRateChanged(uint256 oldRate, uint256 newRate);
    /// @notice Emitted when governance changes the attestation threshold.
    event AttestationThresholdChanged(uint256 oldThreshold, uint256 newThreshold);

    /// @notice Role of validators who sign attestations. Administered by the timelock.
    function VALIDATOR_ROLE() external view returns (bytes32);

    /// @notice Maximum number of purposes (bits of the consent mask).
    function MAX_PURPOSES() external view returns (uint8);

    /// @notice Upper bound of the reward rate, in token units per unit of weight.
    function MAX_REWARD_RATE() external view returns (uint256);

    /// @notice Upper bound of the attestation threshold.
    function MAX_THRESHOLD() external view returns (uint256);

    /// @notice EIP-712 typehash of `Attestation`.
    function ATTESTATION_TYPEHASH() external view returns (bytes32);

    /// @notice The governance token that rewards are minted in.
    function token() external view returns (address);

    /// @notice The revenue ledger that weights are reported to.
    function distributor() external view returns (address);

    /// @notice Registers a contribution with `signatures` (65-byte ECDSA, signers in ascending order) of at
    /// least `attestationThreshold()` distinct validators over `attestation`, consenting to `purposes`.
    /// @dev Supersedes the source's active contribution if there is one, and mints the reward for new units.
    /// @param uri Where the ciphertext is stored; emitted, not stored.
    function contribute(
        Attestation calldata attestation,
        bytes[] calldata signatures,
        uint16 purposes,
        string calldata uri
    ) external returns (uint256 reward);

    /// @notice Revokes `previous` and registers a new contribution, atomically ("update my data").
    function replace(
        bytes32 previous,
        Attestation calldata attestation,
        bytes[] calldata signatures,
        uint16 purposes,
        string calldata uri
    ) external returns (uint256 reward);

    /// @notice Changes the consent of an active contribution the caller owns; affects future revenue only.
    function setPurposes(bytes32 contentHash, uint16 purposes) external;

    /// @notice Revokes an active contribution the caller owns. Its weight leaves every purpose at once;
    /// revenue already earned stays claimable; the custodian must never release its key again.
    function revoke(bytes32 contentHash) external;

    /// @notice Defines or renames purpose `purpose` (0..15). Timelock only.
    function definePurpose(uint8 purpose, string calldata name, string calldata metadataURI) external;

    /// @notice Sets the reward rate (token units per unit of weight). Timelock only.
    function setRewardRate(uint256 rate) external;

    /// @notice Sets how many distinct validators must sign an attestation. Timelock only.
    function setAttestationThreshold(uint256 threshold) external;

    /// @notice The contribution registered under `contentHash` (status `None` if there is none).
    function contribution(bytes32 contentHash) external view returns (Contribution memory);

    /// @notice Whether `contentHash` is active and consents to `purpose`: whether its key may be released.
    function isEligible(bytes32 contentHash, uint8 purpose) external view returns (bool);

    /// @notice The wallet a source is bound to, its latest contribution and the most units it was paid for.
    function source(bytes32 sourceHash) external view returns (address wallet, bytes32 latest, uint32 paidUnits);

    /// @notice How many contributions `account` has registered, and how many of them are active.
    function contributionCount(address account) external view returns (uint32 total, uint32 active);

    /// @notice The bitmask of defined purposes.
    function definedPurposes() external view returns (uint16);

    /// @notice Name and metadata URI of `purpose`.
    function purposeInfo(uint8 purpose) external view returns (string memory name, string memory metadataURI);

    /// @notice Current reward rate (token units per unit of weight).
    function rewardRate() external view returns (uint256);

    /// @notice Current attestation threshold.
    function attestationThreshold() external view returns (uint256);

    /// @notice The EIP-712 digest validators sign for `attestation`.
    function attestationDigest(Attestation calldata attestation) external view returns (bytes32);
}
