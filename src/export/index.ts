/**
 * ChatGPT export reader and scorer.
 *
 * `scoreExport(pathOrBytes, { salt })` reads an export `.zip` safely (see `archive.ts`; a path is
 * read in slices, inflation uses native zlib), checks it is a genuine export (see
 * `conversations.ts`, `layout.ts`), and returns an {@link ExportScore}; `scoreExportBytes` does the
 * same synchronously (fflate in a browser). Conversations are streamed one at a time (`json-stream.ts`), so
 * memory is bounded by the largest conversation, not the archive. The result has:
 *
 * - `units` (volume, uint32): the number of messages that are on a conversation's visible path
 *   (from `current_node` up to the root), authored by `user` or `assistant`, not hidden, of
 *   content type `text`, `multimodal_text` or `code`, non-empty (text or an attachment), and not
 *   a word-for-word repeat of a message already counted in the export.
 * - `quality` (basis points, 0..10_000): eight capped signals minus the repetition and
 *   near-duplicate penalties, with the `breakdown` of each (see `scorer.ts`, `docs/scoring.md`).
 * - `sourceHash`: `keccak256(abi.encode(bytes32 salt, string userId))` of `user.json`'s `id`; the id
 *   itself and every other personal field stay out of the result.
 * - `stats`, `scorerVersion`.
 *
 * Same bytes, same salt → the same result, byte for byte under `JSON.stringify`.
 * Rejections are `ExportError`s (`ExportArchiveError`, `ExportFormatError`, `ExportOptionsError`)
 * carrying a `code`.
 */
export { bytesSource, fileSource, SafeZip, type ByteSource, type ChunkSink, type ZipEntry } from "./archive";
export { benchmarkScoreExport, type ScoringBenchmark } from "./bench";
export { isKnownContentType } from "./content";
export type { RoleCounts } from "./conversations";
export {
  ExportArchiveError,
  ExportError,
  ExportFormatError,
  ExportOptionsError,
  type ArchiveErrorCode,
  type ExportErrorCode,
  type FormatErrorCode,
  type OptionsErrorCode,
} from "./errors";
export type { AttachmentCounts } from "./layout";
export { DEFAULT_EXPORT_LIMITS, type ExportLimits } from "./limits";
export { scoreExport, scoreExportBytes } from "./reader";
export {
  isSpam,
  MAX_QUALITY_BPS,
  SCORER_VERSION,
  SPAM_MIN_MESSAGES,
  scoreQuality,
  type PenaltyName,
  type QualityBreakdown,
  type QualityInputs,
  type QualityPenalty,
  type QualitySignal,
  type SignalName,
} from "./scorer";
export { NEAR_DUPLICATE_SIMILARITY, NearDuplicateIndex, normalizePrompt } from "./similarity";
export { normalizeSalt, sourceAccountHash } from "./source-hash";
export type { ContentTypeCount, ExportScore, ExportStats, ScoreExportOptions } from "./types";
