import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { expect } from "chai";

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

describe("services: npm run stack", function () {
  this.timeout(READY_MS + STOP_MS + 30_000);
  let stack: ChildProcess | undefined;
  let ready: ReadyLine | undefined;
  let stderr = "";

  after(function () {
    // Whatever happened, leave nothing running.
    for (const pid of [...(ready?.pids ?? []), stack?.pid]) {
      if (pid !== undefined && groupAlive(pid)) process.kill(-pid, "SIGKILL");
    }
  });

  it("comes up with every service healthy, prints its ready line, and stops every child on SIGTERM", async function () {
    const port = await freePort();
    // `npm run stack` without npm and npx in between, so the signal reaches the stack itself.
    stack = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/stack.ts"], {
      cwd: ROOT,
      env: { ...process.env, DATACOOP_STACK_PORT: String(port) },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    stack.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => stack?.once("exit", resolve));
    const lines = createInterface({ input: stack.stdout! });
    const first = new Promise<ReadyLine>((resolve, reject) => {
      lines.once("line", (line) => resolve(JSON.parse(line) as ReadyLine));
      void exited.then((code) => reject(new Error(`the stack exited (${code}) before it was ready:\n${stderr}`)));
    });
    ready = await within(READY_MS, "the ready line", first);

    expect(ready).to.include({ ready: true, rpc: `http://127.0.0.1:${port}` });
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

    process.kill(stack.pid!, "SIGTERM");
    expect(await within(STOP_MS, "stopping the stack", exited)).to.equal(0);
    for (const pid of ready.pids) expect(groupAlive(pid), `process group ${pid}`).to.equal(false);
    await expect(fetch(ready.rpc, { method: "POST" })).to.be.rejected;
  });
});
