import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { expect } from "chai";
import { Wallet } from "ethers";

import { groupAlive } from "../../scripts/stack";

const ROOT = path.resolve(__dirname, "..", "..");
const READY_MS = 240_000;
const STOP_MS = 30_000;

interface ReadyLine {
  ready: boolean;
  rpc: string;
  store: string;
  validators: string[];
  custodians: string[];
  pids: number[];
}

/** A running `scripts/stack.ts`, with what it announced on stderr so far. */
interface Stack {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  /** The process groups of the services it started (`stack: started <name> (pid N)`), as announced. */
  readonly groups: number[];
  stderr: string;
}

/** A TCP port free on 127.0.0.1 now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject()));
    });
  });
}

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function startStack(env: NodeJS.ProcessEnv = {}): Promise<Stack> {
  const port = await freePort();
  // `npm run stack` without npm and npx in between, so the signal reaches the stack itself.
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/stack.ts"], {
    cwd: ROOT,
    env: { ...process.env, DATACOOP_STACK_PORT: String(port), ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const stack: Stack = { child, port, exited, groups: [], stderr: "" };
  child.stderr?.on("data", (chunk: Buffer) => {
    stack.stderr += chunk.toString();
    stack.groups.splice(0, stack.groups.length, ...announcedGroups(stack.stderr));
  });
  return stack;
}

function announcedGroups(stderr: string): number[] {
  return [...stderr.matchAll(/^stack: started \S+ \(pid (\d+)\)$/gm)].map((m) => Number(m[1]));
}

/** Resolves once the stack has written `text` to stderr; rejects if it exits first. */
async function announced(stack: Stack, text: string): Promise<void> {
  const deadline = Date.now() + READY_MS;
  while (!stack.stderr.includes(text)) {
    if (stack.child.exitCode !== null) throw new Error(`the stack exited before "${text}":\n${stack.stderr}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" within ${READY_MS / 1000} s:\n${stack.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * How the tests stop a stack, also when a test failed or timed out: `signal` to the stack, which stops what it
 * started and exits; then, only if it did not within STOP_MS, SIGKILL to it and to every group it announced.
 * Returns the groups that were still alive after its own stop: a SIGKILL of the stack alone (what this did
 * before) would leave every service running, in process groups of their own.
 */
async function stopStack(stack: Stack, signal: NodeJS.Signals = "SIGTERM"): Promise<number[]> {
  const pid = stack.child.pid!;
  if (stack.child.exitCode === null && stack.child.signalCode === null) {
    process.kill(pid, signal);
    await within(STOP_MS, "stopping the stack", stack.exited).catch(() => undefined);
  }
  const alive = [pid, ...stack.groups].filter(groupAlive);
  for (const group of alive) process.kill(-group, "SIGKILL");
  const deadline = Date.now() + STOP_MS;
  while (alive.some(groupAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return alive;
}

const deploymentDir = (stack: Stack): string => path.join(ROOT, "deploy", "deployments", `stack-${stack.port}`);

describe("services: npm run stack", function () {
  this.timeout(READY_MS + STOP_MS + 30_000);
  let stack: Stack | undefined;

  afterEach(async function () {
    // Whatever happened (a failure, a timeout), leave nothing running and no deployment behind.
    if (stack === undefined) return;
    const left = stack;
    stack = undefined;
    expect(await stopStack(left), "process groups left running").to.deep.equal([]);
    expect(existsSync(deploymentDir(left)), "deployment directory").to.equal(false);
  });

  it("comes up with every service healthy, prints its ready line, and stops every child on SIGTERM", async function () {
    stack = await startStack();
    const lines = createInterface({ input: stack.child.stdout! });
    const started = stack;
    const first = new Promise<ReadyLine>((resolve, reject) => {
      lines.once("line", (line) => resolve(JSON.parse(line) as ReadyLine));
      void started.exited.then((code) =>
        reject(new Error(`the stack exited (${code}) before it was ready:\n${started.stderr}`)),
      );
    });
    const ready = await within(READY_MS, "the ready line", first);

    expect(ready).to.include({ ready: true, rpc: `http://127.0.0.1:${stack.port}` });
    expect(ready.custodians).to.have.length.greaterThan(0);
    const chain = await fetch(ready.rpc, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    expect(((await chain.json()) as { result: string }).result).to.equal("0x7a69");
    for (const url of [...ready.custodians, ...ready.validators]) {
      const health = await fetch(`${url}/health`);
      expect(health.status, url).to.equal(200);
    }
    const custodian = (await (await fetch(`${ready.custodians[0]}/health`)).json()) as { lastBlock: number };
    expect(custodian.lastBlock).to.be.greaterThan(0);
    expect((await fetch(`${ready.store}/0x${"0".repeat(64)}`, { method: "HEAD" })).status).to.equal(404);
    expect(existsSync(deploymentDir(stack)), "the deployment's files while it runs").to.equal(true);

    process.kill(stack.child.pid!, "SIGTERM");
    expect(await within(STOP_MS, "stopping the stack", stack.exited)).to.equal(0);
    for (const pid of ready.pids) expect(groupAlive(pid), `process group ${pid}`).to.equal(false);
    expect(existsSync(deploymentDir(stack)), "the deployment's files after it stopped").to.equal(false);
    await expect(fetch(ready.rpc, { method: "POST" })).to.be.rejected;
  });

  it("stops every process it started and removes its deployment when a start fails", async function () {
    // A deployment that reverts at its last step (a published validator key that is no validator's), so the
    // node and Ignition's files exist when the start fails.
    const dir = await mkdtemp(path.join(tmpdir(), "datacoop-stack-test-"));
    try {
      const local = JSON.parse(await readFile(path.join(ROOT, "deploy", "parameters", "localhost.json"), "utf8")) as {
        DataCoopLocal: { validatorPublicKeys: string[] };
      };
      local.DataCoopLocal.validatorPublicKeys[0] = Wallet.createRandom().signingKey.publicKey;
      const parameters = path.join(dir, "parameters.json");
      await writeFile(parameters, JSON.stringify(local));
      stack = await startStack({ DATACOOP_STACK_PARAMETERS: parameters });
      expect(await within(READY_MS, "the failed start", stack.exited)).to.equal(1);
      expect(stack.stderr).to.include("the Ignition deployment failed");
      expect(stack.groups).to.have.length(2); // the node and the deployment
      for (const pid of stack.groups) expect(groupAlive(pid), `process group ${pid}`).to.equal(false);
      expect(existsSync(deploymentDir(stack))).to.equal(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("stops every process it started when its terminal hangs up during start-up", async function () {
    stack = await startStack();
    await announced(stack, "stack: started node");
    // SIGHUP's default action ends a process without its handlers: the node would keep running.
    expect(await stopStack(stack, "SIGHUP")).to.deep.equal([]);
    expect(await stack.exited).to.equal(129);
  });
});
