/**
 * The sealed payload: the refined JSON lines, gzip-compressed, deterministically.
 *
 * Compression is part of the format because a validator compares payloads byte for byte: fflate's
 * DEFLATE at level 3, gzip header with mtime 0, no file name, OS byte 3, and the input pushed to the
 * compressor in chunks of exactly {@link PAYLOAD_CHUNK} bytes (fflate's block boundaries depend on how
 * input arrives; fixed chunks make the output a function of the text alone). fflate is pure
 * JavaScript, so a browser, a contributor's laptop and a validator produce the same bytes. A change
 * of compressor or settings is a new format version.
 */
import { Gzip, Inflate } from "fflate";

import { Crc32 } from "../export/crc32";
import { RefineError } from "./errors";

/** Uncompressed bytes handed to the compressor at a time. */
export const PAYLOAD_CHUNK = 64 * 1024;
// Level 3: in fflate as fast as levels 1-2 and 1.8x faster than 6, for a payload about 9 % larger.
const LEVEL = 3;
const encoder = new TextEncoder();

/** Receives the payload as it is produced. */
export type PayloadSink = (chunk: Uint8Array) => void;

/** Writes refined lines into a deterministic gzip stream. */
export class PayloadWriter {
  private readonly gzip: Gzip;
  private readonly buffer = new Uint8Array(PAYLOAD_CHUNK);
  private filled = 0;
  private finished = false;
  /** Uncompressed bytes written. */
  plaintextBytes = 0;
  /** Compressed bytes produced. */
  payloadBytes = 0;

  constructor(sink: PayloadSink) {
    this.gzip = new Gzip({ level: LEVEL, mtime: 0 }, (chunk) => {
      this.payloadBytes += chunk.length;
      sink(chunk);
    });
  }

  /** Appends one line (a `\n` is added). */
  writeLine(line: string): void {
    this.write(encoder.encode(`${line}\n`));
  }

  private write(bytes: Uint8Array): void {
    if (this.finished) throw new RefineError("INVALID_OPTION", "The payload is already finished.");
    this.plaintextBytes += bytes.length;
    let at = 0;
    while (at < bytes.length) {
      const take = Math.min(PAYLOAD_CHUNK - this.filled, bytes.length - at);
      this.buffer.set(bytes.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === PAYLOAD_CHUNK) {
        // fflate keeps a reference only until push returns, so the buffer can be reused (it copies).
        this.gzip.push(this.buffer, false);
        this.filled = 0;
      }
    }
  }

  /** Flushes the last chunk and the gzip trailer. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.gzip.push(this.buffer.slice(0, this.filled), true);
  }
}

/** Concatenates chunks into one array. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Bounds on reading a payload a buyer received (it was checked by validators, but stays untrusted input). */
export interface PayloadLimits {
  /** Most uncompressed bytes in all. */
  readonly maxBytes: number;
  /** Longest line, in characters. */
  readonly maxLine: number;
}

export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = Object.freeze({
  maxBytes: 4 * 1024 * 1024 * 1024,
  maxLine: 64 * 1024 * 1024,
});

/** The ten header bytes {@link PayloadWriter} writes: gzip, deflate, no flags, mtime 0, XFL 0, OS 3 (Unix). */
const GZIP_HEADER = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
const TRAILER = 8;

function u32le(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

/**
 * The lines of a payload, inflated in slices so memory holds one slice and one line at a time. The
 * framing is checked strictly (our header, one DEFLATE stream, CRC-32 and length trailer), so a payload
 * that carries anything besides refined lines is refused rather than passed on.
 * @throws RefineError `MALFORMED_PAYLOAD` when it is not such gzip, is damaged or exceeds the limits
 */
export function* payloadLines(payload: Uint8Array, limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS): Generator<string> {
  const bad = (why: string): RefineError => new RefineError("MALFORMED_PAYLOAD", `The refined payload ${why}.`);
  if (payload.length < GZIP_HEADER.length + TRAILER || GZIP_HEADER.some((byte, i) => payload[i] !== byte)) {
    throw bad("is not a refinement's gzip stream (wrong header)");
  }
  const body = payload.subarray(GZIP_HEADER.length, payload.length - TRAILER);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const crc = new Crc32();
  const ready: string[] = [];
  let pending = "";
  let total = 0;
  let ended = false;
  const inflate = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > limits.maxBytes) throw bad(`inflates beyond ${limits.maxBytes} bytes`);
    crc.update(chunk);
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: !final });
    } catch {
      throw bad("is not UTF-8 text");
    }
    const pieces = (pending + text).split("\n");
    pending = pieces.pop() ?? "";
    if (pending.length > limits.maxLine) throw bad(`has a line longer than ${limits.maxLine} characters`);
    for (const piece of pieces) ready.push(piece);
    if (final) ended = true;
  });
  const SLICE = 64 * 1024;
  for (let at = 0; at < body.length || (at === 0 && body.length === 0); at += SLICE) {
    try {
      inflate.push(body.subarray(at, at + SLICE), at + SLICE >= body.length);
    } catch (error) {
      if (error instanceof RefineError) throw error;
      throw bad("is not valid DEFLATE data");
    }
    while (ready.length > 0) yield ready.shift() as string;
  }
  if (!ended) throw bad("is truncated");
  if (
    crc.digest() !== u32le(payload, payload.length - TRAILER) ||
    total % 2 ** 32 !== u32le(payload, payload.length - 4)
  ) {
    throw bad("fails its CRC-32 or length check (damaged, truncated or with bytes appended)");
  }
  if (pending.length > 0) throw bad("does not end with a newline");
}
