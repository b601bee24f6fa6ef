import { getRandomValues } from "node:crypto";

import { type BytesInput, decodeBytes, describeShape, toHex } from "./bytes";
import { type Curve, defaultCurve } from "./curve";
import { EnvelopeError } from "./errors";

/** A secp256k1 public key: 33 bytes compressed or 65 bytes uncompressed, as bytes or hex. */
export type PublicKeyInput = BytesInput;
/** A secp256k1 private key: 32 bytes, as bytes or hex. */
export type PrivateKeyInput = BytesInput;

/** A secp256k1 key pair as `0x` hex: 32-byte private key, 33-byte compressed public key. */
export interface KeyPair {
  readonly privateKey: string;
  readonly publicKey: string;
}

/** A public key that passed {@link parsePublicKey}: 65 bytes, uncompressed, on the curve. */
export type ValidPublicKey = Uint8Array & { readonly __valid: "secp256k1 public key" };
/** A private key that passed {@link parsePrivateKey}: a private copy of 32 bytes, 1 ≤ k < n. */
export type ValidPrivateKey = Uint8Array & { readonly __valid: "secp256k1 private key" };

const PRIVATE_KEY_LENGTH = 32;
const COMPRESSED_LENGTH = 33;
const UNCOMPRESSED_LENGTH = 65;

/**
 * Generates a secp256k1 key pair from the platform's secure random source.
 * @returns the private key (32 bytes) and the compressed public key (33 bytes), both `0x` hex
 */
export function generateKeyPair(): KeyPair {
  const curve = defaultCurve();
  let secret: Uint8Array;
  do secret = getRandomValues(new Uint8Array(PRIVATE_KEY_LENGTH));
  while (!curve.isPrivateKey(secret));
  const pair = { privateKey: toHex(secret), publicKey: toHex(curve.publicKeyOf(secret, true)) };
  secret.fill(0);
  return pair;
}

/**
 * Derives the public key of a private key.
 * @param privateKey 32-byte secp256k1 private key, bytes or hex
 * @param options `compressed` (default `true`): 33-byte compressed or 65-byte uncompressed form
 * @returns the public key as `0x` hex
 * @throws EnvelopeError `INVALID_PRIVATE_KEY`
 */
export function publicKeyFromPrivate(privateKey: PrivateKeyInput, options: { compressed?: boolean } = {}): string {
  const curve = defaultCurve();
  const secret = parsePrivateKey(privateKey, "private key", curve);
  try {
    return toHex(curve.publicKeyOf(secret, options.compressed ?? true));
  } finally {
    secret.fill(0);
  }
}

/**
 * Validates a public key and returns its canonical form: compressed, lowercase `0x` hex.
 * Use it to compare keys given in different forms (e.g. a buyer key read from the chain).
 * @param publicKey 33- or 65-byte secp256k1 public key, bytes or hex
 * @returns the 33-byte compressed key as `0x` hex
 * @throws EnvelopeError `INVALID_PUBLIC_KEY`
 */
export function normalizePublicKey(publicKey: PublicKeyInput): string {
  const curve = defaultCurve();
  return compressedHex(parsePublicKey(publicKey, "public key", curve), curve);
}

/**
 * The compressed form of a validated public key.
 * @param key a key from {@link parsePublicKey}
 * @param curve the implementation to use
 * @returns 33 bytes as lowercase `0x` hex
 */
export function compressedHex(key: ValidPublicKey, curve: Curve = defaultCurve()): string {
  // A valid key always converts; the fallback only satisfies the type.
  return toHex(curve.convert(key, true) ?? new Uint8Array(0));
}

/**
 * Parses and validates a secp256k1 private key (length and range 1 ≤ k < n).
 * @param input the candidate key
 * @param role what the key is for, used in error messages (e.g. "custodian private key")
 * @param curve the implementation to check it with (default: the process's)
 * @returns a private copy of the 32 bytes; overwrite it with zeros when done
 * @throws EnvelopeError `INVALID_PRIVATE_KEY`; the message never contains the key
 */
export function parsePrivateKey(input: PrivateKeyInput, role: string, curve: Curve = defaultCurve()): ValidPrivateKey {
  const bytes = decodeBytes(input);
  if (bytes === undefined || bytes.length !== PRIVATE_KEY_LENGTH) {
    throw new EnvelopeError(
      "INVALID_PRIVATE_KEY",
      `The ${role} must be ${PRIVATE_KEY_LENGTH} bytes (a Uint8Array or 64 hex digits, optionally 0x-prefixed); got ${describeShape(input)}.`,
    );
  }
  const secret = Uint8Array.from(bytes);
  if (!curve.isPrivateKey(secret)) {
    throw new EnvelopeError(
      "INVALID_PRIVATE_KEY",
      `The ${role} is not a valid secp256k1 private key (it must be between 1 and the curve order minus 1); generate one with generateKeyPair().`,
    );
  }
  return secret as ValidPrivateKey;
}

/**
 * Parses and validates a secp256k1 public key: length, prefix byte and that the point is on the curve.
 * @param input the candidate key
 * @param role what the key is for, used in error messages (e.g. "buyer public key")
 * @param curve the implementation to check it with (default: the process's)
 * @returns the key, uncompressed (65 bytes), so that using it needs no square root
 * @throws EnvelopeError `INVALID_PUBLIC_KEY`
 */
export function parsePublicKey(input: PublicKeyInput, role: string, curve: Curve = defaultCurve()): ValidPublicKey {
  const bytes = decodeBytes(input);
  if (bytes === undefined) {
    throw new EnvelopeError(
      "INVALID_PUBLIC_KEY",
      `The ${role} must be a Uint8Array or hex text (optionally 0x-prefixed); got ${describeShape(input)}.`,
    );
  }
  const prefix = bytes[0];
  const wellFormed =
    (bytes.length === COMPRESSED_LENGTH && (prefix === 0x02 || prefix === 0x03)) ||
    (bytes.length === UNCOMPRESSED_LENGTH && prefix === 0x04);
  if (!wellFormed) {
    const hint =
      bytes.length === 64
        ? " A 64-byte key is the raw Ethereum form without its prefix: prepend 0x04 to it."
        : bytes.length === 20
          ? " 20 bytes is an Ethereum address, not a public key."
          : "";
    throw new EnvelopeError(
      "INVALID_PUBLIC_KEY",
      `The ${role} must be a secp256k1 public key of 33 bytes (compressed, starting 02 or 03) or 65 bytes (uncompressed, starting 04); got ${bytes.length} bytes${bytes.length > 0 ? ` starting ${prefix.toString(16).padStart(2, "0")}` : ""}.${hint}`,
    );
  }
  const point = curve.convert(bytes, false);
  if (point === undefined) {
    throw new EnvelopeError(
      "INVALID_PUBLIC_KEY",
      `The ${role} is not a point on the secp256k1 curve; check that it was copied in full and not altered.`,
    );
  }
  return point as ValidPublicKey;
}
