/** What went wrong with a key manifest; stable, for programmatic handling. */
export type ManifestErrorCode =
  | "INVALID_FIELD"
  | "MISSING_FIELD"
  | "UNKNOWN_FIELD"
  | "UNSUPPORTED_VERSION"
  | "UNSORTED_ENTRIES"
  | "DUPLICATE_ENTRY"
  | "TOO_LARGE"
  | "INVALID_ENCODING"
  | "INVALID_JSON"
  | "NOT_CANONICAL"
  | "HASH_MISMATCH"
  | "WRONG_BUYER_KEY"
  | "CONTEXT_MISMATCH"
  | "DUPLICATE_CUSTODIAN"
  | "NOT_ENOUGH_SHARES"
  | "INCOMPLETE_SET"
  | "KEY_COMMITMENT_MISMATCH"
  | "ENTRY_OPEN_FAILED"
  | "REWRAP_FAILED";

/** Thrown when a key manifest cannot be built, parsed, opened or re-wrapped. */
export class ManifestError extends Error {
  override readonly name = "ManifestError";

  /** The manifest field at fault, if the error is about one field. */
  readonly field: string | undefined;

  /**
   * @param code what failed
   * @param message what failed and what the caller can do about it
   * @param options `field`: the manifest field at fault (e.g. `entries[2].wrappedKey`); `cause`: the underlying error
   */
  constructor(
    readonly code: ManifestErrorCode,
    message: string,
    options: { field?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.field = options.field;
  }
}
