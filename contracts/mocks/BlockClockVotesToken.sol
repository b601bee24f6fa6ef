// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// @title BlockClockVotesToken
/// @notice Test-only votes token with OpenZeppelin's default ERC-6372 clock (block numbers), which the escrow
/// must refuse: its deadlines are in seconds.
contract BlockClockVotesToken is ERC20, ERC20Votes {
    constructor() ERC20("Block Clock", "BLK") EIP712("Block Clock", "1") {}

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
