// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

import {IAccessEscrow} from "./interfaces/IAccessEscrow.sol";
import {IContributionRegistry} from "./interfaces/IContributionRegistry.sol";
import {ICustodianSet} from "./interfaces/ICustodianSet.sol";
import {IRevenueDistributor} from "./interfaces/IRevenueDistributor.sol";
import {ExactTransfer} from "./libraries/ExactTransfer.sol";
import {PurposeMask} from "./libraries/PurposeMask.sol";
import {Secp256k1PublicKey} from "./libraries/Secp256k1PublicKey.sol";

/// @title AccessEscrow
/// @notice See {IAccessEscrow}.
/// @dev Every function that moves tokens follows checks-effects-interactions and is `nonReentrant`; so are
/// the other state transitions, so a token callback cannot reach any of them mid-transition. The guard lives in
/// transient storage (EIP-1153, Cancun): about 2,000 gas less per call than a storage flag.
contract AccessEscrow is IAccessEscrow, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev Governance parameters read together on the hot paths: one storage slot.
    struct Config {
        address treasury;
        uint16 treasuryShareBps;
        uint32 decisionPeriod;
        uint32 deliveryPeriod;
    }

    /// @inheritdoc IAccessEscrow
    uint16 public constant MAX_TREASURY_SHARE_BPS = 2_000;
    /// @inheritdoc IAccessEscrow
    uint32 public constant MIN_PERIOD = 1 hours;
    /// @inheritdoc IAccessEscrow
    uint32 public constant MAX_PERIOD = 365 days;
    /// @inheritdoc IAccessEscrow
    uint32 public constant MIN_OBJECTION_WINDOW = 1 hours;
    /// @inheritdoc IAccessEscrow
    uint32 public constant MAX_OBJECTION_WINDOW = 30 days;
    /// @inheritdoc IAccessEscrow
    uint32 public constant MAX_STANDING_DURATION = 5 * 365 days;

    uint16 private constant _MAX_BPS = 10_000;
    bytes32 private constant _TIMESTAMP_CLOCK = keccak256("mode=timestamp");

    IERC20 private immutable _settlementToken;
    IVotes private immutable _governanceToken;
    IContributionRegistry private immutable _registry;
    IRevenueDistributor private immutable _distributor;
    address private immutable _timelock;
    ICustodianSet private immutable _custodianSet;

    Config private _config;
    /// @dev Both counters share one slot, which every request writes. The sum is checked arithmetic: should the
    /// fees held ever exceed 2^128 units, new requests revert rather than wrap.
    uint128 private _heldFees;
    uint128 private _requestCount;

    mapping(uint256 requestId => Request) private _requests;
    mapping(uint8 purpose => StandingTerms) private _standingTerms;
    mapping(uint256 requestId => uint256 votes) private _objectionVotes;
    mapping(uint256 requestId => mapping(address account => bool objected)) private _objected;
    /// @dev Refunds that could not be pushed, kept for their buyer to withdraw; part of `_heldFees`.
    mapping(address buyer => uint256 amount) private _refundsOwed;
    /// @dev Posts of the current round for a set other than the round's leading one (`Request.setHash`): only
    /// custodians that disagree with the first post of a round land here, so the common path never writes it.
    mapping(uint256 requestId => mapping(bytes32 setHash => RivalTally tally)) private _rivals;

    /// @param settlementToken_ The ERC-20 fees are paid in (e.g. USDC), fixed forever.
    /// @param governanceToken_ The CoopToken (IVotes, ERC-6372 timestamp clock) whose past votes object.
    /// @param registry_ The ContributionRegistry that defines purposes.
    /// @param distributor_ The RevenueDistributor for the same settlement token; this escrow needs its
    /// `DEPOSITOR_ROLE`.
    /// @param timelock_ The only admin (`DEFAULT_ADMIN_ROLE`).
    /// @param treasury_ Receiver of the treasury share; zero means the timelock.
    /// @param config_ Treasury share and decision and delivery periods.
    /// @param custodianSet_ The CustodianSet whose current custodians post share manifests.
    constructor(
        IERC20 settlementToken_,
        address governanceToken_,
        address registry_,
        address distributor_,
        address timelock_,
        address treasury_,
        EscrowConfig memory config_,
        ICustodianSet custodianSet_
    ) {
        if (
            address(settlementToken_) == address(0) ||
            governanceToken_ == address(0) ||
            registry_ == address(0) ||
            distributor_ == address(0) ||
            timelock_ == address(0) ||
            address(custodianSet_) == address(0)
        ) revert EscrowZeroAddress();
        // Deadlines and vote timepoints are compared in seconds: the token's clock must be the timestamp.
        if (keccak256(bytes(IERC6372(governanceToken_).CLOCK_MODE())) != _TIMESTAMP_CLOCK) {
            revert EscrowClockNotTimestamp();
        }
        address distributorToken = address(IRevenueDistributor(distributor_).settlementToken());
        if (distributorToken != address(settlementToken_)) {
            revert EscrowSettlementTokenMismatch(address(settlementToken_), distributorToken);
        }

        _settlementToken = settlementToken_;
        _governanceToken = IVotes(governanceToken_);
        _registry = IContributionRegistry(registry_);
        _distributor = IRevenueDistributor(distributor_);
        _timelock = timelock_;
        _custodianSet = custodianSet_;

        _grantRole(DEFAULT_ADMIN_ROLE, timelock_);

        _setTreasury(treasury_ == address(0) ? timelock_ : treasury_);
        _setTreasuryShare(config_.treasuryShareBps);
        _setDecisionPeriod(config_.decisionPeriod);
        _setDeliveryPeriod(config_.deliveryPeriod);
    }

    // ------------------------------------------------------------------------------------------------
    // Requests
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc IAccessEscrow
    function requestAccess(
        uint8 purpose,
        uint256 amount,
        uint32 duration,
        bytes32 termsHash,
        string calldata termsURI,
        bytes calldata buyerPublicKey
    ) external nonReentrant returns (uint256 requestId) {
        uint16 defined = _registry.definedPurposes();
        if (!PurposeMask.holds(defined, purpose)) revert EscrowUnknownPurpose(purpose, defined);
        if (amount == 0 || amount > type(uint128).max) revert EscrowInvalidAmount(amount);
        if (duration == 0) revert EscrowInvalidDuration(duration);
        if (termsHash == bytes32(0)) revert EscrowZeroTermsHash();
        if (!Secp256k1PublicKey.isValid(buyerPublicKey)) revert EscrowInvalidPublicKey(buyerPublicKey);

        requestId = _storeRequest(purpose, amount, duration, termsHash, keccak256(buyerPublicKey));
        _emitRequested(requestId, termsURI, buyerPublicKey);
        _pullExactly(msg.sender, amount);
    }

    /// @inheritdoc IAccessEscrow
    function cancel(uint256 requestId) external nonReentrant {
        Request storage r = _requestOf(requestId);
        _requireStatus(requestId, r, Status.Pending);
        address buyer = r.buyer;
        if (msg.sender != buyer) revert EscrowNotBuyer(requestId, msg.sender, buyer);
        r.status = Status.Cancelled;
        emit RequestCancelled(requestId);
        _refund(requestId, r);
    }

    /// @inheritdoc IAccessEscrow
    function expire(uint256 requestId) external nonReentrant {
        Request storage r = _requestOf(requestId);
        _requireStatus(requestId, r, Status.Pending);
        uint48 deadline = r.decisionDeadline;
        if (Time.timestamp() <= deadline) revert EscrowDecisionDeadlineNotPassed(requestId, deadline);
        r.status = Status.Expired;
        emit RequestExpired(requestId);
        _refund(requestId, r);
    }

    /// @inheritdoc IAccessEscrow
    function markUndelivered(uint256 requestId) external nonReentrant {
        Request storage r = _requestOf(requestId);
        _requireStatus(requestId, r, Status.Approved);
        uint48 deadline = r.deliveryDeadline;
        if (Time.timestamp() <= deadline) revert EscrowDeliveryDeadlineNotPassed(requestId, deadline);
        r.status = Status.Undelivered;
        emit RequestUndelivered(requestId);
        _refund(requestId, r);
    }

    // ------------------------------------------------------------------------------------------------
    // Decisions
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc IAccessEscrow
    function object(uint256 requestId) external nonReentrant {
        Request storage r = _requestOf(requestId);
        _requireStatus(requestId, r, Status.Pending);
        uint48 objectionDeadline = r.objectionDeadline;
        if (objectionDeadline == 0) revert EscrowNotOptimistic(requestId);
        if (Time.timestamp() > objectionDeadline) revert EscrowObjectionWindowClosed(requestId, objectionDeadline);
        if (_objected[requestId][msg.sender]) revert EscrowAlreadyObjected(requestId, msg.sender);

        // Votes one second before the request: anything bought in the request's block counts for nothing.
        uint256 timepoint = r.requestedAt - 1;
        uint256 votes = _governanceToken.getPastVotes(msg.sender, timepoint);
        if (votes == 0) revert EscrowNoVotes(requestId, msg.sender, timepoint);

        _objected[requestId][msg.sender] = true;
        uint256 totalVotes = _objectionVotes[requestId] + votes;
        _objectionVotes[requestId] = totalVotes;
        emit Objected(requestId, msg.sender, votes, totalVotes);

        if (totalVotes >= _objectionThreshold(timepoint, r.objectionThresholdBps)) {
            r.status = Status.Rejected;
            emit RequestRejected(requestId, true);
            _refund(requestId, r);
        }
    }

    /// @inheritdoc IAccessEscrow
    function finalize(uint256 requestId) external nonReentrant {
        Request storage r = _requestOf(requestId);
        _requireStatus(requestId, r, Status.Pending);
        uint48 objectionDeadline = r.objectionDeadline;
        if (objectionDeadline == 0) revert EscrowNotOptimistic(requestId);
        uint48 now_ = Time.timestamp();
        if (now_ <= objectionDeadline) revert EscrowObjectionWindowOpen(requestId, objectionDeadline);
        uint48 decisionDeadline = r.decisionDeadline;
        if (now_ > decisionDeadline) revert EscrowDecisionDeadlinePassed(requestId, decisionDeadline);
        // Objections that reached the threshold have already rejected the request in `object`.
        _approve(requestId, r, true);
    }

    /// @inheritdoc IAccessEscrow
    function approve(uint256[] calldata requestIds) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        uint48 now_ = Time.timestamp();
        for (uint256 i = 0; i < requestIds.length; ++i) {
            uint256 requestId = requestIds[i];
            Request storage r = _requestOf(requestId);
            Status status = r.status;
            uint48 deadline = r.decisionDeadline;
            // A purpose nobody consents to any more is skipped too: otherwise the sole consenter of one
            // request could revoke just before execution and make the whole passed proposal revert.
            if (status != Status.Pending || now_ > deadline || _distributor.totalWeight(r.purpose) == 0) {
                emit DecisionSkipped(requestId, status, deadline);
                continue;
            }
            _approve(requestId, r, false);
        }
    }

    /// @inheritdoc IAccessEscrow
    function reject(uint256[] calldata requestIds) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        for (uint256 i = 0; i < requestIds.length; ++i) {
            uint256 requestId = requestIds[i];
            Request storage r = _requestOf(requestId);
            Status status = r.status;
            if (status != Status.Pending && status != Status.Approved) {
                emit DecisionSkipped(requestId, status, r.decisionDeadline);
                continue;
            }
            r.status = Status.Rejected;
            emit RequestRejected(requestId, false);
            _refund(requestId, r);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Delivery
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc IAccessEscrow
    function deliver(uint256 requestId, SharePost calldata post) external nonReentrant returns (bool released) {
        bytes32 setHash = post.setHash;
        if (setHash == bytes32(0)) revert EscrowZeroSetHash();
        if (post.manifestHash == bytes32(0)) revert EscrowZeroManifestHash();
        Request storage r = _requestOf(requestId);
        (uint8 posts, uint8 threshold, uint32 version) = _post(requestId, r, post.epoch, post.builtAt, setHash);
        _emitPosted(requestId, post, version, posts);
        if (posts < threshold) return false;
        _release(requestId, r, setHash, version);
        return true;
    }

    /// @inheritdoc IAccessEscrow
    function withdrawRefund(address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0) || to == address(this)) revert EscrowInvalidRecipient(to);
        amount = _refundsOwed[msg.sender];
        if (amount == 0) revert EscrowNoRefundOwed(msg.sender);
        _refundsOwed[msg.sender] = 0;
        // The owed refund was counted in `_heldFees` when it was kept.
        _heldFees -= uint128(amount);
        emit RefundWithdrawn(msg.sender, to, amount);
        _settlementToken.safeTransfer(to, amount);
        _requireSolvent();
    }

    // ------------------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc IAccessEscrow
    function setStandingTerms(uint8 purpose, StandingTerms calldata terms) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!PurposeMask.isId(purpose)) revert EscrowInvalidPurposeId(purpose);
        if (terms.enabled) {
            if (
                terms.maxDuration == 0 ||
                terms.maxDuration > MAX_STANDING_DURATION ||
                terms.objectionWindow < MIN_OBJECTION_WINDOW ||
                terms.objectionWindow > MAX_OBJECTION_WINDOW ||
                terms.objectionThresholdBps == 0 ||
                terms.objectionThresholdBps > _MAX_BPS
            ) revert EscrowInvalidStandingTerms(purpose, terms);
            uint32 decisionPeriod_ = _config.decisionPeriod;
            // The window must close before the decision deadline, or the request could never be finalized.
            if (terms.objectionWindow >= decisionPeriod_) {
                revert EscrowObjectionWindowTooLong(purpose, terms.objectionWindow, decisionPeriod_);
            }
        }
        _standingTerms[purpose] = terms;
        emit StandingTermsSet(purpose, terms);
    }

    /// @inheritdoc IAccessEscrow
    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newTreasury == address(0)) revert EscrowZeroAddress();
        _setTreasury(newTreasury);
    }

    /// @inheritdoc IAccessEscrow
    function setTreasuryShare(uint16 newShareBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasuryShare(newShareBps);
    }

    /// @inheritdoc IAccessEscrow
    function setDecisionPeriod(uint32 newPeriod) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setDecisionPeriod(newPeriod);
    }

    /// @inheritdoc IAccessEscrow
    function setDeliveryPeriod(uint32 newPeriod) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setDeliveryPeriod(newPeriod);
    }

    // ------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc IAccessEscrow
    function settlementToken() external view returns (IERC20) {
        return _settlementToken;
    }

    /// @inheritdoc IAccessEscrow
    function governanceToken() external view returns (address) {
        return address(_governanceToken);
    }

    /// @inheritdoc IAccessEscrow
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IAccessEscrow
    function distributor() external view returns (address) {
        return address(_distributor);
    }

    /// @inheritdoc IAccessEscrow
    function timelock() external view returns (address) {
        return _timelock;
    }

    /// @inheritdoc IAccessEscrow
    function request(uint256 requestId) external view returns (Request memory) {
        return _requests[requestId];
    }

    /// @inheritdoc IAccessEscrow
    function grant(uint256 requestId) external view returns (Grant memory g) {
        Request storage r = _requests[requestId];
        g.buyer = r.buyer;
        g.purpose = r.purpose;
        if (r.status == Status.Delivered) {
            g.start = r.deliveredAt;
            g.expiry = r.deliveredAt + r.duration;
            g.active = Time.timestamp() < g.expiry;
            g.setHash = r.setHash;
        }
    }

    /// @inheritdoc IAccessEscrow
    function isGrantActive(uint256 requestId) external view returns (bool) {
        Request storage r = _requests[requestId];
        return r.status == Status.Delivered && Time.timestamp() < r.deliveredAt + r.duration;
    }

    /// @inheritdoc IAccessEscrow
    function requestCount() external view returns (uint256) {
        return _requestCount;
    }

    /// @inheritdoc IAccessEscrow
    function objections(uint256 requestId) external view returns (uint256 votes, uint256 threshold) {
        Request storage r = _requests[requestId];
        votes = _objectionVotes[requestId];
        if (r.objectionDeadline != 0) threshold = _objectionThreshold(r.requestedAt - 1, r.objectionThresholdBps);
    }

    /// @inheritdoc IAccessEscrow
    function hasObjected(uint256 requestId, address account) external view returns (bool) {
        return _objected[requestId][account];
    }

    /// @inheritdoc IAccessEscrow
    function standingTerms(uint8 purpose) external view returns (StandingTerms memory) {
        return _standingTerms[purpose];
    }

    /// @inheritdoc IAccessEscrow
    function treasury() external view returns (address) {
        return _config.treasury;
    }

    /// @inheritdoc IAccessEscrow
    function treasuryShareBps() external view returns (uint16) {
        return _config.treasuryShareBps;
    }

    /// @inheritdoc IAccessEscrow
    function decisionPeriod() external view returns (uint32) {
        return _config.decisionPeriod;
    }

    /// @inheritdoc IAccessEscrow
    function deliveryPeriod() external view returns (uint32) {
        return _config.deliveryPeriod;
    }

    /// @inheritdoc IAccessEscrow
    function custodianSet() external view returns (ICustodianSet) {
        return _custodianSet;
    }

    /// @inheritdoc IAccessEscrow
    function deliveryRound(uint256 requestId) external view returns (DeliveryRound memory round) {
        Request storage r = _requests[requestId];
        round.setVersion = r.roundVersion;
        round.start = r.roundStart;
        round.postedMask = r.postedMask;
        round.leadingSetHash = r.setHash;
        round.leadingPosts = r.posts;
    }

    /// @inheritdoc IAccessEscrow
    function postsFor(uint256 requestId, bytes32 setHash) external view returns (uint8) {
        Request storage r = _requests[requestId];
        if (setHash == bytes32(0)) return 0;
        if (setHash == r.setHash) return r.posts;
        RivalTally memory t = _rivals[requestId][setHash];
        return t.setVersion == r.roundVersion && t.start == r.roundStart ? t.posts : 0;
    }

    /// @inheritdoc IAccessEscrow
    function hasPosted(uint256 requestId, address custodian) external view returns (bool) {
        (uint32 version, , uint8 slot, bool member) = _custodianSet.seatOf(custodian);
        Request storage r = _requests[requestId];
        if (!member || r.roundVersion != version) return false;
        // A round of an epoch that has ended, or outdated by a withdrawal, is restarted by the next post.
        (, uint48 epochStart) = _distributor.currentEpoch();
        uint48 withdrawn = _distributor.lastWithdrawal(r.purpose);
        if (r.roundStart < epochStart || r.roundStart < withdrawn) return false;
        return (r.postedMask >> slot) & 1 == 1;
    }

    /// @inheritdoc IAccessEscrow
    function heldFees() external view returns (uint256) {
        return _heldFees;
    }

    /// @inheritdoc IAccessEscrow
    function refundOwed(address buyer) external view returns (uint256) {
        return _refundsOwed[buyer];
    }

    /// @notice ERC-165: AccessControl's interfaces and {IAccessEscrow}.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IAccessEscrow).interfaceId || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------------

    /// @dev Records a new pending request (fee not yet pulled) and adds its fee to `heldFees`.
    function _storeRequest(
        uint8 purpose,
        uint256 amount,
        uint32 duration,
        bytes32 termsHash,
        bytes32 buyerKeyHash
    ) private returns (uint256 requestId) {
        uint48 now_ = Time.timestamp();
        StandingTerms memory terms = _standingTerms[purpose];
        // The window and threshold in force now are snapshotted: later changes never move a pending request.
        bool optimistic = terms.enabled && amount >= terms.minPrice && duration <= terms.maxDuration;

        requestId = ++_requestCount;
        // `amount` fits in 128 bits (checked by the caller); the sum is checked arithmetic.
        _heldFees += uint128(amount);
        Request storage r = _requests[requestId];
        r.buyer = msg.sender;
        r.purpose = purpose;
        r.status = Status.Pending;
        r.requestedAt = now_;
        r.duration = duration;
        r.amount = uint128(amount);
        r.decisionDeadline = now_ + _config.decisionPeriod;
        if (optimistic) {
            r.objectionDeadline = now_ + terms.objectionWindow;
            r.objectionThresholdBps = terms.objectionThresholdBps;
        }
        r.termsHash = termsHash;
        r.buyerKeyHash = buyerKeyHash;
    }

    /// @dev Emits `AccessRequested` from storage (a separate frame keeps the stack shallow).
    function _emitRequested(uint256 requestId, string calldata termsURI, bytes calldata buyerPublicKey) private {
        Request storage r = _requests[requestId];
        emit AccessRequested(
            requestId,
            r.buyer,
            r.purpose,
            r.amount,
            r.duration,
            r.termsHash,
            termsURI,
            buyerPublicKey,
            r.decisionDeadline,
            r.objectionDeadline
        );
    }

    function _requestOf(uint256 requestId) private view returns (Request storage r) {
        r = _requests[requestId];
        if (r.status == Status.None) revert EscrowUnknownRequest(requestId);
    }

    function _requireStatus(uint256 requestId, Request storage r, Status expected) private view {
        Status status = r.status;
        if (status != expected) revert EscrowInvalidStatus(requestId, status);
    }

    /// @dev Rounds up: the threshold is never below its share of the supply, which favours the buyer.
    function _objectionThreshold(uint256 timepoint, uint16 thresholdBps) private view returns (uint256) {
        uint256 supply = _governanceToken.getPastTotalSupply(timepoint);
        return Math.mulDiv(supply, thresholdBps, _MAX_BPS, Math.Rounding.Ceil);
    }

    /// @dev Moves a pending request to Approved. The caller checked the status and the deadlines.
    function _approve(uint256 requestId, Request storage r, bool optimistic) private {
        uint8 purpose = r.purpose;
        if (_distributor.totalWeight(purpose) == 0) revert EscrowNoConsentingWeight(requestId, purpose);
        uint48 deliveryDeadline = Time.timestamp() + _config.deliveryPeriod;
        r.status = Status.Approved;
        r.deliveryDeadline = deliveryDeadline;
        emit RequestApproved(requestId, optimistic, deliveryDeadline);
    }

    /// @dev Pays a request's fee back to its buyer. The caller has already set the final status. A transfer
    /// that fails (a reverting or blocklisting token, a `false` return) does not undo the ending: the refund
    /// is kept for the buyer to withdraw, still counted in `heldFees` (finding 4).
    function _refund(uint256 requestId, Request storage r) private {
        uint128 amount = r.amount;
        address buyer = r.buyer;
        _heldFees -= amount;
        if (_settlementToken.trySafeTransfer(buyer, amount)) {
            emit FeeRefunded(requestId, buyer, amount);
            _requireSolvent();
        } else {
            _heldFees += amount;
            _refundsOwed[buyer] += amount;
            emit RefundHeld(requestId, buyer, amount);
        }
    }

    /// @dev Emits `SharePosted` (a separate frame keeps the stack shallow).
    function _emitPosted(uint256 requestId, SharePost calldata post, uint32 version, uint8 posts) private {
        emit SharePosted(
            requestId,
            msg.sender,
            post.setHash,
            version,
            posts,
            post.manifestHash,
            post.manifestURI,
            post.epoch,
            post.builtAt
        );
    }

    /// @dev Checks that the caller may post for `r` now and counts its post (a separate frame keeps the stack
    /// shallow). Returns the posts for `setHash` in the round, the threshold and the set version.
    function _post(
        uint256 requestId,
        Request storage r,
        uint32 epoch,
        uint48 builtAt,
        bytes32 setHash
    ) private returns (uint8 posts, uint8 threshold, uint32 version) {
        uint8 slot;
        bool member;
        (version, threshold, slot, member) = _custodianSet.seatOf(msg.sender);
        if (!member) revert EscrowNotCustodian(msg.sender, version);
        _requireStatus(requestId, r, Status.Approved);
        uint48 now_ = Time.timestamp();
        uint48 deadline = r.deliveryDeadline;
        if (now_ > deadline) revert EscrowDeliveryDeadlinePassed(requestId, deadline);
        uint48 floor = _requireCurrentSet(requestId, r.purpose, epoch, builtAt, now_);
        posts = _countPost(requestId, r, version, slot, setHash, builtAt, floor);
    }

    /// @dev Counts one custodian's post towards a release and returns the posts for `setHash` in the round.
    /// A round is the posts that count towards one release: one custodian set version, one consent epoch and
    /// no consenting weight withdrawn since the round's first post was built (`floor`: the later of the epoch's
    /// start and the purpose's last withdrawal). Within a round every honest custodian builds the same eligible
    /// set (it only shrinks within an epoch, by withdrawals), so honest posts agree; a round that no longer meets
    /// this is restarted by the next post, which forgets the posts before it: those of removed custodians, of an
    /// older epoch or of an outdated set (the custodians still in office post again). The first set posted in a
    /// round leads (kept in the request's own slots); other sets are tallied apart, so one custodian posting a
    /// wrong set first cannot hold the others back.
    function _countPost(
        uint256 requestId,
        Request storage r,
        uint32 version,
        uint8 slot,
        bytes32 setHash,
        uint48 builtAt,
        uint48 floor
    ) private returns (uint8 posts) {
        if (r.roundVersion != version || r.roundStart < floor) {
            r.roundVersion = version;
            r.roundStart = builtAt;
            r.postedMask = uint32(1) << slot;
            r.posts = 1;
            r.setHash = setHash;
            return 1;
        }
        // `slot < MAX_CUSTODIANS` (32): the bit fits in the uint32 mask.
        uint32 bit = uint32(1) << slot;
        uint32 mask = r.postedMask;
        if (mask & bit != 0) revert EscrowAlreadyPosted(requestId, msg.sender, version);
        r.postedMask = mask | bit;
        if (r.setHash == setHash) {
            // At most 32 posts per round: no overflow.
            posts = r.posts + 1;
            r.posts = posts;
            return posts;
        }
        RivalTally storage t = _rivals[requestId][setHash];
        uint48 start = r.roundStart;
        posts = t.setVersion == version && t.start == start ? t.posts + 1 : 1;
        _rivals[requestId][setHash] = RivalTally({setVersion: version, start: start, posts: posts});
    }

    /// @dev Releases the fee of a request k custodians have posted the same set for.
    function _release(uint256 requestId, Request storage r, bytes32 setHash, uint32 version) private {
        uint48 now_ = Time.timestamp();
        uint8 purpose = r.purpose;
        r.status = Status.Delivered;
        r.deliveredAt = now_;
        // A rival set that reached k becomes the delivered one.
        if (r.setHash != setHash) r.setHash = setHash;
        emit AccessDelivered(requestId, setHash, version, now_, now_ + r.duration);

        uint256 amount = r.amount;
        _heldFees -= uint128(amount);
        Config memory config = _config;
        // Rounds down: the treasury never gets more than its share; contributors get the remainder.
        uint256 toTreasury = (amount * config.treasuryShareBps) / _MAX_BPS;
        // The share is at most MAX_TREASURY_SHARE_BPS < 10000, so toTreasury < amount.
        uint256 toContributors = amount - toTreasury;
        emit FeeReleased(requestId, purpose, config.treasury, toTreasury, toContributors);

        if (toTreasury != 0) _settlementToken.safeTransfer(config.treasury, toTreasury);
        _settlementToken.forceApprove(address(_distributor), toContributors);
        _distributor.deposit(purpose, toContributors);
        _requireSolvent();
    }

    /// @dev The manifest must be built from the current epoch's set (finding 1): the stated epoch is the
    /// current one, it was built within it, and no consenting weight has left the purpose since. Weight that
    /// joined during the epoch is pending, so the effective set only shrinks within an epoch, and a manifest
    /// built after the last withdrawal lists exactly the contributions this delivery pays.
    /// Returns the earliest build time the current set is valid from: the later of the epoch's start and the
    /// purpose's last withdrawal.
    function _requireCurrentSet(
        uint256 requestId,
        uint8 purpose,
        uint32 epoch,
        uint48 builtAt,
        uint48 now_
    ) private view returns (uint48 floor) {
        (uint32 current, uint48 start) = _distributor.currentEpoch();
        if (epoch != current) revert EscrowStaleEpoch(requestId, epoch, current);
        if (builtAt < start || builtAt > now_) revert EscrowInvalidBuildTime(requestId, builtAt, start, now_);
        uint48 withdrawn = _distributor.lastWithdrawal(purpose);
        if (withdrawn > builtAt) revert EscrowManifestOutdated(requestId, builtAt, withdrawn);
        floor = withdrawn > start ? withdrawn : start;
    }

    /// @dev Pulls `amount` from `from` and reverts unless exactly `amount` arrived (fee-on-transfer tokens).
    function _pullExactly(address from, uint256 amount) private {
        (uint256 received, ) = ExactTransfer.pull(_settlementToken, from, amount);
        if (received != amount) revert EscrowUnexpectedTransfer(amount, received);
    }

    /// @dev The escrow must always hold at least the fees it owes (a token could take more than it was asked).
    function _requireSolvent() private view {
        uint256 balance = _settlementToken.balanceOf(address(this));
        uint256 held = _heldFees;
        if (balance < held) revert EscrowInsolvent(balance, held);
    }

    function _setTreasury(address newTreasury) private {
        address oldTreasury = _config.treasury;
        _config.treasury = newTreasury;
        emit TreasuryChanged(oldTreasury, newTreasury);
    }

    function _setTreasuryShare(uint16 newShareBps) private {
        if (newShareBps > MAX_TREASURY_SHARE_BPS)
            revert EscrowTreasuryShareTooHigh(newShareBps, MAX_TREASURY_SHARE_BPS);
        uint16 oldShareBps = _config.treasuryShareBps;
        _config.treasuryShareBps = newShareBps;
        emit TreasuryShareChanged(oldShareBps, newShareBps);
    }

    function _setDecisionPeriod(uint32 newPeriod) private {
        if (newPeriod < MIN_PERIOD || newPeriod > MAX_PERIOD) {
            revert EscrowPeriodOutOfRange(newPeriod, MIN_PERIOD, MAX_PERIOD);
        }
        // Every enabled objection window must still close before the decision deadline.
        for (uint8 purpose = 0; purpose < PurposeMask.COUNT; ++purpose) {
            StandingTerms storage terms = _standingTerms[purpose];
            if (terms.enabled && terms.objectionWindow >= newPeriod) {
                revert EscrowObjectionWindowTooLong(purpose, terms.objectionWindow, newPeriod);
            }
        }
        uint32 oldPeriod = _config.decisionPeriod;
        _config.decisionPeriod = newPeriod;
        emit DecisionPeriodChanged(oldPeriod, newPeriod);
    }

    function _setDeliveryPeriod(uint32 newPeriod) private {
        if (newPeriod < MIN_PERIOD || newPeriod > MAX_PERIOD) {
            revert EscrowPeriodOutOfRange(newPeriod, MIN_PERIOD, MAX_PERIOD);
        }
        uint32 oldPeriod = _config.deliveryPeriod;
        _config.deliveryPeriod = newPeriod;
        emit DeliveryPeriodChanged(oldPeriod, newPeriod);
    }
}
