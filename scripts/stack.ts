/**
 * `npm run stack`: the whole DataCoop stack on this machine, until Ctrl-C or SIGTERM.
 *
 * 1. a Hardhat node (`npx hardhat node`, in its own process group: it re-executes itself in a child that
 *    holds the port, so only signalling the group stops it);
 * 2. the DataCoopLocal deployment with Hardhat Ignition and `deploy/parameters/localhost.json`;
 * 3. the blob store service (services/store, writes with a token made for this run);
 * 4. one validator service per validator the parameters name (services/validator/main.ts);
 * 5. one custodian daemon per custodian the parameters name (services/custodian/main.ts), each with its
 *    own state file;
 * then one JSON line on stdout once every service answers its health check:
 *
 *   {"ready":true,"rpc":"http://127.0.0.1:8545","store":"http://127.0.0.1:…","validators":["http://127.0.0.1:…",…],"custodians":["http://127.0.0.1:…"],…}
 *
 * Progress goes to stderr. Settings (environment): `DATACOOP_STACK_PORT` (the node's port, default 8545),
 * `DATACOOP_STACK_PARAMETERS` (the Ignition parameter file). The deployment id is `stack-<port>`: role
 * tasks reach it with `--network localhost --deployment-id stack-<port>` (and `LOCALHOST_RPC_URL` for
 * another port). Everything the stack wrote (chain, blobs, state files, the deployment's files) goes when it
 * stops: the chain lives in the node's memory, so nothing would be valid after it.
 *
 * It stops every process it started on every way out: a failed start, a service that dies, SIGINT, SIGTERM,
 * SIGHUP, an uncaught error (a graceful stop), and, as a last resort, any exit at all (a synchronous SIGKILL of
 * every process group still alive and removal of its files). Each child's process group is announced on
 * stderr as it starts (`stack: started node (pid 1234)`), so whoever started the stack can check them. Only a
 * SIGKILL of the stack itself leaves its children behind (nothing can run then): signal it with SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, rmSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { HDNodeWallet } from "ethers";

import { type StoreService, startStoreService } from "../services/store/service";

const ROOT = path.resolve(__dirname, "..");
const STARTUP_MS = 180_000;
const STOP_MS = 10_000;
/** Where the member app is served locally (`vite preview`, `vite`): the origins the store and validators allow. */
const APP_ORIGINS = ["http://127.0.0.1:4173", "http://127.0.0.1:5173"];

/** Hardhat's default mnemonic: the local node's accounts, whose keys every `hardhat node` prints. */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** A child started in its own process group, with its output in a log file. */
interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
  /** Resolves with the exit code when the process (the group leader) exits. */
  readonly exited: Promise<number | null>;
}

const note = (line: string): void => void process.stderr.write(`stack: ${line}\n`);

class StackError extends Error {
  override readonly name = "StackError";
}

/**
 * Every service this process started, in order (the deployment leaves once it has succeeded): the one list
 * the stack watches, reports and stops. The exit handler reads it too, so a service is stopped even when
 * the code that started it never gets to (an error between two awaits, a late signal).
 */
const started: Service[] = [];
/** Set once the stack begins to stop: no service starts after that (it would outlive the stop). */
let closing = false;

function startService(
  work: string,
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  onLine?: (line: string) => void,
): Service {
  if (closing) throw new StackError(`not starting ${name}: the stack is stopping.`);
  const log = path.join(work, `${name}.log`);
  const out = createWriteStream(log);
  // detached: a new process group, so one signal to -pid reaches the process and every child it starts.
  // The repository's own binary (`hardhat`, `ts-node`), not through npx: npx starts npm first, ~0.6 s of CPU each.
  const [bin, ...rest] = args;
  const child = spawn(path.join(ROOT, "node_modules", ".bin", bin!), rest, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: "pipe",
  });
  child.stderr?.pipe(out, { end: false });
  if (child.stdout !== null) {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      out.write(`${line}\n`);
      onLine?.(line);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const service = { name, child, log, exited };
  started.push(service);
  note(`started ${name} (pid ${child.pid})`);
  return service;
}

/**
 * The Ignition deployment of `DataCoopLocal` to a local node at `rpc`, without its confirmation prompt:
 * `args` start with the repository binary (`hardhat`). The stack and the browser test deploy with it.
 */
export function localDeployCommand(
  rpc: string,
  parameters: string,
  deploymentId: string,
): { args: string[]; env: Record<string, string> } {
  return {
    args: [
      "hardhat",
      "ignition",
      "deploy",
      "deploy/modules/DataCoopLocal.ts",
      "--network",
      "localhost",
      "--parameters",
      parameters,
      "--deployment-id",
      deploymentId,
    ],
    env: { LOCALHOST_RPC_URL: rpc, HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "1" },
  };
}

/** Whether any process of the group led by `pid` is alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a service's whole process group: SIGTERM, then SIGKILL after `STOP_MS`. */
async function stopService(service: Service): Promise<void> {
  const pid = service.child.pid;
  if (pid === undefined) return;
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // Already gone.
    }
  };
  signal("SIGTERM");
  const deadline = Date.now() + STOP_MS;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pid)) {
    note(`${service.name} did not stop within ${STOP_MS / 1000} s; killing it`);
    signal("SIGKILL");
    while (groupAlive(pid)) await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true, failing if `service` exits first or `STARTUP_MS` passes. */
async function waitFor(what: string, check: () => Promise<boolean>, service?: Service): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  let exited = false;
  void service?.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (exited) throw new StackError(`${service?.name} exited while waiting for ${what}; see its log below.`);
    await sleep(250);
  }
  throw new StackError(`${what} did not come up within ${STARTUP_MS / 1000} s.`);
}

async function rpcAnswers(url: string): Promise<boolean> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
  });
  return response.ok;
}

async function healthy(url: string): Promise<boolean> {
  return (await fetch(`${url}/health`)).ok;
}

/** The URL a service's first JSON log line announces (`started` or `listening`), if this line is it. */
function listeningUrl(line: string): string | undefined {
  if (!line.startsWith("{")) return undefined;
  let entry: { url?: unknown };
  try {
    entry = JSON.parse(line) as { url?: unknown };
  } catch {
    // A line that only looks like JSON (a stack trace, a config dump): not the announcement.
    return undefined;
  }
  return typeof entry.url === "string" ? entry.url : undefined;
}

/** The accounts a parameter file names for a role (`validators`, `custodians`). */
async function namedAccounts(parametersFile: string, field: "validators" | "custodians"): Promise<string[]> {
  const parsed = JSON.parse(await readFile(parametersFile, "utf8")) as Record<string, Record<string, unknown>>;
  const list = (parsed.DataCoopLocal ?? {})[field];
  if (!Array.isArray(list) || list.length === 0 || !list.every((a): a is string => typeof a === "string")) {
    throw new StackError(`${parametersFile} names no ${field} (DataCoopLocal.${field}).`);
  }
  return list;
}

/** The private key of one of the local node's accounts (Hardhat's public test mnemonic): local chains only. */
function localAccountKey(account: string): string {
  const root = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, "", "m/44'/60'/0'/0");
  for (let i = 0; i < 20; i++) {
    const wallet = root.deriveChild(i);
    if (wallet.address.toLowerCase() === account.toLowerCase()) return wallet.privateKey;
  }
  throw new StackError(`${account} is not one of the local node's accounts.`);
}

async function main(): Promise<void> {
  const port = Number(process.env.DATACOOP_STACK_PORT ?? "8545");
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new StackError(`DATACOOP_STACK_PORT must be a port number; got ${process.env.DATACOOP_STACK_PORT}.`);
  }
  const parameters = path.resolve(
    ROOT,
    process.env.DATACOOP_STACK_PARAMETERS ?? path.join("deploy", "parameters", "localhost.json"),
  );
  const rpc = `http://127.0.0.1:${port}`;
  const deploymentId = `stack-${port}`;
  const deploymentDir = path.join(ROOT, "deploy", "deployments", deploymentId);
  const work = await mkdtemp(path.join(os.tmpdir(), "datacoop-stack-"));
  let store: StoreService | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (status: number): Promise<void> =>
    (stopping ??= (async () => {
      closing = true;
      note("stopping");
      // Every service started (`started` holds each, wherever start-up got to), newest first:
      // custodians and validators before the node they read.
      for (const service of [...started].reverse()) await stopService(service);
      await store?.close();
      await rm(deploymentDir, { recursive: true, force: true });
      await rm(work, { recursive: true, force: true });
      note("stopped");
      process.exit(status);
    })());
  process.once("SIGINT", () => void stop(130));
  process.once("SIGTERM", () => void stop(0));
  // A closed terminal: its default action would end the stack without stopping anything it started.
  process.once("SIGHUP", () => void stop(129));
  for (const event of ["uncaughtException", "unhandledRejection"] as const) {
    process.on(event, (error: unknown) => {
      note(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
      void stop(1);
    });
  }
  // The last resort, for any exit the code above did not see coming (process.exit elsewhere, an error in
  // stop itself): only synchronous work runs here, so SIGKILL and rmSync, no waiting.
  process.once("exit", () => {
    for (const service of started) {
      const pid = service.child.pid;
      if (pid === undefined || !groupAlive(pid)) continue;
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // Gone meanwhile.
      }
    }
    rmSync(deploymentDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  try {
    if (await rpcAnswers(rpc).catch(() => false)) {
      throw new StackError(`Something already answers on ${rpc}; stop it or set DATACOOP_STACK_PORT.`);
    }
    const env = { LOCALHOST_RPC_URL: rpc, HARDHAT_NETWORK: "localhost" };
    note(`starting a Hardhat node on ${rpc}`);
    const node = startService(work, "node", ["hardhat", "node", "--hostname", "127.0.0.1", "--port", String(port)], {
      HARDHAT_NETWORK: undefined,
    });
    await waitFor(`the node on ${rpc}`, () => rpcAnswers(rpc), node);

    const deployParameters = parameters;
    note(`deploying DataCoopLocal with Ignition (deployment id ${deploymentId})`);
    await rm(deploymentDir, { recursive: true, force: true });
    const command = localDeployCommand(rpc, deployParameters, deploymentId);
    const deploy = startService(work, "deploy", command.args, command.env);
    if ((await deploy.exited) !== 0) throw new StackError("the Ignition deployment failed; see its log below.");
    // Done: a one-off, not a service to watch, report or stop.
    started.splice(started.indexOf(deploy), 1);

    const token = randomBytes(32).toString("hex");
    // The member app (`npm run app` on 4173, `npm run app:dev` on 5173) uploads and asks validators from the browser.
    store = await startStoreService({
      dir: path.join(work, "blobs"),
      token,
      publicWrites: { maxBlobBytes: 64 * 1024 * 1024 },
      allowedOrigins: APP_ORIGINS,
      log: () => undefined,
    });
    await waitFor("the blob store", () => healthy(store!.url));

    // One validator service per validator the parameters name, each with its local account's key.
    const validators = await Promise.all(
      (await namedAccounts(parameters, "validators")).map(async (account, index) => {
        const key = localAccountKey(account);
        let url: string | undefined;
        const validator = startService(
          work,
          `validator-${index}`,
          ["ts-node", "--transpile-only", "services/validator/main.ts"],
          {
            DATACOOP_RPC_URL: rpc,
            DATACOOP_DEPLOYMENT_ID: deploymentId,
            DATACOOP_VALIDATOR_PRIVATE_KEY: key,
            DATACOOP_VALIDATOR_PORT: "0",
            DATACOOP_STORE_URL: store!.url,
            DATACOOP_VALIDATOR_ALLOWED_ORIGINS: APP_ORIGINS.join(","),
          },
          (line) => (url ??= listeningUrl(line)),
        );
        await waitFor(`validator ${account}`, async () => url !== undefined && (await healthy(url)), validator);
        return url!;
      }),
    );

    // The daemons start together (each is a `hardhat run`, seconds of start-up) and each must answer.
    const custodians = await Promise.all(
      (await namedAccounts(parameters, "custodians")).map(async (account, index) => {
        let url: string | undefined;
        const daemon = startService(
          work,
          `custodian-${index}`,
          ["hardhat", "run", "--no-compile", "services/custodian/main.ts"],
          {
            ...env,
            DATACOOP_DEPLOYMENT_ID: deploymentId,
            DATACOOP_CUSTODIAN_ACCOUNT: account,
            DATACOOP_CUSTODIAN_DB: path.join(work, `custodian-${index}.sqlite`),
            DATACOOP_CUSTODIAN_PORT: "0",
            DATACOOP_CUSTODIAN_POLL_MS: "1000",
            DATACOOP_STORE_URL: store!.url,
            DATACOOP_STORE_TOKEN: token,
          },
          (line) => (url ??= listeningUrl(line)),
        );
        await waitFor(`custodian ${account}`, async () => url !== undefined && (await healthy(url)), daemon);
        return url!;
      }),
    );

    process.stdout.write(
      `${JSON.stringify({
        ready: true,
        rpc,
        store: store.url,
        validators,
        custodians,
        deploymentId,
        pids: started.map((s) => s.child.pid),
      })}\n`,
    );
    note("ready; stop with Ctrl-C");
    // A service that dies takes the stack down with it: a half-running stack is worse than none.
    await Promise.race(started.map((s) => s.exited.then(() => s)));
    if (stopping === undefined) {
      const dead = started.find((s) => s.child.exitCode !== null || s.child.signalCode !== null);
      throw new StackError(`${dead?.name ?? "a service"} stopped on its own; see its log below.`);
    }
  } catch (error) {
    if (stopping !== undefined) return;
    note(error instanceof Error ? error.message : String(error));
    for (const service of started) {
      const text = await readFile(service.log, "utf8").catch(() => "");
      note(`last lines of ${service.name}.log:\n${text.split("\n").slice(-15).join("\n")}`);
    }
    await stop(1);
  }
}

if (require.main === module) void main();
