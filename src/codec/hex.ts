/**
 * Hex strings and bytes, typed as viem types them (`` `0x${string}` ``) so values pass to viem without a
 * cast and to ethers as plain strings. No client library is imported: these are the few conversions the
 * core needs.
 */
import { bytesToHex as nobleBytesToHex, hexToBytes as nobleHexToBytes } from "@noble/hashes/utils";

/** A `0x`-prefixed hex string. */
export type Hex = `0x${string}`;

/** Thrown when a value is not the hex, address or ABI data a function expects. */
export class CodecError extends Error {
  override readonly name = "CodecError";
}

const HEX = /^0x[0-9a-fA-F]*$/;

/** Whether `value` is a `0x`-prefixed hex string of whole bytes (`length` bytes when given). */
export function isHex(value: unknown, length?: number): value is Hex {
  if (typeof value !== "string" || !HEX.test(value) || value.length % 2 !== 0) return false;
  return length === undefined || value.length === 2 + 2 * length;
}

/** `bytes` as lowercase `0x` hex. */
export function bytesToHex(bytes: Uint8Array): Hex {
  return `0x${nobleBytesToHex(bytes)}`;
}

/** The bytes of `hex` (`0x` and an even number of hex digits). */
export function hexToBytes(hex: string): Uint8Array {
  if (!isHex(hex)) throw new CodecError(`Expected 0x-prefixed hex of whole bytes, got ${describe(hex)}.`);
  return nobleHexToBytes(hex.slice(2));
}

/** `value` as lowercase `0x` hex: bytes are converted, hex strings checked and lower-cased. */
export function toHex(value: Uint8Array | string): Hex {
  if (value instanceof Uint8Array) return bytesToHex(value);
  if (!isHex(value)) throw new CodecError(`Expected 0x-prefixed hex of whole bytes, got ${describe(value)}.`);
  return value.toLowerCase() as Hex;
}

/** `value` as bytes: hex strings are decoded, bytes returned as they are. */
export function toBytes(value: Uint8Array | string): Uint8Array {
  return value instanceof Uint8Array ? value : hexToBytes(value);
}

/** The UTF-8 bytes of `text`. */
export function utf8ToBytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A short, safe description of a rejected value for error messages (never the whole value). */
export function describe(value: unknown): string {
  if (typeof value === "string")
    return value.length > 20 ? `"${value.slice(0, 20)}…" (${value.length} chars)` : `"${value}"`;
  return typeof value;
}
