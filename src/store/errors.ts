/** What went wrong in a blob store operation; stable, for programmatic handling. */
export type BlobStoreErrorCode =
  "NOT_FOUND" | "INTEGRITY" | "INVALID_KEY" | "INVALID_BLOB" | "INVALID_CONFIG" | "REQUEST_FAILED" | "TIMEOUT" | "IO";

/** Base class of every error a blob store throws; `code` says what failed. */
export class BlobStoreError extends Error {
  override name = "BlobStoreError";

  /**
   * @param code what failed
   * @param message what failed and what the caller can do about it
   * @param options the underlying error, if any
   */
  constructor(
    readonly code: BlobStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No blob is stored under the key. */
export class BlobNotFoundError extends BlobStoreError {
  override name = "BlobNotFoundError";

  /**
   * @param key the content hash that was looked up
   * @param where the store that was asked (a directory or URL)
   */
  constructor(
    readonly key: string,
    where: string,
  ) {
    super("NOT_FOUND", `No blob with content hash ${key} in ${where}; check the hash, or upload the ciphertext first.`);
  }
}

/** The bytes read back do not hash to their key: the blob was altered, substituted or damaged. */
export class BlobIntegrityError extends BlobStoreError {
  override name = "BlobIntegrityError";

  /**
   * @param expected the key asked for (the keccak256 the bytes should have)
   * @param actual the keccak256 of the bytes actually received
   * @param where the store that returned them
   */
  constructor(
    readonly expected: string,
    readonly actual: string,
    where: string,
  ) {
    super(
      "INTEGRITY",
      `Blob integrity check failed for ${where}: expected keccak256 ${expected}, got ${actual}. The stored bytes were altered or substituted; do not use them, and fetch the blob again from a trusted copy.`,
    );
  }
}

/** An HTTP blob store request failed (network error, timeout, or an unexpected status). */
export class BlobStoreRequestError extends BlobStoreError {
  override name = "BlobStoreRequestError";

  /**
   * @param code `REQUEST_FAILED` or `TIMEOUT`
   * @param message what failed, naming the method and URL (never the request headers)
   * @param status the HTTP status, if a response arrived
   * @param options the underlying error, if any
   */
  constructor(
    code: "REQUEST_FAILED" | "TIMEOUT",
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
