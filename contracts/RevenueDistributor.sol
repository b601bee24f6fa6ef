// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IRevenueDistributor} from "./interfaces/IRevenueDistributor.sol";

/// @title RevenueDistributor
/// @notice See {IRevenueDistributor}.
contract RevenueDistributor is IRevenueDistributor, AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @inheritdoc IRevenueDistributor
    bytes32 public constant DEPOSITOR_ROLE = keccak256("DEPOSITOR_ROLE");
    /// @inheritdoc IRevenueDistributor
    uint256 public constant PRECISION = 1e18;
    uint8 private constant _MAX_PURPOSES = 16;
    /// @dev Bound that keeps `weight * acc` (< 2^64 * 2^127) inside int192 debts.
    uint256 private constant _MAX_ACCUMULATOR = 2 ** 127 - 1;

    /// @dev One slot per purpose, read on every weight change and deposit.
    struct PurposeLedger {
        uint64 totalWeight;
        uint128 acc;
    }

    /// @dev One slot per account and purpose: `earnedScaled = weight * acc - debt`.
    struct AccountLedger {
        uint64 weight;
        int192 debt;
    }

    IERC20 private immutable _settlementToken;
    address private immutable _wirer;
    address private _registry;

    mapping(uint8 purpose => PurposeLedger) private _purposes;
    /// @dev Scaled remainder of each purpose's last deposit, below its total weight; kept apart from the
    /// hot `PurposeLedger` slot because only deposits touch it.
    mapping(uint8 purpose => uint256 carry) private _carry;
    mapping(address account => mapping(uint8 purpose => AccountLedger)) private _accounts;

    /// @param settlementToken_ The settlement token (fixed forever).
    /// @param timelock The only admin (`DEFAULT_ADMIN_ROLE`): grants and revokes depositors.
    constructor(IERC20 settlementToken_, address timelock) {
        if (address(settlementToken_) == address(0) || timelock == address(0)) revert DistributorZeroAddress();
        _settlementToken = settlementToken_;
        _wirer = msg.sender;
        _grantRole(DEFAULT_ADMIN_ROLE, timelock);
    }

    /// @inheritdoc IRevenueDistributor
    function wire(address registry_, address depositor) external {
        if (msg.sender != _wirer || _registry != address(0)) revert DistributorUnauthorizedWiring(msg.sender);
        if (registry_ == address(0)) revert DistributorZeroAddress();
        _registry = registry_;
        if (depositor != address(0)) _grantRole(DEPOSITOR_ROLE, depositor);
        emit Wired(registry_, depositor);
    }

    // ---------------------------------------------------------------------------------------------
    // Weights (registry hooks)
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IRevenueDistributor
    function onWeightChange(
        address account,
        uint16 oldPurposes,
        uint256 oldWeight,
        uint16 newPurposes,
        uint256 newWeight
    ) external {
        if (msg.sender != _registry) revert DistributorUnauthorizedRegistry(msg.sender);
        uint16 touched = oldPurposes | newPurposes;
        for (uint8 p = 0; touched != 0; ++p) {
            if (touched & 1 == 1) {
                uint256 before = (oldPurposes >> p) & 1 == 1 ? oldWeight : 0;
                uint256 after_ = (newPurposes >> p) & 1 == 1 ? newWeight : 0;
                if (before != after_) _changeWeight(account, p, before, after_);
            }
            touched >>= 1;
        }
        emit WeightChanged(account, oldPurposes, oldWeight, newPurposes, newWeight);
    }

    /// @dev Moves `account`'s weight in `purpose` by `after_ - before`, keeping its earnings constant:
    /// `debt` moves by `delta * acc`, so `weight * acc - debt` is unchanged.
    function _changeWeight(address account, uint8 purpose, uint256 before, uint256 after_) private {
        PurposeLedger memory ledger = _purposes[purpose];
        AccountLedger storage entry = _accounts[account][purpose];
        uint256 weight = entry.weight;
        uint256 total = ledger.totalWeight;
        if (after_ > before) {
            uint256 increase = after_ - before;
            weight += increase;
            total += increase;
            if (total > type(uint64).max) revert DistributorWeightOverflow(purpose, total);
            // |debt| stays below weight * acc < 2^64 * 2^127 = 2^191: fits int192.
            entry.debt += SafeCast.toInt192(SafeCast.toInt256(increase * ledger.acc));
        } else {
            uint256 decrease = before - after_;
            if (decrease > weight) revert DistributorWeightUnderflow(account, purpose, weight, decrease);
            // `total` is the sum of every account's weight, so it is at least this account's `weight`.
            unchecked {
                weight -= decrease;
                total -= decrease;
            }
            entry.debt -= SafeCast.toInt192(SafeCast.toInt256(decrease * ledger.acc));
        }
        // Both fit: weight <= total <= type(uint64).max, checked above.
        entry.weight = uint64(weight);
        _purposes[purpose].totalWeight = uint64(total);
    }

    // ---------------------------------------------------------------------------------------------
    // Deposits
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IRevenueDistributor
    function deposit(uint8 purpose, uint256 amount) external nonReentrant onlyRole(DEPOSITOR_ROLE) {
        if (purpose >= _MAX_PURPOSES) revert DistributorInvalidPurpose(purpose);
        if (amount == 0) revert DistributorZeroAmount();
        PurposeLedger memory ledger = _purposes[purpose];
        if (ledger.totalWeight == 0) revert DistributorNoConsentingWeight(purpose);

        uint256 balanceBefore = _settlementToken.balanceOf(address(this));
        _settlementToken.safeTransferFrom(msg.sender, address(this), amount);
        uint256 balanceAfter = _settlementToken.balanceOf(address(this));
        // A token that lowers our balance during the transfer is reported as receiving nothing, not a panic.
        uint256 received = balanceAfter > balanceBefore ? balanceAfter - balanceBefore : 0;
        if (received != amount) revert DistributorUnexpectedTransfer(amount, received);

        // Rounding: the accumulator rounds down (never over-pays); what is left below one unit of
        // total weight is carried to the next deposit of this purpose, so nothing is lost.
        uint256 scaled = amount * PRECISION + _carry[purpose];
        uint256 increment = scaled / ledger.totalWeight;
        uint256 remainder = scaled - increment * ledger.totalWeight;
        uint256 acc = ledger.acc + increment;
        if (acc > _MAX_ACCUMULATOR) revert DistributorAccumulatorOverflow(purpose, acc);
        _purposes[purpose].acc = uint128(acc);
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
        // Settle every requested purpose to zero earnings, then hand the sub-unit fraction of the total
        // back to the last purpose settled, so it is claimed later rather than lost.
        uint256 totalScaled;
        uint8 last;
        uint16 remaining = purposes;
        for (uint8 p = 0; remaining != 0; ++p) {
            if (remaining & 1 == 1) {
                AccountLedger storage entry = _accounts[msg.sender][p];
                int256 owedNow = int256(uint256(entry.weight) * _purposes[p].acc);
                uint256 earned = SafeCast.toUint256(owedNow - entry.debt);
                if (earned != 0) {
                    totalScaled += earned;
                    entry.debt = SafeCast.toInt192(owedNow);
                    last = p;
                }
            }
            remaining >>= 1;
        }
        amount = totalScaled / PRECISION;
        if (amount == 0) revert DistributorZeroAmount();
        uint256 fraction = totalScaled - amount * PRECISION;
        if (fraction != 0) _accounts[msg.sender][last].debt -= SafeCast.toInt192(SafeCast.toInt256(fraction));
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
    function claimable(address account) external view returns (uint256) {
        return _earnedScaledIn(account, type(uint16).max) / PRECISION;
    }

    /// @inheritdoc IRevenueDistributor
    function claimableFor(address account, uint16 purposes) external view returns (uint256) {
        return _earnedScaledIn(account, purposes) / PRECISION;
    }

    /// @inheritdoc IRevenueDistributor
    function purposesHeld(address account) external view returns (uint16 purposes) {
        for (uint8 p = 0; p < _MAX_PURPOSES; ++p) {
            if (_accounts[account][p].weight != 0 || _earnedScaled(account, p) != 0) purposes |= uint16(1) << p;
        }
    }

    /// @inheritdoc IRevenueDistributor
    function totalWeight(uint8 purpose) external view returns (uint256) {
        return _purposes[purpose].totalWeight;
    }

    /// @inheritdoc IRevenueDistributor
    function weightOf(address account, uint8 purpose) external view returns (uint256) {
        return _accounts[account][purpose].weight;
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

    function _earnedScaledIn(address account, uint16 purposes) private view returns (uint256 total) {
        for (uint8 p = 0; purposes != 0; ++p) {
            if (purposes & 1 == 1) total += _earnedScaled(account, p);
            purposes >>= 1;
        }
    }

    function _earnedScaled(address account, uint8 purpose) private view returns (uint256) {
        AccountLedger memory entry = _accounts[account][purpose];
        return uint256(int256(uint256(entry.weight) * _purposes[purpose].acc) - entry.debt);
    }
}
