// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ICustodianSet} from "./ICustodianSet.sol";

/// @title IAccessEscrow
/// @notice Access requests to the pooled data, their decision, and the fees they pay, held in escrow until
/// the data keys are delivered. A buyer states a purpose, a duration, the terms it accepts and the public key
/// the data keys must be wrapped to, and pays the fee in the settlement token.
///
/// A request is decided in one of two ways:
/// 1. **Standing terms** (per purpose, set by governance): a request that meets them is approved
///    optimistically. During the objection window token holders may object with their votes at the request's
///    timepoint; objections reaching the threshold reject it at once. After the window anyone finalizes it.
/// 2. **Proposal**: every other request (and an optimistic one, if governance wants) is approved or rejected
///    by the timelock, i.e. by a passed Governor proposal, possibly many in one batch.
///
/// Lifecycle: `Pending → Approved → Delivered`, or `Rejected` (governance or objections), `Cancelled` (by the
/// buyer, while pending), `Expired` (no decision by the decision deadline), `Undelivered` (approved but not
/// delivered by the delivery deadline). Every end but `Delivered` refunds the buyer in full, and every end always
/// succeeds: a refund that cannot be pushed is kept for the buyer to withdraw (`withdrawRefund`). On delivery the
/// fee is released: a treasury share (floor, in basis points) to the treasury, the rest to the
/// RevenueDistributor for the request's purpose.
///
/// @dev Conservation: `heldFees()` is the sum of the fees of every `Pending` and `Approved` request plus every
/// refund owed (kept for its buyer to withdraw), and the escrow's settlement balance is never below it (tokens
/// sent here by plain transfer are outside the ledger).
/// @dev Deadlines are inclusive: an action is allowed while `block.timestamp <= deadline`, and the
/// corresponding timeout (`finalize` after the objection window, `expire`, `markUndelivered`) only after it.
/// Delivery is k-of-n: each custodian of the current `CustodianSet` version posts its share manifest with the
/// hash of the eligible set it covers (`deliver`); the fee is released by the post that makes k distinct current
/// custodians agree on one set hash in one delivery round (see `deliver`).
/// @dev Warning: custodians are trusted, k at a time: any k of them agreeing on a set hash release the fee, and
/// the escrow can check neither the set hash nor the manifests (it records their hashes in events). One custodian
/// alone can neither release a fee nor, by posting a wrong set, hold the others back.
/// @dev Warning: delivered data cannot be undelivered. Once keys are released, the fee is released too and the
/// grant's expiry binds the buyer only by the terms it accepted (`termsHash`), not technically.
/// @dev Refunds are pushed to the buyer when the transfer succeeds; when it fails (a blocklisted buyer, a
/// reverting token) the refund is kept (`RefundHeld`) and the buyer withdraws it later to any address, so no
/// buyer can block its own rejection, expiry or any batch decision (finding 4).
/// @dev Warning: the settlement token is trusted to move exactly the amounts asked. Incoming shortfalls
/// (fee-on-transfer) are rejected; outgoing transfers are checked only against `heldFees()` solvency.
interface IAccessEscrow {
    /// @notice Where a request is in its lifecycle.
    enum Status {
        None,
        Pending,
        Approved,
        Delivered,
        Rejected,
        Cancelled,
        Expired,
        Undelivered
    }

    /// @notice Deployment parameters.
    /// @param treasuryShareBps Share of each released fee sent to the treasury, in bps (at most
    /// `MAX_TREASURY_SHARE_BPS`).
    /// @param decisionPeriod Seconds from a request to its decision deadline.
    /// @param deliveryPeriod Seconds from an approval to its delivery deadline.
    struct EscrowConfig {
        uint16 treasuryShareBps;
        uint32 decisionPeriod;
        uint32 deliveryPeriod;
    }

    /// @notice The standing terms of a purpose: a request meeting them is approved unless token holders object.
    /// @param enabled Whether requests for the purpose may be approved optimistically at all.
    /// @param maxDuration Longest grant, in seconds, that qualifies.
    /// @param objectionWindow Seconds after the request during which holders may object.
    /// @param objectionThresholdBps Objections, in bps of the past total supply, that reject the request.
    /// @param minPrice Lowest fee, in settlement token units, that qualifies.
    struct StandingTerms {
        bool enabled;
        uint32 maxDuration;
        uint32 objectionWindow;
        uint16 objectionThresholdBps;
        uint128 minPrice;
    }

    /// @notice An access request and, once delivered, its grant.
    /// @param buyer Who paid and is refunded or granted.
    /// @param purpose The purpose id (0..15) the data is requested for.
    /// @param status Where the request is in its lifecycle.
    /// @param requestedAt Block time of the request; votes count at `requestedAt - 1`.
    /// @param duration Length of the grant, in seconds, counted from delivery.
    /// @param amount The fee held, in settlement token units (exactly what arrived).
    /// @param decisionDeadline Last second at which the request may be approved.
    /// @param objectionDeadline Last second of the objection window; zero if the request did not meet the
    /// standing terms when it was made (it then waits for a proposal).
    /// @param objectionThresholdBps The purpose's objection threshold when the request was made.
    /// @param deliveryDeadline Last second at which the keys may be delivered; zero until approved.
    /// @param deliveredAt Start of the grant; zero until delivered.
    /// @param termsHash Hash of the terms the buyer accepted (the URI is in `AccessRequested`).
    /// @param buyerKeyHash keccak256 of the buyer's public key (the key is in `AccessRequested`).
    /// @param roundStart Build time of the first post of the current delivery round (see `deliver`).
    /// @param roundVersion Custodian set version of the current delivery round.
    /// @param postedMask Custodians (bit `slot`) that have posted in the current round.
    /// @param posts Posts in the current round for `setHash`.
    /// @param setHash The eligible set hash leading the current delivery round; once delivered, the set delivered.
    struct Request {
        address buyer;
        uint8 purpose;
        Status status;
        uint48 requestedAt;
        uint32 duration;
        uint128 amount;
        uint48 decisionDeadline;
        uint48 objectionDeadline;
        uint16 objectionThresholdBps;
        uint48 deliveryDeadline;
        uint48 deliveredAt;
        uint48 roundStart;
        uint32 roundVersion;
        uint32 postedMask;
        uint8 posts;
        bytes32 termsHash;
        bytes32 buyerKeyHash;
        bytes32 setHash;
    }

    /// @notice One custodian's post for a request (`deliver`).
    /// @param epoch The consent epoch the manifest was built for (`distributor.currentEpoch()`).
    /// @param builtAt The block time of the state the manifest was built from.
    /// @param setHash keccak256 of the sorted content hashes of the eligible set the manifest covers.
    /// @param manifestHash keccak256 of the custodian's share manifest; emitted, not stored.
    /// @param manifestURI Where the share manifest lives; emitted, not stored.
    struct SharePost {
        uint32 epoch;
        uint48 builtAt;
        bytes32 setHash;
        bytes32 manifestHash;
        string manifestURI;
    }

    /// @notice The delivery round of a request, as custodians read it before posting.
    /// @param setVersion Custodian set version the round counts posts of.
    /// @param start Build time of its first post.
    /// @param postedMask Custodians (bit = slot in the set) that have posted in it.
    /// @param leadingSetHash The set hash its first post named.
    /// @param leadingPosts Posts for that set hash.
    struct DeliveryRound {
        uint32 setVersion;
        uint48 start;
        uint32 postedMask;
        bytes32 leadingSetHash;
        uint8 leadingPosts;
    }

    /// @notice Posts of one delivery round for a set hash other than the round's leading one.
    /// @param setVersion The round's custodian set version.
    /// @param start The round's start (build time of its first post).
    /// @param posts Posts for the set hash in that round.
    struct RivalTally {
        uint32 setVersion;
        uint48 start;
        uint8 posts;
    }

    /// @notice A grant, as integrators read it.
    /// @param buyer Who holds the grant.
    /// @param purpose The purpose the data may be used for.
    /// @param start When the keys were delivered (zero if they never were).
    /// @param expiry `start + duration` (zero if never delivered).
    /// @param active Whether the keys were delivered and the grant has not expired.
    /// @param setHash Hash of the eligible set delivered (the share manifests are in `SharePosted` events).
    struct Grant {
        address buyer;
        uint8 purpose;
        uint48 start;
        uint48 expiry;
        bool active;
        bytes32 setHash;
    }

    /// @notice Thrown when a constructor or setter address that must be set is zero.
    error EscrowZeroAddress();
    /// @notice Thrown when the governance token's ERC-6372 clock is not in timestamp mode.
    error EscrowClockNotTimestamp();
    /// @notice Thrown when the distributor pays out a different token than the escrow's settlement token.
    error EscrowSettlementTokenMismatch(address escrowToken, address distributorToken);
    /// @notice Thrown when the purpose is not defined in the registry (or is not below 16).
    error EscrowUnknownPurpose(uint8 purpose, uint16 definedPurposes);
    /// @notice Thrown when a fee is zero or does not fit in 128 bits.
    error EscrowInvalidAmount(uint256 amount);
    /// @notice Thrown when a requested duration is zero.
    error EscrowInvalidDuration(uint32 duration);
    /// @notice Thrown when the terms hash of a request is zero.
    error EscrowZeroTermsHash();
    /// @notice Thrown when the manifest hash of a delivery is zero.
    error EscrowZeroManifestHash();
    /// @notice Thrown when the eligible set hash of a delivery is zero.
    error EscrowZeroSetHash();
    /// @notice Thrown when an account that is not a custodian of the current set version posts a delivery.
    error EscrowNotCustodian(address account, uint32 setVersion);
    /// @notice Thrown when a custodian posts twice in the same delivery round of a request.
    error EscrowAlreadyPosted(uint256 requestId, address custodian, uint32 setVersion);
    /// @notice Thrown when a public key is not a secp256k1 point encoding (33 bytes compressed, 65 uncompressed).
    error EscrowInvalidPublicKey(bytes publicKey);
    /// @notice Thrown when fewer settlement tokens arrived than the fee asked (e.g. a fee-on-transfer token).
    error EscrowUnexpectedTransfer(uint256 expected, uint256 received);
    /// @notice Thrown when the escrow's settlement balance would fall below the fees it holds.
    error EscrowInsolvent(uint256 balance, uint256 heldFees);
    /// @notice Thrown when a request id was never issued.
    error EscrowUnknownRequest(uint256 requestId);
    /// @notice Thrown when a request is not in the status the transition starts from.
    error EscrowInvalidStatus(uint256 requestId, Status status);
    /// @notice Thrown when someone other than the buyer cancels a request.
    error EscrowNotBuyer(uint256 requestId, address caller, address buyer);
    /// @notice Thrown when a request is approved or finalized after its decision deadline.
    error EscrowDecisionDeadlinePassed(uint256 requestId, uint48 decisionDeadline);
    /// @notice Thrown when a request is expired before its decision deadline has passed.
    error EscrowDecisionDeadlineNotPassed(uint256 requestId, uint48 decisionDeadline);
    /// @notice Thrown when keys are delivered after the delivery deadline.
    error EscrowDeliveryDeadlinePassed(uint256 requestId, uint48 deliveryDeadline);
    /// @notice Thrown when a request is marked undelivered before its delivery deadline has passed.
    error EscrowDeliveryDeadlineNotPassed(uint256 requestId, uint48 deliveryDeadline);
    /// @notice Thrown when an objection or finalization targets a request that did not meet the standing terms.
    error EscrowNotOptimistic(uint256 requestId);
    /// @notice Thrown when an objection arrives after the objection window.
    error EscrowObjectionWindowClosed(uint256 requestId, uint48 objectionDeadline);
    /// @notice Thrown when a request is finalized while its objection window is still open.
    error EscrowObjectionWindowOpen(uint256 requestId, uint48 objectionDeadline);
    /// @notice Thrown when an account objects to the same request twice.
    error EscrowAlreadyObjected(uint256 requestId, address account);
    /// @notice Thrown when an account without votes at the request's timepoint objects.
    error EscrowNoVotes(uint256 requestId, address account, uint256 timepoint);
    /// @notice Thrown when a request would be approved for a purpose no effective weight consents to.
    error EscrowNoConsentingWeight(uint256 requestId, uint8 purpose);
    /// @notice Thrown when a delivery states a consent epoch other than the current one (the custodian rebuilds).
    error EscrowStaleEpoch(uint256 requestId, uint32 epoch, uint32 currentEpoch);
    /// @notice Thrown when a delivery's build time is not within the current epoch, up to now.
    error EscrowInvalidBuildTime(uint256 requestId, uint48 builtAt, uint48 epochStart, uint48 now_);
    /// @notice Thrown when consenting weight left the purpose after the manifest was built (the custodian rebuilds).
    error EscrowManifestOutdated(uint256 requestId, uint48 builtAt, uint48 lastWithdrawal);
    /// @notice Thrown when a refund would be withdrawn to the zero address or to the escrow itself.
    error EscrowInvalidRecipient(address to);
    /// @notice Thrown when an account with no refund owed withdraws.
    error EscrowNoRefundOwed(address buyer);
    /// @notice Thrown when a purpose id given to a setter is not below 16.
    error EscrowInvalidPurposeId(uint8 purpose);
    /// @notice Thrown when enabled standing terms are out of bounds (see the `MIN_`/`MAX_` constants).
    error EscrowInvalidStandingTerms(uint8 purpose, StandingTerms terms);
    /// @notice Thrown when an objection window would not end strictly before the decision deadline.
    error EscrowObjectionWindowTooLong(uint8 purpose, uint32 objectionWindow, uint32 decisionPeriod);
    /// @notice Thrown when the treasury share is above `MAX_TREASURY_SHARE_BPS`.
    error EscrowTreasuryShareTooHigh(uint16 shareBps, uint16 maxBps);
    /// @notice Thrown when the decision or delivery period is outside `[MIN_PERIOD, MAX_PERIOD]`.
    error EscrowPeriodOutOfRange(uint32 period, uint32 min, uint32 max);

    /// @notice Emitted when a buyer requests access and the fee is in escrow.
    /// @param objectionDeadline End of the objection window; zero when the request waits for a proposal.
    event AccessRequested(
        uint256 indexed requestId,
        address indexed buyer,
        uint8 indexed purpose,
        uint256 amount,
        uint32 duration,
        bytes32 termsHash,
        string termsURI,
        bytes buyerPublicKey,
        uint48 decisionDeadline,
        uint48 objectionDeadline
    );
    /// @notice Emitted when a token holder objects; `totalVotes` is the sum of objections so far.
    event Objected(uint256 indexed requestId, address indexed account, uint256 votes, uint256 totalVotes);
    /// @notice Emitted when a request is approved (by the timelock or by `finalize`).
    event RequestApproved(uint256 indexed requestId, bool optimistic, uint48 deliveryDeadline);
    /// @notice Emitted when a request is rejected (by the timelock or by objections).
    event RequestRejected(uint256 indexed requestId, bool byObjection);
    /// @notice Emitted when the buyer cancels a pending request.
    event RequestCancelled(uint256 indexed requestId);
    /// @notice Emitted when a request passes its decision deadline undecided.
    event RequestExpired(uint256 indexed requestId);
    /// @notice Emitted when an approved request passes its delivery deadline undelivered.
    event RequestUndelivered(uint256 indexed requestId);
    /// @notice Emitted when a batch decision skips a request that is no longer pending (or approvable).
    event DecisionSkipped(uint256 indexed requestId, Status status, uint48 decisionDeadline);
    /// @notice Emitted when a fee goes back to the buyer.
    event FeeRefunded(uint256 indexed requestId, address indexed buyer, uint256 amount);
    /// @notice Emitted when a refund could not be pushed to the buyer and is kept for it to withdraw.
    event RefundHeld(uint256 indexed requestId, address indexed buyer, uint256 amount);
    /// @notice Emitted when a buyer withdraws refunds kept for it.
    event RefundWithdrawn(address indexed buyer, address indexed to, uint256 amount);
    /// @notice Emitted when a custodian posts its share manifest for a request; the manifest URI lives here only.
    /// @param setHash The eligible set the manifest covers (`eligibleSetHash` of its content hashes).
    /// @param setVersion The custodian set version the custodian posted under.
    /// @param posts Posts for `setHash` in the current round, this one included.
    /// @param consentEpoch The consent epoch the manifest was built for.
    /// @param builtAt The block time of the state it was built from.
    event SharePosted(
        uint256 indexed requestId,
        address indexed custodian,
        bytes32 indexed setHash,
        uint32 setVersion,
        uint8 posts,
        bytes32 manifestHash,
        string manifestURI,
        uint32 consentEpoch,
        uint48 builtAt
    );
    /// @notice Emitted when k custodians have posted the same set: the grant starts, the fee is released.
    event AccessDelivered(uint256 indexed requestId, bytes32 setHash, uint32 setVersion, uint48 start, uint48 expiry);
    /// @notice Emitted when a delivered request's fee leaves the escrow.
    event FeeReleased(
        uint256 indexed requestId,
        uint8 indexed purpose,
        address treasury,
        uint256 treasuryAmount,
        uint256 contributorsAmount
    );
    /// @notice Emitted when governance sets the standing terms of a purpose.
    event StandingTermsSet(uint8 indexed purpose, StandingTerms terms);
    /// @notice Emitted when governance changes the treasury.
    event TreasuryChanged(address oldTreasury, address newTreasury);
    /// @notice Emitted when governance changes the treasury share.
    event TreasuryShareChanged(uint16 oldShareBps, uint16 newShareBps);
    /// @notice Emitted when governance changes the decision period.
    event DecisionPeriodChanged(uint32 oldPeriod, uint32 newPeriod);
    /// @notice Emitted when governance changes the delivery period.
    event DeliveryPeriodChanged(uint32 oldPeriod, uint32 newPeriod);

    /// @notice Upper bound of the treasury share, in bps (hard-coded).
    /// @return 2000 (20%).
    function MAX_TREASURY_SHARE_BPS() external view returns (uint16);

    /// @notice Lower bound of the decision and delivery periods, in seconds.
    /// @return 1 hour.
    function MIN_PERIOD() external view returns (uint32);

    /// @notice Upper bound of the decision and delivery periods, in seconds.
    /// @return 365 days.
    function MAX_PERIOD() external view returns (uint32);

    /// @notice Lower bound of an enabled objection window, in seconds.
    /// @return 1 hour.
    function MIN_OBJECTION_WINDOW() external view returns (uint32);

    /// @notice Upper bound of an enabled objection window, in seconds.
    /// @return 30 days.
    function MAX_OBJECTION_WINDOW() external view returns (uint32);

    /// @notice Upper bound of the `maxDuration` of enabled standing terms, in seconds.
    /// @return 5 × 365 days.
    function MAX_STANDING_DURATION() external view returns (uint32);

    /// @notice Requests access to the data contributed for `purpose`, paying `amount` into escrow.
    /// @dev Pulls `amount` with `transferFrom` (approve first) and rejects any shortfall. The request is
    /// optimistic when the purpose's standing terms are enabled, `amount >= minPrice` and
    /// `duration <= maxDuration`; the window and threshold in force now apply to it for good.
    /// @param purpose A purpose id defined in the registry.
    /// @param amount The fee, in settlement token units.
    /// @param duration Length of the grant in seconds, counted from delivery.
    /// @param termsHash Hash of the terms document the buyer accepts.
    /// @param termsURI Where the terms document lives; emitted, not stored.
    /// @param buyerPublicKey secp256k1 public key (33 or 65 bytes) the data keys are wrapped to; emitted, and
    /// its keccak256 stored.
    /// @return requestId The new request's id (ids start at 1).
    function requestAccess(
        uint8 purpose,
        uint256 amount,
        uint32 duration,
        bytes32 termsHash,
        string calldata termsURI,
        bytes calldata buyerPublicKey
    ) external returns (uint256 requestId);

    /// @notice Objects to an optimistic request with the caller's votes at `requestedAt - 1`.
    /// @dev Votes acquired in or after the request's block count for nothing. When the objections reach
    /// `ceil(pastTotalSupply * objectionThresholdBps / 10000)` the request is rejected and refunded at once.
    /// @param requestId An optimistic request inside its objection window.
    function object(uint256 requestId) external;

    /// @notice Approves an optimistic request whose objection window has passed without enough objections.
    /// Anyone may call it, until the decision deadline.
    /// @param requestId An optimistic request whose objection window has passed.
    function finalize(uint256 requestId) external;

    /// @notice Approves every request of `requestIds`. Timelock only (a passed proposal).
    /// @dev Ids that are no longer pending, past their decision deadline, or for a purpose no weight consents
    /// to any more are skipped with `DecisionSkipped` (they stay pending), so that neither a buyer cancelling
    /// nor a contributor revoking can make a passed batch revert. An id never issued reverts the whole batch.
    /// @custom:governance access decisions: approves requests (`Pending` → `Approved`, delivery deadline set)
    /// @custom:bounds pending requests before their decision deadline, for a purpose with consenting weight
    /// @param requestIds The requests to approve.
    function approve(uint256[] calldata requestIds) external;

    /// @notice Rejects every request of `requestIds` and refunds their buyers. Timelock only.
    /// @dev Pending and approved-but-undelivered requests can be rejected; other ids are skipped with
    /// `DecisionSkipped`. An id never issued reverts the whole batch.
    /// @custom:governance access decisions: rejects requests and refunds their fees in full
    /// @custom:bounds pending or approved-but-undelivered requests; others are skipped
    /// @param requestIds The requests to reject.
    function reject(uint256[] calldata requestIds) external;

    /// @notice Cancels a pending request and refunds it. Buyer only.
    /// @param requestId A pending request of the caller's.
    function cancel(uint256 requestId) external;

    /// @notice Ends a pending request whose decision deadline has passed and refunds it. Anyone may call it.
    /// @param requestId A pending request past its decision deadline.
    function expire(uint256 requestId) external;

    /// @notice Ends an approved request whose delivery deadline has passed and refunds it. Anyone may call it.
    /// @param requestId An approved request past its delivery deadline.
    function markUndelivered(uint256 requestId) external;

    /// @notice Posts the caller's share manifest for an approved request, and releases the fee once k distinct
    /// custodians of the current set version have posted the same eligible set in one round: the treasury share
    /// (rounded down: contributors get the remainder) to the treasury, the rest deposited in the
    /// RevenueDistributor for the request's purpose. Current custodians only, until the delivery deadline.
    /// @dev Each manifest is built for the current consent epoch from the chain's state at time `builtAt`: the
    /// contributions `registry.isEligible` then, whose hash is `setHash`. A post is refused when `epoch` is not
    /// the current epoch (`EscrowStaleEpoch`), `builtAt` is not within it (`EscrowInvalidBuildTime`), or
    /// consenting weight left the purpose after `builtAt` (`EscrowManifestOutdated`); the custodian then
    /// rebuilds. Consent given during an epoch is pending until the next one, so the contributions paid are
    /// exactly those whose keys the manifests release, and nobody gains by changing consent around a delivery.
    /// @dev Rounds: posts count together only within one round, i.e. one custodian set version, one consent
    /// epoch, and no withdrawal since the round's first post was built. The first post after any of these
    /// changes starts a new round and the earlier posts stop counting (a removed custodian's post never counts;
    /// custodians still in office post again, which is not posting twice). Within a round each custodian posts
    /// once (`EscrowAlreadyPosted`). Posts for different set hashes are tallied apart; the first hash to reach
    /// k is delivered.
    /// @dev Reverts (in the distributor) on the releasing post when no effective weight consents to the purpose
    /// any more; the request then ends as `Undelivered` and is refunded.
    /// @dev Warning: delivery is final. The grant starts at the releasing post and expires `duration` later.
    /// @param requestId An approved request before its delivery deadline.
    /// @param post The caller's share manifest and the set it covers (see `SharePost`).
    /// @return released Whether this post released the fee.
    function deliver(uint256 requestId, SharePost calldata post) external returns (bool released);

    /// @notice Withdraws every refund kept for the caller (refunds that could not be pushed), to `to`.
    /// @param to Who receives the tokens (any address but zero and the escrow).
    /// @return amount Settlement tokens paid.
    function withdrawRefund(address to) external returns (uint256 amount);

    /// @notice Sets the standing terms of `purpose`. Timelock only. Applies to requests made from now on.
    /// @dev When enabled: `0 < maxDuration <= MAX_STANDING_DURATION`, objection window within
    /// `[MIN_OBJECTION_WINDOW, MAX_OBJECTION_WINDOW]` and shorter than the decision period,
    /// `0 < objectionThresholdBps <= 10000`. Disabled terms are stored as given and not checked.
    /// @custom:governance `standingTerms(purpose)`: whether requests for `purpose` are approved optimistically,
    /// their minimum price, longest duration, objection window and threshold
    /// @custom:bounds `purpose < 16`; when enabled: `0 < maxDuration <= MAX_STANDING_DURATION` (5 × 365 days),
    /// `MIN_OBJECTION_WINDOW <= objectionWindow <= MAX_OBJECTION_WINDOW` (1 hour..30 days) and `< decisionPeriod`,
    /// `0 < objectionThresholdBps <= 10000`; disabled terms are not checked
    /// @param purpose The purpose id (0..15).
    /// @param terms The new standing terms.
    function setStandingTerms(uint8 purpose, StandingTerms calldata terms) external;

    /// @notice Sets the treasury that receives the treasury share. Timelock only.
    /// @custom:governance `treasury`: who receives the treasury share of released fees
    /// @custom:bounds any non-zero address
    /// @param newTreasury The new treasury.
    function setTreasury(address newTreasury) external;

    /// @notice Sets the treasury share of released fees, in bps, at most `MAX_TREASURY_SHARE_BPS`. Timelock only.
    /// @dev Applies to every delivery from now on, including requests already approved.
    /// @custom:governance `treasuryShareBps`: the treasury's share of every released fee
    /// @custom:bounds `0 <= newShareBps <= MAX_TREASURY_SHARE_BPS` (2000 bps = 20%)
    /// @param newShareBps The new share, in bps.
    function setTreasuryShare(uint16 newShareBps) external;

    /// @notice Sets the decision period. Timelock only. Applies to requests made from now on.
    /// @dev Must stay within `[MIN_PERIOD, MAX_PERIOD]` and above every enabled objection window.
    /// @custom:governance `decisionPeriod`: seconds from a request to its decision deadline
    /// @custom:bounds `MIN_PERIOD <= newPeriod <= MAX_PERIOD` (1 hour..365 days) and above every enabled objection
    /// window
    /// @param newPeriod The new period, in seconds.
    function setDecisionPeriod(uint32 newPeriod) external;

    /// @notice Sets the delivery period. Timelock only. Applies to approvals made from now on.
    /// @custom:governance `deliveryPeriod`: seconds from an approval to its delivery deadline
    /// @custom:bounds `MIN_PERIOD <= newPeriod <= MAX_PERIOD` (1 hour..365 days)
    /// @param newPeriod The new period, in seconds.
    function setDeliveryPeriod(uint32 newPeriod) external;

    /// @notice The settlement token, fixed at deployment.
    /// @return The ERC-20 fees are paid in.
    function settlementToken() external view returns (IERC20);

    /// @notice The governance token whose past votes count as objections.
    /// @return The CoopToken.
    function governanceToken() external view returns (address);

    /// @notice The ContributionRegistry that defines purposes.
    /// @return The ContributionRegistry.
    function registry() external view returns (address);

    /// @notice The RevenueDistributor that receives contributors' share of released fees.
    /// @return The RevenueDistributor.
    function distributor() external view returns (address);

    /// @notice The timelock, the only admin.
    /// @return The timelock.
    function timelock() external view returns (address);

    /// @notice The request `requestId` (status `None` if it was never issued).
    /// @param requestId The request id.
    /// @return The request, all fields zero if it was never issued.
    function request(uint256 requestId) external view returns (Request memory);

    /// @notice The grant of request `requestId`.
    /// @param requestId The request id.
    /// @return Its grant (inactive, zero times, until delivered).
    function grant(uint256 requestId) external view returns (Grant memory);

    /// @notice Whether request `requestId` was delivered and its grant has not expired.
    /// @param requestId The request id.
    /// @return True while the grant runs.
    function isGrantActive(uint256 requestId) external view returns (bool);

    /// @notice How many requests have been made; ids run from 1 to this number.
    /// @return The id of the latest request.
    function requestCount() external view returns (uint256);

    /// @notice The objections to `requestId` so far and the votes needed to reject it (zero if not optimistic).
    /// @param requestId The request id.
    /// @return votes The votes objecting so far.
    /// @return threshold The votes that reject the request.
    function objections(uint256 requestId) external view returns (uint256 votes, uint256 threshold);

    /// @notice Whether `account` has objected to `requestId`.
    /// @param requestId The request id.
    /// @param account The token holder.
    /// @return True once `account` has objected.
    function hasObjected(uint256 requestId, address account) external view returns (bool);

    /// @notice The standing terms of `purpose`.
    /// @param purpose The purpose id.
    /// @return Its standing terms (all zero, disabled, until set).
    function standingTerms(uint8 purpose) external view returns (StandingTerms memory);

    /// @notice The treasury that receives the treasury share.
    /// @return The treasury.
    function treasury() external view returns (address);

    /// @notice The treasury share of released fees, in bps.
    /// @return The share, in bps.
    function treasuryShareBps() external view returns (uint16);

    /// @notice Seconds from a request to its decision deadline.
    /// @return The period, in seconds.
    function decisionPeriod() external view returns (uint32);

    /// @notice Seconds from an approval to its delivery deadline.
    /// @return The period, in seconds.
    function deliveryPeriod() external view returns (uint32);

    /// @notice The custodian set whose current members post share manifests (fixed at deployment; its members
    /// change by governance).
    /// @return The CustodianSet.
    function custodianSet() external view returns (ICustodianSet);

    /// @notice The current delivery round of `requestId` as stored: it may be outdated (a new epoch, a new set
    /// version or a withdrawal since `start`), in which case the next post starts a new one.
    /// @param requestId The request id.
    /// @return round Its version, start, posters and leading set.
    function deliveryRound(uint256 requestId) external view returns (DeliveryRound memory round);

    /// @notice Posts for `setHash` in the stored round of `requestId`.
    /// @param requestId The request id.
    /// @param setHash An eligible set hash.
    /// @return The posts counted for it.
    function postsFor(uint256 requestId, bytes32 setHash) external view returns (uint8);

    /// @notice Whether `custodian` has posted in the round a post from it would count in now: false if it is not
    /// a current custodian or the stored round is outdated (its next post would start a new round).
    /// @param requestId The request id.
    /// @param custodian Any address.
    /// @return True when a post from `custodian` would revert with `EscrowAlreadyPosted`.
    function hasPosted(uint256 requestId, address custodian) external view returns (bool);

    /// @notice The sum of the fees of every pending and approved-but-undelivered request, plus refunds owed.
    /// @return Settlement tokens held for open requests and for buyers to withdraw.
    function heldFees() external view returns (uint256);

    /// @notice Refunds kept for `buyer` to withdraw (refunds that could not be pushed).
    /// @param buyer The buyer.
    /// @return Settlement tokens owed.
    function refundOwed(address buyer) external view returns (uint256);
}
