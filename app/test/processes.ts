/**
 * Background processes for the browser test: each in its own process group (`npx hardhat node`
 * re-executes itself in a child that holds the port, so the group is what gets signalled), with its output
 * in a log, and every one of them stopped at the end.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";

const started: ChildProcess[] = [];
/** Services started in this process (a blob store, validators), stopped first by `stopAll`. */
const inProcess: (() => Promise<void>)[] = [];

/** Registers how to stop something started in this process; `stopAll` calls it, newest first. */
export function atExit(stop: () => Promise<void>): void {
  inProcess.push(stop);
}

/** A free TCP port on 127.0.0.1, chosen now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `command` in its own process group, output to `log`. */
export function background(
  log: string,
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
) {
  const out = createWriteStream(log);
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, detached: true });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  started.push(child);
  return child;
}

/** Runs `command` to completion (output to `log`); rejects with the log's path when it fails. */
export function run(log: string, command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<void>((resolve, reject) => {
    const child = background(log, command, args, options);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} failed (${code}); see ${log}`)),
    );
  });
}

/** Stops what was started in this process, signals every process group started here, then waits briefly for them to go. */
export async function stopAll(): Promise<void> {
  for (const stop of inProcess.splice(0).reverse()) await stop().catch(() => undefined);
  for (const child of started) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  }
  await Promise.all(
    started.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => {
            try {
              if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
            } catch {
              // already gone
            }
            resolve();
          }, 3000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
}

/** Polls `check` every 250 ms until it returns true, for at most `ms`. */
export async function waitFor(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`Timed out after ${ms} ms waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
