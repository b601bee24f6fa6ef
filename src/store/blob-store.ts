/**
 * A content-addressed store of ciphertext blobs. A blob's key is keccak256 of its bytes (its
 * content hash, as registered on-chain), so any copy can be checked against its key.
 *
 * Every implementation must verify on `get` that the bytes hash to the key, and throw
 * `BlobIntegrityError` if not; callers may still verify again, as the buyer does.
 */
export interface BlobStore {
  /**
   * Stores a blob. Idempotent: storing the same bytes again is a no-op returning the same key.
   * @param bytes the blob
   * @returns its key, `0x` + 64 lowercase hex digits (keccak256 of `bytes`)
   */
  put(bytes: Uint8Array): Promise<string>;

  /**
   * Reads a blob and verifies its hash.
   * @param key the content hash
   * @returns the bytes
   * @throws BlobNotFoundError if absent; BlobIntegrityError if the bytes do not hash to `key`
   */
  get(key: string): Promise<Uint8Array>;

  /**
   * Whether a blob is stored under the key. Does not read or verify the bytes.
   * @param key the content hash
   */
  has(key: string): Promise<boolean>;
}
