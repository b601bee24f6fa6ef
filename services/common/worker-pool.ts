/**
 * A small pool of worker threads for CPU-bound jobs (node:worker_threads), with a bounded queue and a time
 * budget per job. A job past its budget is answered with a timeout and its worker is replaced, so a
 * pathological input cannot hold a worker forever. Jobs and results are structured-cloned.
 *
 * The worker script calls {@link serveJobs} with its handler. A `.ts` script (tests, `hardhat run`) is
 * bundled once per process with esbuild (a dev dependency) into `node_modules/.cache/datacoop-workers/`, so
 * each worker loads one JavaScript file in a fraction of a second instead of compiling the library again
 * through ts-node; packages stay external and resolve from the project's `node_modules`.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { Worker, isMainThread, parentPort } from "node:worker_threads";

/** What a handler's error becomes across the thread boundary. */
export interface JobFailure {
  readonly code: string;
  readonly message: string;
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; failure: JobFailure };

/** Raised when a job fails in the worker (with the handler's code), times out or is refused. */
export class JobError extends Error {
  override readonly name = "JobError";

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface WorkerPoolOptions {
  /** The worker script (`.js`, or `.ts` under ts-node). */
  readonly script: string;
  /** Threads; default 2. */
  readonly size?: number;
  /** Jobs waiting beyond the running ones before new ones are refused (`BUSY`); default 16. */
  readonly maxQueue?: number;
  /** Environment variables set in each worker (on top of the process's). */
  readonly env?: Record<string, string>;
  /** Default time budget of a job, from when it is queued, in milliseconds; default 60 s. */
  readonly timeoutMs?: number;
}

interface Job {
  readonly id: number;
  readonly input: unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly deadline: number;
}

interface Slot {
  worker: Worker;
  job?: Job;
  timer?: NodeJS.Timeout;
}

const bundles = new Map<string, string>();

/** The JavaScript file a worker loads for `script`. */
function loadable(script: string): string {
  if (!script.endsWith(".ts")) return script;
  let bundle = bundles.get(script);
  if (bundle === undefined) {
    // Required here only: installed packages run the compiled `.js` workers and never need esbuild.
    const esbuild = require("esbuild") as typeof import("esbuild");
    const dir = path.join(path.dirname(require.resolve("esbuild/package.json")), "..", ".cache", "datacoop-workers");
    mkdirSync(dir, { recursive: true });
    bundle = path.join(dir, `${path.basename(script, ".ts")}-${process.pid}.js`);
    esbuild.buildSync({
      entryPoints: [script],
      outfile: bundle,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      packages: "external",
      logLevel: "silent",
    });
    bundles.set(script, bundle);
  }
  return bundle;
}

function spawn(script: string, env: Record<string, string>): Worker {
  // A worker's `process.env` is its own copy: what is set here stays in the worker.
  const code = `Object.assign(process.env, ${JSON.stringify(env)}); require(${JSON.stringify(loadable(script))});`;
  return new Worker(code, { eval: true });
}

/** A fixed set of worker threads running one job each at a time. */
export class WorkerPool<I, O> {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {
    this.maxQueue = options.maxQueue ?? 16;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    for (let i = 0; i < (options.size ?? 2); i++) this.slots.push(this.start());
  }

  /** Jobs running and waiting. */
  get load(): { running: number; queued: number; size: number } {
    return {
      running: this.slots.filter((s) => s.job !== undefined).length,
      queued: this.queue.length,
      size: this.slots.length,
    };
  }

  /**
   * Runs one job.
   * @throws JobError `BUSY` when the queue is full, `TIMEOUT` past the budget, or the handler's code
   */
  run(input: I, timeoutMs = this.timeoutMs): Promise<O> {
    if (this.closed) return Promise.reject(new JobError("CLOSED", "The worker pool is closed."));
    if (this.queue.length >= this.maxQueue && this.slots.every((s) => s.job !== undefined)) {
      return Promise.reject(new JobError("BUSY", "Every worker is busy and the queue is full; retry shortly."));
    }
    return new Promise<O>((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        input,
        resolve: resolve as (value: unknown) => void,
        reject,
        deadline: performance.now() + timeoutMs,
      });
      this.dispatch();
    });
  }

  /** Stops every worker; queued jobs are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new JobError("CLOSED", "The worker pool is closed."));
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.timer !== undefined) clearTimeout(slot.timer);
        slot.job?.reject(new JobError("CLOSED", "The worker pool is closed."));
        slot.job = undefined;
        await slot.worker.terminate();
      }),
    );
  }

  private start(): Slot {
    const slot: Slot = { worker: spawn(this.options.script, this.options.env ?? {}) };
    slot.worker.on("message", (reply: Reply) => {
      const job = slot.job;
      if (job === undefined || job.id !== reply.id) return;
      this.finish(slot);
      if (reply.ok) job.resolve(reply.value);
      else job.reject(new JobError(reply.failure.code, reply.failure.message));
    });
    slot.worker.on("error", () => this.replace(slot, new JobError("WORKER_FAILED", "A scoring worker failed.")));
    slot.worker.on("exit", () => {
      if (!this.closed && this.slots.includes(slot))
        this.replace(slot, new JobError("WORKER_FAILED", "A scoring worker exited."));
    });
    return slot;
  }

  private finish(slot: Slot): void {
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
    queueMicrotask(() => this.dispatch());
  }

  /** Ends a slot's job with `error` and puts a fresh worker in its place. */
  private replace(slot: Slot, error: JobError): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.closed) return;
    const job = slot.job;
    this.finish(slot);
    job?.reject(error);
    this.slots[index] = this.start();
    void slot.worker.terminate();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job !== undefined) continue;
      const job = this.queue.shift();
      if (job === undefined) return;
      const left = job.deadline - performance.now();
      if (left <= 0) {
        job.reject(new JobError("TIMEOUT", "The request waited past its time budget for a scoring worker."));
        continue;
      }
      slot.job = job;
      slot.timer = setTimeout(
        () => this.replace(slot, new JobError("TIMEOUT", "Scoring took longer than the time budget.")),
        left,
      );
      slot.worker.postMessage({ id: job.id, input: job.input });
    }
  }
}

/**
 * The worker side: answers each job with `handler(input)`; an error becomes `{ code, message }` through
 * `describe` (so only what it returns crosses back).
 */
export function serveJobs<I, O>(handler: (input: I) => O | Promise<O>, describe: (error: unknown) => JobFailure): void {
  if (isMainThread || parentPort === null) throw new Error("serveJobs runs in a worker thread only.");
  const port = parentPort;
  port.on("message", async (message: { id: number; input: I }) => {
    let reply: Reply;
    try {
      reply = { id: message.id, ok: true, value: await handler(message.input) };
    } catch (error) {
      reply = { id: message.id, ok: false, failure: describe(error) };
    }
    port.postMessage(reply);
  });
}
