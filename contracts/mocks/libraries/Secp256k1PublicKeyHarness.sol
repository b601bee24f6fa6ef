// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Secp256k1PublicKey} from "../../libraries/Secp256k1PublicKey.sol";

/// @title Secp256k1PublicKeyHarness
/// @notice Test-only: exposes {Secp256k1PublicKey.isValid} for its spec.
contract Secp256k1PublicKeyHarness {
    /// @notice {Secp256k1PublicKey.isValid}.
    function isValid(bytes calldata key) external pure returns (bool) {
        return Secp256k1PublicKey.isValid(key);
    }
}
