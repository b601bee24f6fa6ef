/**
 * The blob store as a service: the content-addressed HTTP server (`src/store/server.ts`) over a local
 * directory, with authenticated writes, a body size limit, `GET /health` and JSON log lines.
 *
 * `startStoreService(options)` is what `npm run stack` and tests call; `main.ts` runs it from the
 * environment (see {@link storeServiceOptionsFromEnv} for the variables).
 */
import path from "node:path";

import { parseAllowedOrigins } from "../../src/store/cors";
import { type BlobServerLogEntry, BlobStoreError, LocalBlobStore, startBlobServer } from "../../src/store";
import { type RateLimit, RateLimiter } from "../common/http";

/**
 * Anonymous writes per client address: a burst of 20 blobs, then one every 10 s (a member's contribution
 * is two: the ciphertext and its descriptor).
 */
export const PUBLIC_WRITE_RATE: RateLimit = { capacity: 20, refillPerSecond: 0.1 };

/** Options of {@link startStoreService}. */
export interface StoreServiceOptions {
  /** Directory holding the blobs (created on the first write). */
  readonly dir: string;
  /** The bearer token writes need (at least 16 characters); required: a service never has open writes. */
  readonly token: string;
  /** Interface to listen on; default `127.0.0.1`. */
  readonly host?: string;
  /** Port; default 0 (any free port, see `url`). */
  readonly port?: number;
  /** Largest blob accepted, in bytes; default 512 MiB. */
  readonly maxBlobBytes?: number;
  /**
   * Members' uploads from the app, without the token (a public web app cannot keep one): blobs up to
   * `maxBlobBytes`, at `rate` per client address (default {@link PUBLIC_WRITE_RATE}). Off by default.
   */
  readonly publicWrites?: { readonly maxBlobBytes: number; readonly rate?: RateLimit };
  /** Origins whose pages may call the store from a browser (the member app's); `*` for any; default none. */
  readonly allowedOrigins?: readonly string[];
  /** Where log lines go (one JSON object each, without the newline); default stdout. */
  readonly log?: (line: string) => void;
}

/** A running store service. */
export interface StoreService {
  /** Base URL, e.g. `http://127.0.0.1:54321` (blobs at `<url>/<key>`, health at `<url>/health`). */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Starts the blob store service.
 * @throws BlobStoreError `INVALID_CONFIG` on a missing or short token, or a bad size limit
 */
export async function startStoreService(options: StoreServiceOptions): Promise<StoreService> {
  if (typeof options.token !== "string" || options.token.length === 0) {
    throw new BlobStoreError(
      "INVALID_CONFIG",
      "The blob store service needs a write token (DATACOOP_STORE_TOKEN): writes are never open on a service.",
    );
  }
  const sink = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (entry: BlobServerLogEntry): void =>
    sink(JSON.stringify({ time: new Date().toISOString(), service: "store", ...entry }));
  const dir = path.resolve(options.dir);
  const server = await startBlobServer({
    store: new LocalBlobStore(dir),
    host: options.host,
    port: options.port,
    maxBlobBytes: options.maxBlobBytes,
    writeToken: options.token,
    publicWrites: publicWritesOf(options.publicWrites),
    allowedOrigins: options.allowedOrigins,
    log,
  });
  return server;
}

function publicWritesOf(options: StoreServiceOptions["publicWrites"]) {
  if (options === undefined) return undefined;
  const limiter = new RateLimiter(options.rate ?? PUBLIC_WRITE_RATE);
  return { maxBlobBytes: options.maxBlobBytes, admit: (client: string) => limiter.take(client) };
}

/** An environment: `process.env` or a test's own. */
export type Environment = Readonly<Record<string, string | undefined>>;

function integer(env: Environment, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new BlobStoreError("INVALID_CONFIG", `${name} must be a whole number; got ${JSON.stringify(raw)}.`);
  }
  return Number(raw);
}

/**
 * The service's options from environment variables:
 *
 * | variable                    | meaning (default)                                         |
 * |-----------------------------|-----------------------------------------------------------|
 * | `DATACOOP_STORE_TOKEN`      | the write token (required; e.g. `openssl rand -hex 32`)   |
 * | `DATACOOP_STORE_DIR`        | blob directory (`.datacoop/blobs` under the working dir)  |
 * | `DATACOOP_STORE_HOST`       | interface (`127.0.0.1`; `0.0.0.0` behind a TLS proxy)     |
 * | `DATACOOP_STORE_PORT`       | port (8787; 0: any free port, logged as `listening`)      |
 * | `DATACOOP_STORE_MAX_BYTES`  | largest blob in bytes (536870912)                         |
 * | `DATACOOP_STORE_PUBLIC_MAX_BYTES` | largest blob written without the token (unset: none)  |
 * | `DATACOOP_STORE_ALLOWED_ORIGINS`  | comma-separated origins of the member app (CORS)       |
 *
 * The token is the same variable the clients read (`DATACOOP_STORE_TOKEN` for the Hardhat tasks).
 * @throws BlobStoreError `INVALID_CONFIG`
 */
export function storeServiceOptionsFromEnv(env: Environment): StoreServiceOptions {
  const token = env.DATACOOP_STORE_TOKEN?.trim();
  if (token === undefined || token === "") {
    throw new BlobStoreError(
      "INVALID_CONFIG",
      "Set DATACOOP_STORE_TOKEN to the write token (e.g. `export DATACOOP_STORE_TOKEN=$(openssl rand -hex 32)`); writers send it as a bearer token.",
    );
  }
  const publicMax = integer(env, "DATACOOP_STORE_PUBLIC_MAX_BYTES");
  return {
    token,
    dir: env.DATACOOP_STORE_DIR?.trim() || path.join(".datacoop", "blobs"),
    host: env.DATACOOP_STORE_HOST?.trim() || "127.0.0.1",
    port: integer(env, "DATACOOP_STORE_PORT") ?? 8787,
    maxBlobBytes: integer(env, "DATACOOP_STORE_MAX_BYTES"),
    ...(publicMax === undefined || publicMax === 0 ? {} : { publicWrites: { maxBlobBytes: publicMax } }),
    allowedOrigins: parseAllowedOrigins(env.DATACOOP_STORE_ALLOWED_ORIGINS),
  };
}
