// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Secp256k1PublicKey
/// @notice Checks that bytes encode a secp256k1 public key in SEC 1 form, without assembly.
/// @dev An uncompressed key (`0x04 || x || y`, 65 bytes) is checked to lie on the curve `y² = x³ + 7 (mod p)`.
/// A compressed key (`0x02 | 0x03 || x`, 33 bytes) is checked for its prefix and `x < p` only: deciding whether
/// `x` is on the curve needs a modular square root, which costs more than the check is worth here.
library Secp256k1PublicKey {
    /// @dev The field prime of secp256k1.
    uint256 internal constant P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;

    /// @notice Whether `key` is a 33-byte compressed or a 65-byte uncompressed secp256k1 public key.
    function isValid(bytes memory key) internal pure returns (bool) {
        if (key.length == 33) {
            if (key[0] != 0x02 && key[0] != 0x03) return false;
            // The first word holds the prefix and x[0..31); the last byte of x follows it.
            uint256 x = (uint256(abi.decode(key, (bytes32))) << 8) | uint8(key[32]);
            return x < P;
        }
        if (key.length == 65) {
            if (key[0] != 0x04) return false;
            // Words at byte offsets 0 and 32: prefix || x[0..31) and x[31] || y[0..31); y's last byte is key[64].
            (bytes32 w0, bytes32 w1) = abi.decode(key, (bytes32, bytes32));
            uint256 x = (uint256(w0) << 8) | (uint256(w1) >> 248);
            uint256 y = (uint256(w1) << 8) | uint8(key[64]);
            if (x >= P || y >= P) return false;
            return mulmod(y, y, P) == addmod(mulmod(mulmod(x, x, P), x, P), 7, P);
        }
        return false;
    }
}
