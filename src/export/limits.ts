/**
 * Resource limits for reading an untrusted export archive.
 *
 * Sizes are enforced twice: first against what the zip's central directory declares (a cheap
 * early rejection), then against the bytes actually produced while inflating (the only figure
 * that can be trusted: a header may lie).
 */
import { ExportOptionsError } from "./errors";

export interface ExportLimits {
  /** Largest accepted `.zip` file, in bytes. */
  readonly maxArchiveBytes: number;
  /** Most entries (files and folders) in the archive. */
  readonly maxEntries: number;
  /** Most uncompressed bytes in all: the declared sum over every entry, and the bytes actually inflated. */
  readonly maxTotalUncompressedBytes: number;
  /** Most uncompressed bytes of one entry (a JSON file must also fit in one JavaScript string). */
  readonly maxEntryUncompressedBytes: number;
  /** Highest uncompressed/compressed ratio of one entry, once it exceeds `compressionRatioGraceBytes`. */
  readonly maxCompressionRatio: number;
  /** Entries smaller than this (uncompressed) are exempt from the ratio check: tiny files compress well. */
  readonly compressionRatioGraceBytes: number;
}

const MIB = 1024 * 1024;

/** Defaults: generous for the heaviest real accounts, far below what would exhaust a laptop. */
export const DEFAULT_EXPORT_LIMITS: ExportLimits = Object.freeze({
  maxArchiveBytes: 2048 * MIB,
  maxEntries: 10_000,
  maxTotalUncompressedBytes: 4096 * MIB,
  maxEntryUncompressedBytes: 512 * MIB,
  maxCompressionRatio: 100,
  compressionRatioGraceBytes: 1 * MIB,
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
