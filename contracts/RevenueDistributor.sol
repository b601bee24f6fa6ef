// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

import {IRevenueDistributor} from "./interfaces/IRevenueDistributor.sol";
import {ExactTransfer} from "./libraries/ExactTransfer.sol";
import {PurposeMask} from "./libraries/PurposeMask.sol";

/// @title RevenueDistributor
/// @notice See {IRevenueDistributor}.
/// @dev Modular arithmetic: accumulators wrap modulo 2^192 and each account's settled part of the ledger
/// is kept modulo the width of its field (`debt` 2^192, `paid` 2^160). Every quantity the ledger pays out is a
/// *difference* of such values whose true size is below the modulus (it is at most the distributor's
/// balance times `PRECISION`, see `MAX_BALANCE`), so the wrapped difference equals the true one. This is why
/// no sequence of deposits can saturate a purpose (finding 3).
contract RevenueDistributor is IRevenueDistributor, AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @inheritdoc IRevenueDistributor
    bytes32 public constant DEPOSITOR_ROLE = keccak256("DEPOSITOR_ROLE");
    /// @inheritdoc IRevenueDistributor
    uint256 public constant PRECISION = 1e18;
    /// @inheritdoc IRevenueDistributor
    uint256 public constant MAX_BALANCE = (2 ** 160 - 1) / PRECISION;
    /// @inheritdoc IRevenueDistributor
    uint32 public constant MIN_CONSENT_EPOCH = 1 minutes;
    /// @inheritdoc IRevenueDistributor
    uint32 public constant MAX_CONSENT_EPOCH = 30 days;
    /// @dev Marks a recorded `_accAt` entry, so that an accumulator of zero is told apart from "not rolled".
    uint256 private constant _RECORDED = 1 << 255;

    /// @dev Effective weight and accumulator of a purpose: one slot, read on every deposit and weight change.
    struct PurposeLedger {
        uint64 totalWeight;
        uint192 acc;
    }

    /// @dev The purpose's one pending bucket (weight that joined in `epoch`, effective from `epoch + 1`) and the
    /// time weight last left its effective set. Never cleared, so later writes are cheap non-zero updates.
    struct PurposePending {
        uint64 weight;
        uint32 epoch;
        uint48 lastWithdrawal;
        /// @dev Effective plus pending weight, kept here so that a join checks its bound without the ledger slot.
        uint64 committed;
    }

    /// @dev The account's effective weight whose baseline is folded into `debt`: `earned = weight * acc - debt`.
    struct AccountLedger {
        uint64 weight;
        uint192 debt;
    }

    /// @dev Weight the account added in `epoch`. Pending while `epoch` is current; afterwards it earns from the
    /// accumulator recorded when its epoch's bucket became effective: `earned = weight * (acc - accAt) - paid`.
    struct AccountPending {
        uint64 weight;
        uint32 epoch;
        uint160 paid;
    }

    /// @dev Epoch `base + (now - anchor) / length`. Changing the length starts a new epoch at once.
    struct EpochClock {
        uint32 length;
        uint48 anchor;
        uint32 base;
    }

    IERC20 private immutable _settlementToken;
    address private immutable _wirer;
    address private _registry;
    EpochClock private _clock;

    mapping(uint8 purpose => PurposeLedger) private _purposes;
    mapping(uint8 purpose => PurposePending) private _pending;
    /// @dev The accumulator at which the bucket of `epoch` became effective, `| _RECORDED`.
    mapping(uint8 purpose => mapping(uint32 epoch => uint256 acc)) private _accAt;
    /// @dev Scaled remainder of each purpose's last deposit, below its total weight; kept apart from the
    /// hot `PurposeLedger` slot because only deposits touch it.
    mapping(uint8 purpose => uint256 carry) private _carry;
    mapping(address account => mapping(uint8 purpose => AccountLedger)) private _accounts;
    mapping(address account => mapping(uint8 purpose => AccountPending)) private _accountPending;

    /// @param settlementToken_ The settlement token (fixed forever).
    /// @param timelock The only admin (`DEFAULT_ADMIN_ROLE`): grants and revokes depositors, sets the epoch.
    /// @param consentEpoch_ Length of a consent epoch, in seconds.
    constructor(IERC20 settlementToken_, address timelock, uint32 consentEpoch_) {
        if (address(settlementToken_) == address(0) || timelock == address(0)) revert DistributorZeroAddress();
        _settlementToken = settlementToken_;
        _wirer = msg.sender;
        _grantRole(DEFAULT_ADMIN_ROLE, timelock);
        // Epochs count from 1, so that epoch 0 in a bucket means "never used".
        _setConsentEpoch(consentEpoch_, 1);
    }

    /// @inheritdoc IRevenueDistributor
    function wire(address registry_, address depositor) external {
        if (msg.sender != _wirer || _registry != address(0)) revert DistributorUnauthorizedWiring(msg.sender);
        if (registry_ == address(0)) revert DistributorZeroAddress();
        _registry = registry_;
        if (depositor != address(0)) _grantRole(DEPOSITOR_ROLE, depositor);
        emit Wired(registry_, depositor);
    }

    /// @inheritdoc IRevenueDistributor
    function setConsentEpoch(uint32 length) external onlyRole(DEFAULT_ADMIN_ROLE) {
        (uint32 epoch, ) = _epochNow();
        _setConsentEpoch(length, epoch + 1);
    }

    // ---------------------------------------------------------------------------------------------
    // Weights (registry hooks)
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IRevenueDistributor
    function onConsentChange(
        address account,
        uint16 left,
        Consent calldata leftConsent,
        uint256 leftWeight,
        uint16 joined,
        uint256 joinedWeight
    ) external returns (uint32 epoch) {
        if (msg.sender != _registry) revert DistributorUnauthorizedRegistry(msg.sender);
        (epoch, ) = _epochNow();
        uint16 leftPending = leftConsent.epoch == epoch ? left & leftConsent.pending : 0;
        uint16 touched = left | joined;
        for (uint8 p = 0; touched != 0; ++p) {
            if (touched & 1 == 1) {
                _roll(p, epoch);
                if ((left >> p) & 1 == 1 && leftWeight != 0) {
                    if ((leftPending >> p) & 1 == 1) _leavePending(account, p, leftWeight, epoch);
                    else _leaveEffective(account, p, leftWeight, epoch);
                }
                if ((joined >> p) & 1 == 1 && joinedWeight != 0) _join(account, p, joinedWeight, epoch);
            }
            touched >>= 1;
        }
        emit ConsentChanged(account, epoch, left, leftPending, leftWeight, joined, joinedWeight);
    }

    /// @dev Makes the purpose's pending bucket effective once its epoch is over: its weight joins the total and
    /// the accumulator it starts from is recorded for the accounts in it. Deposits always roll first, so no
    /// deposit ever passes between the end of the bucket's epoch and the roll.
    function _roll(uint8 purpose, uint32 epoch) private {
        PurposePending memory pending = _pending[purpose];
        if (pending.weight == 0 || pending.epoch >= epoch) return;
        PurposeLedger memory ledger = _purposes[purpose];
        _accAt[purpose][pending.epoch] = _RECORDED | ledger.acc;
        // The join that filled the bucket checked that total + pending (`committed`) fits in 64 bits.
        _purposes[purpose].totalWeight = ledger.totalWeight + pending.weight;
        _pending[purpose].weight = 0;
        emit PendingWeightEffective(purpose, pending.epoch, pending.weight, ledger.acc);
    }

    /// @dev Adds `weight` to the account's pending weight in `purpose`, effective from the next epoch.
    function _join(address account, uint8 purpose, uint256 weight, uint32 epoch) private {
        AccountPending memory entry = _accountPending[account][purpose];
        if (entry.weight != 0 && entry.epoch < epoch) {
            _fold(account, purpose, entry);
            entry.weight = 0;
        }
        PurposePending memory pending = _pending[purpose];
        // After `_roll`, the bucket is either empty or of this epoch.
        uint256 total = pending.committed + weight;
        if (total > type(uint64).max) revert DistributorWeightOverflow(purpose, total);
        // Both fit: the bucket is at most `total`.
        _pending[purpose] = PurposePending(
            uint64(pending.weight + weight),
            epoch,
            pending.lastWithdrawal,
            uint64(total)
        );
        _accountPending[account][purpose] = AccountPending(uint64(entry.weight + weight), epoch, 0);
    }

    /// @dev Removes `weight` that joined in this epoch: it never earned, so nothing is settled.
    function _leavePending(address account, uint8 purpose, uint256 weight, uint32 epoch) private {
        AccountPending storage entry = _accountPending[account][purpose];
        uint256 held = entry.epoch == epoch ? entry.weight : 0;
        if (weight > held) revert DistributorWeightUnderflow(account, purpose, held, weight);
        // The bucket holds at least this account's pending weight of the same epoch.
        unchecked {
            entry.weight = uint64(held - weight);
            PurposePending storage bucket = _pending[purpose];
            bucket.weight -= uint64(weight);
            bucket.committed -= uint64(weight);
        }
    }

    /// @dev Removes effective `weight` at once, keeping the account's earnings, and records the withdrawal so
    /// that a manifest built before it cannot be delivered.
    function _leaveEffective(address account, uint8 purpose, uint256 weight, uint32 epoch) private {
        AccountPending memory entry = _accountPending[account][purpose];
        if (entry.weight != 0 && entry.epoch < epoch) _fold(account, purpose, entry);
        AccountLedger memory a = _accounts[account][purpose];
        if (weight > a.weight) revert DistributorWeightUnderflow(account, purpose, a.weight, weight);
        PurposeLedger memory ledger = _purposes[purpose];
        unchecked {
            // Modular: `weight * acc - debt` stays the same as `weight` and `debt` both move by `weight * acc`.
            a.debt -= uint192(weight * ledger.acc);
            // The total is the sum of every effective weight, so it is at least this account's.
            a.weight -= uint64(weight);
            ledger.totalWeight -= uint64(weight);
        }
        _accounts[account][purpose] = a;
        _purposes[purpose].totalWeight = ledger.totalWeight;
        PurposePending storage bucket = _pending[purpose];
        bucket.lastWithdrawal = Time.timestamp();
        // `committed` counts every effective weight, so it is at least this one.
        unchecked {
            bucket.committed -= uint64(weight);
        }
    }

    /// @dev Folds an effective pending entry into the account's ledger, keeping its earnings. The purpose has
    /// rolled (callers roll first), so the entry's starting accumulator is recorded.
    function _fold(address account, uint8 purpose, AccountPending memory entry) private {
        uint192 acc = _purposes[purpose].acc;
        AccountLedger memory a = _accounts[account][purpose];
        unchecked {
            uint192 earned = _earnedA(a, acc) + _earnedB(entry, acc, uint192(_accAt[purpose][entry.epoch]));
            a.weight += entry.weight;
            a.debt = uint192(uint256(a.weight) * acc) - earned;
        }
        _accounts[account][purpose] = a;
        _accountPending[account][purpose] = AccountPending(0, entry.epoch, 0);
    }

    // ---------------------------------------------------------------------------------------------
    // Deposits
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IRevenueDistributor
    function deposit(uint8 purpose, uint256 amount) external nonReentrant onlyRole(DEPOSITOR_ROLE) {
        if (!PurposeMask.isId(purpose)) revert DistributorInvalidPurpose(purpose);
        if (amount == 0) revert DistributorZeroAmount();
        (uint32 epoch, ) = _epochNow();
        _roll(purpose, epoch);
        PurposeLedger memory ledger = _purposes[purpose];
        if (ledger.totalWeight == 0) revert DistributorNoConsentingWeight(purpose);

        (uint256 received, uint256 balanceAfter) = ExactTransfer.pull(_settlementToken, msg.sender, amount);
        if (received != amount) revert DistributorUnexpectedTransfer(amount, received);
        // Above this balance one account's earnings could reach the modulus of its `paid` field.
        if (balanceAfter > MAX_BALANCE) revert DistributorBalanceTooLarge(balanceAfter, MAX_BALANCE);

        // Rounding: the accumulator rounds down (never over-pays); what is left below one unit of
        // total weight is carried to the next deposit of this purpose, so nothing is lost.
        // amount <= MAX_BALANCE < 2^100, so amount * PRECISION + carry < 2^161: no overflow.
        uint256 scaled = amount * PRECISION + _carry[purpose];
        uint256 increment = scaled / ledger.totalWeight;
        uint256 remainder = scaled - increment * ledger.totalWeight;
        uint192 acc;
        unchecked {
            // Wraps modulo 2^192 by design (see the contract's note): only differences are ever paid.
            acc = ledger.acc + uint192(increment);
        }
        _purposes[purpose].acc = acc;
        _carry[purpose] = remainder;
        emit Deposited(purpose, msg.sender, amount, acc, remainder);
    }

    // ---------------------------------------------------------------------------------------------
    // Claims
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IRevenueDistributor
    function claim(uint16 purposes) external returns (uint256 amount) {
        return _claim(purposes, msg.sender);
    }

    /// @inheritdoc IRevenueDistributor
    function claimTo(uint16 purposes, address to) external returns (uint256 amount) {
        if (to == address(0) || to == address(this)) revert DistributorInvalidRecipient(to);
        return _claim(purposes, to);
    }

    function _claim(uint16 purposes, address to) private nonReentrant returns (uint256 amount) {
        (uint32 epoch, ) = _epochNow();
        // Settle every requested purpose to zero earnings, then hand the sub-unit fraction of the total
        // back to the last part settled, so it is claimed later rather than lost.
        uint256 totalScaled;
        uint8 last;
        bool lastPending;
        uint16 remaining = purposes;
        for (uint8 p = 0; remaining != 0; ++p) {
            if (remaining & 1 == 1) {
                uint192 acc = _purposes[p].acc;
                AccountLedger storage a = _accounts[msg.sender][p];
                uint192 earnedA = _earnedA(a, acc);
                if (earnedA != 0) {
                    unchecked {
                        a.debt += earnedA;
                    }
                    totalScaled += earnedA;
                    (last, lastPending) = (p, false);
                }
                AccountPending storage b = _accountPending[msg.sender][p];
                if (b.weight != 0 && b.epoch < epoch) {
                    uint192 earnedB = _earnedB(b, acc, _accAtView(p, b.epoch, acc));
                    if (earnedB != 0) {
                        unchecked {
                            // earnedB < 2^160: it is at most the balance times PRECISION (MAX_BALANCE).
                            b.paid += uint160(earnedB);
                        }
                        totalScaled += earnedB;
                        (last, lastPending) = (p, true);
                    }
                }
            }
            remaining >>= 1;
        }
        amount = totalScaled / PRECISION;
        if (amount == 0) revert DistributorZeroAmount();
        uint256 fraction = totalScaled - amount * PRECISION;
        if (fraction != 0) {
            // fraction < PRECISION, and the part it goes back to had earned at least that much.
            unchecked {
                if (lastPending) _accountPending[msg.sender][last].paid -= uint160(fraction);
                else _accounts[msg.sender][last].debt -= uint192(fraction);
            }
        }
        _settlementToken.safeTransfer(to, amount);
        emit Claimed(msg.sender, to, purposes, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IRevenueDistributor
    function settlementToken() external view returns (IERC20) {
        return _settlementToken;
    }

    /// @inheritdoc IRevenueDistributor
    function registry() external view returns (address) {
        return _registry;
    }

    /// @inheritdoc IRevenueDistributor
    function consentEpoch() external view returns (uint32) {
        return _clock.length;
    }

    /// @inheritdoc IRevenueDistributor
    function currentEpoch() external view returns (uint32 epoch, uint48 start) {
        return _epochNow();
    }

    /// @inheritdoc IRevenueDistributor
    function lastWithdrawal(uint8 purpose) external view returns (uint48) {
        return _pending[purpose].lastWithdrawal;
    }

    /// @inheritdoc IRevenueDistributor
    function claimable(address account) external view returns (uint256) {
        return _earnedScaledIn(account, type(uint16).max) / PRECISION;
    }

    /// @inheritdoc IRevenueDistributor
    function claimableFor(address account, uint16 purposes) external view returns (uint256) {
        return _earnedScaledIn(account, purposes) / PRECISION;
    }

    /// @inheritdoc IRevenueDistributor
    function purposesHeld(address account) external view returns (uint16 purposes) {
        for (uint8 p = 0; p < PurposeMask.COUNT; ++p) {
            (uint256 effective, uint256 pending) = _weightsOf(account, p);
            if (effective != 0 || pending != 0 || _earnedScaled(account, p) != 0) purposes |= uint16(1) << p;
        }
    }

    /// @inheritdoc IRevenueDistributor
    function totalWeight(uint8 purpose) external view returns (uint256 weight) {
        (weight, ) = _purposeWeights(purpose);
    }

    /// @inheritdoc IRevenueDistributor
    function pendingWeight(uint8 purpose) external view returns (uint256 weight) {
        (, weight) = _purposeWeights(purpose);
    }

    /// @inheritdoc IRevenueDistributor
    function weightOf(address account, uint8 purpose) external view returns (uint256 weight) {
        (weight, ) = _weightsOf(account, purpose);
    }

    /// @inheritdoc IRevenueDistributor
    function pendingWeightOf(address account, uint8 purpose) external view returns (uint256 weight) {
        (, weight) = _weightsOf(account, purpose);
    }

    /// @inheritdoc IRevenueDistributor
    function earnedScaled(address account, uint8 purpose) external view returns (uint256) {
        return _earnedScaled(account, purpose);
    }

    /// @inheritdoc IRevenueDistributor
    function accumulator(uint8 purpose) external view returns (uint256) {
        return _purposes[purpose].acc;
    }

    /// @inheritdoc IRevenueDistributor
    function carry(uint8 purpose) external view returns (uint256) {
        return _carry[purpose];
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    function _setConsentEpoch(uint32 length, uint32 base) private {
        if (length < MIN_CONSENT_EPOCH || length > MAX_CONSENT_EPOCH) {
            revert DistributorConsentEpochOutOfRange(length, MIN_CONSENT_EPOCH, MAX_CONSENT_EPOCH);
        }
        uint32 oldLength = _clock.length;
        _clock = EpochClock(length, Time.timestamp(), base);
        emit ConsentEpochChanged(oldLength, length, base);
    }

    function _epochNow() private view returns (uint32 epoch, uint48 start) {
        EpochClock memory c = _clock;
        uint256 elapsed = (Time.timestamp() - c.anchor) / c.length;
        // The epoch number fits 32 bits for 2^32 epochs of at least a minute: about 8,000 years.
        epoch = uint32(c.base + elapsed);
        start = uint48(c.anchor + elapsed * c.length);
    }

    /// @dev The accumulator the bucket of `epoch` started from; if it has not rolled yet, no deposit has passed
    /// since its epoch ended (deposits roll first), so it starts from the current one.
    function _accAtView(uint8 purpose, uint32 epoch, uint192 acc) private view returns (uint192) {
        uint256 recorded = _accAt[purpose][epoch];
        return recorded == 0 ? acc : uint192(recorded);
    }

    /// @dev Effective and pending weight of a purpose as they are now (a bucket whose epoch ended counts).
    function _purposeWeights(uint8 purpose) private view returns (uint256 effective, uint256 pending) {
        (uint32 epoch, ) = _epochNow();
        PurposePending memory bucket = _pending[purpose];
        effective = _purposes[purpose].totalWeight;
        if (bucket.epoch < epoch) effective += bucket.weight;
        else pending = bucket.weight;
    }

    function _weightsOf(address account, uint8 purpose) private view returns (uint256 effective, uint256 pending) {
        (uint32 epoch, ) = _epochNow();
        AccountPending memory entry = _accountPending[account][purpose];
        effective = _accounts[account][purpose].weight;
        if (entry.epoch < epoch) effective += entry.weight;
        else pending = entry.weight;
    }

    function _earnedScaledIn(address account, uint16 purposes) private view returns (uint256 total) {
        for (uint8 p = 0; purposes != 0; ++p) {
            if (purposes & 1 == 1) total += _earnedScaled(account, p);
            purposes >>= 1;
        }
    }

    function _earnedScaled(address account, uint8 purpose) private view returns (uint256 earned) {
        (uint32 epoch, ) = _epochNow();
        uint192 acc = _purposes[purpose].acc;
        earned = _earnedA(_accounts[account][purpose], acc);
        AccountPending memory entry = _accountPending[account][purpose];
        if (entry.weight != 0 && entry.epoch < epoch) {
            earned += _earnedB(entry, acc, _accAtView(purpose, entry.epoch, acc));
        }
    }

    /// @dev Modular: exact while the true earnings stay below 2^192 (they are below 2^160, see `MAX_BALANCE`).
    function _earnedA(AccountLedger memory a, uint192 acc) private pure returns (uint192) {
        unchecked {
            return uint192(uint256(a.weight) * acc) - a.debt;
        }
    }

    /// @dev Modular in 2^160: `weight * (acc - accAt)` is exact modulo 2^192, hence modulo 2^160, and the true
    /// earnings are below 2^160.
    function _earnedB(AccountPending memory b, uint192 acc, uint192 accAt) private pure returns (uint192) {
        unchecked {
            return uint160(uint256(b.weight) * (acc - accAt)) - b.paid;
        }
    }
}
