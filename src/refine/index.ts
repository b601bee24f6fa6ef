/**
 * Refinement: a ChatGPT export becomes the de-identified, versioned dataset that is sealed and sold
 * (format: `docs/dataset.md`).
 *
 * Contributor: `sealedPayloadOf(zip, { salt, exclude })` → `{ payload, report }`; the payload is what
 * is sealed. Validator: `verifyRefinement(zip, sealedPlaintext, options)` recomputes it and compares
 * byte for byte; `report.units` are the refined messages. Buyer: `assembleDataset(...)` turns
 * decrypted payloads into `conversations.jsonl` with provenance, `dataset.json` and, optionally,
 * chat fine-tuning lines.
 */
export { canonicalJson, type CanonicalObject, type CanonicalValue } from "./canonical";
export type { RefinedBranch, RefinedConversation, RefinedFeedback, RefinedMessage, RefinedPart } from "./conversation";
export {
  assembleDataset,
  CARD_FILE,
  CHAT_FILE,
  CONVERSATIONS_FILE,
  DATASET_FORMAT,
  toChatLine,
  toChatMessages,
  type AssembleOptions,
  type ContributionPayload,
  type DatasetCard,
  type GrantFacts,
  type LineSink,
} from "./dataset";
export { RefineError, type RefineErrorCode } from "./errors";
export {
  excludes,
  formatExclusion,
  parseExclusion,
  parseExclusions,
  splitExclusionList,
  type Exclusion,
  type ExclusionSubject,
} from "./exclusions";
export {
  DEFAULT_PAYLOAD_LIMITS,
  PAYLOAD_CHUNK,
  PayloadWriter,
  payloadLines,
  type PayloadLimits,
  type PayloadSink,
} from "./payload";
export { ibanValid, luhnValid, Redactor, type OwnerIdentifiers, type RedactionCounts } from "./redact";
export {
  conversationKey,
  REFINED_FORMAT,
  REFINED_SCHEMA_VERSION,
  refinedConversationId,
  sealedPayloadOf,
  refineSource,
  Refiner,
  verifyRefinement,
  type RefineOptions,
  type RefinementProfile,
  type RefinementReport,
  type SealedPayload,
} from "./refinement";
export { ownerFromUserJson, readExportSource, type ExportSource } from "./source";
