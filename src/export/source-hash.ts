/**
 * The source-account hash: `keccak256(abi.encode(bytes32 salt, string userId))`.
 *
 * It binds a contribution to one ChatGPT account without revealing the account: the user id
 * never leaves this module, and without the salt the hash cannot be linked to the id.
 */
import { encodeAbiParameters } from "../codec/abi";
import type { Hex } from "../codec/hex";
import { keccak256 } from "../codec/keccak";

import { ExportOptionsError } from "./errors";

const SALT = /^0x[0-9a-fA-F]{64}$/;

/** Checks a salt is a 32-byte hex string and returns it lower-cased. */
export function normalizeSalt(salt: unknown): string {
  if (typeof salt !== "string" || !SALT.test(salt)) {
    throw new ExportOptionsError(
      "INVALID_SALT",
      "The source-hash salt must be a 32-byte hex string (0x followed by 64 hex digits), e.g. ethers.hexlify(ethers.randomBytes(32)) kept by the protocol.",
    );
  }
  return salt.toLowerCase();
}

/** Salted hash of a ChatGPT user id. */
export function sourceAccountHash(userId: string, salt: string): Hex {
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "string" }], [normalizeSalt(salt), userId]));
}
