import type { DecodedError } from "../errors";

/** What went wrong in a role operation; stable, for programmatic handling. */
export type RoleErrorCode =
  /** A flag, file or argument is malformed or out of range. */
  | "INVALID_INPUT"
  /** A deployment, file, request, proposal or contribution does not exist. */
  | "NOT_FOUND"
  /** The account lacks a role, ownership or votes the operation needs. */
  | "NOT_ALLOWED"
  /** The on-chain object is not in a state the operation can start from (or a deadline has passed). */
  | "WRONG_STATE"
  /** Configuration is missing or inconsistent (addresses, keys, network). */
  | "CONFIG"
  /** Data read back does not match what the chain commits to. */
  | "INTEGRITY"
  /** The chain rejected the call (simulated or sent); `revert` holds the decoded contract error. */
  | "REVERTED"
  /** A check that the demo or a caller relies on did not hold. */
  | "CHECK_FAILED"
  /** A validator refuses: the blob under the content hash is not that ciphertext, or the descriptor names another. */
  | "CIPHERTEXT_MISMATCH"
  /** A validator refuses: a key does not unwrap with its key, or a ciphertext fails authentication under it. */
  | "UNDECRYPTABLE"
  /** A validator refuses: the sealed payload is not the refinement of the raw export it was given. */
  | "NOT_REFINEMENT";

/**
 * Thrown by every function of the role library for a problem the caller can act on. The message says
 * what is wrong and what to do about it; it never contains private key material.
 */
export class RoleError extends Error {
  override readonly name = "RoleError";
  /** The contract error the chain reverted with (code `REVERTED`), decoded; branch on `revert.name`. */
  readonly revert?: DecodedError;

  /**
   * @param code what failed
   * @param message what failed and what the caller can do about it
   * @param options the underlying error and the decoded revert, if any
   */
  constructor(
    readonly code: RoleErrorCode,
    message: string,
    options?: { cause?: unknown; revert?: DecodedError },
  ) {
    super(message, options);
    this.revert = options?.revert;
  }
}
