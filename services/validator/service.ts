/**
 * The validator as an HTTP service (node:http; see the README's "Validator service"):
 *
 * - `POST /v1/attestations`: an attestation request (`src/roles/attest-request.ts` wire JSON) →
 *   `{ attestation, signature }` after `verifyAndAttest` checked the ciphertext, the refinement and scored it;
 * - `GET /health` → `{ ok, workers: { running, queued, size } }`;
 * - `GET /` → `{ address, publicKey, scorerVersion, chainId, registry }`.
 *
 * Bounds, each answered as `{ error: { code, message } }`: body size (413), per-IP and per-contributor
 * token buckets (429 with `retry-after`), a time budget per request (504), a scoring pool of worker threads
 * with a bounded queue (503 when full). Log lines are JSON with method, path, status, time and codes only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

import { getAddress, type Signer } from "ethers";

import { publicKeyFromPrivate } from "../../src/crypto";
import { SCORER_VERSION } from "../../src/export";
import { BlobStoreError, type BlobStore } from "../../src/store";
import { handleCors, parseAllowedOrigins } from "../../src/store/cors";
import {
  decodeAttestRequest,
  encodeAttestResponse,
  RoleError,
  validatorPublicKeyOf,
  verifyAndAttest,
  type AttestCheck,
  type AttestCheckInput,
  type DataCoop,
} from "../../src/roles";
import {
  clientIp,
  drain,
  HttpError,
  jsonLogger,
  RateLimiter,
  readBody,
  sendError,
  sendJson,
  type Logger,
  type RateLimit,
} from "../common/http";
import { JobError, WorkerPool } from "../common/worker-pool";

/** Defaults of the service's bounds. */
export const VALIDATOR_SERVICE_DEFAULTS = {
  /** Raw exports travel in the body (base64): 64 MiB. */
  maxBodyBytes: 64 * 1024 * 1024,
  timeBudgetMs: 120_000,
  workers: 2,
  maxQueue: 16,
  perIp: { capacity: 30, refillPerSecond: 1 },
  perAddress: { capacity: 10, refillPerSecond: 0.2 },
} as const;

export interface ValidatorServiceOptions {
  /** The deployment (chain, registry, provider). */
  readonly system: Pick<DataCoop, "chainId" | "addresses" | "provider" | "registry">;
  /** The validator's account; its key is its ECIES key. An ethers `Wallet` connected to the chain fits. */
  readonly validator: Signer & { readonly privateKey: string };
  /** Where contributors upload ciphertexts and descriptors. */
  readonly store: BlobStore;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port, chosen at run time). */
  readonly port?: number;
  readonly maxBodyBytes?: number;
  /** Milliseconds from the request's arrival to its answer, scoring included. */
  readonly timeBudgetMs?: number;
  /** Scoring threads, and requests waiting for one before 503. */
  readonly workers?: number;
  readonly maxQueue?: number;
  readonly rateLimits?: { readonly perIp?: RateLimit; readonly perAddress?: RateLimit };
  /** Publish the validator's key on-chain at start if it is missing (one transaction); default true. */
  readonly publishKey?: boolean;
  /** Origins whose pages may call the service from a browser (the member app's); `*` for any; default none. */
  readonly allowedOrigins?: readonly string[];
  /** Where log lines go; default JSON lines on stdout. */
  readonly log?: Logger;
}

/** A running validator service. */
export interface ValidatorService {
  /** `http://host:port`. */
  readonly url: string;
  readonly address: string;
  /** Stops accepting, ends open connections and the worker threads. */
  close(): Promise<void>;
}

const REFUSALS = new Set(["CIPHERTEXT_MISMATCH", "UNDECRYPTABLE", "NOT_REFINEMENT"]);

function statusOf(code: string): number {
  if (REFUSALS.has(code)) return 422;
  switch (code) {
    case "INVALID_INPUT":
      return 400;
    case "NOT_ALLOWED":
      return 403;
    case "NOT_FOUND":
      return 404;
    case "WRONG_STATE":
      return 409;
    case "BUSY":
      return 503;
    case "TIMEOUT":
      return 504;
    default:
      return 500;
  }
}

/**
 * Starts a validator service. Checks first that the account is a validator of the registry and that its
 * published key is its own (publishing it if missing and `publishKey` allows).
 * @throws RoleError `NOT_ALLOWED` if the account is not a validator, `CONFIG` without a published key
 */
export async function startValidatorService(options: ValidatorServiceOptions): Promise<ValidatorService> {
  const { system, validator, store } = options;
  const log = options.log ?? jsonLogger;
  const address = getAddress(await validator.getAddress());
  const publicKey = publicKeyFromPrivate(validator.privateKey);
  if (!(await system.registry.hasRole(await system.registry.VALIDATOR_ROLE(), address))) {
    throw new RoleError(
      "NOT_ALLOWED",
      `${address} is not a validator of the registry ${system.addresses.registry}; governance grants the role first.`,
    );
  }
  if ((await system.registry.validatorPublicKey(address)) === "0x" && options.publishKey !== false) {
    const uncompressed = publicKeyFromPrivate(validator.privateKey, { compressed: false });
    await (await system.registry.connect(validator).publishValidatorPublicKeys([uncompressed])).wait();
    log({ level: "info", msg: "published the validator key", address });
  }
  if ((await validatorPublicKeyOf(system, address)) !== publicKey) {
    throw new RoleError("CONFIG", `The key published for ${address} is not this account's key.`);
  }

  const cors = {
    origins: parseAllowedOrigins(options.allowedOrigins),
    methods: ["GET", "POST"],
    headers: ["content-type"],
  };
  const maxBodyBytes = options.maxBodyBytes ?? VALIDATOR_SERVICE_DEFAULTS.maxBodyBytes;
  const timeBudgetMs = options.timeBudgetMs ?? VALIDATOR_SERVICE_DEFAULTS.timeBudgetMs;
  const perIp = new RateLimiter(options.rateLimits?.perIp ?? VALIDATOR_SERVICE_DEFAULTS.perIp);
  const perAddress = new RateLimiter(options.rateLimits?.perAddress ?? VALIDATOR_SERVICE_DEFAULTS.perAddress);
  const extension = path.extname(__filename);
  const pool = new WorkerPool<AttestCheckInput, AttestCheck>({
    script: path.join(__dirname, `check-worker${extension}`),
    size: options.workers ?? VALIDATOR_SERVICE_DEFAULTS.workers,
    maxQueue: options.maxQueue ?? VALIDATOR_SERVICE_DEFAULTS.maxQueue,
    timeoutMs: timeBudgetMs,
    // The native libsecp256k1 binding is not safe to load in worker threads (heap corruption seen here when
    // workers are replaced); a worker unwraps two keys per request, which noble does in a few milliseconds.
    env: { DATACOOP_CURVE: "noble" },
  });
  const describe = {
    address,
    publicKey,
    scorerVersion: SCORER_VERSION,
    chainId: system.chainId.toString(),
    registry: system.addresses.registry,
  };

  async function attest(req: IncomingMessage, started: number): Promise<string> {
    const ipWait = perIp.take(clientIp(req));
    if (ipWait > 0) throw rateLimited("this IP address", ipWait);
    const body = await readBody(req, maxBodyBytes);
    let request;
    try {
      request = decodeAttestRequest(body.toString("utf8"));
    } catch (error) {
      if (error instanceof RoleError) throw new HttpError(400, "INVALID_INPUT", error.message);
      throw error;
    }
    const addressWait = perAddress.take(request.contributor);
    if (addressWait > 0) throw rateLimited("this contributor address", addressWait);
    const response = await verifyAndAttest(system, validator, store, request, {
      check: (input) => pool.run(input, Math.max(1, started + timeBudgetMs - performance.now())),
    });
    return encodeAttestResponse(response);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const route = `${req.method ?? ""} ${(req.url ?? "").split("?")[0]}`;
    let status = 200;
    let code: string | undefined;
    try {
      if (handleCors(cors, req, res)) status = res.statusCode;
      else if (route === "GET /health") sendJson(res, 200, { ok: true, workers: pool.load });
      else if (route === "GET /") sendJson(res, 200, describe);
      else if (route === "POST /v1/attestations") {
        const budget = new Promise<never>((_, reject) => {
          const timer = setTimeout(
            () => reject(new HttpError(504, "TIMEOUT", `The request took longer than its ${timeBudgetMs} ms budget.`)),
            timeBudgetMs,
          );
          res.on("close", () => clearTimeout(timer));
        });
        sendJson(res, 200, await Promise.race([attest(req, started), budget]));
      } else throw new HttpError(404, "NOT_FOUND", `No route ${route}; see GET / and POST /v1/attestations.`);
    } catch (error) {
      const http = asHttpError(error);
      status = http.status;
      code = http.code;
      if (!res.headersSent) {
        const headers: Record<string, string> = {};
        if (http instanceof RateLimitedError) headers["retry-after"] = String(http.retryAfter);
        if (!req.complete) headers.connection = "close";
        sendError(res, http, headers);
      }
      // Let a client still sending a refused body read the answer; then close.
      if (!req.complete) drain(req, maxBodyBytes * 2);
    }
    log({
      level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
      msg: "request",
      route,
      status,
      code,
      ms: Math.round(performance.now() - started),
    });
  }

  const server = createServer((req, res) => void handle(req, res));
  server.requestTimeout = timeBudgetMs + 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address: host, port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  log({ level: "info", msg: "validator service listening", url, address });
  return {
    url,
    address,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pool.close();
    },
  };
}

class RateLimitedError extends HttpError {
  constructor(
    who: string,
    readonly retryAfter: number,
  ) {
    super(429, "RATE_LIMITED", `Too many requests from ${who}; retry in ${retryAfter} s.`);
  }
}

function rateLimited(who: string, seconds: number): RateLimitedError {
  return new RateLimitedError(who, seconds);
}

function asHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof RoleError || error instanceof JobError) {
    return new HttpError(statusOf(error.code), error.code, error.message);
  }
  if (error instanceof BlobStoreError) {
    return new HttpError(503, "STORE_UNAVAILABLE", "The blob store did not answer; retry later.");
  }
  // Anything else is a bug or an outage (RPC): say so without echoing internals.
  return new HttpError(500, "INTERNAL", "The validator failed to process the request; retry later.");
}
