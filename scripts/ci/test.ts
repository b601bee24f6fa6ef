/**
 * `npm test`: every check CI runs, as one command. Each step is an npm script (or `hardhat test`) run as its
 * own process; a step starts once the steps it needs have passed, and up to `DATACOOP_TEST_JOBS` steps
 * (default 2: the cores of our machines) run at once, because on two cores a step that waits on a node,
 * a browser or a block interval leaves a core idle. Each step's output goes to a log and is printed whole
 * when the step ends, so output never interleaves; then its name, wall time and CPU time.
 *
 * The first failure stops the run: no new step starts, the running ones are stopped with every process
 * they started (their own process groups too: the smokes and test:web start nodes in groups of their own),
 * the failed step's log is printed, and the exit status is 1.
 *
 *   npm test                        every step
 *   DATACOOP_TEST_JOBS=1 npm test   one step at a time, in the order below
 *   DATACOOP_TEST_STEPS=lint,typecheck npm test   only these steps (a step left out counts as passed)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const STOP_MS = 15_000;

interface Step {
  readonly name: string;
  readonly command: readonly string[];
  /** Steps that must pass first: they write what this one reads (artifacts, typechain-types). */
  readonly needs: readonly string[];
}

const npm = (script: string, needs: readonly string[] = []): Step => ({
  name: script,
  command: ["npm", "run", "--silent", script],
  needs,
});
const COMPILED = ["compile"];

/** Every file `hardhat test` loads when given none: hardhat's rule, .js/.cjs/.mjs/.ts/.cts/.mts under test/. */
export function testFiles(dir = path.join(ROOT, "test")): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) return testFiles(file);
      return /\.(c|m)?(js|ts)$/.test(entry.name) ? [path.relative(ROOT, file)] : [];
    })
    .sort();
}

/**
 * The mocha suite in two halves run side by side, each `hardhat test --no-compile <its files>`: one process
 * is single-threaded and was the longest step (~360 s of CPU). The first half is these directories (the
 * stack, the services, the model-based invariants, the findings: about half of the suite's time, measured),
 * the second every other file, so a new spec file always runs in one of them.
 */
const FIRST_HALF = ["test/services/", "test/integration/", "test/findings/"];
function mochaHalves(): Step[] {
  const files = testFiles();
  const first = files.filter((f) => FIRST_HALF.some((d) => f.startsWith(d)));
  const second = files.filter((f) => !first.includes(f));
  if (first.length === 0 || second.length === 0) throw new Error(`test/ has no files in or outside ${FIRST_HALF}.`);
  const hardhatTest = (name: string, list: string[]): Step => ({
    name,
    command: ["npx", "--no-install", "hardhat", "test", "--no-compile", ...list],
    needs: COMPILED,
  });
  return [hardhatTest("hardhat test 1/2", first), hardhatTest("hardhat test 2/2", second)];
}

/**
 * In the order a one-job run takes them. The long steps start first (the mocha suite and the smokes are most
 * of the time) and the short ones fill in at the end, so that no long step starts last and runs alone.
 */
export const STEPS: readonly Step[] = [
  npm("compile"),
  npm("lint"),
  npm("test:fuzz"),
  ...mochaHalves(),
  npm("smoke:testnet", COMPILED),
  npm("smoke:localhost", COMPILED),
  npm("test:web", COMPILED),
  npm("package:test", COMPILED),
  npm("typecheck", COMPILED),
  npm("docs:check", COMPILED),
  npm("check:static", COMPILED),
];

interface Outcome {
  readonly step: Step;
  readonly ok: boolean;
  readonly seconds: number;
  readonly cpu?: number;
}

const TIME = "/usr/bin/time";
const seconds = (since: number): number => (Date.now() - since) / 1000;
const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** Every live descendant of `pid` (by parent pid, from /proc): they may sit in process groups of their own. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name, in parentheses, may hold spaces: the parent pid is the second field after it.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const walk = (p: number): void => {
    for (const child of children.get(p) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Stops a running step and all it started: SIGTERM to each process group and process, SIGKILL after STOP_MS. */
export async function stop(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const tree = existsSync("/proc") ? descendants(pid) : [];
  const groups = [pid, ...tree];
  for (const p of groups) signal(-p, "SIGTERM");
  for (const p of tree) signal(p, "SIGTERM");
  const deadline = Date.now() + STOP_MS;
  const alive = (p: number): boolean => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  while ([pid, ...tree].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  for (const p of groups) signal(-p, "SIGKILL");
  for (const p of tree) signal(p, "SIGKILL");
}

async function main(): Promise<void> {
  const jobs = Number(process.env.DATACOOP_TEST_JOBS ?? "2");
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`DATACOOP_TEST_JOBS must be a whole number ≥ 1.`);
  const only = process.env.DATACOOP_TEST_STEPS?.split(",").map((n) => n.trim());
  const unknown = only?.filter((n) => !STEPS.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0) throw new Error(`DATACOOP_TEST_STEPS names no step ${unknown.join(", ")}.`);
  const steps = STEPS.filter((s) => only === undefined || only.includes(s.name));
  const logs = mkdtempSync(path.join(tmpdir(), "datacoop-test-"));
  const timed = existsSync(TIME);
  const started = Date.now();
  const done = new Map<string, Outcome>();
  const running = new Map<string, ChildProcess>();
  let failed: Outcome | undefined;
  say(`npm test: ${steps.length} steps, up to ${jobs} at a time (DATACOOP_TEST_JOBS)`);
  // Ctrl-C reaches only this process (the steps run in groups of their own): stop them before leaving.
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      say(`npm test: ${sig}; stopping ${[...running.keys()].join(", ") || "nothing"}`);
      void Promise.all([...running.values()].map(stop)).finally(() => {
        rmSync(logs, { recursive: true, force: true });
        process.exit(130);
      });
    });
  }

  const run = (step: Step): Promise<Outcome> =>
    new Promise((resolve) => {
      const log = path.join(logs, `${step.name.replace(/[^a-z0-9]+/gi, "-")}.log`);
      const usage = `${log}.time`;
      const fd = openSync(log, "w");
      const [command, ...args] = timed ? [TIME, "-q", "-f", "%U %S", "-o", usage, ...step.command] : step.command;
      const t0 = Date.now();
      // Its own process group, so stopping it reaches everything it runs.
      // DATACOOP_COMPILED: the smokes and package:test skip their own (no-op) compile, which would race.
      const env = { ...process.env, ...(step.needs.includes("compile") ? { DATACOOP_COMPILED: "1" } : {}) };
      const child = spawn(command!, args, { cwd: ROOT, env, stdio: ["ignore", fd, fd], detached: true });
      running.set(step.name, child);
      say(`▶ ${step.name}`);
      child.once("exit", (code) => {
        closeSync(fd);
        running.delete(step.name);
        let cpu: number | undefined;
        if (timed && existsSync(usage)) {
          const fields = readFileSync(usage, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
          if (fields.length === 2 && fields.every(Number.isFinite)) cpu = fields[0]! + fields[1]!;
        }
        const outcome = { step, ok: code === 0, seconds: seconds(t0), cpu };
        if (failed === undefined) {
          const text = readFileSync(log, "utf8");
          process.stdout.write(text.endsWith("\n") || text === "" ? text : `${text}\n`);
          const cpuText = cpu === undefined ? "" : `, ${cpu.toFixed(0)} s CPU`;
          say(
            `${outcome.ok ? "✔" : "✘"} ${step.name}: ${outcome.ok ? "passed" : `FAILED (exit ${code})`} in ${outcome.seconds.toFixed(0)} s${cpuText}\n`,
          );
        }
        resolve(outcome);
      });
    });

  await new Promise<void>((allDone) => {
    const next = (): void => {
      if (failed !== undefined) return;
      const waiting = steps.filter((s) => !done.has(s.name) && !running.has(s.name));
      if (waiting.length === 0 && running.size === 0) return allDone();
      for (const step of waiting) {
        if (running.size >= jobs) break;
        if (!step.needs.every((n) => done.get(n)?.ok === true || !steps.some((s) => s.name === n))) continue;
        void run(step).then(async (outcome) => {
          done.set(step.name, outcome);
          if (!outcome.ok && failed === undefined) {
            failed = outcome;
            const others = [...running.entries()];
            if (others.length > 0) say(`stopping ${others.map(([n]) => n).join(", ")} (a step failed)`);
            await Promise.all(others.map(([, child]) => stop(child)));
            return allDone();
          }
          next();
        });
      }
    };
    next();
  });

  const total = seconds(started);
  say("npm test: step                 wall s   CPU s");
  for (const step of steps) {
    const o = done.get(step.name);
    const state = o === undefined ? "not run" : o.ok ? "" : o === failed ? "FAILED" : "stopped";
    const wall = o === undefined ? "" : o.seconds.toFixed(0);
    say(`  ${step.name.padEnd(20)} ${wall.padStart(6)} ${(o?.cpu?.toFixed(0) ?? "").padStart(7)}  ${state}`);
  }
  rmSync(logs, { recursive: true, force: true });
  if (failed !== undefined) {
    say(`npm test: FAILED at ${failed.step.name} after ${total.toFixed(0)} s (its output is above)`);
    process.exit(1);
  }
  say(`npm test: all ${steps.length} steps passed in ${total.toFixed(0)} s`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
