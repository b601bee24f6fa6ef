/** What went wrong in an envelope operation; stable, for programmatic handling. */
export type EnvelopeErrorCode =
  | "INVALID_PLAINTEXT"
  | "INVALID_PUBLIC_KEY"
  | "INVALID_PRIVATE_KEY"
  | "INVALID_DATA_KEY"
  | "MALFORMED_CIPHERTEXT"
  | "UNSUPPORTED_CIPHERTEXT_VERSION"
  | "DECRYPTION_FAILED"
  | "MALFORMED_WRAPPED_KEY"
  | "UNSUPPORTED_WRAPPED_KEY_VERSION"
  | "UNWRAP_FAILED"
  | "INVALID_CONTENT_HASH"
  | "INVALID_THRESHOLD"
  | "INVALID_SHARE"
  | "NOT_ENOUGH_SHARES"
  | "COMMITMENT_MISMATCH";

/**
 * Thrown by every function of the envelope module. `code` says what failed; the message says
 * what to do about it. Messages never contain private key or data key material.
 */
export class EnvelopeError extends Error {
  override readonly name = "EnvelopeError";

  /**
   * @param code what failed
   * @param message what failed and what the caller can do about it
   * @param options the underlying error, if any
   */
  constructor(
    readonly code: EnvelopeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
