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
///   × quality × reward rate, cut to whole units within the mint budget of the current window and the token
///   cap (finding 2). Only units actually rewarded are recorded as paid (finding 7): units contributed while the
///   rate is 0, or cut at the budget or the cap, are not paid and earn when the source contributes again;
/// - an attestation carries at most `maxUnitsPerAttestation()` units (governance-set);
/// - consent is a bitmask of purposes; it governs future revenue and future key releases only. Consent given
///   (a new contribution, a purpose added) takes effect at the start of the next consent epoch (see
///   `IRevenueDistributor`); consent withdrawn (a purpose removed, revoke, supersede) takes effect at once.
///   `isEligible` follows the same rule, so the set a delivery pays is the set whose keys it may release;
/// - the count of validators never falls below the attestation threshold (finding 5).
/// @dev Warning: validators are trusted to score honestly; a threshold of distinct validators
/// (governance-set) must sign the same attestation. Validators are EOAs (ECDSA signatures).
/// @dev Warning: a validator's ECIES public key is its Ethereum account key (`validatorPublicKey`): contributors
/// wrap data keys to it so the validator can decrypt and score the very ciphertext it signs for. The registry
/// checks that the key's address holds the role, so no one, the timelock included, can publish a key the
/// validator does not hold; a validator that wants another ECIES key uses another account.
/// @dev Warning: contribution timestamps are not kept in storage (every bit of the packed slot is used);
/// they are the block times of the `Contributed`, `PurposesChanged` and `Revoked` events.
interface IContributionRegistry {
    /// @notice Deployment parameters (see the setters for their bounds).
    /// @param rewardRate Governance tokens minted per unit of weight.
    /// @param attestationThreshold Distinct validator signatures an attestation needs.
    /// @param maxUnitsPerAttestation Most units one attestation may carry.
    /// @param mintBudget Most tokens minted as rewards per mint window.
    /// @param mintPeriod Length of a mint window, in seconds.
    struct RegistryConfig {
        uint256 rewardRate;
        uint256 attestationThreshold;
        uint256 maxUnitsPerAttestation;
        uint256 mintBudget;
        uint256 mintPeriod;
    }

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
    /// @param owner The wallet that registered it and may change its consent or revoke it.
    /// @param status Where it is in its lifecycle.
    /// @param purposes The purposes it consents to (bit `p` set: purpose `p`).
    /// @param units Volume, as attested.
    /// @param quality Quality in basis points, as attested.
    /// @param weight `units * quality`: its share of the revenue of every purpose it consents to.
    /// @param sourcePaidUnits The units its source had been rewarded for once it was registered.
    struct Contribution {
        address owner;
        Status status;
        uint16 purposes;
        uint32 units;
        uint16 quality;
        uint256 weight;
        /// @dev The units its source had been rewarded for once this contribution was registered (finding 7).
        uint32 sourcePaidUnits;
    }

    /// @notice Thrown when the caller of `contribute` is not the attested contributor.
    /// @param caller The account that called `contribute`.
    /// @param contributor The contributor named in the attestation.
    error RegistryNotContributor(address caller, address contributor);
    /// @notice Thrown when the attestation's deadline has passed.
    /// @param deadline The attestation's deadline.
    /// @param now_ The current block time.
    error RegistryAttestationExpired(uint64 deadline, uint256 now_);
    /// @notice Thrown when fewer signatures than the threshold are given.
    /// @param signatures How many signatures were given.
    /// @param threshold How many are needed.
    error RegistryBelowThreshold(uint256 signatures, uint256 threshold);
    /// @notice Thrown when a signature does not recover to a validator.
    /// @param signer The address a signature recovers to, which lacks `VALIDATOR_ROLE`.
    error RegistryUnknownValidator(address signer);
    /// @notice Thrown when the same validator signs twice.
    /// @param signer The validator that signed twice.
    error RegistryDuplicateValidator(address signer);
    /// @notice Thrown when signatures are not ordered by ascending signer address.
    /// @param previous The signer of the previous signature.
    /// @param signer The signer of this one, not above `previous`.
    error RegistryValidatorsNotAscending(address previous, address signer);
    /// @notice Thrown when a content hash was registered before.
    /// @param contentHash The content hash registered before.
    error RegistryDuplicateContent(bytes32 contentHash);
    /// @notice Thrown when the content hash is zero.
    error RegistryZeroContentHash();
    /// @notice Thrown when the source hash is zero.
    error RegistryZeroSourceHash();
    /// @notice Thrown when an attestation has zero units.
    error RegistryZeroUnits();
    /// @notice Thrown when quality is 0 or above 10000 bps.
    /// @param quality The attested quality.
    error RegistryQualityOutOfRange(uint16 quality);
    /// @notice Thrown when a purpose bit is set for a purpose that is not defined.
    /// @param purposes The purpose mask given.
    /// @param defined The mask of defined purposes.
    error RegistryUnknownPurpose(uint16 purposes, uint16 defined);
    /// @notice Thrown when a source account is already bound to another wallet.
    /// @param sourceHash The source account's hash.
    /// @param wallet The wallet it is bound to.
    error RegistrySourceBoundToOther(bytes32 sourceHash, address wallet);
    /// @notice Thrown when the caller does not own the contribution.
    /// @param contentHash The contribution.
    /// @param caller The account that called.
    /// @param owner The contribution's owner.
    error RegistryNotOwner(bytes32 contentHash, address caller, address owner);
    /// @notice Thrown when the contribution is not active (unknown, revoked or superseded).
    /// @param contentHash The contribution.
    /// @param status Its status (`None` if it was never registered).
    error RegistryNotActive(bytes32 contentHash, Status status);
    /// @notice Thrown when a purpose id is not below 16.
    /// @param purpose The purpose id given.
    error RegistryInvalidPurposeId(uint8 purpose);
    /// @notice Thrown when the attestation threshold is zero or above the number of validators (or the cap).
    /// @param threshold The threshold given.
    /// @param validators The number of validators now.
    error RegistryInvalidThreshold(uint256 threshold, uint256 validators);
    /// @notice Thrown when the reward rate is above `MAX_REWARD_RATE`.
    /// @param rate The rate given.
    /// @param max `MAX_REWARD_RATE`.
    error RegistryRewardRateTooHigh(uint256 rate, uint256 max);
    /// @notice Thrown when an attestation carries more units than `maxUnitsPerAttestation()`.
    /// @param units The attested units.
    /// @param max The most units an attestation may carry.
    error RegistryTooManyUnits(uint32 units, uint32 max);
    /// @notice Thrown when the most units per attestation is zero or does not fit 32 bits.
    /// @param maxUnits The value given.
    error RegistryInvalidMaxUnits(uint256 maxUnits);
    /// @notice Thrown when the mint budget does not fit 104 bits or its period is outside
    /// `[MIN_MINT_PERIOD, MAX_MINT_PERIOD]`.
    /// @param budget The budget given.
    /// @param period The period given, in seconds.
    error RegistryInvalidMintBudget(uint256 budget, uint256 period);
    /// @notice Thrown when revoking or renouncing a validator would leave fewer validators than the threshold.
    /// @param validators The number of validators that would remain.
    /// @param threshold The attestation threshold.
    error RegistryValidatorsBelowThreshold(uint256 validators, uint256 threshold);
    /// @notice Thrown at deployment when the token, the distributor or the timelock is the zero address.
    error RegistryZeroAddress();
    /// @notice Thrown at deployment when a validator given is the zero address.
    /// @param index Its position in the validators given.
    error RegistryZeroValidator(uint256 index);
    /// @notice Thrown at deployment when the seeded purposes' names and metadata URIs differ in number.
    /// @param names The number of names given.
    /// @param uris The number of metadata URIs given.
    error RegistryPurposeLengthMismatch(uint256 names, uint256 uris);
    /// @notice Thrown at deployment when more purposes are seeded than a consent mask holds.
    /// @param count The number of purposes given.
    /// @param max `MAX_PURPOSES` (16).
    error RegistryTooManyPurposes(uint256 count, uint256 max);
    /// @notice Thrown when a validator public key is not a 65-byte uncompressed SEC 1 key (`0x04 || x || y`).
    /// @param index Its position in the array given.
    /// @param length Its length, in bytes.
    error RegistryInvalidValidatorKey(uint256 index, uint256 length);
    /// @notice Thrown when the address of a public key (`keccak256(x || y)[12:]`) does not hold the validator role.
    /// @param account The address the key belongs to.
    error RegistryKeyNotOfValidator(address account);

    /// @notice Emitted when a contribution is registered. The storage URI of the ciphertext lives here only.
    /// @param contentHash keccak256 of the ciphertext.
    /// @param owner The contributor.
    /// @param sourceHash Salted hash of the source account.
    /// @param units Volume, as attested.
    /// @param quality Quality in basis points, as attested.
    /// @param purposes The purposes it consents to.
    /// @param reward Governance tokens minted for it (units beyond what the source was paid for, within the cap).
    /// @param scorerVersion Version of the scorer that produced units and quality.
    /// @param uri Where the ciphertext is stored.
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
    /// @param previous The contribution superseded (its weight leaves every purpose).
    /// @param next The contribution that replaces it.
    event Superseded(bytes32 indexed previous, bytes32 indexed next);
    /// @notice Emitted when the owner changes the consent of a contribution.
    /// @param contentHash The contribution.
    /// @param oldPurposes The purposes it consented to before.
    /// @param newPurposes The purposes it consents to now.
    event PurposesChanged(bytes32 indexed contentHash, uint16 oldPurposes, uint16 newPurposes);
    /// @notice Emitted when the owner revokes a contribution ("delete my data").
    /// @param contentHash The contribution.
    /// @param owner Its owner, who revoked it.
    event Revoked(bytes32 indexed contentHash, address indexed owner);
    /// @notice Emitted when governance defines or renames a purpose.
    /// @param purpose The purpose id (0..15).
    /// @param name Its name, e.g. `AI_TRAINING`.
    /// @param metadataURI Where its description lives.
    event PurposeDefined(uint8 indexed purpose, string name, string metadataURI);
    /// @notice Emitted when governance changes the reward rate.
    /// @param oldRate The rate before.
    /// @param newRate The rate now.
    event RewardRateChanged(uint256 oldRate, uint256 newRate);
    /// @notice Emitted when governance changes the most units per attestation.
    /// @param oldMax The bound before.
    /// @param newMax The bound now.
    event MaxUnitsPerAttestationChanged(uint256 oldMax, uint256 newMax);
    /// @notice Emitted when governance sets the mint budget.
    /// @param budget Most tokens minted as rewards per window.
    /// @param period Length of a window, in seconds.
    event MintBudgetChanged(uint256 budget, uint256 period);
    /// @notice Emitted when governance changes the attestation threshold.
    /// @param oldThreshold The threshold before.
    /// @param newThreshold The threshold now.
    event AttestationThresholdChanged(uint256 oldThreshold, uint256 newThreshold);
    /// @notice Emitted when a validator's ECIES public key is published.
    /// @param validator The validator (the key's address).
    /// @param publicKey Its uncompressed public key, `0x04 || x || y`.
    event ValidatorPublicKeyPublished(address indexed validator, bytes publicKey);

    /// @notice Role of validators who sign attestations. Administered by the timelock.
    /// @return The role id, `keccak256("VALIDATOR_ROLE")`.
    function VALIDATOR_ROLE() external view returns (bytes32);

    /// @notice Maximum number of purposes (bits of the consent mask).
    /// @return 16.
    function MAX_PURPOSES() external view returns (uint8);

    /// @notice Upper bound of the reward rate, in token units per unit of weight.
    /// @return 1e18 (one token per unit of weight).
    function MAX_REWARD_RATE() external view returns (uint256);

    /// @notice Upper bound of the attestation threshold.
    /// @return 16.
    function MAX_THRESHOLD() external view returns (uint256);

    /// @notice Shortest mint window, in seconds.
    /// @return 1 hour.
    function MIN_MINT_PERIOD() external view returns (uint32);

    /// @notice Longest mint window, in seconds.
    /// @return 365 days.
    function MAX_MINT_PERIOD() external view returns (uint32);

    /// @notice EIP-712 typehash of `Attestation`.
    /// @return keccak256 of the `Attestation` type string.
    function ATTESTATION_TYPEHASH() external view returns (bytes32);

    /// @notice The governance token that rewards are minted in.
    /// @return The CoopToken.
    function token() external view returns (address);

    /// @notice The revenue ledger that weights are reported to.
    /// @return The RevenueDistributor.
    function distributor() external view returns (address);

    /// @notice Registers a contribution with `signatures` (65-byte ECDSA, signers in ascending order) of at
    /// least `attestationThreshold()` distinct validators over `attestation`, consenting to `purposes`.
    /// @dev Supersedes the source's active contribution if there is one (its weight leaves at once), and mints
    /// the reward for new units, cut to the mint budget and the cap. The new weight joins its purposes pending:
    /// it earns, and its key may be released, from the start of the next consent epoch.
    /// @param attestation What the validators attest; `attestation.contributor` must be the caller.
    /// @param signatures The validators' signatures over `attestationDigest(attestation)`.
    /// @param purposes The purposes it consents to; every bit must be a defined purpose.
    /// @param uri Where the ciphertext is stored; emitted, not stored.
    /// @return reward Governance tokens minted to the caller.
    function contribute(
        Attestation calldata attestation,
        bytes[] calldata signatures,
        uint16 purposes,
        string calldata uri
    ) external returns (uint256 reward);

    /// @notice Revokes `previous` and registers a new contribution, atomically ("update my data").
    /// @param previous An active contribution the caller owns.
    /// @param attestation What the validators attest about the new one (see `contribute`).
    /// @param signatures The validators' signatures.
    /// @param purposes The purposes the new one consents to.
    /// @param uri Where the new ciphertext is stored.
    /// @return reward Governance tokens minted to the caller.
    function replace(
        bytes32 previous,
        Attestation calldata attestation,
        bytes[] calldata signatures,
        uint16 purposes,
        string calldata uri
    ) external returns (uint256 reward);

    /// @notice Changes the consent of an active contribution the caller owns; affects future revenue and key
    /// releases only. Purposes removed leave at once; purposes added take effect at the next consent epoch.
    /// @param contentHash The contribution.
    /// @param purposes The new purpose mask; every bit must be a defined purpose.
    function setPurposes(bytes32 contentHash, uint16 purposes) external;

    /// @notice Revokes an active contribution the caller owns. Its weight leaves every purpose at once;
    /// revenue already earned stays claimable; the custodian must never release its key again.
    /// @param contentHash The contribution.
    function revoke(bytes32 contentHash) external;

    /// @notice Defines or renames purpose `purpose` (0..15). Timelock only.
    /// @dev Warning: a purpose cannot be undefined, and renaming one keeps every consent given to it.
    /// @param purpose The purpose id.
    /// @param name Its name, e.g. `AI_TRAINING`.
    /// @param metadataURI Where its description lives.
    /// @custom:governance purposes: the name and metadata URI of purpose `purpose`, and the defined-purpose mask
    /// @custom:bounds `purpose < MAX_PURPOSES` (16); once defined, a purpose stays defined
    function definePurpose(uint8 purpose, string calldata name, string calldata metadataURI) external;

    /// @notice Sets the reward rate (token units per unit of weight). Timelock only.
    /// @dev Applies to contributions registered from now on.
    /// @param rate The new rate.
    /// @custom:governance `rewardRate`: governance tokens minted per unit of weight
    /// @custom:bounds `0 <= rate <= MAX_REWARD_RATE` (1e18); mints are always cut to the token cap
    function setRewardRate(uint256 rate) external;

    /// @notice Sets how many distinct validators must sign an attestation. Timelock only.
    /// @dev Revoking or renouncing a validator is refused while it would leave fewer validators than the
    /// threshold (`RegistryValidatorsBelowThreshold`): lower the threshold first.
    /// @param threshold The new threshold.
    /// @custom:governance `attestationThreshold`: distinct validator signatures an attestation needs
    /// @custom:bounds `1 <= threshold <= min(MAX_THRESHOLD, validators)` (`MAX_THRESHOLD` = 16)
    function setAttestationThreshold(uint256 threshold) external;

    /// @notice Sets the most units one attestation may carry. Timelock only.
    /// @dev The default is the largest export the scorer accepts (see `src/protocol/launch.ts`), so that one
    /// compromised validator key cannot mint more than one real export's worth per attestation.
    /// @param maxUnits The new bound.
    /// @custom:governance `maxUnitsPerAttestation`: the most units one attestation may carry
    /// @custom:bounds `1 <= maxUnits <= 2^32 - 1`
    function setMaxUnitsPerAttestation(uint256 maxUnits) external;

    /// @notice Sets the mint budget: at most `budget` tokens are minted as rewards in each fixed window
    /// `[k * period, (k + 1) * period)`. Timelock only.
    /// @dev A reward that would exceed what is left of the window's budget is cut to whole units within it
    /// (the contribution still registers and counts for revenue; the units cut are not recorded as paid), so a
    /// compromised validator can mint at most the budget per window and cannot block honest registrations.
    /// @dev Warning: two windows meet at a boundary, so up to twice the budget can be minted within one period
    /// that straddles it; choose the budget with that in mind.
    /// @param budget Most tokens per window.
    /// @param period Window length, in seconds.
    /// @custom:governance `mintBudget`, `mintPeriod`: most reward tokens minted per fixed window of `mintPeriod`
    /// seconds
    /// @custom:bounds `budget < 2^104`; `MIN_MINT_PERIOD <= period <= MAX_MINT_PERIOD` (1 hour..365 days)
    function setMintBudget(uint256 budget, uint256 period) external;

    /// @notice The contribution registered under `contentHash` (status `None` if there is none).
    /// @param contentHash keccak256 of the ciphertext.
    /// @return The contribution, all fields zero if there is none.
    function contribution(bytes32 contentHash) external view returns (Contribution memory);

    /// @notice Whether `contentHash` is active and its consent to `purpose` is effective in the current epoch:
    /// whether a delivery now may release its key (and pays it).
    /// @param contentHash The contribution.
    /// @param purpose The purpose id of the grant.
    /// @return True when it is active and its consent to `purpose` was given before the current epoch.
    function isEligible(bytes32 contentHash, uint8 purpose) external view returns (bool);

    /// @notice The purposes whose consent is effective now (zero unless active).
    /// @param contentHash The contribution.
    /// @return Bit `p` set when `isEligible(contentHash, p)`.
    function effectivePurposes(bytes32 contentHash) external view returns (uint16);

    /// @notice The purposes whose consent was given in the current epoch, effective from the next one.
    /// @param contentHash The contribution.
    /// @return Bit `p` set when consent to `p` is pending.
    function pendingPurposes(bytes32 contentHash) external view returns (uint16);

    /// @notice The wallet a source is bound to, its latest contribution and the most units it was paid for.
    /// @param sourceHash Salted hash of the source account.
    /// @return wallet The wallet bound to it (zero if none).
    /// @return latest Its most recent contribution.
    /// @return paidUnits The most units it was ever paid for.
    function source(bytes32 sourceHash) external view returns (address wallet, bytes32 latest, uint32 paidUnits);

    /// @notice The bitmask of defined purposes.
    /// @return Bit `p` set when purpose `p` is defined.
    function definedPurposes() external view returns (uint16);

    /// @notice Name and metadata URI of `purpose`.
    /// @param purpose The purpose id.
    /// @return name Its name (empty if undefined).
    /// @return metadataURI Where its description lives.
    function purposeInfo(uint8 purpose) external view returns (string memory name, string memory metadataURI);

    /// @notice Current reward rate (token units per unit of weight).
    /// @return Token units minted per unit of weight.
    function rewardRate() external view returns (uint256);

    /// @notice Current attestation threshold.
    /// @return How many distinct validators must sign an attestation.
    function attestationThreshold() external view returns (uint256);

    /// @notice The most units one attestation may carry.
    /// @return The bound.
    function maxUnitsPerAttestation() external view returns (uint256);

    /// @notice The mint budget and the length of its window.
    /// @return budget Most tokens minted as rewards per window.
    /// @return period Window length, in seconds.
    function mintBudget() external view returns (uint256 budget, uint256 period);

    /// @notice Tokens that can still be minted as rewards in the current window (budget and cap).
    /// @return The tokens left.
    function mintableNow() external view returns (uint256);

    /// @notice The most one attestation can be rewarded now: `maxUnitsPerAttestation * 10000 * rewardRate`, cut to
    /// the mint budget and to what is left below the cap (the votes one first contribution can bring).
    /// @return The bound, in token units.
    function maxRewardPerAttestation() external view returns (uint256);

    /// @notice The EIP-712 digest validators sign for `attestation`.
    /// @param attestation The attestation.
    /// @return The EIP-712 digest (domain: this registry on this chain).
    function attestationDigest(Attestation calldata attestation) external view returns (bytes32);

    /// @notice Publishes validators' ECIES public keys: each key's address (`keccak256(x || y)[12:]`, the
    /// Ethereum rule) must hold the validator role. Anyone may call it: a key whose address is the
    /// validator's is that validator's key (finding another would be a keccak preimage), so who submits it
    /// does not matter; the validator itself, its service or the deployer does. Publishing again is harmless.
    /// @dev The address check also proves the point is on the curve (it is the validator account's key).
    /// @param publicKeys Uncompressed SEC 1 keys, `0x04 || x || y` (65 bytes each).
    function publishValidatorPublicKeys(bytes[] calldata publicKeys) external;

    /// @notice The ECIES public key a validator published, to which contributors wrap data keys for it.
    /// @param validator The validator.
    /// @return The uncompressed key (`0x04 || x || y`), or empty bytes if none is published or `validator`
    /// no longer holds the role.
    function validatorPublicKey(address validator) external view returns (bytes memory);
}
