import { keccak256 } from "../codec/keccak";

import { BlobIntegrityError, BlobStoreError } from "./errors";

const KEY_PATTERN = /^0x[0-9a-fA-F]{64}$/;

/**
 * The key a blob is stored under: keccak256 of its bytes, the same value as its content hash.
 * @param bytes the blob
 * @returns `0x` + 64 lowercase hex digits
 */
export function blobKey(bytes: Uint8Array): string {
  return keccak256(bytes);
}

/**
 * Validates a blob key and returns it in lowercase. Only `0x` + 64 hex digits is accepted,
 * so a key can never name a path outside a store or a URL other than the blob's.
 * @param key the candidate key
 * @returns the key in lowercase
 * @throws BlobStoreError `INVALID_KEY`
 */
export function normalizeBlobKey(key: string): string {
  if (typeof key !== "string" || !KEY_PATTERN.test(key)) {
    const shown = typeof key === "string" ? JSON.stringify(key.slice(0, 80)) : typeof key;
    throw new BlobStoreError(
      "INVALID_KEY",
      `A blob key must be a content hash: 0x followed by 64 hex digits; got ${shown}.`,
    );
  }
  return key.toLowerCase();
}

/**
 * Checks that bytes read from a store hash to the key they were read under.
 * @param key the normalized key asked for
 * @param bytes the bytes received
 * @param where the store they came from, for the error message
 * @throws BlobIntegrityError naming the expected and the actual hash
 */
export function verifyBlob(key: string, bytes: Uint8Array, where: string): void {
  const actual = blobKey(bytes);
  if (actual !== key.toLowerCase()) throw new BlobIntegrityError(key.toLowerCase(), actual, where);
}

/**
 * Checks that a value to be stored is bytes.
 * @param bytes the candidate blob
 * @throws BlobStoreError `INVALID_BLOB`
 */
export function assertBlob(bytes: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new BlobStoreError("INVALID_BLOB", `A blob must be a Uint8Array (e.g. a Buffer); got ${typeof bytes}.`);
  }
}
