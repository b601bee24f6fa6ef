import { getAddress } from "../codec/address";

import { EnvelopeError, normalizePublicKey } from "../crypto";
import { toHex } from "../crypto/bytes";
import { decodeWrappedKey } from "../crypto/wrap";
import { ManifestError } from "./errors";

/** Highest purpose id: purposes are the bits 0..15 of the registry's consent bitmask. */
export const MAX_PURPOSE_ID = 15;

const UINT256_MAX = (1n << 256n) - 1n;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/**
 * Validates a chain id: a positive safe integer (JSON numbers are exact up to 2^53 - 1).
 * @param value a number or bigint
 * @param field the field name for errors
 * @returns the chain id as a number
 */
export function checkChainId(value: unknown, field = "chainId"): number {
  const number = typeof value === "bigint" && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number <= 0) {
    throw invalid(field, `must be a positive integer chain id (e.g. 31337 or 11155111); got ${show(value)}`);
  }
  return number;
}

/**
 * Validates an EVM address and returns its EIP-55 checksummed form.
 * @param value the address text
 * @param field the field name for errors
 */
export function checkAddress(value: unknown, field = "escrow"): string {
  if (typeof value === "string") {
    try {
      return getAddress(value);
    } catch {
      // Reported below with the field name.
    }
  }
  throw invalid(
    field,
    `must be the AccessEscrow contract address (0x + 40 hex digits, with a correct EIP-55 checksum if mixed-case); got ${show(value)}`,
  );
}

/**
 * Validates an on-chain request id (a uint256) and returns it as a decimal string.
 * @param value a bigint, a safe integer, or a decimal string without leading zeros
 * @param field the field name for errors
 */
export function checkRequestId(value: unknown, field = "requestId"): string {
  let id: bigint | undefined;
  if (typeof value === "bigint") id = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) id = BigInt(value);
  else if (typeof value === "string" && DECIMAL.test(value)) id = BigInt(value);
  if (id === undefined || id < 0n || id > UINT256_MAX) {
    throw invalid(field, `must be the access request id, a uint256 written in decimal (e.g. "42"); got ${show(value)}`);
  }
  return id.toString(10);
}

/**
 * Validates an integer field in a range.
 * @param value the candidate
 * @param field the field name for errors
 * @param min smallest allowed
 * @param max largest allowed
 */
export function checkInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(field, `must be an integer from ${min} to ${max}; got ${show(value)}`);
  }
  return value;
}

/**
 * Validates a purpose id (the bit index of the purpose in the consent bitmask).
 * @param value an integer 0..15
 * @param field the field name for errors
 */
export function checkPurpose(value: unknown, field = "purpose"): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_PURPOSE_ID) {
    throw invalid(field, `must be a purpose id, an integer from 0 to ${MAX_PURPOSE_ID}; got ${show(value)}`);
  }
  return value;
}

/**
 * Validates a public key and returns it compressed, as lowercase `0x` hex.
 * @param value a 33- or 65-byte secp256k1 public key, bytes or hex
 * @param field the field name for errors
 */
export function checkPublicKey(value: unknown, field = "buyerPublicKey"): string {
  if (typeof value === "string" || value instanceof Uint8Array) {
    try {
      return normalizePublicKey(value);
    } catch (cause) {
      if (!(cause instanceof EnvelopeError)) throw cause;
      throw invalid(field, `is not valid: ${cause.message}`, cause);
    }
  }
  throw invalid(field, `must be a secp256k1 public key as hex; got ${show(value)}`);
}

/**
 * Validates a content hash (a bytes32) and returns it as lowercase `0x` hex.
 * @param value the hash text
 * @param field the field name for errors
 */
export function checkContentHash(value: unknown, field: string): string {
  if (typeof value !== "string" || !BYTES32.test(value)) {
    throw invalid(field, `must be a content hash, 0x followed by 64 hex digits; got ${show(value)}`);
  }
  return value.toLowerCase();
}

/**
 * Validates the shape of a wrapped data key (length and version) and returns it as lowercase `0x` hex.
 * @param value the wrapped key, bytes or hex
 * @param field the field name for errors
 */
export function checkWrappedKey(value: unknown, field: string): string {
  if (typeof value === "string" || value instanceof Uint8Array) {
    try {
      return toHex(decodeWrappedKey(value));
    } catch (cause) {
      if (!(cause instanceof EnvelopeError)) throw cause;
      throw invalid(field, `is not valid: ${cause.message}`, cause);
    }
  }
  throw invalid(field, `must be a wrapped data key as hex; got ${show(value)}`);
}

function invalid(field: string, problem: string, cause?: unknown): ManifestError {
  return new ManifestError("INVALID_FIELD", `Manifest field ${field} ${problem.replace(/\.$/, "")}.`, { field, cause });
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Uint8Array) return `a ${value.length}-byte Uint8Array`;
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return Array.isArray(value) ? "an array" : typeof value;
}
