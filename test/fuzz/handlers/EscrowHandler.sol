// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessEscrow} from "../../../contracts/AccessEscrow.sol";
import {CoopToken} from "../../../contracts/CoopToken.sol";
import {RevenueDistributor} from "../../../contracts/RevenueDistributor.sol";
import {IAccessEscrow} from "../../../contracts/interfaces/IAccessEscrow.sol";
import {DataCoop, DataCoopDeployment} from "../utils/DataCoopDeployment.sol";
import {SettlementToken} from "../utils/SettlementToken.sol";
import {Vm} from "../utils/Vm.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {RegistryHandler} from "./RegistryHandler.sol";

/// @title EscrowHandler
/// @notice Buyers, objecting holders, the custodian, governance decisions and parameters, and time: request,
/// object, finalize, approve and reject (batches, through the timelock), cancel, expire, markUndelivered,
/// deliver, standing terms and periods, and warps past windows and deadlines. The model is every request's
/// state, deadlines and objections, the fees held, the fees released, and how many times each request ended.
contract EscrowHandler is HandlerBase {
    uint8 internal constant PURPOSES = 16;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant PRECISION = 1e18;
    /// @dev Accumulators wrap modulo 2^192 (finding 3): only differences are paid.
    uint256 internal constant ACC_MODULUS = 2 ** 192;

    /// @dev A delivery's expected split and the ledger before it (in memory, clear of the stack limit).
    struct Delivery {
        uint8 purpose;
        uint256 toTreasury;
        uint256 toContributors;
        uint256 totalWeight;
        uint256 accBefore;
        uint256 carryBefore;
        uint256 treasuryBefore;
        uint256[] earnedBefore;
    }
    /// @dev A valid compressed secp256k1 key (the local custodian's), for buyers.
    bytes internal constant BUYER_KEY = hex"02f2adfbcdfcbe3e55f9b92c39dd47ea5b257a98bbfe6db3a796cf79e7ed170ace";

    struct GhostRequest {
        address buyer;
        uint8 purpose;
        IAccessEscrow.Status status;
        uint48 requestedAt;
        uint128 amount;
        uint48 decisionDeadline;
        uint48 objectionDeadline;
        uint16 objectionThresholdBps;
        uint48 deliveryDeadline;
        uint256 objectionVotes;
    }

    AccessEscrow public immutable escrow;
    CoopToken public immutable token;
    RevenueDistributor public immutable distributor;
    SettlementToken public immutable settlement;
    RegistryHandler public immutable registryHandler;
    address public immutable timelock;
    address public immutable custodian;
    /// @notice Largest fee a buyer offers: one million whole settlement tokens.
    uint256 public immutable maxFee;

    address[] public buyers;

    // --- Model --------------------------------------------------------------------------------------
    GhostRequest[] private _requests;
    /// @dev Returned by `_pick` when there is no request yet.
    GhostRequest private _none;
    mapping(uint256 requestId => mapping(address account => bool)) private _objected;
    mapping(uint8 purpose => IAccessEscrow.StandingTerms) private _terms;
    /// @dev When `SECOND_CUSTODIAN`'s post for a request was accepted last (0: never).
    mapping(uint256 requestId => uint48 postedAt) private _secondPostedAt;
    uint32 public decisionPeriod;
    uint32 public deliveryPeriod;
    uint16 public treasuryShareBps;

    /// @notice Fees of requests the model has Pending or Approved.
    uint256 public ghostHeld;
    /// @notice Refunds the model says are kept for a buyer that could not receive them (finding 4).
    mapping(address buyer => uint256 amount) public ghostOwed;
    /// @notice Fees released to the distributor for contributors, and to the treasury.
    uint256 public ghostReleasedToContributors;
    uint256 public ghostReleasedToTreasury;
    /// @notice Ends (`FeeRefunded` or `AccessDelivered` events) observed per request id.
    mapping(uint256 requestId => uint256 count) public ends;
    /// @notice Deliveries whose deposit paid an account other than in proportion to its consenting weight.
    uint256 public ghostPaidOutsideConsent;
    /// @notice Requests a governance `reject` ended (every other rejection must come from objections).
    mapping(uint256 requestId => bool) public rejectedByGovernance;

    constructor(DataCoop memory c, SettlementToken settlement_, RegistryHandler registryHandler_, address custodian_) {
        escrow = c.escrow;
        token = c.token;
        distributor = c.distributor;
        settlement = settlement_;
        registryHandler = registryHandler_;
        timelock = address(c.timelock);
        custodian = custodian_;
        maxFee = 1_000_000 * 10 ** settlement_.decimals();
        decisionPeriod = c.escrow.decisionPeriod();
        deliveryPeriod = c.escrow.deliveryPeriod();
        treasuryShareBps = c.escrow.treasuryShareBps();
        for (uint256 i = 0; i < 3; ++i) {
            address buyer = vm.addr(0xB0_0000 + i);
            buyers.push(buyer);
            vm.label(buyer, string.concat("buyer", vm.toString(i)));
            vm.prank(buyer);
            settlement.approve(address(c.escrow), type(uint256).max);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Buyers
    // ---------------------------------------------------------------------------------------------

    /// @notice A buyer requests access and pays the fee into escrow.
    function requestAccess(uint256 actor, uint256 purpose, uint256 amount, uint256 duration, uint256 flags) external {
        address buyer = buyers[actor % buyers.length];
        uint16 defined = registryHandler.definedPurposes();
        uint8 p = _requestedPurpose(purpose, flags);
        amount = bound(amount, 1, maxFee);
        uint32 d = uint32(_chance(flags, 8, 3) ? 0 : bound(duration, 1, 400 days));
        (amount, d) = _meetTerms(p, amount, d, flags);
        bytes memory key = _chance(flags, 16, 3) ? bytes(hex"05") : BUYER_KEY;
        bool expected = p < PURPOSES && (defined >> p) & 1 == 1 && d != 0 && key.length == 33;
        settlement.mint(buyer, amount);
        uint256 escrowBefore = settlement.balanceOf(address(escrow));
        vm.prank(buyer);
        try escrow.requestAccess(p, amount, d, keccak256("terms"), "ipfs://terms", key) returns (uint256 id) {
            _expectOutcome(true, expected, "requestAccess");
            if (!expected) return;
            _check(id == _requests.length + 1, "requestAccess: id is not the next one");
            _check(settlement.balanceOf(address(escrow)) == escrowBefore + amount, "requestAccess: fee not pulled");
            _recordRequest(buyer, p, amount, d);
        } catch {
            _expectOutcome(false, expected, "requestAccess");
        }
    }

    /// @notice The buyer (or, sometimes, another buyer) cancels a request.
    function cancel(uint256 pick, uint256 flags) external {
        (uint256 id, GhostRequest storage r) = _pick(pick, IAccessEscrow.Status.Pending);
        if (id == 0) return;
        address caller = _chance(flags, 0, 15) ? buyers[(flags >> 8) % buyers.length] : r.buyer;
        bool expected = r.status == IAccessEscrow.Status.Pending && caller == r.buyer;
        _call(id, caller, abi.encodeCall(escrow.cancel, (id)), expected, IAccessEscrow.Status.Cancelled, "cancel");
    }

    /// @notice Anyone expires a request past its decision deadline.
    function expire(uint256 pick) external {
        (uint256 id, GhostRequest storage r) = _pick(pick, IAccessEscrow.Status.Pending);
        if (id == 0) return;
        bool expected = r.status == IAccessEscrow.Status.Pending && block.timestamp > r.decisionDeadline;
        _call(id, buyers[0], abi.encodeCall(escrow.expire, (id)), expected, IAccessEscrow.Status.Expired, "expire");
    }

    /// @notice Anyone marks an approved request undelivered past its delivery deadline.
    function markUndelivered(uint256 pick) external {
        (uint256 id, GhostRequest storage r) = _pick(pick, IAccessEscrow.Status.Approved);
        if (id == 0) return;
        bool expected = r.status == IAccessEscrow.Status.Approved && block.timestamp > r.deliveryDeadline;
        bytes memory data = abi.encodeCall(escrow.markUndelivered, (id));
        _call(id, buyers[1], data, expected, IAccessEscrow.Status.Undelivered, "markUndelivered");
    }

    // ---------------------------------------------------------------------------------------------
    // Decisions
    // ---------------------------------------------------------------------------------------------

    /// @notice A contributor or holder objects to an optimistic request with its past votes.
    function object(uint256 pick, uint256 who) external {
        (uint256 id, GhostRequest storage r) = _pickObjectable(pick);
        if (id == 0) return;
        _object(id, r, _objector(id, r, who));
    }

    /// @notice Holders campaign against a request: the voters object in turn, from voter `who` on, while it is
    /// still pending. Their objections add up across the threshold, the boundary the objection rule is about.
    function objectInTurn(uint256 pick, uint256 who) external {
        (uint256 id, GhostRequest storage r) = _pickObjectable(pick);
        if (id == 0 || r.objectionDeadline == 0) return;
        uint256 n = registryHandler.voterCount();
        for (uint256 k = 0; k < n && r.status == IAccessEscrow.Status.Pending; ++k) {
            _object(id, r, registryHandler.voter((who % n) + k));
        }
    }

    /// @notice Anyone finalizes an optimistic request once its objection window closed.
    function finalize(uint256 pick) external {
        (uint256 id, GhostRequest storage r) = _pick(pick, IAccessEscrow.Status.Pending);
        if (id == 0) return;
        bool expected =
            r.status == IAccessEscrow.Status.Pending &&
                r.objectionDeadline != 0 &&
                block.timestamp > r.objectionDeadline &&
                block.timestamp <= r.decisionDeadline &&
                registryHandler.modelEffectiveTotal(r.purpose) != 0;
        bytes memory data = abi.encodeCall(escrow.finalize, (id));
        _call(id, buyers[2], data, expected, IAccessEscrow.Status.Approved, "finalize");
    }

    /// @notice Governance approves a batch of requests (a passed proposal, executed by the timelock).
    function approve(uint256 a, uint256 b, uint256 c) external {
        uint256[] memory ids = _batch(a, b, c);
        if (ids.length == 0) return;
        uint256 before = settlement.balanceOf(address(escrow));
        vm.prank(timelock);
        try escrow.approve(ids) {
            for (uint256 i = 0; i < ids.length; ++i) {
                GhostRequest storage r = _requests[ids[i] - 1];
                bool approves =
                    r.status == IAccessEscrow.Status.Pending &&
                        block.timestamp <= r.decisionDeadline &&
                        registryHandler.modelEffectiveTotal(r.purpose) != 0;
                if (approves) _setStatus(r, IAccessEscrow.Status.Approved);
            }
        } catch {
            _expectOutcome(false, true, "approve");
        }
        _check(settlement.balanceOf(address(escrow)) == before, "approve: escrow balance moved");
        _checkStatuses(ids, "approve");
    }

    /// @notice Governance rejects a batch of requests (refunding each pending or approved one).
    function reject(uint256 a, uint256 b, uint256 c) external {
        uint256[] memory ids = _batch(a, b, c);
        if (ids.length == 0) return;
        vm.recordLogs();
        vm.prank(timelock);
        try escrow.reject(ids) {
            _countEnds(vm.getRecordedLogs());
            for (uint256 i = 0; i < ids.length; ++i) {
                GhostRequest storage r = _requests[ids[i] - 1];
                bool pendingOrApproved =
                    r.status == IAccessEscrow.Status.Pending || r.status == IAccessEscrow.Status.Approved;
                if (pendingOrApproved) {
                    _setStatus(r, IAccessEscrow.Status.Rejected);
                    rejectedByGovernance[ids[i]] = true;
                }
            }
        } catch {
            _expectOutcome(false, true, "reject");
        }
        _checkStatuses(ids, "reject");
        _checkOwed();
    }

    // ---------------------------------------------------------------------------------------------
    // Delivery
    // ---------------------------------------------------------------------------------------------

    /// @notice The custodian (or, sometimes, someone else) delivers an approved grant, releasing its fee.
    function deliver(uint256 pick, uint256 flags) external {
        (uint256 id, GhostRequest storage r) = _pick(pick, IAccessEscrow.Status.Approved);
        if (id == 0) return;
        address caller = _chance(flags, 0, 5) ? buyers[0] : custodian;
        bytes32 manifest = _chance(flags, 8, 3) ? bytes32(0) : keccak256(abi.encode("manifest", id));
        // The manifest is built now for the current epoch; sometimes for the previous one (stale: refused).
        bool stale = _chance(flags, 16, 3);
        Delivery memory d = _snapshot(r);
        bool expected =
            r.status == IAccessEscrow.Status.Approved &&
                block.timestamp <= r.deliveryDeadline &&
                caller == custodian &&
                manifest != bytes32(0) &&
                !stale &&
                d.totalWeight != 0;
        bytes memory data = _deliverCall(id, manifest, stale);
        // The other custodian of the 2-of-2 set posts the same set first, so the call below is the releasing k-th
        // post. Its post is held to the same rules (weight aside: only the release pays).
        _postAsSecondCustodian(id, r, data, !stale && manifest != bytes32(0));
        if (!_call(id, caller, data, expected, IAccessEscrow.Status.Delivered, "deliver") || !expected) return;

        ghostReleasedToContributors += d.toContributors;
        ghostReleasedToTreasury += d.toTreasury;
        _check(settlement.balanceOf(escrow.treasury()) == d.treasuryBefore + d.toTreasury, "deliver: treasury share");
        uint256 increment = (distributor.accumulator(d.purpose) + ACC_MODULUS - d.accBefore) % ACC_MODULUS;
        _check(
            increment * d.totalWeight + distributor.carry(d.purpose) == d.toContributors * PRECISION + d.carryBefore,
            "deliver: deposit not conserved in accumulator and carry"
        );
        _checkPaidSet(id, d.purpose, increment, d.earnedBefore);
    }

    // ---------------------------------------------------------------------------------------------
    // Governance parameters and time
    // ---------------------------------------------------------------------------------------------

    /// @notice Governance sets a purpose's standing terms (mostly valid ones).
    function setStandingTerms(uint256 purpose, uint256 window, uint256 bps, uint256 minPrice, uint256 flags) external {
        uint8 p = uint8(bound(purpose, 0, _chance(flags, 0, 3) ? PURPOSES : 5));
        IAccessEscrow.StandingTerms memory t;
        t.enabled = _chance(flags, 8, 75);
        // A decision period of one hour leaves no valid window: only wild terms then.
        bool wild = _chance(flags, 16, 10) || decisionPeriod <= 1 hours;
        // Half the terms accept every duration and price a buyer offers, so optimistic requests are common.
        bool open = _chance(flags, 24, 50);
        uint256 mix = uint256(keccak256(abi.encode(flags, 25)));
        t.maxDuration =
            open ? escrow.MAX_STANDING_DURATION() : uint32(bound(mix, wild ? 0 : 1, escrow.MAX_STANDING_DURATION()));
        t.objectionWindow = uint32(bound(window, wild ? 0 : 1 hours, wild ? 40 days : decisionPeriod - 1));
        // Half the thresholds realistic (at most 10% of the supply), so objections do reject.
        uint256 maxBps =
            wild
                ? 12_000
                : _chance(flags, 26, 50)
                    ? 1_000
                    : BPS;
        t.objectionThresholdBps = uint16(bound(bps, wild ? 0 : 1, maxBps));
        if (!wild && _chance(flags, 27, 50)) t.objectionThresholdBps = _bpsNearVotes(flags);
        t.minPrice = open ? 0 : uint128(bound(minPrice, 0, maxFee));
        bool valid =
            !t.enabled ||
                (t.maxDuration != 0 &&
                    t.objectionWindow >= 1 hours &&
                    t.objectionWindow <= 30 days &&
                    t.objectionThresholdBps != 0 &&
                    t.objectionThresholdBps <= BPS &&
                    t.objectionWindow < decisionPeriod);
        bool expected = p < PURPOSES && valid;
        vm.prank(timelock);
        try escrow.setStandingTerms(p, t) {
            _expectOutcome(true, expected, "setStandingTerms");
            if (expected) _terms[p] = t;
        } catch {
            _expectOutcome(false, expected, "setStandingTerms");
        }
    }

    /// @notice Governance sets the treasury share (sometimes above the cap).
    function setTreasuryShare(uint256 bps) external {
        bps = bound(bps, 0, 2_500);
        bool expected = bps <= escrow.MAX_TREASURY_SHARE_BPS();
        vm.prank(timelock);
        try escrow.setTreasuryShare(uint16(bps)) {
            _expectOutcome(true, expected, "setTreasuryShare");
            if (expected) treasuryShareBps = uint16(bps);
        } catch {
            _expectOutcome(false, expected, "setTreasuryShare");
        }
    }

    /// @notice Governance sets the decision or the delivery period (sometimes out of range).
    function setPeriod(uint256 period, uint256 flags) external {
        uint32 value = uint32(bound(period, 0, 400 days));
        bool delivery = _chance(flags, 0, 50);
        bool expected = value >= 1 hours && value <= 365 days;
        if (!delivery) {
            for (uint8 p = 0; p < PURPOSES; ++p) {
                if (_terms[p].enabled && _terms[p].objectionWindow >= value) expected = false;
            }
        }
        try this.doSetPeriod(delivery, value) {
            _expectOutcome(true, expected, "setPeriod");
            if (expected) delivery ? deliveryPeriod = value : decisionPeriod = value;
        } catch {
            _expectOutcome(false, expected, "setPeriod");
        }
    }

    /// @dev External so `setPeriod` can `try` either setter as the timelock.
    function doSetPeriod(bool delivery, uint32 value) external {
        if (msg.sender != address(this)) revert AssertionFailed("doSetPeriod: internal", 0, 0);
        vm.prank(timelock);
        delivery ? escrow.setDeliveryPeriod(value) : escrow.setDecisionPeriod(value);
    }

    /// @notice A buyer becomes unable (or able again) to receive the settlement token.
    function setBuyerBlocked(uint256 actor, uint256 flags) external {
        settlement.setBlocked(buyers[actor % buyers.length], _chance(flags, 0, 50));
    }

    /// @notice A buyer withdraws the refunds kept for it, to an address that can receive them.
    function withdrawRefund(uint256 actor) external {
        address buyer = buyers[actor % buyers.length];
        address to = address(0xB0B);
        uint256 owed = ghostOwed[buyer];
        uint256 before = settlement.balanceOf(to);
        vm.prank(buyer);
        try escrow.withdrawRefund(to) returns (uint256 amount) {
            _expectOutcome(true, owed != 0, "withdrawRefund");
            if (owed == 0) return;
            _check(amount == owed && settlement.balanceOf(to) == before + owed, "withdrawRefund: not the owed amount");
            (ghostOwed[buyer], ghostHeld) = (0, ghostHeld - owed);
        } catch {
            _expectOutcome(false, owed != 0, "withdrawRefund");
        }
    }

    /// @notice Time passes: up to four days, past objection windows and decision and delivery deadlines.
    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 4 days));
        vm.roll(block.number + 1);
    }

    /// @notice A few blocks pass (up to ten minutes), so what was minted or moved counts as past votes for the
    /// requests that follow, without jumping past windows and deadlines as `warp` does.
    function tick(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 10 minutes));
        vm.roll(block.number + 1);
    }

    /// @notice Time jumps to a request's next deadline, exactly (the last second it allows) or one second past it
    /// (the first it refuses): an approved request's delivery deadline, a pending one's objection window end while
    /// open, else its decision deadline. Random warps rarely land on these boundaries, and a request is mostly
    /// delivered or ended before a random warp passes them.
    function warpToDeadline(uint256 pick, uint256 flags) external {
        IAccessEscrow.Status wanted =
            _chance(flags, 0, 50) ? IAccessEscrow.Status.Approved : IAccessEscrow.Status.Pending;
        (uint256 id, GhostRequest storage r) = _pick(pick, wanted);
        if (id == 0) return;
        uint256 deadline;
        if (r.status == IAccessEscrow.Status.Approved) deadline = r.deliveryDeadline;
        else if (r.status != IAccessEscrow.Status.Pending) return;
        else if (block.timestamp <= r.objectionDeadline) deadline = r.objectionDeadline;
        else deadline = r.decisionDeadline;
        uint256 target = deadline + (_chance(flags, 8, 50) ? 1 : 0);
        if (target <= block.timestamp) return;
        vm.warp(target);
        vm.roll(block.number + 1);
    }

    // ---------------------------------------------------------------------------------------------
    // Views for the invariants
    // ---------------------------------------------------------------------------------------------

    /// @notice The actions the fuzzer calls (every other external function is a helper or a view).
    function actions() external pure returns (bytes4[] memory a) {
        a = new bytes4[](18);
        (a[0], a[1], a[2], a[3]) = (
            EscrowHandler.requestAccess.selector,
            EscrowHandler.cancel.selector,
            EscrowHandler.expire.selector,
            EscrowHandler.markUndelivered.selector
        );
        (a[4], a[5], a[6], a[7]) = (
            EscrowHandler.object.selector,
            EscrowHandler.finalize.selector,
            EscrowHandler.approve.selector,
            EscrowHandler.reject.selector
        );
        (a[8], a[9], a[10]) = (
            EscrowHandler.deliver.selector,
            EscrowHandler.setStandingTerms.selector,
            EscrowHandler.setTreasuryShare.selector
        );
        (a[11], a[12]) = (EscrowHandler.setPeriod.selector, EscrowHandler.warp.selector);
        (a[13], a[14]) = (EscrowHandler.setBuyerBlocked.selector, EscrowHandler.withdrawRefund.selector);
        (a[15], a[16], a[17]) = (
            EscrowHandler.objectInTurn.selector,
            EscrowHandler.tick.selector,
            EscrowHandler.warpToDeadline.selector
        );
    }

    function requestCount() external view returns (uint256) {
        return _requests.length;
    }

    function modelStatus(uint256 id) external view returns (IAccessEscrow.Status) {
        return _requests[id - 1].status;
    }

    // ---------------------------------------------------------------------------------------------
    // Hooks for the rules of issue #10 (override in a derived handler)
    // ---------------------------------------------------------------------------------------------

    /// @dev Whether `account` may be paid from delivery `requestId` of `purpose`. Today: it consents now
    /// (weight in the model). With consent epochs (finding 1) it becomes "in the set whose keys the delivery
    /// releases": the epoch's members, so the check below becomes "paid set ⊆ released set".
    function _mayBePaid(address account, uint8 purpose, uint256 requestId) internal view virtual returns (bool) {
        requestId;
        (uint256 effective, ) = registryHandler.modelSplit(account, purpose);
        return effective != 0;
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    /// @dev Adds a request to the model, optimistic when it meets the purpose's standing terms.
    function _recordRequest(address buyer, uint8 p, uint256 amount, uint32 d) private {
        IAccessEscrow.StandingTerms memory t = _terms[p];
        bool optimistic = t.enabled && amount >= t.minPrice && d <= t.maxDuration;
        uint48 now_ = uint48(block.timestamp);
        _requests.push(
            GhostRequest({
                buyer: buyer,
                purpose: p,
                status: IAccessEscrow.Status.Pending,
                requestedAt: now_,
                amount: uint128(amount),
                decisionDeadline: now_ + decisionPeriod,
                objectionDeadline: optimistic ? now_ + t.objectionWindow : 0,
                objectionThresholdBps: optimistic ? t.objectionThresholdBps : 0,
                deliveryDeadline: 0,
                objectionVotes: 0
            })
        );
        ghostHeld += amount;
    }

    /// @dev Calls `data` on the escrow as `caller`, compares acceptance with `expected`, moves the model to
    /// `next` when expected, checks the chain's status against the model and counts the request's ends.
    function _call(
        uint256 id,
        address caller,
        bytes memory data,
        bool expected,
        IAccessEscrow.Status next,
        string memory action
    ) private returns (bool accepted) {
        GhostRequest storage r = _requests[id - 1];
        uint256 buyerBefore = settlement.balanceOf(r.buyer);
        vm.recordLogs();
        vm.prank(caller);
        (accepted, ) = address(escrow).call(data);
        // forge records the logs of reverted calls too: count ends of accepted calls only.
        Vm.Log[] memory logs = vm.getRecordedLogs();
        if (accepted) _countEnds(logs);
        _expectOutcome(accepted, expected, action);
        if (accepted && expected) {
            bool refunds =
                next != IAccessEscrow.Status.Pending &&
                    next != IAccessEscrow.Status.Approved &&
                    next != IAccessEscrow.Status.Delivered;
            _setStatus(r, next);
            uint256 refund = refunds && !settlement.blocked(r.buyer) ? r.amount : 0;
            _check(settlement.balanceOf(r.buyer) == buyerBefore + refund, string.concat(action, ": buyer refund"));
        }
        _check(escrow.request(id).status == r.status, string.concat(action, ": status differs from the model"));
        _checkOwed();
    }

    /// @dev Moves a request in the model, keeping the fees held in step.
    function _setStatus(GhostRequest storage r, IAccessEscrow.Status next) private {
        bool heldBefore = r.status == IAccessEscrow.Status.Pending || r.status == IAccessEscrow.Status.Approved;
        bool heldAfter = next == IAccessEscrow.Status.Pending || next == IAccessEscrow.Status.Approved;
        if (heldBefore && !heldAfter) {
            // A refund to a buyer that cannot receive is kept, still held, for the buyer to withdraw.
            if (next != IAccessEscrow.Status.Delivered && settlement.blocked(r.buyer)) ghostOwed[r.buyer] += r.amount;
            else ghostHeld -= r.amount;
        }
        if (next == IAccessEscrow.Status.Approved && r.status != next) {
            r.deliveryDeadline = uint48(block.timestamp) + deliveryPeriod;
        }
        r.status = next;
    }

    /// @dev Every buyer is owed exactly the refunds the model kept for it.
    function _checkOwed() private {
        for (uint256 i = 0; i < buyers.length; ++i) {
            _check(escrow.refundOwed(buyers[i]) == ghostOwed[buyers[i]], "escrow: refund owed != model");
        }
    }

    /// @dev Counts `FeeRefunded` and `AccessDelivered`, the two events that end a request.
    function _countEnds(Vm.Log[] memory logs) private {
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != address(escrow) || logs[i].topics.length < 2) continue;
            bytes32 topic = logs[i].topics[0];
            if (
                topic == IAccessEscrow.FeeRefunded.selector ||
                topic == IAccessEscrow.RefundHeld.selector ||
                topic == IAccessEscrow.AccessDelivered.selector
            ) {
                ++ends[uint256(logs[i].topics[1])];
            }
        }
    }

    function _checkStatuses(uint256[] memory ids, string memory action) private {
        for (uint256 i = 0; i < ids.length; ++i) {
            _check(
                escrow.request(ids[i]).status == _requests[ids[i] - 1].status,
                string.concat(action, ": status differs from the model")
            );
        }
    }

    /// @dev Every contributor's earnings in `purpose` grew by exactly its weight × the accumulator's increment,
    /// and only accounts that may be paid grew at all.
    function _checkPaidSet(uint256 id, uint8 p, uint256 increment, uint256[] memory earnedBefore) private {
        uint256 n = registryHandler.contributorCount();
        for (uint256 i = 0; i < n; ++i) {
            address account = registryHandler.contributors(i);
            uint256 gain = distributor.earnedScaled(account, p) - earnedBefore[i];
            (uint256 effective, ) = registryHandler.modelSplit(account, p);
            if (gain != effective * increment) {
                _check(false, "deliver: an account's gain is not its weight x the increment");
            }
            if (gain != 0 && !_mayBePaid(account, p, id)) ++ghostPaidOutsideConsent;
        }
    }

    /// @dev What a delivery of `r` must pay, and the ledger before it.
    function _snapshot(GhostRequest storage r) private view returns (Delivery memory d) {
        d.purpose = r.purpose;
        d.toTreasury = (uint256(r.amount) * treasuryShareBps) / BPS;
        d.toContributors = r.amount - d.toTreasury;
        // Only effective weight (consent older than this epoch) is paid and has its keys released.
        d.totalWeight = registryHandler.modelEffectiveTotal(d.purpose);
        d.accBefore = distributor.accumulator(d.purpose);
        d.carryBefore = distributor.carry(d.purpose);
        d.treasuryBefore = settlement.balanceOf(escrow.treasury());
        d.earnedBefore = _earned(d.purpose);
    }

    /// @dev The first post of the 2-of-2 set, by `SECOND_CUSTODIAN`: the model expects it accepted for an approved
    /// request before its delivery deadline, with a valid post (`valid`: a set hash, the current epoch), unless this
    /// custodian already posted in the current round (since the epoch started and the purpose's last withdrawal;
    /// an older post is forgotten when the round restarts). The custodian's own post never stands alone: it
    /// releases or reverts.
    function _postAsSecondCustodian(uint256 id, GhostRequest storage r, bytes memory data, bool valid) private {
        (, uint48 epochStart) = distributor.currentEpoch();
        uint48 withdrawn = distributor.lastWithdrawal(r.purpose);
        uint48 floor = withdrawn > epochStart ? withdrawn : epochStart;
        uint48 postedAt = _secondPostedAt[id];
        bool expected =
            valid &&
                r.status == IAccessEscrow.Status.Approved &&
                block.timestamp <= r.deliveryDeadline &&
                (postedAt == 0 || postedAt < floor);
        bool accepted = _callAs(DataCoopDeployment.SECOND_CUSTODIAN, address(escrow), data);
        _expectOutcome(accepted, expected, "deliver (first post)");
        if (accepted && expected) _secondPostedAt[id] = uint48(block.timestamp);
        _check(escrow.request(id).status == r.status, "deliver (first post): status moved");
    }

    /// @dev The custodian's call, for a manifest built now in the current epoch (or, when `stale`, the previous one).
    function _deliverCall(uint256 id, bytes32 manifest, bool stale) private view returns (bytes memory data) {
        (uint32 epoch, ) = distributor.currentEpoch();
        if (stale) --epoch;
        IAccessEscrow.SharePost memory post = IAccessEscrow.SharePost({
            epoch: epoch,
            builtAt: uint48(block.timestamp),
            setHash: manifest,
            manifestHash: manifest,
            manifestURI: "ipfs://manifest"
        });
        data = abi.encodeCall(escrow.deliver, (id, post));
    }

    function _earned(uint8 p) private view returns (uint256[] memory earned) {
        uint256 n = registryHandler.contributorCount();
        earned = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) earned[i] = distributor.earnedScaled(registryHandler.contributors(i), p);
    }

    /// @dev A known request, or id 0 when there is none yet: mostly the latest one in state `wanted` (the one an
    /// action can move), otherwise any (so refusals are tried too).
    function _pick(
        uint256 pick,
        IAccessEscrow.Status wanted
    ) private view returns (uint256 id, GhostRequest storage r) {
        uint256 n = _requests.length;
        if (n == 0) return (0, _none);
        id = 1 + ((pick >> 8) % n);
        if (_chance(pick, 0, 85)) {
            for (uint256 i = n; i > 0; --i) {
                if (_requests[i - 1].status == wanted) {
                    id = i;
                    break;
                }
            }
        }
        r = _requests[id - 1];
    }

    /// @dev A purpose among the six seeded ones (sometimes any id, undefined ones included); half the time the first
    /// from there on with enabled standing terms, and half the time the first with consenting weight, if any
    /// (buyers go where terms are open and where the data is: only such a request can be approved and delivered).
    function _requestedPurpose(uint256 purpose, uint256 flags) private view returns (uint8 p) {
        p = uint8(bound(purpose, 0, _chance(flags, 0, 5) ? PURPOSES : 5));
        bool open = _chance(flags, 32, 50);
        bool supplied = _chance(flags, 34, 50);
        if (p > 5 || (!open && !supplied)) return p;
        for (uint8 k = 0; k < 6; ++k) {
            uint8 q = (p + k) % 6;
            if ((!open || _terms[q].enabled) && (!supplied || registryHandler.modelEffectiveTotal(q) != 0)) return q;
        }
    }

    /// @dev Mostly, a buyer that read the purpose's enabled standing terms offers a price and duration they accept
    /// (so optimistic requests, the only ones open to objections, are common); otherwise its offer as drawn.
    function _meetTerms(uint8 p, uint256 amount, uint32 d, uint256 flags) private view returns (uint256, uint32) {
        IAccessEscrow.StandingTerms storage t = _terms[p];
        if (d == 0 || !t.enabled || !_chance(flags, 33, 60)) return (amount, d);
        // Enabled terms were accepted: minPrice <= maxFee (drawn so) and maxDuration >= 1.
        uint256 low = t.minPrice == 0 ? 1 : t.minPrice;
        return (bound(amount, low, maxFee), uint32(bound(d, 1, t.maxDuration)));
    }

    /// @dev A threshold at the largest voter's share of the supply: just at or under it (its objection alone
    /// rejects), just over it, or anywhere between it and twice it (its objection alone must not reject, though
    /// it reaches half the threshold). The boundary the objection rule is about, which random thresholds rarely
    /// hit when one voter holds most of the votes.
    function _bpsNearVotes(uint256 flags) private view returns (uint16) {
        uint256 mix = uint256(keccak256(abi.encode(flags, 27)));
        // Past votes as a request made now counts them (one second back).
        uint256 timepoint = block.timestamp - 1;
        uint256 supply = token.getPastTotalSupply(timepoint);
        uint256 n = registryHandler.voterCount();
        uint256 votes;
        for (uint256 k = 0; k < n; ++k) {
            uint256 v = token.getPastVotes(registryHandler.voter(k), timepoint);
            if (v > votes) votes = v;
        }
        if (votes == 0) return uint16(bound(mix, 1, BPS));
        // votes <= supply, so share <= BPS.
        uint256 share = (votes * BPS) / supply;
        uint256 mode = (mix >> 128) % 3;
        if (mode == 2 && share < BPS) return uint16(bound(mix, share + 1, share * 2 < BPS ? share * 2 : BPS));
        return uint16(bound(mode == 0 ? share : share + 1, 1, BPS));
    }

    /// @dev `objector` objects to request `id`, with the model's prediction: accepted while the request is pending,
    /// optimistic and in its window, from an account with votes at the request's timepoint that has not objected;
    /// it rejects when the objections reach the threshold (the ceiling of supply × bps, which favours the buyer).
    function _object(uint256 id, GhostRequest storage r, address objector) private {
        uint256 timepoint = r.requestedAt - 1;
        uint256 votes = token.getPastVotes(objector, timepoint);
        bool expected =
            r.status == IAccessEscrow.Status.Pending &&
                r.objectionDeadline != 0 &&
                block.timestamp <= r.objectionDeadline &&
                !_objected[id][objector] &&
                votes != 0;
        bool rejects;
        if (expected) {
            uint256 supply = token.getPastTotalSupply(timepoint);
            uint256 needed = (supply * r.objectionThresholdBps + BPS - 1) / BPS;
            rejects = r.objectionVotes + votes >= needed;
        }
        IAccessEscrow.Status next = rejects ? IAccessEscrow.Status.Rejected : IAccessEscrow.Status.Pending;
        string memory action = rejects ? "object (rejects)" : "object";
        if (_call(id, objector, abi.encodeCall(escrow.object, (id)), expected, next, action) && expected) {
            _objected[id][objector] = true;
            r.objectionVotes += votes;
        }
    }

    /// @dev For an objection: mostly the latest request still open to objections (pending, optimistic, window
    /// open), as only those can be objected to and most requests are not optimistic; otherwise as `_pick`.
    function _pickObjectable(uint256 pick) private view returns (uint256 id, GhostRequest storage r) {
        if (_chance(pick, 1, 85)) {
            for (uint256 i = _requests.length; i > 0; --i) {
                GhostRequest storage c = _requests[i - 1];
                bool open =
                    c.status == IAccessEscrow.Status.Pending &&
                        c.objectionDeadline != 0 &&
                        block.timestamp <= c.objectionDeadline;
                if (open) return (i, c);
            }
        }
        return _pick(pick, IAccessEscrow.Status.Pending);
    }

    /// @dev The voter `who` picks; mostly the first from there on that held votes at the request's timepoint and
    /// has not objected yet (most voters hold none early in a run, and a holder objects once), so objections
    /// accumulate towards the threshold and land on both sides of it.
    function _objector(uint256 id, GhostRequest storage r, uint256 who) private view returns (address) {
        uint256 n = registryHandler.voterCount();
        uint256 first = who % n;
        if (_chance(who, 1, 80)) {
            for (uint256 k = 0; k < n; ++k) {
                address v = registryHandler.voter(first + k);
                if (!_objected[id][v] && token.getPastVotes(v, r.requestedAt - 1) != 0) return v;
            }
        }
        return registryHandler.voter(first);
    }

    function _batch(uint256 a, uint256 b, uint256 c) private view returns (uint256[] memory ids) {
        uint256 n = _requests.length;
        if (n == 0) return ids;
        ids = new uint256[](1 + (c % 3));
        (ids[0], ) = _pick(a, IAccessEscrow.Status.Pending);
        if (ids.length > 1) ids[1] = 1 + (b % n);
        if (ids.length > 2) ids[2] = n;
    }
}
