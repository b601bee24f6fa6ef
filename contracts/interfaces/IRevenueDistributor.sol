// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IRevenueDistributor
/// @notice Splits every released access fee among the contributors who consent to its purpose, in
/// proportion to their weight, with O(1) deposits and claims that cost O(purposes claimed).
/// @dev Per purpose `p` the ledger keeps `totalWeight[p]` and an accumulator `acc[p]` of revenue per unit
/// of weight, scaled by `PRECISION`. Per account and purpose it keeps `weight` and a signed `debt` so that
/// `earnedScaled = weight * acc - debt`. Every weight change settles first by moving `debt`, so earnings
/// are never lost or created by a weight change. A deposit adds `(amount * PRECISION + carry) / totalWeight`
/// to the accumulator and carries the remainder to the next deposit of that purpose.
/// @dev Conservation, always: `settlementToken.balanceOf(this) * PRECISION == Σ earnedScaled + Σ carry`
/// (tokens sent here by plain transfer are outside the ledger and never paid out).
/// @dev Warning: only the registry changes weights and only holders of `DEPOSITOR_ROLE` deposit; both are
/// trusted to report truthfully. The registry is set once at deployment.
/// @dev Warning: incoming transfers are checked (a deposit must arrive in full), outgoing ones are not: a
/// settlement token that charges the sender a fee on transfer would make claims drain more than they pay and
/// leave the last claimants short. Deploy only with a plain ERC-20 settlement token (e.g. USDC).
interface IRevenueDistributor {
    /// @notice Thrown when a caller other than the registry reports a weight change.
    /// @param caller The account that called `onWeightChange`.
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
    /// @notice Thrown when the accumulator of a purpose would leave its safe range.
    /// @param purpose The purpose.
    /// @param accumulator The accumulator the deposit would produce.
    error DistributorAccumulatorOverflow(uint8 purpose, uint256 accumulator);
    /// @notice Thrown when a weight would leave its storage range (uint64).
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
    /// @notice Emitted when the registry reports a weight change for `account`.
    /// @param account The contributor.
    /// @param oldPurposes The purposes the weight left.
    /// @param oldWeight The weight removed from each of them.
    /// @param newPurposes The purposes the weight joined.
    /// @param newWeight The weight added to each of them.
    event WeightChanged(
        address indexed account,
        uint16 oldPurposes,
        uint256 oldWeight,
        uint16 newPurposes,
        uint256 newWeight
    );
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

    /// @notice Moves `account` from `oldWeight` in every purpose of `oldPurposes` to `newWeight` in every
    /// purpose of `newPurposes`, settling each touched purpose first. Registry only.
    /// @param account The contributor.
    /// @param oldPurposes The purposes the weight leaves.
    /// @param oldWeight The weight removed from each purpose of `oldPurposes`.
    /// @param newPurposes The purposes the weight joins.
    /// @param newWeight The weight added to each purpose of `newPurposes`.
    function onWeightChange(
        address account,
        uint16 oldPurposes,
        uint256 oldWeight,
        uint16 newPurposes,
        uint256 newWeight
    ) external;

    /// @notice Pulls `amount` settlement tokens from the caller and credits them to `purpose`'s contributors.
    /// @dev Reverts when no weight consents to `purpose`, or when fewer tokens arrive than `amount`.
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

    /// @notice Total consenting weight of `purpose`.
    /// @param purpose The purpose id.
    /// @return The sum of the weights that consent to it.
    function totalWeight(uint8 purpose) external view returns (uint256);

    /// @notice Weight of `account` in `purpose`.
    /// @param account The contributor.
    /// @param purpose The purpose id.
    /// @return The weight of its active contributions that consent to `purpose`.
    function weightOf(address account, uint8 purpose) external view returns (uint256);

    /// @notice Scaled earnings of `account` in `purpose` (divide by `PRECISION` for token units).
    /// @param account The contributor.
    /// @param purpose The purpose id.
    /// @return Unclaimed earnings times `PRECISION`.
    function earnedScaled(address account, uint8 purpose) external view returns (uint256);

    /// @notice The accumulator of `purpose` (revenue per unit of weight, scaled by `PRECISION`).
    /// @param purpose The purpose id.
    /// @return Revenue per unit of weight since deployment, times `PRECISION`.
    function accumulator(uint8 purpose) external view returns (uint256);

    /// @notice The scaled remainder of `purpose` carried to its next deposit.
    /// @param purpose The purpose id.
    /// @return The remainder, times `PRECISION`.
    function carry(uint8 purpose) external view returns (uint256);
}
