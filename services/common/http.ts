/**
 * Small HTTP helpers shared by the DataCoop services (node:http, no framework): JSON errors shaped
 * `{ "error": { "code", "message" } }`, a body reader with a hard size limit, in-memory token buckets and
 * structured JSON log lines. Messages and log lines carry codes, sizes and addresses, never bodies.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** An error answered as JSON with an HTTP status. */
export class HttpError extends Error {
  override readonly name = "HttpError";

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A structured log line (one JSON object per line). */
export type LogLine = Record<string, string | number | boolean | undefined>;
export type Logger = (line: LogLine) => void;

/** Writes `line` with a timestamp as one JSON line on stdout. */
export const jsonLogger: Logger = (line) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
};

/** Sends `body` as JSON. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

/** Sends `{ error: { code, message } }`. */
export function sendError(res: ServerResponse, error: HttpError, headers: Record<string, string> = {}): void {
  sendJson(res, error.status, { error: { code: error.code, message: error.message } }, headers);
}

/**
 * Reads a request body of at most `limit` bytes. A declared `content-length` above the limit is refused
 * before anything is read; a body that grows past it is refused as soon as it does.
 * @throws HttpError 413 `BODY_TOO_LARGE`, 400 `BAD_REQUEST` if the client aborts
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, "BODY_TOO_LARGE", `The request body exceeds the limit of ${limit} bytes.`);
  const declared = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, size));
    });
    req.on("error", () => {
      if (done) return;
      done = true;
      reject(new HttpError(400, "BAD_REQUEST", "The request body could not be read (the client aborted)."));
    });
  });
}

/**
 * After an early error answer, reads and discards what the client still sends (so it can read the answer),
 * up to `cap` bytes; past that the connection is closed.
 */
export function drain(req: IncomingMessage, cap: number): void {
  let drained = 0;
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > cap) req.socket.destroy();
  });
  req.resume();
}

/** Token-bucket parameters: a burst of `capacity` requests, refilled at `refillPerSecond`. */
export interface RateLimit {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/**
 * Token buckets by key (an IP, an address), in memory. Idle full buckets are dropped, so memory stays
 * bounded by the keys active within one refill period; `maxKeys` bounds it outright.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Takes one token for `key`.
   * @returns 0 if allowed, else the seconds until a token is available
   */
  take(key: string): number {
    const t = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.prune(t);
      bucket = { tokens: this.limit.capacity, at: t };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(
        this.limit.capacity,
        bucket.tokens + ((t - bucket.at) / 1000) * this.limit.refillPerSecond,
      );
      bucket.at = t;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.limit.refillPerSecond);
  }

  private prune(t: number): void {
    for (const [key, bucket] of this.buckets) {
      const tokens = bucket.tokens + ((t - bucket.at) / 1000) * this.limit.refillPerSecond;
      if (tokens >= this.limit.capacity) this.buckets.delete(key);
    }
    // Still full of active keys: forget the oldest (Map keeps insertion order).
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}

/** The client address of a request (the socket's; no proxy header is trusted). */
export function clientIp(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? "unknown";
}
