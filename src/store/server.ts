import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

import type { BlobStore } from "./blob-store";
import { blobKey } from "./content-key";
import { BlobIntegrityError, BlobNotFoundError, BlobStoreError } from "./errors";

/** Options of {@link startBlobServer}. */
export interface BlobServerOptions {
  /** Where blobs are kept, e.g. a `LocalBlobStore`. */
  readonly store: BlobStore;
  /** Interface to listen on; default `127.0.0.1`. The server has no authentication: keep it local. */
  readonly host?: string;
  /** Port; default 0 (any free port, see `url`). */
  readonly port?: number;
  /** Largest blob accepted by `PUT`, in bytes; default 512 MiB. */
  readonly maxBlobBytes?: number;
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

class PayloadTooLarge extends Error {}

/**
 * Starts a minimal reference HTTP blob server (for local use, tests and demos) in front of a
 * {@link BlobStore}: `PUT /<key>` stores the body if its keccak256 equals `<key>` (else 400),
 * `GET /<key>` returns it, `HEAD /<key>` says whether it exists (200 or 404).
 * It has no authentication and keeps a blob in memory while receiving it.
 * @param options the backing store, and optionally `host`, `port`, `maxBlobBytes`
 * @returns the server's base URL and a `close` function
 */
export async function startBlobServer(options: BlobServerOptions): Promise<BlobServer> {
  const { store } = options;
  const host = options.host ?? "127.0.0.1";
  const maxBlobBytes = options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
  if (!Number.isSafeInteger(maxBlobBytes) || maxBlobBytes <= 0) {
    throw new BlobStoreError("INVALID_CONFIG", `maxBlobBytes must be a positive integer; got ${String(maxBlobBytes)}.`);
  }
  const server = createServer((request, response) => {
    handle(store, maxBlobBytes, request, response).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      reply(response, 500, `Internal error: ${reason}`);
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
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(
  store: BlobStore,
  maxBlobBytes: number,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const pathname = new URL(request.url ?? "/", "http://localhost").pathname;
  const match = KEY_PATH.exec(pathname);
  if (match === null) {
    reply(response, 404, "Not found: blob paths are /0x followed by 64 hex digits (the keccak256 of the blob).");
    return;
  }
  const key = match[1].toLowerCase();
  switch (request.method) {
    case "GET":
    case "HEAD":
      return serve(store, key, request.method === "HEAD", response);
    case "PUT":
      return receive(store, key, maxBlobBytes, request, response);
    default:
      response.setHeader("allow", "GET, HEAD, PUT");
      reply(response, 405, `Method ${request.method ?? "?"} not allowed; use GET, HEAD or PUT.`);
  }
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
  store: BlobStore,
  key: string,
  maxBlobBytes: number,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
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
    reply(response, 400, `Body does not match its key: the path says ${key}, the body's keccak256 is ${actual}.`);
    return;
  }
  const existed = await store.has(key);
  await store.put(body);
  reply(response, existed ? 200 : 201, key);
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

function reply(response: ServerResponse, status: number, message: string, after?: () => void): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`${message}\n`, after);
}
