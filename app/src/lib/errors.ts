/**
 * Errors in words a member understands. Reverts are decoded once, by the package's `decodeError`, and
 * worded by its one table of messages (`errorMessage`, typed by error name, so a renamed contract error
 * fails the build). Anything else is shown by its decoded name, never as raw hex.
 */
import { type DecodedError, decodeError, errorMessage } from "@datacoop/protocol/errors";
import { BaseError } from "viem";

function wordsFor(decoded: DecodedError): string {
  if (decoded.name === "Panic") return "The contract hit an internal check; please report this.";
  return errorMessage(decoded) ?? `The contract refused with ${decoded.name}.`;
}

/** True when the wallet (or the member) declined the request. */
export function isUserRejection(error: unknown): boolean {
  if (error instanceof BaseError) {
    return (
      error.walk((e) => (e as { code?: unknown }).code === 4001 || (e as Error).name === "UserRejectedRequestError") !==
      null
    );
  }
  return (error as { code?: unknown } | null)?.code === 4001;
}

/** One sentence for the member about why `error` happened. */
export function explainError(error: unknown): string {
  if (isUserRejection(error)) return "You declined the request in your wallet; nothing was sent.";
  const decoded = decodeError(error);
  if (decoded) return wordsFor(decoded);
  if (error instanceof BaseError) {
    if (error.walk((e) => (e as Error).name === "ChainMismatchError") !== null)
      return "Your wallet is on another network; switch it to the network shown at the top.";
    if (error.walk((e) => (e as Error).name === "HttpRequestError") !== null)
      return "The network node did not answer; check your connection and try again.";
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
