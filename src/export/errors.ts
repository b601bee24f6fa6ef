/**
 * Typed errors of the ChatGPT export reader.
 *
 * Every rejection is an instance of {@link ExportError} with a machine-readable `code` and a
 * message that says what is wrong and what the contributor can do about it. Three classes
 * split the codes by layer:
 * - {@link ExportArchiveError}: the `.zip` container itself is unsafe or unreadable;
 * - {@link ExportFormatError}: the zip is fine but its content is not a genuine export;
 * - {@link ExportOptionsError}: the caller passed an invalid option (salt, limits).
 *
 * Messages never quote personal data from the export (user id, e-mail, message text).
 */

/** Codes of {@link ExportArchiveError}. */
export type ArchiveErrorCode =
  | "UNREADABLE"
  | "NOT_A_ZIP"
  | "UNSUPPORTED_ZIP"
  | "CORRUPT_ZIP"
  | "PATH_TRAVERSAL"
  | "ABSOLUTE_PATH"
  | "INVALID_NAME"
  | "SYMLINK"
  | "DUPLICATE_ENTRY"
  | "OVERLAPPING_ENTRIES"
  | "TOO_MANY_ENTRIES"
  | "TOO_LARGE"
  | "COMPRESSION_RATIO"
  | "SIZE_MISMATCH"
  | "TRAILING_BYTES"
  | "UNLISTED_BYTES";

/** Codes of {@link ExportFormatError}. */
export type FormatErrorCode =
  | "MISSING_FILE"
  | "MALFORMED_JSON"
  | "JSON_TOO_DEEP"
  | "JSON_STRING_TOO_LONG"
  | "JSON_VALUE_TOO_LARGE"
  | "JSON_TOO_MANY_VALUES"
  | "TOO_MANY_NODES"
  | "NOT_AN_EXPORT"
  | "FAKE_EXPORT"
  | "SPAM";

/** Codes of {@link ExportOptionsError}. */
export type OptionsErrorCode = "INVALID_SALT" | "INVALID_LIMIT";

/** Every code the reader can throw. */
export type ExportErrorCode = ArchiveErrorCode | FormatErrorCode | OptionsErrorCode;

/** Base class of every error thrown by the export reader. */
export abstract class ExportError extends Error {
  abstract readonly code: ExportErrorCode;
  /** The archive entry the problem was found in, when there is one. */
  readonly entry: string | undefined;

  protected constructor(message: string, entry: string | undefined) {
    super(message);
    this.entry = entry;
  }
}

const REDOWNLOAD =
  "Upload the .zip exactly as OpenAI sent it (ChatGPT → Settings → Data controls → Export data), without unpacking or re-zipping it.";

/** The zip container is unsafe (traversal, symlink, bomb, ...) or cannot be read. */
export class ExportArchiveError extends ExportError {
  override readonly name = "ExportArchiveError";
  readonly code: ArchiveErrorCode;

  constructor(code: ArchiveErrorCode, problem: string, entry?: string) {
    super(`${problem} ${REDOWNLOAD}`, entry);
    this.code = code;
  }
}

/** The zip is readable but does not hold a genuine, complete ChatGPT export. */
export class ExportFormatError extends ExportError {
  override readonly name = "ExportFormatError";
  readonly code: FormatErrorCode;

  constructor(code: FormatErrorCode, problem: string, entry?: string, advice: string = REDOWNLOAD) {
    super(`${problem} ${advice}`, entry);
    this.code = code;
  }
}

/** The caller passed an invalid option; the export itself was not looked at. */
export class ExportOptionsError extends ExportError {
  override readonly name = "ExportOptionsError";
  readonly code: OptionsErrorCode;

  constructor(code: OptionsErrorCode, message: string) {
    super(message, undefined);
    this.code = code;
  }
}
