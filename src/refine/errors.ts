/**
 * Typed errors of the refinement.
 *
 * Messages say what is wrong and what to do; they never quote message text, titles, the user id or
 * e-mail (a refinement error may be shown by a validator or logged), only positions and codes.
 */

/** What failed; stable, for programmatic handling. */
export type RefineErrorCode =
  /** An option (salt, exclusion rule, size bound) is invalid. */
  | "INVALID_OPTION"
  /** A conversation cannot be refined (no mapping, no current_node, a broken tree). */
  | "MALFORMED_CONVERSATION"
  /** A refined payload is damaged or is not gzip of refined lines (buyer side). */
  | "MALFORMED_PAYLOAD"
  /** The sealed plaintext is not the refinement of the export under the given options. */
  | "NOT_THE_REFINEMENT";

/** Base class of every error the refinement throws. */
export class RefineError extends Error {
  override name = "RefineError";

  /**
   * @param code what failed
   * @param message what failed and what the caller can do about it
   */
  constructor(
    readonly code: RefineErrorCode,
    message: string,
  ) {
    super(message);
  }
}
