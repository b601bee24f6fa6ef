/**
 * The custodian daemon: watches the chain for approved requests and delivers this custodian's share of each
 * on its own, as soon as it is approved, crash-safe (see ./state.ts for the tables and the request states).
 *
 * One tick: (1) record blocks `last_block + 1 … head − confirmations` in chunks, each chunk's approvals,
 * registry events and new `last_block` in one SQLite transaction, so a restart resumes from the last chunk
 * and misses nothing; (2) for every open request, earliest deadline first: reconcile with the chain (already
 * delivered → done; refunded or past its deadline → closed), record the intent, deliver, record the outcome.
 * A request found `sending` on start (the daemon stopped between intent and outcome) is delivered again only
 * if the chain shows no delivery and this account has no transaction in flight; the escrow refuses a second
 * post anyway, so a crash can cost a retry, never a double delivery.
 */
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

import {
  type DataCoop,
  type EligibilityLogReader,
  type EscrowRequest,
  type RawLog,
  chainTime,
  eligibilityLogs,
  readRequest,
} from "../../src/roles";
import { scanEvents } from "../../src/roles/events";
import type { CustodyAdapter } from "./delivery";
import { type LogSink, jsonLogger } from "./log";
import { type Approval, CustodianState, type TrackedRequest } from "./state";

/** Options of {@link startCustodianDaemon}. */
export interface CustodianDaemonOptions {
  /** The deployment (its `fromBlock` is where a new state file starts). */
  readonly system: DataCoop;
  /**
   * How shares are delivered (./delivery.ts), given the reader of the registry events the daemon records,
   * so a delivery folds the local copy instead of rescanning the chain.
   */
  readonly delivery: (eligibilityLogs: EligibilityLogReader) => Promise<CustodyAdapter>;
  /** The SQLite state file. */
  readonly dbPath: string;
  /** Interface of the health endpoint; default 127.0.0.1. */
  readonly host?: string;
  /** Port of the health endpoint; default 0 (any free port, see `url`). */
  readonly port?: number;
  /** Milliseconds between ticks; default 2000. 0: no timer, the caller runs {@link CustodianDaemon.tick}. */
  readonly pollIntervalMs?: number;
  /** Blocks behind the head to stay (reorg safety on a public chain); default 0. */
  readonly confirmations?: number;
  /** Blocks recorded per transaction while catching up; default 2000. */
  readonly chunkBlocks?: number;
  /** First back-off after a failed delivery, doubled per attempt up to 5 minutes; default 5000 ms. */
  readonly retryMs?: number;
  /** Warn when a request is still undelivered this close to its delivery deadline; default 6 hours. */
  readonly warnBeforeSeconds?: number;
  /** Where JSON log lines go; default stdout. */
  readonly log?: LogSink;
  /** Test hooks run at the two points a crash matters; a hook that throws stops the tick like a crash. */
  readonly hooks?: {
    readonly afterIntent?: (requestId: bigint) => void | Promise<void>;
    readonly afterSend?: (requestId: bigint) => void | Promise<void>;
  };
}

/** A running custodian daemon. */
export interface CustodianDaemon {
  /** Base URL of the health endpoint (`GET /health`). */
  readonly url: string;
  /** The state file, for inspection. */
  readonly state: CustodianState;
  /** Runs one tick now (after any running one); rejects if the tick stopped (a hook threw). */
  tick(): Promise<void>;
  /** Stops the timer and the endpoint, waits for the running tick, closes the state file. */
  close(): Promise<void>;
}

const MAX_RETRY_MS = 5 * 60_000;

/** Starts the daemon: opens its state, listens for health checks, and ticks every `pollIntervalMs`. */
export async function startCustodianDaemon(options: CustodianDaemonOptions): Promise<CustodianDaemon> {
  const { system } = options;
  const log = jsonLogger(options.log);
  const state = new CustodianState(
    options.dbPath,
    { chainId: system.chainId, escrow: system.addresses.escrow },
    system.fromBlock - 1,
  );
  const confirmations = options.confirmations ?? 0;
  const chunkBlocks = options.chunkBlocks ?? 2000;
  const retryMs = options.retryMs ?? 5000;
  // How soon a posted share is looked at again (the fee released, or the round restarted).
  const recheckMs = Math.min(retryMs, 30_000);
  const warnBefore = BigInt(options.warnBeforeSeconds ?? 6 * 3600);
  let lastError: string | null = null;
  let stopped = false;

  /** Registry events for a delivery: recorded ones from the state file, newer ones from the chain. */
  const readLogs = async (from: number, to: number): Promise<readonly RawLog[]> => {
    const recorded = state.lastBlock;
    const logs = state.logs(from, Math.min(to, recorded));
    if (to > recorded) logs.push(...(await eligibilityLogs(system, Math.max(from, recorded + 1), to)));
    return logs;
  };
  const delivery = await options.delivery(readLogs);

  const sync = async (): Promise<void> => {
    const head = (await system.provider.getBlockNumber()) - confirmations;
    const filter = system.escrow.filters.RequestApproved();
    while (!stopped && state.lastBlock < head) {
      const from = state.lastBlock + 1;
      const to = Math.min(head, from + chunkBlocks - 1);
      const approved = await scanEvents(
        system,
        "approvals",
        (f, t) => system.escrow.queryFilter(filter, f, t),
        to,
        from,
      );
      const approvals: Approval[] = approved.map((e) => ({
        requestId: e.args.requestId,
        deliveryDeadline: e.args.deliveryDeadline,
      }));
      const logs = await eligibilityLogs(system, from, to);
      state.recordBlocks(to, approvals, logs);
      for (const a of approvals) {
        log("info", "approved", { requestId: a.requestId, deliveryDeadline: a.deliveryDeadline, block: to });
      }
    }
  };

  const handle = async (tracked: TrackedRequest): Promise<void> => {
    const { requestId } = tracked;
    const request: EscrowRequest = await readRequest(system, requestId);
    const progress = await delivery.progress(requestId, request);
    if (progress === "delivered") {
      // Released on chain: after our post, possibly before a crash (intent recorded, outcome not), or by others.
      state.recordDelivered(requestId, null, null);
      log("info", tracked.state === "sending" ? "reconciled" : "released", { requestId });
      return;
    }
    if (progress === "posted") {
      // Our share is on chain in this round; the fee waits for the other custodians' shares.
      state.recordPosted(requestId, null, null, Date.now() + recheckMs);
      if (tracked.state === "sending") log("info", "reconciled", { requestId });
      return;
    }
    if (tracked.state === "posted") {
      // Posted before, but the round restarted (new consent epoch, custodian set or withdrawal): post again.
      log("info", "round-restarted", { requestId });
    }
    if (request.statusName !== "Approved") {
      state.recordClosed(requestId, `request is ${request.statusName}`);
      log("info", "closed", { requestId, status: request.statusName });
      return;
    }
    const now = await chainTime(system.provider);
    if (now > request.deliveryDeadline) {
      state.recordClosed(requestId, "delivery deadline passed");
      log("error", "deadline-missed", { requestId, deliveryDeadline: request.deliveryDeadline });
      return;
    }
    if (tracked.state === "sending" && (await inFlight(system, delivery.address))) {
      // A transaction from before the stop may still land: wait for it rather than build a second one.
      state.deferUntil(requestId, Date.now() + retryMs);
      log("warn", "in-flight", { requestId });
      return;
    }
    state.recordIntent(requestId);
    await options.hooks?.afterIntent?.(requestId);
    const started = performance.now();
    let result;
    try {
      result = await delivery.deliver(requestId);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const attempts = tracked.attempts + 1;
      const wait = retryMs === 0 ? 0 : Math.min(MAX_RETRY_MS, retryMs * 2 ** (attempts - 1));
      state.recordFailure(requestId, message, Date.now() + wait);
      log("error", "delivery-failed", { requestId, attempts, retryInMs: wait, error: message });
      return;
    }
    await options.hooks?.afterSend?.(requestId);
    if (result.released) state.recordDelivered(requestId, result.txHash, result.setSize);
    else state.recordPosted(requestId, result.txHash, result.setSize, Date.now() + recheckMs);
    log("info", "delivered", {
      requestId,
      setSize: result.setSize,
      released: result.released,
      ms: Math.round(performance.now() - started),
      seconds: result.seconds,
      manifestHash: result.manifestHash,
      txHash: result.txHash,
    });
  };

  const warned = new Map<bigint, number>();
  const warnDeadlines = async (): Promise<void> => {
    const open = state.open();
    if (open.length === 0) return;
    const now = await chainTime(system.provider);
    for (const r of open) {
      const left = r.deliveryDeadline - now;
      if (left > warnBefore || Date.now() - (warned.get(r.requestId) ?? 0) < 60_000) continue;
      warned.set(r.requestId, Date.now());
      log("warn", "deadline-approaching", {
        requestId: r.requestId,
        secondsLeft: left,
        attempts: r.attempts,
        lastError: r.lastError,
      });
    }
  };

  const runTick = async (): Promise<void> => {
    await sync();
    for (const tracked of state.due(Date.now())) {
      if (stopped) return;
      await handle(tracked);
    }
    await warnDeadlines();
  };

  let running: Promise<void> = Promise.resolve();
  const tick = (): Promise<void> => {
    const next = running.then(() => (stopped ? undefined : runTick()));
    // The chain of ticks survives a failed one; the caller of this tick still sees its error.
    running = next.then(
      () => {
        lastError = null;
      },
      (error: unknown) => {
        lastError = error instanceof Error ? error.message : String(error);
      },
    );
    return next;
  };

  const server = createServer((req, res) => answer(req, res));
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "GET" || (path !== "/health" && path !== "/")) {
      reply(res, 404, { error: "Not found: GET /health or GET /." });
      return;
    }
    const body = {
      ok: !stopped && lastError === null,
      role: "custodian",
      custodian: delivery.address,
      chainId: system.chainId.toString(),
      escrow: system.addresses.escrow,
      lastBlock: state.lastBlock,
      requests: state.counts(),
      lastError,
    };
    reply(res, body.ok ? 200 : 503, body);
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(":") ? `[${address}]` : address}:${port}`;
  log("info", "started", { url, custodian: delivery.address, lastBlock: state.lastBlock });

  let timer: NodeJS.Timeout | undefined;
  const interval = options.pollIntervalMs ?? 2000;
  const schedule = (): void => {
    if (stopped || interval === 0) return;
    timer = setTimeout(() => {
      tick()
        .catch((error: unknown) =>
          log("error", "tick-failed", { error: error instanceof Error ? error.message : String(error) }),
        )
        .finally(schedule);
    }, interval);
  };
  if (interval !== 0) {
    // The first tick at once: catch up on what was missed while down.
    tick()
      .catch((error: unknown) =>
        log("error", "tick-failed", { error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(schedule);
  }

  return {
    url,
    state,
    tick,
    async close() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await running;
      log("info", "stopped", { lastBlock: state.lastBlock });
      state.close();
    },
  };
}

/** Whether `address` has a transaction sent but not yet mined. */
async function inFlight(system: DataCoop, address: string): Promise<boolean> {
  const [pending, latest] = await Promise.all([
    system.provider.getTransactionCount(address, "pending"),
    system.provider.getTransactionCount(address, "latest"),
  ]);
  return pending > latest;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
}
