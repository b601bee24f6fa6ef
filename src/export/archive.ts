/**
 * Safe reading of an untrusted `.zip`.
 *
 * The central directory is parsed here (not trusted from local headers alone) and every entry is
 * checked before anything is inflated: no absolute paths, no `..` segments, no symlinks, no
 * duplicate names, no ZIP64 or multi-disk tricks, entry count and declared sizes within the
 * limits, and the compression-ratio rule on every large entry, on the small ones in aggregate and
 * on the archive as a whole. The entries must tile the archive exactly: every byte before the
 * central directory belongs to one entry (local header, data, optional data descriptor), so no
 * entry shares data with another (the "overlapping files" bomb) and no unlisted payload hides in
 * a gap.
 *
 * Inflation streams every entry through Node's native zlib on the calling thread, one reused
 * handle and output buffer for all entries (`native-inflate.ts` says why); where that is not
 * available (the browser), entries up to 16 MiB are inflated in one call bounded by the declared
 * size and larger ones streamed with fflate. Either way the output is checked as it comes: an
 * entry stops the moment it exceeds its declared size; the total is bounded; the CRC-32 (per
 * chunk) and the exact size are checked at the end, and so is that the deflate stream ends exactly
 * where the entry's compressed data does (no trailing bytes). Nothing is written to disk; the
 * archive is read through a {@link ByteSource}, so a file on disk is never loaded whole.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { inflateRawSync } from "node:zlib";

import { Inflate } from "fflate";

import { Crc32 } from "./crc32";
import { ExportArchiveError } from "./errors";
import type { ExportLimits } from "./limits";
import {
  acquireNativeInflater,
  InvalidDeflateError,
  releaseNativeInflater,
  type NativeInflater,
} from "./native-inflate";

/** Random access to the archive's bytes. */
export interface ByteSource {
  readonly size: number;
  /** `length` bytes from `offset` (fewer only past the end). The result may be a view: copy to keep it. */
  read(offset: number, length: number): Uint8Array;
  close?(): void;
}

/** A source over bytes already in memory. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** Bytes a file source reads ahead for small reads (local headers, small entries). */
const READ_AHEAD = 256 * 1024;

/**
 * A source over an open file, read with positional reads (the file is never loaded whole). Small
 * reads are served from a read-ahead window, so the ~20,000 local headers and small attachments
 * of a large export cost a few hundred system calls, not 40,000; a window is never overwritten
 * (a new one is allocated), so what a read returned stays valid.
 */
export function fileSource(path: string): ByteSource {
  const fd = openSync(path, "r");
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new ExportArchiveError("UNREADABLE", "The path given is not a regular file.");
    const readAt = (offset: number, length: number): Buffer => {
      const out = Buffer.allocUnsafe(Math.max(0, Math.min(length, info.size - offset)));
      let at = 0;
      while (at < out.length) {
        const n = readSync(fd, out, at, out.length - at, offset + at);
        if (n === 0) break;
        at += n;
      }
      return at === out.length ? out : out.subarray(0, at);
    };
    let window: Uint8Array = new Uint8Array(0);
    let windowStart = 0;
    return {
      size: info.size,
      read(offset, length) {
        if (length > READ_AHEAD / 4) return readAt(offset, length);
        if (offset < windowStart || offset + length > windowStart + window.length) {
          window = readAt(offset, READ_AHEAD);
          windowStart = offset;
        }
        return window.subarray(offset - windowStart, Math.min(offset - windowStart + length, window.length));
      },
      close: () => closeSync(fd),
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** One file or folder of the archive, as declared by the central directory. */
export interface ZipEntry {
  /** Path inside the archive, `\` normalised to `/`. */
  readonly name: string;
  readonly isDirectory: boolean;
  readonly method: number;
  readonly encrypted: boolean;
  readonly crc32: number;
  readonly compressedSize: number;
  /** Uncompressed size claimed by the header: checked against the bytes actually inflated. */
  readonly declaredSize: number;
  /** Offset of the first byte of compressed data. */
  readonly dataOffset: number;
}

/**
 * Receives an entry's inflated bytes in order; may throw to stop the inflation. A chunk is valid
 * only during the call (the inflater reuses its memory): copy what must be kept.
 */
export type ChunkSink = (chunk: Uint8Array) => void;

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const SIG_DESCRIPTOR = 0x08074b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
const ZIP32_MAX = 0xffffffff;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const FLAG_DESCRIPTOR = 0x08;
/**
 * Compressed bytes handed to the inflater at a time. Deflate expands at most ~1032:1, so one step
 * produces at most ~16 MiB before the size checks run; real data produces ~200 KiB.
 */
const INFLATE_SLICE = 16 * 1024;
/**
 * Entries declaring at most this much are inflated in one native call (bounded by their declared
 * size): no per-chunk overhead and no thread round trip, for the many small entries and the parts
 * of a split export. Larger ones are streamed.
 */
const ONE_SHOT_BYTES = 16 * 1024 * 1024;
/** Deflate's largest expansion (258-byte matches coded in 2 bits), rounded up. */
const MAX_DEFLATE_RATIO = 1032;
/** Compressed bytes handed to the native inflater at a time (a view, for a source in memory). */
const NATIVE_SLICE = 256 * 1024;
/** Output between two turns of the event loop when inflating asynchronously (a few ms of work). */
const YIELD_BYTES = 4 * 1024 * 1024;

function u16(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}

function u32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

function corrupt(problem: string, entry?: string): ExportArchiveError {
  return new ExportArchiveError("CORRUPT_ZIP", `The archive is damaged: ${problem}.`, entry);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Index of the end-of-central-directory record in `b`, the archive's last bytes. */
function findEndOfCentralDirectory(b: Uint8Array): number {
  for (let i = b.length - EOCD_SIZE; i >= 0; i--) {
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
  // A ".." segment, without splitting every name of a 20,000-entry archive.
  if (name === ".." || name.startsWith("../") || name.endsWith("/..") || name.includes("/../")) {
    throw new ExportArchiveError("PATH_TRAVERSAL", `Entry "${name}" escapes the archive with "..".`, name);
  }
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

/** The entries, sorted by offset, must cover `[0, cdOffset)` exactly: no overlap, no gap. */
function checkTiling(spans: Span[], cdOffset: number): void {
  spans.sort((x, y) => x.start - y.start);
  let at = 0;
  for (const span of spans) {
    if (span.start < at) {
      throw new ExportArchiveError(
        "OVERLAPPING_ENTRIES",
        `Entry "${span.name}" shares compressed data with another entry (a zip-bomb construction).`,
        span.name,
      );
    }
    if (span.start > at) {
      throw new ExportArchiveError(
        "UNLISTED_BYTES",
        `${span.start - at} bytes before entry "${span.name}" belong to no listed entry (hidden content).`,
        span.name,
      );
    }
    at = span.end;
  }
  if (at !== cdOffset) {
    throw new ExportArchiveError(
      "UNLISTED_BYTES",
      `${cdOffset - at} bytes before the central directory belong to no listed entry (hidden content).`,
    );
  }
}

/** Counters shared by every inflation of one archive. */
interface Totals {
  inflated: number;
}

/** Checks one entry's output as it is produced; see the module doc. */
class EntryMeter {
  produced = 0;
  private readonly crc = new Crc32();

  constructor(
    private readonly entry: ZipEntry,
    private readonly totals: Totals,
    private readonly totalLimit: number,
  ) {}

  accept(chunk: Uint8Array): void {
    const entry = this.entry;
    this.produced += chunk.length;
    this.totals.inflated += chunk.length;
    if (this.produced > entry.declaredSize) {
      throw new ExportArchiveError(
        "SIZE_MISMATCH",
        `Entry "${entry.name}" inflates to more than the ${entry.declaredSize} bytes its header declares.`,
        entry.name,
      );
    }
    if (this.totals.inflated > this.totalLimit) {
      throw new ExportArchiveError(
        "TOO_LARGE",
        `The archive inflates to more than the limit of ${this.totalLimit} bytes in all.`,
        entry.name,
      );
    }
    this.crc.update(chunk);
  }

  /** After the last chunk: exact size, checksum, and no compressed bytes left over. */
  finish(trailing: number): void {
    const entry = this.entry;
    if (trailing > 0) {
      throw new ExportArchiveError(
        "TRAILING_BYTES",
        `Entry "${entry.name}" has ${trailing} bytes after the end of its compressed stream (hidden content).`,
        entry.name,
      );
    }
    if (this.produced !== entry.declaredSize) {
      throw new ExportArchiveError(
        "SIZE_MISMATCH",
        `Entry "${entry.name}" inflates to ${this.produced} bytes but its header declares ${entry.declaredSize}.`,
        entry.name,
      );
    }
    if (this.crc.digest() !== entry.crc32) throw corrupt(`the checksum of "${entry.name}" does not match`, entry.name);
  }
}

/** An entry being inflated natively: the steps to run (see `SafeZip.inflateNative`) and the inflater to hand back. */
interface NativeRun {
  readonly inflater: NativeInflater;
  readonly steps: Generator<void, void, void>;
}

/** How {@link SafeZip.open} inflates. */
export interface SafeZipOptions {
  /** Use the portable inflaters (the browser's) even where native zlib is available: tests compare both. */
  readonly portable?: boolean;
}

/** fflate's streaming inflater, with the two internals needed to find trailing bytes. */
interface FflateInternals {
  /** Unconsumed input, starting at the byte holding the next bit. */
  readonly p: Uint8Array;
  /** Inflate state; `p` is the bit position in `this.p`. */
  readonly s: { readonly p: number };
}

/** A validated archive: entries listed, content inflated on demand under the limits. */
export class SafeZip {
  readonly entries: readonly ZipEntry[];
  private readonly byName: Map<string, ZipEntry>;
  private readonly totals: Totals = { inflated: 0 };
  /** `maxTotalUncompressedBytes`, and never more than the ratio rule allows for the archive's size. */
  private readonly totalLimit: number;

  private constructor(
    private readonly source: ByteSource,
    limits: ExportLimits,
    entries: ZipEntry[],
    private readonly portable: boolean,
  ) {
    this.entries = entries;
    this.byName = new Map(entries.map((e) => [e.name, e]));
    this.totalLimit = Math.min(
      limits.maxTotalUncompressedBytes,
      Math.max(limits.compressionRatioGraceBytes, source.size * limits.maxCompressionRatio),
    );
  }

  /** Parses and checks the central directory and local headers. Inflates nothing. */
  static open(input: Uint8Array | ByteSource, limits: ExportLimits, options: SafeZipOptions = {}): SafeZip {
    const source = input instanceof Uint8Array ? bytesSource(input) : input;
    const size = source.size;
    if (size > limits.maxArchiveBytes) {
      throw new ExportArchiveError(
        "TOO_LARGE",
        `The archive is ${size} bytes, above the limit of ${limits.maxArchiveBytes}.`,
      );
    }
    const tailStart = Math.max(0, size - EOCD_SIZE - MAX_COMMENT);
    const tail = source.read(tailStart, size - tailStart);
    const eocdInTail = findEndOfCentralDirectory(tail);
    const eocd = tailStart + eocdInTail;
    const total = u16(tail, eocdInTail + 10);
    const cdSize = u32(tail, eocdInTail + 12);
    const cdOffset = u32(tail, eocdInTail + 16);
    if (u16(tail, eocdInTail + 4) !== 0 || u16(tail, eocdInTail + 6) !== 0) {
      throw new ExportArchiveError("UNSUPPORTED_ZIP", "The archive is split over several disks (multi-part zip).");
    }
    if (
      total === 0xffff ||
      cdSize === ZIP32_MAX ||
      cdOffset === ZIP32_MAX ||
      (eocdInTail >= 20 && u32(tail, eocdInTail - 20) === SIG_ZIP64_LOCATOR)
    ) {
      throw new ExportArchiveError("UNSUPPORTED_ZIP", "The archive uses ZIP64, which this reader does not accept.");
    }
    if (total > limits.maxEntries) {
      throw new ExportArchiveError(
        "TOO_MANY_ENTRIES",
        `The archive has ${total} entries, above the limit of ${limits.maxEntries}.`,
      );
    }
    if (u16(tail, eocdInTail + 8) !== total || cdOffset + cdSize > eocd) {
      throw corrupt("the central directory is inconsistent");
    }
    if (cdOffset + cdSize < eocd) {
      throw new ExportArchiveError(
        "UNLISTED_BYTES",
        `${eocd - cdOffset - cdSize} bytes between the central directory and its end record belong to no entry (hidden content).`,
      );
    }

    const cd = source.read(cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    const spans: Span[] = [];
    const seen = new Set<string>();
    const decoder = new TextDecoder("utf-8");
    let declaredTotal = 0;
    let smallDeclared = 0;
    let smallCompressed = 0;
    let p = 0;
    for (let k = 0; k < total; k++) {
      if (p + CENTRAL_SIZE > cd.length || u32(cd, p) !== SIG_CENTRAL) {
        throw corrupt(`central directory record ${k} is missing`);
      }
      const flags = u16(cd, p + 8);
      const method = u16(cd, p + 10);
      const crc = u32(cd, p + 16);
      const compressedSize = u32(cd, p + 20);
      const declaredSize = u32(cd, p + 24);
      const nameLength = u16(cd, p + 28);
      const recordLength = CENTRAL_SIZE + nameLength + u16(cd, p + 30) + u16(cd, p + 32);
      const externalAttributes = u32(cd, p + 38);
      const localOffset = u32(cd, p + 42);
      if (p + recordLength > cd.length) throw corrupt(`central directory record ${k} overruns the directory`);
      const rawName = cd.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLength);
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
      if (declaredSize > limits.compressionRatioGraceBytes) {
        if (declaredSize > compressedSize * limits.maxCompressionRatio) {
          throw new ExportArchiveError(
            "COMPRESSION_RATIO",
            `Entry "${name}" declares a compression ratio above ${limits.maxCompressionRatio}:1 (a zip bomb).`,
            name,
          );
        }
      } else {
        // Small entries are exempt one by one (tiny files compress well), not together.
        smallDeclared += declaredSize;
        smallCompressed += compressedSize;
        if (
          smallDeclared > limits.compressionRatioGraceBytes &&
          smallDeclared > smallCompressed * limits.maxCompressionRatio
        ) {
          throw new ExportArchiveError(
            "COMPRESSION_RATIO",
            `The archive's small entries together declare a compression ratio above ${limits.maxCompressionRatio}:1 (a zip bomb).`,
            name,
          );
        }
      }

      const local = source.read(localOffset, LOCAL_SIZE + nameLength);
      if (localOffset + LOCAL_SIZE > cdOffset || local.length < LOCAL_SIZE || u32(local, 0) !== SIG_LOCAL) {
        throw corrupt(`the local header of "${name}" is missing`, name);
      }
      if (u16(local, 26) !== nameLength || !sameBytes(local.subarray(LOCAL_SIZE), rawName)) {
        throw corrupt(`the local header of "${name}" names a different file`, name);
      }
      const dataOffset = localOffset + LOCAL_SIZE + nameLength + u16(local, 28);
      let end = dataOffset + compressedSize;
      if (end > cdOffset) throw corrupt(`the data of "${name}" overruns the archive`, name);
      if ((flags & FLAG_DESCRIPTOR) !== 0)
        end += descriptorLength(source, end, cdOffset, crc, compressedSize, declaredSize, name);
      spans.push({ start: localOffset, end, name });
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
    if (p !== cd.length) throw corrupt("the central directory has trailing records");
    checkTiling(spans, cdOffset);
    return new SafeZip(source, limits, entries, options.portable === true);
  }

  get(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  /** Bytes inflated so far, over every entry read. */
  get inflatedBytes(): number {
    return this.totals.inflated;
  }

  private precheck(entry: ZipEntry): void {
    if (entry.encrypted) {
      throw new ExportArchiveError("UNSUPPORTED_ZIP", `Entry "${entry.name}" is encrypted.`, entry.name);
    }
    if (entry.method !== 0 && entry.method !== 8) {
      throw new ExportArchiveError(
        "UNSUPPORTED_ZIP",
        `Entry "${entry.name}" uses compression method ${entry.method}; only stored and deflate are accepted.`,
        entry.name,
      );
    }
  }

  /**
   * Streams a whole entry to `sink`, checking it as it goes (see the module doc): Node's native
   * zlib on the calling thread where available, else the portable inflaters.
   */
  inflateSync(entry: ZipEntry, sink: ChunkSink): void {
    const run = this.begin(entry, sink);
    if (run === undefined) return;
    try {
      while (run.steps.next().done !== true);
    } catch (error) {
      throw this.failure(entry, error);
    } finally {
      releaseNativeInflater(run.inflater);
    }
  }

  /**
   * Same as {@link inflateSync}, but lets the event loop run every few MiB of output, so that a
   * service reading a large export keeps answering. (Inflating on the main thread costs less CPU
   * in all than zlib's asynchronous stream, see `native-inflate.ts`.)
   */
  async inflateAsync(entry: ZipEntry, sink: ChunkSink): Promise<void> {
    const run = this.begin(entry, sink);
    if (run === undefined) return;
    try {
      while (run.steps.next().done !== true) await new Promise<void>((resolve) => setImmediate(resolve));
    } catch (error) {
      throw this.failure(entry, error);
    } finally {
      releaseNativeInflater(run.inflater);
    }
  }

  /**
   * Checks the entry, then either reads it whole right away (stored entries, and every entry where
   * the native inflater is not available) and returns `undefined`, or returns the native run.
   */
  private begin(entry: ZipEntry, sink: ChunkSink): NativeRun | undefined {
    this.precheck(entry);
    const meter = new EntryMeter(entry, this.totals, this.totalLimit);
    if (entry.method === 0) {
      this.stored(entry, (chunk) => {
        meter.accept(chunk);
        if (chunk.length > 0) sink(chunk);
      });
      meter.finish(0);
      return undefined;
    }
    const inflater = this.portable ? undefined : acquireNativeInflater();
    if (inflater === undefined) {
      this.inflatePortable(entry, meter, sink);
      return undefined;
    }
    return { inflater, steps: this.inflateNative(entry, meter, sink, inflater) };
  }

  /** What an error of the native inflater becomes: a damaged entry (other errors pass unchanged). */
  private failure(entry: ZipEntry, error: unknown): unknown {
    return error instanceof InvalidDeflateError
      ? corrupt(`"${entry.name}" is not a valid deflate stream`, entry.name)
      : error;
  }

  /**
   * Native streaming inflate of one entry. The output is capped at one byte more than the entry may
   * still produce, so a lying entry is stopped by the meter after at most one byte too many. Yields
   * after every {@link YIELD_BYTES} of output (the asynchronous caller lets the event loop run).
   */
  private *inflateNative(
    entry: ZipEntry,
    meter: EntryMeter,
    sink: ChunkSink,
    inflater: NativeInflater,
  ): Generator<void, void, void> {
    const out = inflater.out;
    let at = 0;
    let sinceYield = 0;
    do {
      const length = Math.min(NATIVE_SLICE, entry.compressedSize - at);
      // A view is fine: the inflater is done with the input before the next read.
      const input = this.source.read(entry.dataOffset + at, length);
      if (input.length !== length) throw corrupt(`the data of "${entry.name}" is cut short`, entry.name);
      at += length;
      const finish = at === entry.compressedSize;
      let used = 0;
      for (;;) {
        const room = Math.min(out.length, entry.declaredSize - meter.produced + 1);
        const produced = inflater.write(input, used, length - used, room, finish);
        used = length - inflater.inputLeft;
        if (produced > 0) {
          // A plain Uint8Array, not a Buffer: a sink that keeps a chunk with `.slice()` gets a copy
          // (Buffer's `slice` is a view, which the next call would overwrite).
          const chunk = new Uint8Array(out.buffer, out.byteOffset, produced);
          meter.accept(chunk);
          sink(chunk);
          sinceYield += produced;
        }
        // Output room left: the input is used up, or the stream has ended.
        if (produced < room) break;
      }
      if (used < length) {
        // The deflate stream ended before the entry's compressed data did.
        meter.finish(entry.compressedSize - (at - length + used));
        return;
      }
      if (sinceYield >= YIELD_BYTES) {
        sinceYield = 0;
        yield;
      }
    } while (at < entry.compressedSize);
    // With `finish`, zlib reports an incomplete stream as an error: this one ended exactly here.
    meter.finish(0);
  }

  /** The browser's way (no native zlib): one call up to 16 MiB, fflate above, same checks. */
  private inflatePortable(entry: ZipEntry, meter: EntryMeter, sink: ChunkSink): void {
    if (entry.declaredSize <= ONE_SHOT_BYTES) {
      this.inflateOneShot(entry, meter, sink);
      return;
    }
    let stopped: unknown;
    const inflater = new Inflate((chunk) => {
      try {
        meter.accept(chunk);
        if (chunk.length > 0) sink(chunk);
      } catch (error) {
        stopped = error;
        throw error;
      }
    });
    try {
      let at = 0;
      do {
        // fflate reports output only after a whole push: near the declared size, push so little
        // that one push cannot overshoot it by more than ~64 KiB (deflate expands at most ~1032:1).
        const room = entry.declaredSize - meter.produced;
        const slice = Math.max(64, Math.min(INFLATE_SLICE, Math.ceil(room / MAX_DEFLATE_RATIO) + 64));
        const length = Math.min(slice, entry.compressedSize - at);
        inflater.push(this.source.read(entry.dataOffset + at, length), at + length === entry.compressedSize);
        at += length;
      } while (at < entry.compressedSize);
    } catch (error) {
      if (error === stopped) throw error;
      // fflate throws "unexpected EOF" on the final push of a truncated stream.
      throw corrupt(`"${entry.name}" is not a valid deflate stream`, entry.name);
    }
    const state = inflater as unknown as FflateInternals;
    meter.finish(state.p.length - ((state.s.p & 7) !== 0 ? 1 : 0));
  }

  /** One native call, which stops as soon as the output would exceed the declared size. */
  private inflateOneShot(entry: ZipEntry, meter: EntryMeter, sink: ChunkSink): void {
    const data = this.source.read(entry.dataOffset, entry.compressedSize);
    let result: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      result = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.declaredSize), info: true }) as unknown as {
        buffer: Buffer;
        engine: { bytesWritten: number };
      };
    } catch (error) {
      if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
        throw new ExportArchiveError(
          "SIZE_MISMATCH",
          `Entry "${entry.name}" inflates to more than the ${entry.declaredSize} bytes its header declares.`,
          entry.name,
        );
      }
      throw corrupt(`"${entry.name}" is not a valid deflate stream`, entry.name);
    }
    meter.accept(result.buffer);
    if (result.buffer.length > 0) sink(result.buffer);
    meter.finish(entry.compressedSize - result.engine.bytesWritten);
  }

  private stored(entry: ZipEntry, accept: ChunkSink): void {
    for (let at = 0; at < entry.compressedSize; at += INFLATE_SLICE) {
      accept(this.source.read(entry.dataOffset + at, Math.min(INFLATE_SLICE, entry.compressedSize - at)));
    }
  }
}

/** Length of the data descriptor at `at` (12 or 16 bytes), which must repeat the central values. */
function descriptorLength(
  source: ByteSource,
  at: number,
  limit: number,
  crc: number,
  compressedSize: number,
  declaredSize: number,
  name: string,
): number {
  const b = source.read(at, Math.min(16, limit - at));
  const signed = b.length >= 4 && u32(b, 0) === SIG_DESCRIPTOR;
  const o = signed ? 4 : 0;
  if (b.length < o + 12 || u32(b, o) !== crc || u32(b, o + 4) !== compressedSize || u32(b, o + 8) !== declaredSize) {
    throw corrupt(`the data descriptor of "${name}" does not match its central directory record`, name);
  }
  return o + 12;
}
