// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IRevenueDistributor
/// @notice Splits every released access fee among the contributors who consent to its purpose, in
/// proportion to their weight, with O(1) deposits and claims that cost O(purposes claimed).
/// @dev Per purpose `p` the ledger keeps the effective `totalWeight[p]` and an accumulator `acc[p]` of revenue
/// per unit of effective weight, scaled by `PRECISION`. Per account and purpose it keeps an effective `weight`
/// with a `debt` so that `earnedScaled = weight * acc - debt`. Every weight change settles first by moving
/// `debt`, so earnings are never lost or created by a weight change. A deposit adds
/// `(amount * PRECISION + carry) / totalWeight` to the accumulator and carries the remainder to the next
/// deposit of that purpose.
/// @dev Consent epochs (finding 1): time is cut into epochs of `consentEpoch()` seconds. Weight that *joins*
/// a purpose (consent given: a new contribution, a purpose added) is pending until the epoch after the one it
/// joined in; weight that *leaves* (consent withdrawn: purpose removed, revoke, supersede) leaves at once. How
/// the ledger applies pending weight at epoch boundaries, keeping deposits O(1) and claims O(purposes held):
/// - per purpose there is a single pending bucket, tagged with the epoch its weight joined in (an older bucket
///   is always effective already, so one is enough). The first touch of the purpose in a later epoch (a
///   deposit, or any weight change) *rolls* it: its weight joins `totalWeight` and the accumulator at that
///   moment is recorded as the bucket's starting point. Deposits roll before crediting, so no revenue ever
///   passes between the end of the bucket's epoch and its roll: pending weight earns nothing from deposits
///   made in its own epoch and everything from the first deposit after it;
/// - per account and purpose there is one pending entry (weight and epoch). Once its epoch is over it earns
///   `weight * (acc - accAt[epoch]) - paid`, where `accAt[epoch]` is the recorded starting point; the next
///   weight change folds it into the account's effective weight.
/// So the weight a deposit pays is exactly the weight that was effective at the start of the deposit's epoch,
/// minus what has left since: the contributions whose keys a delivery in that epoch may release.
/// @dev Precision and width (finding 3): accumulators wrap modulo 2^192 and settled amounts are kept modulo
/// the width of their field; only differences are ever paid, and each is below its modulus as long as the
/// distributor holds at most `MAX_BALANCE` tokens. No sequence of deposits can make a purpose refuse later ones.
/// @dev Conservation, always: `settlementToken.balanceOf(this) * PRECISION == Σ earnedScaled + Σ carry`
/// (tokens sent here by plain transfer are outside the ledger and never paid out).
/// @dev Warning: only the registry changes weights and only holders of `DEPOSITOR_ROLE` deposit; both are
/// trusted to report truthfully. The registry is set once at deployment.
/// @dev Warning: incoming transfers are checked (a deposit must arrive in full), outgoing ones are not: a
/// settlement token that charges the sender a fee on transfer would make claims drain more than they pay and
/// leave the last claimants short. Deploy only with a plain ERC-20 settlement token (e.g. USDC).
interface IRevenueDistributor {
    /// @notice The consent record the registry keeps per contribution: the purposes whose consent was given in
    /// `epoch` (pending while `epoch` is the current one).
    /// @param epoch The consent epoch of the last consent given.
    /// @param pending The purposes given in it.
    struct Consent {
        uint32 epoch;
        uint16 pending;
    }

    /// @notice Thrown when a caller other than the registry reports a weight change.
    /// @param caller The account that called `onConsentChange`.
    error DistributorUnauthorizedRegistry(address caller);
    /// @notice Thrown when anyone but the deployer wires the distributor, or when it is wired twice.
    /// @param caller The account that called `wire`.
    error DistributorUnauthorizedWiring(address caller);
    /// @notice Thrown when an address that must be set is zero.
    error DistributorZeroAddress();
    /// @notice Thrown when claimed revenue would be paid to the zero address or to the distributor itself,
    /// where it would be locked outside the ledger.
    error DistributorInvalidRecipient(address to);
    /// @notice Thrown when the purpose id is not below 16.
    /// @param purpose The purpose id given.
    error DistributorInvalidPurpose(uint8 purpose);
    /// @notice Thrown when a deposit or claim amount is zero.
    error DistributorZeroAmount();
    /// @notice Thrown when a deposit targets a purpose no weight consents to.
    /// @param purpose The purpose of the deposit.
    error DistributorNoConsentingWeight(uint8 purpose);
    /// @notice Thrown when the tokens that arrived differ from the amount deposited (fee-on-transfer).
    /// @param expected The amount deposited.
    /// @param received The balance increase observed.
    error DistributorUnexpectedTransfer(uint256 expected, uint256 received);
    /// @notice Thrown when a deposit would leave the distributor holding more than `MAX_BALANCE` tokens.
    /// @param balance The balance the deposit would produce.
    /// @param max `MAX_BALANCE`.
    error DistributorBalanceTooLarge(uint256 balance, uint256 max);
    /// @notice Thrown when a consent epoch length is outside `[MIN_CONSENT_EPOCH, MAX_CONSENT_EPOCH]`.
    /// @param length The length given, in seconds.
    /// @param min `MIN_CONSENT_EPOCH`.
    /// @param max `MAX_CONSENT_EPOCH`.
    error DistributorConsentEpochOutOfRange(uint32 length, uint32 min, uint32 max);
    /// @notice Thrown when a purpose's effective and pending weight together would leave their range (uint64).
    /// @param purpose The purpose.
    /// @param weight The weight that does not fit.
    error DistributorWeightOverflow(uint8 purpose, uint256 weight);
    /// @notice Thrown when a weight decrease is larger than the weight held.
    /// @param account The account.
    /// @param purpose The purpose.
    /// @param weight The weight it holds.
    /// @param decrease The decrease reported.
    error DistributorWeightUnderflow(address account, uint8 purpose, uint256 weight, uint256 decrease);

    /// @notice Emitted once, when the deployer wires the registry (and optionally a first depositor).
    /// @param registry The ContributionRegistry.
    /// @param depositor The account granted `DEPOSITOR_ROLE` (zero if none).
    event Wired(address indexed registry, address indexed depositor);
    /// @notice Emitted when the registry reports a consent change of `account`: `leftWeight` leaves every
    /// purpose of `left` (at once; `leftPending` are those where it was still pending) and `joinedWeight`
    /// joins every purpose of `joined`, pending until the epoch after `epoch`.
    /// @param account The contributor.
    /// @param epoch The current consent epoch.
    /// @param left The purposes the weight left.
    /// @param leftPending The purposes of `left` where the weight had joined in this epoch (it never earned).
    /// @param leftWeight The weight removed from each purpose of `left`.
    /// @param joined The purposes the weight joined.
    /// @param joinedWeight The weight added, pending, to each purpose of `joined`.
    event ConsentChanged(
        address indexed account,
        uint32 epoch,
        uint16 left,
        uint16 leftPending,
        uint256 leftWeight,
        uint16 joined,
        uint256 joinedWeight
    );
    /// @notice Emitted when the pending bucket of `purpose` that joined in `epoch` becomes effective.
    /// @param purpose The purpose.
    /// @param epoch The epoch the weight joined in.
    /// @param weight The weight that became effective.
    /// @param accumulator The accumulator it earns from.
    event PendingWeightEffective(uint8 indexed purpose, uint32 epoch, uint256 weight, uint256 accumulator);
    /// @notice Emitted when the consent epoch length is set; epoch `firstEpoch` starts now.
    /// @param oldLength The length before, in seconds (zero at deployment).
    /// @param newLength The length now, in seconds.
    /// @param firstEpoch The number of the epoch that starts now.
    event ConsentEpochChanged(uint32 oldLength, uint32 newLength, uint32 firstEpoch);
    /// @notice Emitted for every deposit; `accumulator` and `carry` are the purpose's values after it.
    /// @param purpose The purpose credited.
    /// @param depositor Who paid.
    /// @param amount Settlement tokens deposited.
    /// @param accumulator The purpose's accumulator after the deposit.
    /// @param carry The scaled remainder carried to its next deposit.
    event Deposited(
        uint8 indexed purpose,
        address indexed depositor,
        uint256 amount,
        uint256 accumulator,
        uint256 carry
    );
    /// @notice Emitted when `account` claims `amount` for the purposes in `purposes`, paid to `to`.
    /// @param account The contributor who claimed.
    /// @param to Who received the tokens.
    /// @param purposes The purposes claimed.
    /// @param amount Settlement tokens paid.
    event Claimed(address indexed account, address indexed to, uint16 purposes, uint256 amount);

    /// @notice Role allowed to deposit fees (the AccessEscrow). Administered by the timelock.
    /// @return The role id, `keccak256("DEPOSITOR_ROLE")`.
    function DEPOSITOR_ROLE() external view returns (bytes32);

    /// @notice Fixed-point scale of the accumulators.
    /// @return 1e18.
    function PRECISION() external view returns (uint256);

    /// @notice Most settlement tokens the distributor may hold: `(2^160 - 1) / PRECISION`, about 1.46e30 base
    /// units (1.46e24 USDC, or 1.46e12 tokens of 18 decimals). It bounds every account's earnings below the
    /// modulus of the ledger's fields.
    /// @return The bound, in token base units.
    function MAX_BALANCE() external view returns (uint256);

    /// @notice Shortest consent epoch, in seconds.
    /// @return 1 minute.
    function MIN_CONSENT_EPOCH() external view returns (uint32);

    /// @notice Longest consent epoch, in seconds.
    /// @return 30 days.
    function MAX_CONSENT_EPOCH() external view returns (uint32);

    /// @notice The settlement token (e.g. USDC), fixed at deployment.
    /// @return The token fees are paid and claimed in.
    function settlementToken() external view returns (IERC20);

    /// @notice The ContributionRegistry, the only source of weight changes.
    /// @return The registry (zero until wired).
    function registry() external view returns (address);

    /// @notice Wires the registry and grants `DEPOSITOR_ROLE` to `depositor` (if not zero). Once, by the deployer.
    /// @param registry_ The ContributionRegistry.
    /// @param depositor The AccessEscrow, granted `DEPOSITOR_ROLE` (zero for none).
    function wire(address registry_, address depositor) external;

    /// @notice Sets the length of a consent epoch. Timelock only. A new epoch starts at once (so weight pending
    /// now becomes effective now), and the following ones last `length` seconds.
    /// @dev Warning: a manifest built in the epoch that this call ends can no longer be delivered; the
    /// custodian rebuilds it for the new epoch.
    /// @param length The new length, in seconds.
    /// @custom:governance `consentEpoch`: seconds from consent given to the start of the epoch in which it earns
    /// and its key may be released (at most one epoch)
    /// @custom:bounds `MIN_CONSENT_EPOCH <= length <= MAX_CONSENT_EPOCH` (1 minute..30 days)
    function setConsentEpoch(uint32 length) external;

    /// @notice Applies a consent change of `account`: `leftWeight` leaves every purpose of `left` at once, and
    /// `joinedWeight` joins every purpose of `joined`, pending until the next epoch. Registry only.
    /// @dev `leftConsent` is the consent record of the contribution the weight leaves: the purposes of `left` it
    /// names are still pending if its epoch is the current one, and their weight is taken from the pending entry
    /// (it never earned). Effective weight leaving a purpose records the time in `lastWithdrawal(purpose)`.
    /// @param account The contributor.
    /// @param left The purposes the weight leaves.
    /// @param leftConsent The consent record of the contribution the weight leaves.
    /// @param leftWeight The weight removed from each purpose of `left`.
    /// @param joined The purposes the weight joins.
    /// @param joinedWeight The weight added to each purpose of `joined`.
    /// @return epoch The current consent epoch.
    function onConsentChange(
        address account,
        uint16 left,
        Consent calldata leftConsent,
        uint256 leftWeight,
        uint16 joined,
        uint256 joinedWeight
    ) external returns (uint32 epoch);

    /// @notice Pulls `amount` settlement tokens from the caller and credits them to `purpose`'s contributors.
    /// @dev Reverts when no effective weight consents to `purpose`, or when fewer tokens arrive than `amount`.
    /// Pays the weight effective now (see the consent epochs above); pending weight gets nothing from it.
    /// Only holders of `DEPOSITOR_ROLE` (the AccessEscrow) may deposit.
    /// @param purpose The purpose whose contributors are credited.
    /// @param amount Settlement tokens to pull from the caller (approve first).
    function deposit(uint8 purpose, uint256 amount) external;

    /// @notice Pays the caller everything earned in the purposes of `purposes` and returns the amount.
    /// @dev Fractions of a token unit stay with the account for a later claim.
    /// @param purposes The purposes to claim (see `purposesHeld`).
    /// @return amount Settlement tokens paid.
    function claim(uint16 purposes) external returns (uint256 amount);

    /// @notice Like `claim`, paying `to` instead of the caller.
    /// @param purposes The purposes to claim.
    /// @param to Who receives the tokens.
    /// @return amount Settlement tokens paid.
    function claimTo(uint16 purposes, address to) external returns (uint256 amount);

    /// @notice What `account` could claim now over every purpose.
    /// @param account The contributor.
    /// @return amount Settlement tokens `claim(purposesHeld(account))` would pay.
    function claimable(address account) external view returns (uint256 amount);

    /// @notice What `account` could claim now over the purposes of `purposes`.
    /// @param account The contributor.
    /// @param purposes The purposes to count.
    /// @return amount Settlement tokens a claim of `purposes` would pay.
    function claimableFor(address account, uint16 purposes) external view returns (uint256 amount);

    /// @notice The purposes in which `account` has weight or unclaimed earnings: the mask to pass to `claim`.
    /// @param account The contributor.
    /// @return purposes Bit `p` set when `account` has weight or earnings in purpose `p`.
    function purposesHeld(address account) external view returns (uint16 purposes);

    /// @notice Length of a consent epoch, in seconds.
    /// @return The length.
    function consentEpoch() external view returns (uint32);

    /// @notice The current consent epoch and when it started.
    /// @return epoch The epoch number (epochs count from 1).
    /// @return start Its first second.
    function currentEpoch() external view returns (uint32 epoch, uint48 start);

    /// @notice When effective weight last left `purpose` (a revoke, supersede or purpose removed).
    /// @dev A manifest built from the state at a time before this no longer matches the set a delivery pays.
    /// @param purpose The purpose id.
    /// @return The block time of the last withdrawal (zero if none).
    function lastWithdrawal(uint8 purpose) external view returns (uint48);

    /// @notice Effective consenting weight of `purpose`: what a deposit now is split over.
    /// @param purpose The purpose id.
    /// @return The sum of the effective weights that consent to it.
    function totalWeight(uint8 purpose) external view returns (uint256);

    /// @notice Weight that joined `purpose` in the current epoch, effective from the next one.
    /// @param purpose The purpose id.
    /// @return The pending weight.
    function pendingWeight(uint8 purpose) external view returns (uint256);

    /// @notice Effective weight of `account` in `purpose`.
    /// @param account The contributor.
    /// @param purpose The purpose id.
    /// @return The weight of its active contributions whose consent to `purpose` is effective.
    function weightOf(address account, uint8 purpose) external view returns (uint256);

    /// @notice Weight of `account` that joined `purpose` in the current epoch.
    /// @param account The contributor.
    /// @param purpose The purpose id.
    /// @return The pending weight.
    function pendingWeightOf(address account, uint8 purpose) external view returns (uint256);

    /// @notice Scaled earnings of `account` in `purpose` (divide by `PRECISION` for token units).
    /// @param account The contributor.
    /// @param purpose The purpose id.
    /// @return Unclaimed earnings times `PRECISION`.
    function earnedScaled(address account, uint8 purpose) external view returns (uint256);

    /// @notice The accumulator of `purpose` (revenue per unit of weight, scaled by `PRECISION`).
    /// @param purpose The purpose id.
    /// @return Revenue per unit of weight since deployment, times `PRECISION`, modulo 2^192.
    function accumulator(uint8 purpose) external view returns (uint256);

    /// @notice The scaled remainder of `purpose` carried to its next deposit.
    /// @param purpose The purpose id.
    /// @return The remainder, times `PRECISION`.
    function carry(uint8 purpose) external view returns (uint256);
}
