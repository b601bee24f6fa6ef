// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";

/// @title ICoopToken
/// @notice The DataCoop governance token: ERC-20 with permit and vote delegation, a hard supply cap,
/// and a single minter (the ContributionRegistry) that pays contribution rewards.
/// @dev The ERC-6372 clock is in timestamp mode (`mode=timestamp`): every timepoint is a Unix time.
/// @dev Warning: the minter is set once, by the deployer, and can never be changed afterwards. A
/// replacement registry therefore needs a new token.
interface ICoopToken is IERC20, IERC5805 {
    /// @notice Thrown when the cap given at deployment is zero or above what ERC20Votes can track.
    /// @param cap The cap that was given.
    error CoopTokenInvalidCap(uint256 cap);
    /// @notice Thrown when the initial supply exceeds the cap or has no treasury to go to.
    /// @param treasury The receiver that was given for the initial supply.
    /// @param amount The initial supply that was given.
    /// @param cap The cap on total supply.
    error CoopTokenInvalidInitialSupply(address treasury, uint256 amount, uint256 cap);
    /// @notice Thrown when someone other than the deployer tries to set the minter.
    /// @param caller The account that called `setMinter`.
    error CoopTokenUnauthorizedWirer(address caller);
    /// @notice Thrown when the minter has already been set.
    /// @param minter The minter in place.
    error CoopTokenMinterAlreadySet(address minter);
    /// @notice Thrown when the minter would be set to the zero address.
    error CoopTokenZeroMinter();
    /// @notice Thrown when an account other than the minter calls `mint`.
    /// @param caller The account that called `mint`.
    error CoopTokenUnauthorizedMinter(address caller);

    /// @notice Emitted once, when the minter is set.
    /// @param minter The only account that may mint from now on (the ContributionRegistry).
    event MinterSet(address indexed minter);

    /// @notice The hard cap on total supply, in token units (18 decimals).
    /// @return The cap, fixed at deployment.
    function cap() external view returns (uint256);

    /// @notice The only account allowed to mint; zero until it is set.
    /// @return The minter (the ContributionRegistry once deployment is complete).
    function minter() external view returns (address);

    /// @notice Sets the minter, once. Only the deployer may call it, and only while no minter is set.
    /// @dev Not a governance power: the deployment calls it once, and no one can call it afterwards.
    /// @param newMinter The ContributionRegistry.
    function setMinter(address newMinter) external;

    /// @notice Mints up to `amount` to `to`, cut down to what remains under the cap.
    /// @dev An account that has never chosen a delegate is self-delegated before the tokens arrive, so it
    /// can vote without a separate transaction. An explicit `delegate` (even to the zero address) is
    /// never overridden.
    /// @param to The recipient.
    /// @param amount The amount asked for.
    /// @return minted The amount actually minted (zero at the cap).
    function mint(address to, uint256 amount) external returns (uint256 minted);
}
