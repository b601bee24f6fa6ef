/**
 * Synchronous, streaming raw inflate on Node's native zlib, for {@link SafeZip}.
 *
 * Node's public API has no such thing: `inflateRawSync` is one-shot (a 490 MB entry would be held
 * whole) and `createInflateRaw` is asynchronous. The asynchronous stream was what the reader used,
 * and on one core it costs more CPU than it saves: every output chunk is a thread-pool round trip,
 * a fresh output buffer and a trip through the stream machinery, and every entry a new zlib state
 * (19,000 small attachments in a large export). Here the native handle behind a `createInflateRaw`
 * stream is driven directly with `writeSync`, the call Node's own `inflateRawSync` makes in a loop
 * (and that npm's `minizlib` drives too): output goes into one reused buffer, still hot in cache
 * when its CRC is taken and it is parsed, and one handle serves entry after entry, reset between
 * them.
 *
 * The handle is not public API, so its shape is checked once per process on two known streams
 * (one good, one broken, so that errors are seen to be reported); if a future Node changes it,
 * {@link acquireNativeInflater} returns `undefined` and the caller falls back to the portable
 * inflaters. In a browser (`node:zlib` is a small shim there) the check fails the same way.
 */
import { createInflateRaw } from "node:zlib";

/**
 * zlib's flush values and Node's smallest stream chunk, fixed by zlib.h and Node's docs; written
 * out because the browser's `node:zlib` shim has no `constants`.
 */
const Z_NO_FLUSH = 0;
const Z_FINISH = 4;
const Z_MIN_CHUNK = 64;

/** The part of Node's zlib handle used here (`lib/zlib.js`, `processChunkSync`). */
interface ZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    output: Uint8Array,
    outOffset: number,
    outLength: number,
  ): void;
  reset(): void;
  close(): void;
  onerror: (message: string, errno: number) => void;
}

/** What a `createInflateRaw()` stream carries besides its public API. */
interface ZlibStreamInternals {
  readonly _handle?: unknown;
  readonly _writeState?: unknown;
}

/** Thrown by {@link NativeInflater.write} when the input is not a valid deflate stream. */
export class InvalidDeflateError extends Error {}

/** Output buffer: large enough that calls are few, small enough to stay in the L2 cache. */
const OUTPUT_BYTES = 256 * 1024;
/** `deflateRaw("datacoop")`, for the check of the handle's shape. */
const KNOWN_STREAM = Uint8Array.of(0x4b, 0x49, 0x2c, 0x49, 0x4c, 0xce, 0xcf, 0x2f, 0x00, 0x00);
const KNOWN_TEXT = "datacoop";
/** A block of the reserved type 3: every inflater must reject it. */
const BROKEN_STREAM = Uint8Array.of(0xff, 0xff, 0xff, 0xff);

/** One native raw-inflate state and its output buffer, reused from stream to stream. */
export class NativeInflater {
  /** Receives the output of {@link write}: valid until the next call. */
  readonly out: Buffer = Buffer.allocUnsafe(OUTPUT_BYTES);
  private error: string | undefined;
  private closed = false;

  private constructor(
    private readonly handle: ZlibHandle,
    /** `[output bytes left, input bytes left]` after each `writeSync`. */
    private readonly state: Uint32Array,
  ) {
    // Errors come back through this callback, synchronously, during `writeSync`.
    handle.onerror = (message) => {
      this.error = message;
    };
  }

  /** A new inflater, or `undefined` if this runtime's zlib handle does not have the expected shape. */
  static create(): NativeInflater | undefined {
    let internals: ZlibStreamInternals;
    try {
      internals = createInflateRaw({ chunkSize: Z_MIN_CHUNK }) as unknown as ZlibStreamInternals;
    } catch {
      return undefined;
    }
    const handle = internals._handle as Partial<ZlibHandle> | null | undefined;
    const state = internals._writeState;
    if (
      typeof handle !== "object" ||
      handle === null ||
      typeof handle.writeSync !== "function" ||
      typeof handle.reset !== "function" ||
      typeof handle.close !== "function" ||
      !(state instanceof Uint32Array) ||
      state.length !== 2
    ) {
      return undefined;
    }
    return new NativeInflater(handle as ZlibHandle, state);
  }

  /** Input bytes the last {@link write} left unconsumed. */
  get inputLeft(): number {
    return this.state[1];
  }

  /** Forgets the current stream; the next {@link write} starts a new one. */
  reset(): void {
    this.handle.reset();
  }

  /**
   * Inflates from `input[inOffset, inOffset + inLength)` into `out[0, outLength)` and returns the
   * bytes written there. It stops when the output is full (call again with the input left), the
   * input is used up, or the stream ends (input is then left over: trailing bytes). With `finish`
   * (the input ends the entry), a stream that is not complete throws.
   * @throws InvalidDeflateError when the input is not valid deflate (the inflater is then closed)
   */
  write(input: Uint8Array, inOffset: number, inLength: number, outLength: number, finish: boolean): number {
    // Bounds the native side would otherwise check with an abort, not an exception.
    if (
      inOffset < 0 ||
      inLength < 0 ||
      inOffset + inLength > input.length ||
      outLength < 1 ||
      outLength > this.out.length
    ) {
      throw new RangeError("NativeInflater.write: offset or length out of bounds");
    }
    this.handle.writeSync(finish ? Z_FINISH : Z_NO_FLUSH, input, inOffset, inLength, this.out, 0, outLength);
    if (this.error !== undefined) {
      this.close();
      throw new InvalidDeflateError(this.error);
    }
    return outLength - this.state[0];
  }

  /** Whether {@link close} was called (after an error, by {@link write} itself): not usable any more. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Frees the native state (also done by the garbage collector, later). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.close();
  }

  /** Whether the handle inflates a known stream right and reports a broken one as an error. */
  static selfTest(): boolean {
    const good = NativeInflater.create();
    const bad = NativeInflater.create();
    if (good === undefined || bad === undefined) return false;
    try {
      const n = good.write(KNOWN_STREAM, 0, KNOWN_STREAM.length, 64, true);
      if (n !== KNOWN_TEXT.length || good.inputLeft !== 0 || good.out.toString("latin1", 0, n) !== KNOWN_TEXT) {
        return false;
      }
      good.close();
      try {
        bad.write(BROKEN_STREAM, 0, BROKEN_STREAM.length, 64, true);
      } catch (error) {
        return error instanceof InvalidDeflateError;
      }
      bad.close();
      return false;
    } catch {
      return false;
    }
  }
}

/** Whether this runtime passed {@link NativeInflater.selfTest} (checked on first use). */
let supported: boolean | undefined;
/** One idle inflater kept for the next entry, of whichever archive. */
let idle: NativeInflater | undefined;

/** An inflater for one stream at a time (reset), or `undefined` where the native handle is unavailable. */
export function acquireNativeInflater(): NativeInflater | undefined {
  if (supported === undefined) supported = NativeInflater.selfTest();
  if (!supported) return undefined;
  const inflater = idle ?? NativeInflater.create();
  idle = undefined;
  inflater?.reset();
  return inflater;
}

/** Hands an inflater back after its stream, ended or not (one is kept for reuse, others are closed). */
export function releaseNativeInflater(inflater: NativeInflater): void {
  if (inflater.isClosed) return;
  if (idle === undefined) idle = inflater;
  else inflater.close();
}
