/**
 * The custodian daemon's durable state, in one embedded SQLite file (better-sqlite3, synchronous): every
 * change is committed before the daemon's next await, so a process killed at any point leaves the file
 * exactly as of its last completed step.
 *
 * | table           | what it holds                                                                   |
 * |-----------------|---------------------------------------------------------------------------------|
 * | `meta`          | chain id and escrow address the file belongs to; `last_block`, the last block   |
 * |                 | whose approvals and registry events are all recorded                             |
 * | `registry_logs` | the registry's eligibility events (Contributed, Superseded, PurposesChanged,   |
 * |                 | Revoked) up to `last_block`, raw, in chain order: the local index a delivery   |
 * |                 | folds instead of rescanning the chain from the deployment's first block        |
 * | `requests`      | every approved request seen, and where this custodian is with it               |
 *
 * A request moves `pending` → `sending` (intent recorded, before anything is sent) → `posted` (this share is
 * on chain, the other custodians' are awaited; rechecked, and posted again if the round restarts) →
 * `delivered` (the fee is released), or to `closed` (refunded, cancelled, deadline passed). A request found `sending` on start
 * is one whose outcome the daemon did not see (it stopped mid-delivery): it is reconciled with the chain
 * before anything else is sent, so nothing is posted twice.
 */
import Database from "better-sqlite3";

import type { RawLog } from "../../src/roles";

/** Where this custodian is with one approved request. */
export type RequestState = "pending" | "sending" | "posted" | "delivered" | "closed";

/** One approved request as the daemon tracks it. */
export interface TrackedRequest {
  readonly requestId: bigint;
  readonly deliveryDeadline: bigint;
  readonly state: RequestState;
  /** Delivery attempts begun (intents recorded). */
  readonly attempts: number;
  /** Unix milliseconds before which no new attempt starts (back-off after a failure). */
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly txHash: string | null;
  readonly setSize: number | null;
}

/** An approval found on chain, to be tracked. */
export interface Approval {
  readonly requestId: bigint;
  readonly deliveryDeadline: bigint;
}

/** A registry log with its position in the block (raw JSON-RPC `logIndex` or ethers' `index`). */
export type IndexedLog = RawLog & { readonly logIndex?: string | number; readonly index?: number };

/** Raised when the state file belongs to another chain or deployment: refusing beats mixing two deployments. */
export class CustodianStateError extends Error {
  override readonly name = "CustodianStateError";
}

interface RequestRow {
  request_id: number;
  delivery_deadline: number;
  state: RequestState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  tx_hash: string | null;
  set_size: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS registry_logs (
  block INTEGER NOT NULL,
  log_index INTEGER NOT NULL,
  topics TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (block, log_index)
) STRICT;
CREATE TABLE IF NOT EXISTS requests (
  request_id INTEGER PRIMARY KEY,
  delivery_deadline INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'posted', 'delivered', 'closed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  tx_hash TEXT,
  set_size INTEGER,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS requests_open ON requests (state, delivery_deadline);
`;

/** Request ids and block numbers are counters far below 2^53: stored as SQLite integers. */
function safeInteger(value: bigint | number, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new CustodianStateError(`${what} ${value} is out of range.`);
  return n;
}

function toRequest(row: RequestRow): TrackedRequest {
  return {
    requestId: BigInt(row.request_id),
    deliveryDeadline: BigInt(row.delivery_deadline),
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    txHash: row.tx_hash,
    setSize: row.set_size,
  };
}

/** The daemon's state file. */
export class CustodianState {
  private readonly db: Database.Database;

  /**
   * Opens (or creates) the state file for one deployment.
   * @param file the SQLite file (`:memory:` for a throwaway state)
   * @param deployment the chain id and escrow address it belongs to
   * @param startBlock where tracking starts in a new file (the block before the deployment's first)
   * @throws CustodianStateError if the file belongs to another chain or escrow
   */
  constructor(file: string, deployment: { chainId: bigint; escrow: string }, startBlock: number) {
    this.db = new Database(file);
    // WAL: a reader (the health endpoint) never blocks the writer; NORMAL sync is durable across a process
    // crash (what the daemon guards against); a power loss can lose the last commits, which reconcile redoes.
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(SCHEMA);
    const expected = { chain_id: deployment.chainId.toString(), escrow: deployment.escrow.toLowerCase() };
    for (const [key, value] of Object.entries(expected)) {
      const found = this.meta(key);
      if (found === undefined) this.setMeta(key, value);
      else if (found !== value) {
        this.db.close();
        throw new CustodianStateError(
          `The state file ${file} belongs to ${key} ${found}, not ${value}; give each deployment its own file (DATACOOP_CUSTODIAN_DB).`,
        );
      }
    }
    if (this.meta("last_block") === undefined) this.setMeta("last_block", String(Math.max(-1, startBlock)));
  }

  /** The last block whose approvals and registry events are all recorded. */
  get lastBlock(): number {
    return Number(this.meta("last_block"));
  }

  /**
   * Records one range of blocks in one transaction: its approvals (new requests start `pending`; one already
   * tracked is left as it is), its registry events, and the new `last_block`. Either all of it or none.
   */
  recordBlocks(toBlock: number, approvals: readonly Approval[], logs: readonly IndexedLog[]): void {
    const now = Date.now();
    const insertRequest = this.db.prepare(
      "INSERT OR IGNORE INTO requests (request_id, delivery_deadline, state, updated_at) VALUES (?, ?, 'pending', ?)",
    );
    const insertLog = this.db.prepare(
      "INSERT OR IGNORE INTO registry_logs (block, log_index, topics, data) VALUES (?, ?, ?, ?)",
    );
    this.db.transaction(() => {
      for (const a of approvals) {
        insertRequest.run(safeInteger(a.requestId, "request id"), safeInteger(a.deliveryDeadline, "deadline"), now);
      }
      for (const log of logs) {
        const index = log.logIndex ?? log.index;
        if (index === undefined) throw new CustodianStateError("A registry log came without its log index.");
        insertLog.run(Number(log.blockNumber), Number(index), JSON.stringify(log.topics), log.data);
      }
      this.setMeta("last_block", String(toBlock));
    })();
  }

  /** The recorded registry events of an inclusive block range, in chain order. */
  logs(fromBlock: number, toBlock: number): RawLog[] {
    const rows = this.db
      .prepare("SELECT block, topics, data FROM registry_logs WHERE block BETWEEN ? AND ? ORDER BY block, log_index")
      .all(fromBlock, toBlock) as { block: number; topics: string; data: string }[];
    return rows.map((r) => ({ blockNumber: r.block, topics: JSON.parse(r.topics) as string[], data: r.data }));
  }

  /** Open requests (`pending`, `sending`, `posted`) whose wait has run out at `now`, earliest deadline first. */
  due(now: number): TrackedRequest[] {
    const rows = this.db
      .prepare(
        "SELECT * FROM requests WHERE state IN ('pending', 'sending', 'posted') AND next_attempt_at <= ? ORDER BY delivery_deadline, request_id",
      )
      .all(now) as RequestRow[];
    return rows.map(toRequest);
  }

  /** Every open request, for deadline warnings. */
  open(): TrackedRequest[] {
    return this.due(Number.MAX_SAFE_INTEGER);
  }

  /** One tracked request, or `undefined`. */
  request(requestId: bigint): TrackedRequest | undefined {
    const row = this.db
      .prepare("SELECT * FROM requests WHERE request_id = ?")
      .get(safeInteger(requestId, "request id"));
    return row === undefined ? undefined : toRequest(row as RequestRow);
  }

  /** Counts of tracked requests per state. */
  counts(): Record<RequestState, number> {
    const counts: Record<RequestState, number> = { pending: 0, sending: 0, posted: 0, delivered: 0, closed: 0 };
    const rows = this.db.prepare("SELECT state, COUNT(*) AS n FROM requests GROUP BY state").all() as {
      state: RequestState;
      n: number;
    }[];
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  /** Records the intent to deliver, before anything is built or sent. */
  recordIntent(requestId: bigint): void {
    this.update(requestId, "state = 'sending', attempts = attempts + 1, last_error = NULL");
  }

  /** A failed attempt: back to `pending`, no new attempt before `retryAt`. */
  recordFailure(requestId: bigint, error: string, retryAt: number): void {
    this.update(requestId, "state = 'pending', last_error = ?, next_attempt_at = ?", error, retryAt);
  }

  /** A stopped attempt whose outcome is not known yet (a transaction still in flight): ask again at `retryAt`. */
  deferUntil(requestId: bigint, retryAt: number): void {
    this.update(requestId, "next_attempt_at = ?", retryAt);
  }

  /** This custodian's share is on chain, the fee not yet released: look again at `recheckAt`. */
  recordPosted(requestId: bigint, txHash: string | null, setSize: number | null, recheckAt: number): void {
    this.update(
      requestId,
      "state = 'posted', tx_hash = COALESCE(?, tx_hash), set_size = COALESCE(?, set_size), last_error = NULL, next_attempt_at = ?",
      txHash,
      setSize,
      recheckAt,
    );
  }

  /** Delivered: by this daemon (with its transaction) or found delivered on chain when reconciling. */
  recordDelivered(requestId: bigint, txHash: string | null, setSize: number | null): void {
    this.update(
      requestId,
      "state = 'delivered', tx_hash = COALESCE(?, tx_hash), set_size = COALESCE(?, set_size), last_error = NULL",
      txHash,
      setSize,
    );
  }

  /** Nothing left to do for this custodian (refunded, delivered by others, deadline passed). */
  recordClosed(requestId: bigint, reason: string): void {
    this.update(requestId, "state = 'closed', last_error = ?", reason);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private update(requestId: bigint, set: string, ...values: (string | number | null)[]): void {
    this.db
      .prepare(`UPDATE requests SET ${set}, updated_at = ? WHERE request_id = ?`)
      .run(...values, Date.now(), safeInteger(requestId, "request id"));
  }

  private meta(key: string): string | undefined {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return row?.value;
  }

  private setMeta(key: string, value: string): void {
    this.db
      .prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      .run(key, value);
  }
}
