import { keccak_256 } from "@noble/hashes/sha3";

import { type Hex, bytesToHex, toBytes, utf8ToBytes } from "./hex";

/** keccak256 of bytes (or of the bytes a hex string encodes), as lowercase `0x` hex. */
export function keccak256(data: Uint8Array | string): Hex {
  return bytesToHex(keccak_256(toBytes(data)));
}

/** keccak256 of the UTF-8 bytes of `text` (ethers' `id`, viem's `keccak256(toBytes(text))`). */
export function keccak256Utf8(text: string): Hex {
  return bytesToHex(keccak_256(utf8ToBytes(text)));
}
