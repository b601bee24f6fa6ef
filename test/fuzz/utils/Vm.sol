// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Vm
/// @notice The few forge cheatcodes the fuzz suites use, declared here rather than taken from a forge-std copy.
/// @dev Signatures as documented in Foundry's cheatcode reference; the cheatcode contract lives at `VM_ADDRESS`.
interface Vm {
    /// @notice A log captured by `recordLogs`.
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    /// @notice Sets `block.timestamp`.
    function warp(uint256 newTimestamp) external;

    /// @notice Sets `block.number`.
    function roll(uint256 newHeight) external;

    /// @notice Makes the next call come from `sender`.
    function prank(address sender) external;

    /// @notice Makes every following call come from `sender`, until `stopPrank`.
    function startPrank(address sender) external;

    /// @notice Ends `startPrank`.
    function stopPrank() external;

    /// @notice Signs `digest` with `privateKey` (secp256k1).
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    /// @notice The address of `privateKey`.
    function addr(uint256 privateKey) external pure returns (address);

    /// @notice Names `account` in traces.
    function label(address account, string calldata newLabel) external;

    /// @notice `value` in decimal.
    function toString(uint256 value) external pure returns (string memory);

    /// @notice Starts recording every emitted log.
    function recordLogs() external;

    /// @notice Returns and clears the logs recorded since `recordLogs`.
    function getRecordedLogs() external returns (Log[] memory logs);
}

/// @dev The cheatcode address: `address(uint160(uint256(keccak256("hevm cheat code"))))`.
address constant VM_ADDRESS = 0x7109709ECfa91a80626fF3989D68f67F5b1DD12D;
