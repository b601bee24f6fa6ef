/**
 * Resource limits for reading an untrusted export archive.
 *
 * Sizes are enforced twice: first against what the zip's central directory declares (a cheap
 * early rejection), then against the bytes actually produced while inflating (the only figure
 * that can be trusted: a header may lie, and an entry stops as soon as it exceeds its claim).
 *
 * Memory: JSON is read one conversation at a time (see `json-stream.ts`), so the reader holds at
 * most about `2 × maxConversationBytes` of JSON text plus what one conversation builds (bounded
 * by `maxConversationValues` and `maxConversationBytes`), plus per-message summaries (a few
 * dozen bytes per message, see `similarity.ts`). With the defaults a worst-case archive stays
 * under 1 GiB of resident memory; a real 50,000-conversation export needs about 300 MiB.
 */
import { ExportOptionsError } from "./errors";

export interface ExportLimits {
  /** Largest accepted `.zip` file, in bytes. */
  readonly maxArchiveBytes: number;
  /** Most entries (files and folders) in the archive. */
  readonly maxEntries: number;
  /**
   * Most uncompressed bytes in all: the declared sum over every entry, and the bytes actually
   * inflated (which are also held to `maxCompressionRatio` × the archive's size).
   */
  readonly maxTotalUncompressedBytes: number;
  /** Most uncompressed bytes of one entry. */
  readonly maxEntryUncompressedBytes: number;
  /**
   * Highest uncompressed/compressed ratio: of one entry above `compressionRatioGraceBytes`, of
   * all smaller entries together once they exceed it, and of the archive as a whole.
   */
  readonly maxCompressionRatio: number;
  /** Entries smaller than this (uncompressed) are exempt one by one from the ratio check: tiny files compress well. */
  readonly compressionRatioGraceBytes: number;
  /** Deepest nesting of JSON arrays and objects (the file's top-level array counts). */
  readonly maxJsonDepth: number;
  /** Longest JSON string, in UTF-8 bytes as written in the file. */
  readonly maxJsonStringBytes: number;
  /** Largest single conversation (or whole non-array JSON file such as `user.json`), in bytes. */
  readonly maxConversationBytes: number;
  /** Most JSON values (of any type) in one conversation or non-array JSON file. */
  readonly maxConversationValues: number;
  /** Most nodes in one conversation's `mapping`. */
  readonly maxConversationNodes: number;
  /** Most JSON values in all the JSON files of the export together. */
  readonly maxJsonValues: number;
}

const MIB = 1024 * 1024;

/** Defaults: generous for the heaviest real accounts, far below what would exhaust a laptop. */
export const DEFAULT_EXPORT_LIMITS: ExportLimits = Object.freeze({
  maxArchiveBytes: 4096 * MIB - 1,
  // A 50,000-conversation split export with attachments has about 20,000 entries.
  maxEntries: 60_000,
  maxTotalUncompressedBytes: 8192 * MIB,
  maxEntryUncompressedBytes: 4096 * MIB - 1,
  maxCompressionRatio: 100,
  compressionRatioGraceBytes: 1 * MIB,
  maxJsonDepth: 64,
  maxJsonStringBytes: 16 * MIB,
  maxConversationBytes: 64 * MIB,
  maxConversationValues: 4_000_000,
  maxConversationNodes: 250_000,
  maxJsonValues: 400_000_000,
});

/** Merges caller overrides over the defaults and checks every value is a positive safe integer. */
export function resolveLimits(overrides: Partial<ExportLimits> | undefined): ExportLimits {
  const limits: ExportLimits = { ...DEFAULT_EXPORT_LIMITS, ...overrides };
  for (const key of Object.keys(DEFAULT_EXPORT_LIMITS) as (keyof ExportLimits)[]) {
    const value = limits[key];
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new ExportOptionsError(
        "INVALID_LIMIT",
        `Export limit ${key} must be a positive integer, got ${String(value)}. Omit it to use the default (${DEFAULT_EXPORT_LIMITS[key]}).`,
      );
    }
  }
  return limits;
}
