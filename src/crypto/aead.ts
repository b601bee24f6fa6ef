import { createCipheriv, createDecipheriv, getRandomValues, randomBytes } from "node:crypto";

import { asUint8Array, describeShape } from "./bytes";
import { EnvelopeError } from "./errors";

/**
 * Contribution ciphertext, format version 1:
 *
 *     version (1 byte, 0x01) || nonce (12 bytes) || AES-256-GCM ciphertext (n bytes) || tag (16 bytes)
 *
 * The version byte is also the GCM additional authenticated data, so a ciphertext cannot be
 * reinterpreted under another format version. The 96-bit nonce is random; as every data key
 * encrypts exactly one contribution, a nonce is never reused under a key.
 */
export const CIPHERTEXT_VERSION = 1;
/** Length of the AES-256-GCM data key, in bytes. */
export const DATA_KEY_LENGTH = 32;
/** Length of the GCM nonce in a version-1 ciphertext, in bytes. */
export const NONCE_LENGTH = 12;
/** Length of the GCM authentication tag in a version-1 ciphertext, in bytes. */
export const TAG_LENGTH = 16;
/** Bytes a version-1 ciphertext adds to its plaintext (version, nonce and tag). */
export const CIPHERTEXT_OVERHEAD = 1 + NONCE_LENGTH + TAG_LENGTH;

const ALGORITHM = "aes-256-gcm";
const HEADER = Uint8Array.of(CIPHERTEXT_VERSION);

/**
 * Draws a fresh random data key from the platform's secure random source.
 * @returns 32 random bytes
 */
export function generateDataKey(): Uint8Array {
  return getRandomValues(new Uint8Array(DATA_KEY_LENGTH));
}

/**
 * Encrypts a plaintext under a data key into the version-1 ciphertext format.
 * @param plaintext the bytes to encrypt (may be empty)
 * @param dataKey 32-byte AES-256 key; use each key for one plaintext only
 * @returns the version-1 ciphertext
 * @throws EnvelopeError `INVALID_PLAINTEXT`, `INVALID_DATA_KEY`
 */
export function encryptWithDataKey(plaintext: Uint8Array, dataKey: Uint8Array): Uint8Array {
  if (!(plaintext instanceof Uint8Array)) {
    throw new EnvelopeError(
      "INVALID_PLAINTEXT",
      `The plaintext must be a Uint8Array (e.g. a Buffer read from the file); got ${describeShape(plaintext)}.`,
    );
  }
  assertDataKey(dataKey);
  const nonce = randomBytes(NONCE_LENGTH);
  const cipher = createCipheriv(ALGORITHM, dataKey, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(HEADER);
  const body = cipher.update(plaintext);
  const last = cipher.final();
  return asUint8Array(Buffer.concat([HEADER, nonce, body, last, cipher.getAuthTag()]));
}

/**
 * Decrypts and authenticates a version-1 ciphertext. Any altered byte, or a wrong key, fails;
 * unauthenticated plaintext is never returned.
 * @param ciphertext the full ciphertext, as produced by {@link encryptWithDataKey}
 * @param dataKey the 32-byte data key it was encrypted with
 * @returns the plaintext
 * @throws EnvelopeError `MALFORMED_CIPHERTEXT`, `UNSUPPORTED_CIPHERTEXT_VERSION`, `INVALID_DATA_KEY`, `DECRYPTION_FAILED`
 */
export function decryptWithDataKey(ciphertext: Uint8Array, dataKey: Uint8Array): Uint8Array {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < CIPHERTEXT_OVERHEAD) {
    throw new EnvelopeError(
      "MALFORMED_CIPHERTEXT",
      `The ciphertext must be a Uint8Array of at least ${CIPHERTEXT_OVERHEAD} bytes (version, nonce and tag); got ${describeShape(ciphertext)}. Was it truncated in transfer?`,
    );
  }
  if (ciphertext[0] !== CIPHERTEXT_VERSION) {
    throw new EnvelopeError(
      "UNSUPPORTED_CIPHERTEXT_VERSION",
      `The ciphertext has format version ${ciphertext[0]}, but this library reads version ${CIPHERTEXT_VERSION} only; it is corrupted, or needs a newer version of this library.`,
    );
  }
  assertDataKey(dataKey);
  const nonce = ciphertext.subarray(1, 1 + NONCE_LENGTH);
  const body = ciphertext.subarray(1 + NONCE_LENGTH, ciphertext.length - TAG_LENGTH);
  const tag = ciphertext.subarray(ciphertext.length - TAG_LENGTH);
  try {
    const decipher = createDecipheriv(ALGORITHM, dataKey, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(ciphertext.subarray(0, 1));
    decipher.setAuthTag(tag);
    const head = decipher.update(body);
    return asUint8Array(Buffer.concat([head, decipher.final()]));
  } catch (cause) {
    throw new EnvelopeError(
      "DECRYPTION_FAILED",
      "The ciphertext failed authentication: either the data key is not the one it was sealed with, or the ciphertext was altered. Check that the data key was unwrapped for this content hash and that the blob's keccak256 matches it.",
      { cause },
    );
  }
}

function assertDataKey(dataKey: Uint8Array): void {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_LENGTH) {
    throw new EnvelopeError(
      "INVALID_DATA_KEY",
      `The data key must be a ${DATA_KEY_LENGTH}-byte Uint8Array, as returned by unwrapDataKey(); got ${describeShape(dataKey)}.`,
    );
  }
}
