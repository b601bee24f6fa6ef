// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BlocklistToken
/// @notice Test-only 6-decimal settlement token with a blocklist, as USDC has: transfers to or from a blocked
/// address revert. Anyone may mint and block: test-only.
contract BlocklistToken is ERC20 {
    /// @notice Thrown when a transfer touches a blocked address.
    error BlocklistTokenBlocked(address account);

    /// @notice Emitted when an address is blocked or unblocked.
    event BlockedSet(address indexed account, bool blocked);

    mapping(address account => bool blocked) public blocked;

    constructor() ERC20("Blocklist USD", "BUSD") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Blocks or unblocks `account`.
    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
        emit BlockedSet(account, isBlocked);
    }

    /// @notice 6 decimals, as USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[from]) revert BlocklistTokenBlocked(from);
        if (blocked[to]) revert BlocklistTokenBlocked(to);
        super._update(from, to, value);
    }
}
