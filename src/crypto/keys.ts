import { PrivateKey, PublicKey } from "eciesjs";

import { type BytesInput, decodeBytes, describeShape, toHex } from "./bytes";
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

const CURVE = "secp256k1";
const PRIVATE_KEY_LENGTH = 32;
const COMPRESSED_LENGTH = 33;
const UNCOMPRESSED_LENGTH = 65;

/**
 * Generates a secp256k1 key pair from the platform's secure random source.
 * @returns the private key (32 bytes) and the compressed public key (33 bytes), both `0x` hex
 */
export function generateKeyPair(): KeyPair {
  const secretKey = new PrivateKey(undefined, CURVE);
  return { privateKey: toHex(secretKey.secret), publicKey: toHex(secretKey.publicKey.toBytes(true)) };
}

/**
 * Derives the public key of a private key.
 * @param privateKey 32-byte secp256k1 private key, bytes or hex
 * @param options `compressed` (default `true`): 33-byte compressed or 65-byte uncompressed form
 * @returns the public key as `0x` hex
 * @throws EnvelopeError `INVALID_PRIVATE_KEY`
 */
export function publicKeyFromPrivate(privateKey: PrivateKeyInput, options: { compressed?: boolean } = {}): string {
  return toHex(parsePrivateKey(privateKey, "private key").publicKey.toBytes(options.compressed ?? true));
}

/**
 * Validates a public key and returns its canonical form: compressed, lowercase `0x` hex.
 * Use it to compare keys given in different forms (e.g. a buyer key read from the chain).
 * @param publicKey 33- or 65-byte secp256k1 public key, bytes or hex
 * @returns the 33-byte compressed key as `0x` hex
 * @throws EnvelopeError `INVALID_PUBLIC_KEY`
 */
export function normalizePublicKey(publicKey: PublicKeyInput): string {
  return toHex(parsePublicKey(publicKey, "public key").toBytes(true));
}

/**
 * Parses and validates a secp256k1 private key (length and range 1 ≤ k < n).
 * @param input the candidate key
 * @param role what the key is for, used in error messages (e.g. "custodian private key")
 * @returns the eciesjs key object
 * @throws EnvelopeError `INVALID_PRIVATE_KEY`; the message never contains the key
 */
export function parsePrivateKey(input: PrivateKeyInput, role: string): PrivateKey {
  const bytes = decodeBytes(input);
  if (bytes === undefined || bytes.length !== PRIVATE_KEY_LENGTH) {
    throw new EnvelopeError(
      "INVALID_PRIVATE_KEY",
      `The ${role} must be ${PRIVATE_KEY_LENGTH} bytes (a Uint8Array or 64 hex digits, optionally 0x-prefixed); got ${describeShape(input)}.`,
    );
  }
  try {
    return new PrivateKey(Uint8Array.from(bytes), CURVE);
  } catch (cause) {
    throw new EnvelopeError(
      "INVALID_PRIVATE_KEY",
      `The ${role} is not a valid secp256k1 private key (it must be between 1 and the curve order minus 1); generate one with generateKeyPair().`,
      { cause },
    );
  }
}

/**
 * Parses and validates a secp256k1 public key: length, prefix byte and that the point is on the curve.
 * @param input the candidate key
 * @param role what the key is for, used in error messages (e.g. "buyer public key")
 * @returns the eciesjs key object
 * @throws EnvelopeError `INVALID_PUBLIC_KEY`
 */
export function parsePublicKey(input: PublicKeyInput, role: string): PublicKey {
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
  try {
    return new PublicKey(Uint8Array.from(bytes), CURVE);
  } catch (cause) {
    throw new EnvelopeError(
      "INVALID_PUBLIC_KEY",
      `The ${role} is not a point on the secp256k1 curve; check that it was copied in full and not altered.`,
      { cause },
    );
  }
}
