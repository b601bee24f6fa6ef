import { timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

import type { BlobStore } from "./blob-store";
import { blobKey } from "./content-key";
import { type CorsOptions, handleCors, parseAllowedOrigins } from "./cors";
import { BlobIntegrityError, BlobNotFoundError, BlobStoreError } from "./errors";

/** One structured log line of the blob server (JSON); never carries a blob, a header or the token. */
export interface BlobServerLogEntry {
  readonly level: "info" | "warn" | "error";
  readonly event: string;
  readonly method?: string;
  readonly key?: string;
  readonly status?: number;
  readonly bytes?: number;
  readonly ms?: number;
  readonly url?: string;
  readonly openWrites?: boolean;
  /** An internal error's message (may name a file of the store, never a blob). */
  readonly error?: string;
}

/** Options of {@link startBlobServer}. */
export interface BlobServerOptions {
  /** Where blobs are kept, e.g. a `LocalBlobStore`. */
  readonly store: BlobStore;
  /** Interface to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** Port; default 0 (any free port, see `url`). */
  readonly port?: number;
  /** Largest blob accepted by `PUT`, in bytes; default 512 MiB. */
  readonly maxBlobBytes?: number;
  /**
   * The bearer token `PUT` requires (`authorization: Bearer <token>`): 401 without one, 403 with another.
   * Without it, writes are open: only for a store on loopback in tests and demos (the service refuses to
   * start without one, see `services/store`).
   */
  readonly writeToken?: string;
  /**
   * Writes without the token (a member's browser cannot keep a secret), when set: a `PUT` without an
   * `authorization` header is accepted up to `maxBlobBytes` (at most the server's limit), if `admit` (a
   * per-client rate limit; returns 0 to admit, else the seconds to wait) lets it in. Safe because a blob's
   * key is its hash: an anonymous writer can add blobs but never replace or alter one; what it costs is disk,
   * bounded by the size and the rate. A wrong token is still refused (403).
   */
  readonly publicWrites?: {
    readonly maxBlobBytes: number;
    readonly admit?: (clientAddress: string) => number;
  };
  /** Origins whose pages may call the server from a browser (CORS); `*` for any; default none. */
  readonly allowedOrigins?: readonly string[];
  /** Receives one entry per request and per start/stop; default: none. */
  readonly log?: (entry: BlobServerLogEntry) => void;
}

/** A running blob server. */
export interface BlobServer {
  /** Base URL to give `HttpBlobStore`, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BLOB_BYTES = 512 * 1024 * 1024;
const KEY_PATH = /^\/(0x[0-9a-fA-F]{64})$/;
/** A token shorter than this is refused: it is the only thing between the internet and the store's disk. */
export const MIN_WRITE_TOKEN_LENGTH = 16;

class PayloadTooLarge extends Error {}

/**
 * Starts the HTTP blob server in front of a {@link BlobStore}:
 * - `PUT /<key>` stores the body if its keccak256 equals `<key>` (else 400), with the bearer token when
 *   one is configured (401 / 403), up to `maxBlobBytes` (413); 201 when new, 200 when already stored;
 * - `GET /<key>` returns it, `HEAD /<key>` says whether it exists (200 or 404): reads are open, since
 *   every blob is ciphertext or a descriptor that names only public keys;
 * - `GET /health` answers `{"ok":true}`;
 * - with `publicWrites`, a `PUT` without credentials up to a smaller size and a rate; with
 *   `allowedOrigins`, the CORS headers (and `OPTIONS` preflight answers) browsers need to call it.
 * Errors are JSON `{"error": {"status", "message"}}`. It keeps a blob in memory while receiving it.
 * @returns the server's base URL and a `close` function
 * @throws BlobStoreError `INVALID_CONFIG`
 */
export async function startBlobServer(options: BlobServerOptions): Promise<BlobServer> {
  const { store } = options;
  const host = options.host ?? "127.0.0.1";
  const maxBlobBytes = options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
  if (!Number.isSafeInteger(maxBlobBytes) || maxBlobBytes <= 0) {
    throw new BlobStoreError("INVALID_CONFIG", `maxBlobBytes must be a positive integer; got ${String(maxBlobBytes)}.`);
  }
  if (options.writeToken !== undefined && options.writeToken.length < MIN_WRITE_TOKEN_LENGTH) {
    throw new BlobStoreError(
      "INVALID_CONFIG",
      `The write token must have at least ${MIN_WRITE_TOKEN_LENGTH} characters (e.g. openssl rand -hex 32).`,
    );
  }
  const publicWrites = options.publicWrites;
  if (
    publicWrites !== undefined &&
    (!Number.isSafeInteger(publicWrites.maxBlobBytes) ||
      publicWrites.maxBlobBytes <= 0 ||
      publicWrites.maxBlobBytes > maxBlobBytes)
  ) {
    throw new BlobStoreError(
      "INVALID_CONFIG",
      `publicWrites.maxBlobBytes must be a positive integer up to maxBlobBytes (${maxBlobBytes}); got ${String(publicWrites.maxBlobBytes)}.`,
    );
  }
  const log = options.log ?? (() => undefined);
  const context: Context = {
    store,
    maxBlobBytes,
    token: options.writeToken,
    publicWrites,
    cors: {
      origins: parseAllowedOrigins(options.allowedOrigins),
      methods: ["GET", "HEAD", "PUT"],
      headers: ["content-type", "authorization"],
    },
    log,
  };
  const server = createServer((request, response) => {
    const started = performance.now();
    response.once("finish", () => {
      log({
        level: response.statusCode >= 500 ? "error" : "info",
        event: "request",
        method: request.method,
        key: KEY_PATH.exec(pathOf(request))?.[1]?.toLowerCase(),
        status: response.statusCode,
        ms: Math.round(performance.now() - started),
      });
    });
    handle(context, request, response).catch((error: unknown) => {
      // The reason may name a file path of the store, never a blob: fine for the operator's log, not the client.
      log({
        level: "error",
        event: "internal-error",
        error: `${error instanceof Error ? error.message : String(error)}`,
      });
      reply(response, 500, "Internal error of the blob store; see its log.");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  log({
    level: options.writeToken === undefined ? "warn" : "info",
    event: "listening",
    url,
    openWrites: options.writeToken === undefined,
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          log({ level: "info", event: "stopped" });
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}

interface Context {
  readonly store: BlobStore;
  readonly maxBlobBytes: number;
  readonly token: string | undefined;
  readonly publicWrites: BlobServerOptions["publicWrites"];
  readonly cors: CorsOptions;
  readonly log: (entry: BlobServerLogEntry) => void;
}

function pathOf(request: IncomingMessage): string {
  try {
    return new URL(request.url ?? "/", "http://localhost").pathname;
  } catch {
    return "/";
  }
}

async function handle(context: Context, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (handleCors(context.cors, request, response)) return;
  const pathname = pathOf(request);
  if (pathname === "/health" && (request.method === "GET" || request.method === "HEAD")) {
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
    return;
  }
  const match = KEY_PATH.exec(pathname);
  if (match === null) {
    reply(response, 404, "Not found: blob paths are /0x followed by 64 hex digits (the keccak256 of the blob).");
    return;
  }
  const key = match[1].toLowerCase();
  switch (request.method) {
    case "GET":
    case "HEAD":
      return serve(context.store, key, request.method === "HEAD", response);
    case "PUT": {
      const limit = writeLimit(context, request, response);
      if (limit === undefined) return;
      return receive(context, key, limit, request, response);
    }
    default:
      response.setHeader("allow", "GET, HEAD, PUT");
      reply(response, 405, `Method ${request.method ?? "?"} not allowed; use GET, HEAD or PUT.`);
  }
}

/**
 * Decides whether a write may proceed and up to what size: the full limit with the bearer token (or when
 * no token is configured), the public limit without an `authorization` header when public writes are on.
 * Otherwise answers 401, 403 or 429 and returns undefined.
 */
function writeLimit(context: Context, request: IncomingMessage, response: ServerResponse): number | undefined {
  const { token, publicWrites } = context;
  if (token === undefined) return context.maxBlobBytes;
  const header = request.headers.authorization;
  const refuse = (status: number, message: string): undefined => {
    // The body is not read: close the connection rather than drain an upload we refuse.
    response.setHeader("connection", "close");
    reply(response, status, message, () => request.destroy());
    return undefined;
  };
  if (header === undefined && publicWrites !== undefined) {
    const wait = publicWrites.admit?.(request.socket.remoteAddress ?? "unknown") ?? 0;
    if (wait > 0) {
      response.setHeader("retry-after", String(wait));
      return refuse(429, `Too many anonymous writes from this address; retry in ${wait} s.`);
    }
    return publicWrites.maxBlobBytes;
  }
  const given = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
  if (given === undefined) {
    response.setHeader("www-authenticate", 'Bearer realm="datacoop-blobs"');
    return refuse(401, "Writes need authorization: Bearer <token> (the store's write token).");
  }
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  // Constant-time comparison, so response timing does not reveal how much of a guess was right.
  if (a.length !== b.length || !timingSafeEqual(a, b)) return refuse(403, "The write token is not this store's.");
  return context.maxBlobBytes;
}

async function serve(store: BlobStore, key: string, headOnly: boolean, response: ServerResponse): Promise<void> {
  if (headOnly) {
    const found = await store.has(key);
    response.writeHead(found ? 200 : 404).end();
    return;
  }
  let bytes: Uint8Array;
  try {
    bytes = await store.get(key);
  } catch (error) {
    if (error instanceof BlobNotFoundError) return reply(response, 404, `No blob ${key}.`);
    if (error instanceof BlobIntegrityError) return reply(response, 500, `Stored blob ${key} is damaged.`);
    throw error;
  }
  response
    .writeHead(200, { "content-type": "application/octet-stream", "content-length": String(bytes.length) })
    .end(bytes);
}

async function receive(
  context: Context,
  key: string,
  maxBlobBytes: number,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { store } = context;
  let body: Buffer;
  try {
    body = await readBody(request, maxBlobBytes);
  } catch (error) {
    if (!(error instanceof PayloadTooLarge)) throw error;
    response.setHeader("connection", "close");
    reply(response, 413, `Blob larger than the ${maxBlobBytes} bytes this server accepts.`, () => request.destroy());
    return;
  }
  const actual = blobKey(body);
  if (actual !== key) {
    reply(
      response,
      400,
      `Body does not match its key: the path says ${key}, the body's keccak256 is ${actual}. PUT each blob under its own content hash.`,
    );
    return;
  }
  const existed = await store.has(key);
  await store.put(body);
  response
    .writeHead(existed ? 200 : 201, { "content-type": "application/json" })
    .end(JSON.stringify({ key, bytes: body.length, created: !existed }));
}

function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers["content-length"] ?? "0");
  if (declared > maxBytes) return Promise.reject(new PayloadTooLarge());
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > maxBytes) {
        request.off("data", onData);
        reject(new PayloadTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    request.on("data", onData);
    request.once("end", () => resolve(Buffer.concat(chunks, total)));
    request.once("error", reject);
    request.once("close", () => {
      if (!request.complete) reject(new Error("the client closed the connection before the body was complete"));
    });
  });
}

/** A JSON error: `{"error": {"status": 400, "message": "..."}}`. */
function reply(response: ServerResponse, status: number, message: string, after?: () => void): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response
    .writeHead(status, { "content-type": "application/json" })
    .end(`${JSON.stringify({ error: { status, message } })}\n`, after);
}
