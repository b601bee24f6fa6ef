import { keccak_256 } from "@noble/hashes/sha3";

import { CodecError, describe } from "./hex";

/** An EVM address, `0x` and 40 hex digits (as viem types it). */
export type Address = `0x${string}`;

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function checksum(lowerHex: string): Address {
  const hash = keccak_256(new TextEncoder().encode(lowerHex));
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    // EIP-55: upper-case the i-th hex letter when the i-th nibble of keccak256(lowercase hex) is >= 8.
    const nibble = (hash[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 0x0f;
    out += nibble >= 8 ? lowerHex[i].toUpperCase() : lowerHex[i];
  }
  return out as Address;
}

/**
 * `value` as an EIP-55 checksummed address. All-lowercase and all-uppercase input is accepted as is;
 * mixed-case input must carry a valid checksum (a typo in a checksummed address is caught, as ethers does).
 *
 * @throws CodecError when `value` is not an address or its checksum is wrong
 */
export function getAddress(value: unknown): Address {
  if (typeof value !== "string" || !ADDRESS.test(value)) {
    throw new CodecError(`Expected an address (0x and 40 hex digits), got ${describe(value)}.`);
  }
  const body = value.slice(2);
  const result = checksum(body.toLowerCase());
  const mixed = body !== body.toLowerCase() && body !== body.toUpperCase();
  if (mixed && result !== value)
    throw new CodecError(`Address ${value} has a wrong EIP-55 checksum (expected ${result}).`);
  return result;
}

/** Whether `value` is an address that {@link getAddress} accepts. */
export function isAddress(value: unknown): value is Address {
  try {
    getAddress(value);
    return true;
  } catch {
    return false;
  }
}
