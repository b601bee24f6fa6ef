/**
 * Safe reading of an untrusted `.zip`.
 *
 * The central directory is parsed here (not trusted from local headers alone) and every entry is
 * checked before anything is inflated: no absolute paths, no `..` segments, no symlinks, no
 * duplicate names, no overlapping data ranges (the "overlapping files" bomb), no ZIP64 or
 * multi-disk tricks, entry count and declared sizes within the limits.
 *
 * Inflation is streamed (fflate `Inflate`, fed in small slices) and the bytes actually produced
 * are counted as they come: the per-entry, total and compression-ratio limits stop a bomb even
 * when its header lies about the size. A fully inflated entry (`read`, or `verify` which discards
 * the bytes) must then match its declared size and CRC-32. Nothing is ever written to disk.
 */
import { Inflate } from "fflate";

import { Crc32 } from "./crc32";
import { ExportArchiveError } from "./errors";
import type { ExportLimits } from "./limits";

/** One file or folder of the archive, as declared by the central directory. */
export interface ZipEntry {
  /** Path inside the archive, `\` normalised to `/`. */
  readonly name: string;
  readonly isDirectory: boolean;
  readonly method: number;
  readonly encrypted: boolean;
  readonly crc32: number;
  readonly compressedSize: number;
  /** Uncompressed size claimed by the header: a hint, never trusted. */
  readonly declaredSize: number;
  /** Offset of the first byte of compressed data. */
  readonly dataOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
const ZIP32_MAX = 0xffffffff;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
/** Compressed bytes pushed to the inflater at a time; bounds one step's output to ~32 MiB. */
const INFLATE_SLICE = 32 * 1024;

function u16(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}

function u32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

function corrupt(problem: string, entry?: string): ExportArchiveError {
  return new ExportArchiveError("CORRUPT_ZIP", `The archive is damaged: ${problem}.`, entry);
}

function sameBytes(b: Uint8Array, at: number, expected: Uint8Array): boolean {
  if (at + expected.length > b.length) return false;
  for (let i = 0; i < expected.length; i++) {
    if (b[at + i] !== expected[i]) return false;
  }
  return true;
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function findEndOfCentralDirectory(b: Uint8Array): number {
  const lowest = Math.max(0, b.length - EOCD_SIZE - MAX_COMMENT);
  for (let i = b.length - EOCD_SIZE; i >= lowest; i--) {
    if (u32(b, i) === SIG_EOCD && i + EOCD_SIZE + u16(b, i + 20) === b.length) return i;
  }
  throw new ExportArchiveError(
    "NOT_A_ZIP",
    "The file is not a zip archive (no end-of-central-directory record found).",
  );
}

function checkName(name: string): void {
  if (name.length === 0 || name.includes("\0")) {
    throw new ExportArchiveError("INVALID_NAME", `An entry has an empty or NUL-containing name.`, name);
  }
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) {
    throw new ExportArchiveError("ABSOLUTE_PATH", `Entry "${name}" has an absolute path.`, name);
  }
  if (name.split("/").includes("..")) {
    throw new ExportArchiveError("PATH_TRAVERSAL", `Entry "${name}" escapes the archive with "..".`, name);
  }
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

function checkNoOverlap(spans: Span[]): void {
  spans.sort((x, y) => x.start - y.start);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].start < spans[i - 1].end) {
      throw new ExportArchiveError(
        "OVERLAPPING_ENTRIES",
        `Entries "${spans[i - 1].name}" and "${spans[i].name}" share compressed data (a zip-bomb construction).`,
        spans[i].name,
      );
    }
  }
}

/** A validated archive: entries listed, content inflated on demand under the limits. */
export class SafeZip {
  readonly entries: readonly ZipEntry[];
  private readonly byName: Map<string, ZipEntry>;
  private inflatedTotal = 0;

  private constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: ExportLimits,
    entries: ZipEntry[],
  ) {
    this.entries = entries;
    this.byName = new Map(entries.map((e) => [e.name, e]));
  }

  /** Parses and checks the central directory and local headers. Inflates nothing. */
  static open(bytes: Uint8Array, limits: ExportLimits): SafeZip {
    if (bytes.length > limits.maxArchiveBytes) {
      throw new ExportArchiveError(
        "TOO_LARGE",
        `The archive is ${bytes.length} bytes, above the limit of ${limits.maxArchiveBytes}.`,
      );
    }
    const eocd = findEndOfCentralDirectory(bytes);
    const total = u16(bytes, eocd + 10);
    const cdSize = u32(bytes, eocd + 12);
    const cdOffset = u32(bytes, eocd + 16);
    if (u16(bytes, eocd + 4) !== 0 || u16(bytes, eocd + 6) !== 0) {
      throw new ExportArchiveError("UNSUPPORTED_ZIP", "The archive is split over several disks (multi-part zip).");
    }
    if (
      total === 0xffff ||
      cdSize === ZIP32_MAX ||
      cdOffset === ZIP32_MAX ||
      (eocd >= 20 && u32(bytes, eocd - 20) === SIG_ZIP64_LOCATOR)
    ) {
      throw new ExportArchiveError("UNSUPPORTED_ZIP", "The archive uses ZIP64, which this reader does not accept.");
    }
    if (total > limits.maxEntries) {
      throw new ExportArchiveError(
        "TOO_MANY_ENTRIES",
        `The archive has ${total} entries, above the limit of ${limits.maxEntries}.`,
      );
    }
    if (u16(bytes, eocd + 8) !== total || cdOffset + cdSize > eocd) {
      throw corrupt("the central directory is inconsistent");
    }

    const entries: ZipEntry[] = [];
    const spans: Span[] = [];
    const seen = new Set<string>();
    const decoder = new TextDecoder("utf-8");
    let declaredTotal = 0;
    let p = cdOffset;
    const cdEnd = cdOffset + cdSize;
    for (let k = 0; k < total; k++) {
      if (p + CENTRAL_SIZE > cdEnd || u32(bytes, p) !== SIG_CENTRAL) {
        throw corrupt(`central directory record ${k} is missing`);
      }
      const flags = u16(bytes, p + 8);
      const method = u16(bytes, p + 10);
      const crc = u32(bytes, p + 16);
      const compressedSize = u32(bytes, p + 20);
      const declaredSize = u32(bytes, p + 24);
      const nameLength = u16(bytes, p + 28);
      const recordLength = CENTRAL_SIZE + nameLength + u16(bytes, p + 30) + u16(bytes, p + 32);
      const externalAttributes = u32(bytes, p + 38);
      const localOffset = u32(bytes, p + 42);
      if (p + recordLength > cdEnd) throw corrupt(`central directory record ${k} overruns the directory`);
      const rawName = bytes.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLength);
      const name = decoder.decode(rawName).replace(/\\/g, "/");
      p += recordLength;

      checkName(name);
      if (((externalAttributes >>> 16) & S_IFMT) === S_IFLNK) {
        throw new ExportArchiveError("SYMLINK", `Entry "${name}" is a symbolic link.`, name);
      }
      if (seen.has(name)) {
        throw new ExportArchiveError("DUPLICATE_ENTRY", `Entry "${name}" appears more than once.`, name);
      }
      seen.add(name);
      if (compressedSize === ZIP32_MAX || declaredSize === ZIP32_MAX || localOffset === ZIP32_MAX) {
        throw new ExportArchiveError("UNSUPPORTED_ZIP", `Entry "${name}" uses ZIP64 sizes.`, name);
      }
      if (declaredSize > limits.maxEntryUncompressedBytes) {
        throw new ExportArchiveError(
          "TOO_LARGE",
          `Entry "${name}" declares ${declaredSize} bytes uncompressed, above the per-file limit of ${limits.maxEntryUncompressedBytes}.`,
          name,
        );
      }
      declaredTotal += declaredSize;
      if (declaredTotal > limits.maxTotalUncompressedBytes) {
        throw new ExportArchiveError(
          "TOO_LARGE",
          `The entries declare more than ${limits.maxTotalUncompressedBytes} bytes uncompressed in all.`,
          name,
        );
      }
      if (
        declaredSize > limits.compressionRatioGraceBytes &&
        declaredSize > compressedSize * limits.maxCompressionRatio
      ) {
        throw new ExportArchiveError(
          "COMPRESSION_RATIO",
          `Entry "${name}" declares a compression ratio above ${limits.maxCompressionRatio}:1 (a zip bomb).`,
          name,
        );
      }

      if (localOffset + LOCAL_SIZE > cdOffset || u32(bytes, localOffset) !== SIG_LOCAL) {
        throw corrupt(`the local header of "${name}" is missing`, name);
      }
      if (!sameBytes(bytes, localOffset + LOCAL_SIZE, rawName) || u16(bytes, localOffset + 26) !== nameLength) {
        throw corrupt(`the local header of "${name}" names a different file`, name);
      }
      const dataOffset = localOffset + LOCAL_SIZE + nameLength + u16(bytes, localOffset + 28);
      if (dataOffset + compressedSize > cdOffset) throw corrupt(`the data of "${name}" overruns the archive`, name);
      spans.push({ start: localOffset, end: dataOffset + compressedSize, name });
      entries.push({
        name,
        isDirectory: name.endsWith("/"),
        method,
        encrypted: (flags & 1) !== 0,
        crc32: crc,
        compressedSize,
        declaredSize,
        dataOffset,
      });
    }
    if (p !== cdEnd) throw corrupt("the central directory has trailing records");
    checkNoOverlap(spans);
    return new SafeZip(bytes, limits, entries);
  }

  get(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  /** Inflates a whole entry, enforcing the limits as bytes come, then checks its size and CRC-32. */
  read(entry: ZipEntry): Uint8Array {
    const chunks: Uint8Array[] = [];
    const produced = this.inflateChecked(entry, (chunk) => chunks.push(chunk));
    return concat(chunks, produced);
  }

  /** Inflates a whole entry and discards the bytes: proves it is within the limits and intact. */
  verify(entry: ZipEntry): void {
    this.inflateChecked(entry, () => undefined);
  }

  /** Inflates at most about `maxBytes` from the start of an entry (not checksummed: it is partial). */
  readPrefix(entry: ZipEntry, maxBytes: number): Uint8Array {
    const chunks: Uint8Array[] = [];
    const produced = this.inflate(entry, maxBytes, (chunk) => chunks.push(chunk));
    const data = concat(chunks, produced);
    return data.length > maxBytes ? data.subarray(0, maxBytes) : data;
  }

  private inflateChecked(entry: ZipEntry, sink: (chunk: Uint8Array) => void): number {
    const crc = new Crc32();
    const produced = this.inflate(entry, Number.POSITIVE_INFINITY, (chunk) => {
      crc.update(chunk);
      sink(chunk);
    });
    if (produced !== entry.declaredSize) {
      throw new ExportArchiveError(
        "SIZE_MISMATCH",
        `Entry "${entry.name}" inflates to ${produced} bytes but its header declares ${entry.declaredSize}.`,
        entry.name,
      );
    }
    if (crc.digest() !== entry.crc32) throw corrupt(`the checksum of "${entry.name}" does not match`, entry.name);
    return produced;
  }

  /** Streams an entry's bytes to `sink` (until `stopAfter`), enforcing the limits on every chunk. */
  private inflate(entry: ZipEntry, stopAfter: number, sink: (chunk: Uint8Array) => void): number {
    if (entry.encrypted) {
      throw new ExportArchiveError("UNSUPPORTED_ZIP", `Entry "${entry.name}" is encrypted.`, entry.name);
    }
    const source = this.bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
    let produced = 0;
    const accept = (chunk: Uint8Array): void => {
      produced += chunk.length;
      this.enforce(entry, produced);
      if (chunk.length > 0) sink(chunk);
    };
    if (entry.method === 0) {
      accept(source.subarray(0, Math.min(source.length, stopAfter)));
    } else if (entry.method === 8) {
      this.inflateDeflate(entry, source, stopAfter, accept, () => produced);
    } else {
      throw new ExportArchiveError(
        "UNSUPPORTED_ZIP",
        `Entry "${entry.name}" uses compression method ${entry.method}; only stored and deflate are accepted.`,
        entry.name,
      );
    }
    this.inflatedTotal += produced;
    return produced;
  }

  private inflateDeflate(
    entry: ZipEntry,
    source: Uint8Array,
    stopAfter: number,
    accept: (chunk: Uint8Array) => void,
    produced: () => number,
  ): void {
    const inflater = new Inflate((chunk) => accept(chunk));
    try {
      // fflate throws "unexpected EOF" on the final push of a truncated stream.
      let at = 0;
      do {
        const end = Math.min(source.length, at + INFLATE_SLICE);
        inflater.push(source.subarray(at, end), end === source.length);
        at = end;
      } while (at < source.length && produced() < stopAfter);
    } catch (error) {
      if (error instanceof ExportArchiveError) throw error;
      throw corrupt(`"${entry.name}" is not a valid deflate stream`, entry.name);
    }
  }

  private enforce(entry: ZipEntry, produced: number): void {
    if (produced > this.limits.maxEntryUncompressedBytes) {
      throw new ExportArchiveError(
        "TOO_LARGE",
        `Entry "${entry.name}" inflates to more than the per-file limit of ${this.limits.maxEntryUncompressedBytes} bytes.`,
        entry.name,
      );
    }
    if (this.inflatedTotal + produced > this.limits.maxTotalUncompressedBytes) {
      throw new ExportArchiveError(
        "TOO_LARGE",
        `The archive inflates to more than the limit of ${this.limits.maxTotalUncompressedBytes} bytes in all.`,
        entry.name,
      );
    }
    if (
      produced > this.limits.compressionRatioGraceBytes &&
      produced > entry.compressedSize * this.limits.maxCompressionRatio
    ) {
      throw new ExportArchiveError(
        "COMPRESSION_RATIO",
        `Entry "${entry.name}" inflates beyond a compression ratio of ${this.limits.maxCompressionRatio}:1 (a zip bomb).`,
        entry.name,
      );
    }
  }
}
