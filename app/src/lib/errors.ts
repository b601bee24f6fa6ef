/**
 * Errors in words a member understands. Reverts are decoded once, by the package's `decodeError`; this
 * file only words the errors a member can meet in the app (typed by name, so a renamed contract error
 * fails the build). Anything else is shown by its decoded name, never as raw hex.
 */
import { type DataCoopErrorName, type DecodedError, decodeError } from "@datacoop/protocol/errors";
import { BaseError } from "viem";

type Words = (args: readonly unknown[]) => string;

const MEMBER_WORDS: Partial<Record<DataCoopErrorName, Words>> = {
  RegistryNotOwner: () => "Only the wallet that contributed this data can change it.",
  RegistryNotActive: () => "This contribution is no longer active (it was revoked or replaced).",
  RegistryUnknownPurpose: () => "One of the chosen uses is not defined by the cooperative.",
  RegistryDuplicateContent: () => "This exact upload is already registered; a file registers once, ever.",
  RegistrySourceBoundToOther: () => "This ChatGPT account was first contributed from another wallet; use that wallet.",
  RegistryAttestationExpired: () => "The validators' approval has expired; score the export again.",
  RegistryBelowThreshold: () => "Not enough validators approved this contribution yet.",
  RegistryTooManyUnits: () => "This export is larger than one contribution may be; the cooperative caps its size.",
  DistributorZeroAmount: () => "There is nothing to claim yet.",
  EscrowAlreadyObjected: () => "You have already objected to this request.",
  EscrowNoVotes: () =>
    "You had no voting power when this request was made; only votes delegated before a request count.",
  EscrowObjectionWindowClosed: () => "The objection window has closed.",
  EscrowObjectionWindowOpen: () => "The objection window is still open; it can be finalized when it closes.",
  EscrowNotOptimistic: () => "This request did not meet the standing terms; a proposal decides it instead.",
  EscrowInvalidStatus: () => "This request is no longer in a state that allows this.",
  EscrowDecisionDeadlinePassed: () => "The decision deadline has passed; this request can only expire.",
  GovernorAlreadyCastVote: () => "You have already voted on this proposal.",
  GovernorUnexpectedProposalState: () => "The proposal is not in a state that allows this (yet).",
  GovernorNonexistentProposal: () => "There is no such proposal.",
  TimelockUnexpectedOperationState: () => "The timelock delay has not passed yet; execute after the proposal's ETA.",
};

function wordsFor(decoded: DecodedError): string {
  if (decoded.name === "Error") return `The contract refused: ${String(decoded.args[0])}`;
  if (decoded.name === "Panic") return "The contract hit an internal check; please report this.";
  const words = MEMBER_WORDS[decoded.name];
  return words ? words(decoded.args) : `The contract refused with ${decoded.name}.`;
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
