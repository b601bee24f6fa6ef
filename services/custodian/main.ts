/**
 * Runs the custodian daemon until SIGINT or SIGTERM:
 *
 *   HARDHAT_NETWORK=sepolia npx hardhat run --no-compile services/custodian/main.ts
 *
 * Every setting is a Hardhat configuration variable (`npx hardhat vars set NAME`) or the environment
 * variable of the same name; keys are never read from a file in the repository.
 *
 * | variable                          | meaning (default)                                                         |
 * |-----------------------------------|---------------------------------------------------------------------------|
 * | `DATACOOP_CUSTODIAN_PRIVATE_KEY`  | the custodian account's key, also its ECIES key (local: the first account in the custodian set) |
 * | `DATACOOP_CUSTODIAN_ACCOUNT`      | which configured account posts: an address or index (the custodian's key) |
 * | `DATACOOP_CUSTODIAN_KEY`          | a separate ECIES key, if the account key is not the one published on-chain |
 * | `DATACOOP_STORE_URL`              | the blob store manifests go to (local: `.datacoop/blobs`)                 |
 * | `DATACOOP_DEPLOYMENT_ID`          | Ignition deployment id (`chain-<chainId>`); or all of `DATACOOP_REGISTRY`, `DATACOOP_ESCROW`, `DATACOOP_GOVERNOR` |
 * | `DATACOOP_FROM_BLOCK`             | first block to watch (the deployment's first block)                       |
 * | `DATACOOP_CUSTODIAN_DB`           | SQLite state file (`.datacoop/custodian-<chainId>.sqlite`)                |
 * | `DATACOOP_CUSTODIAN_HOST`, `_PORT`| health endpoint (`127.0.0.1`, port 0: any free port, logged as `started`) |
 * | `DATACOOP_CUSTODIAN_POLL_MS`      | milliseconds between ticks (2000)                                         |
 * | `DATACOOP_CUSTODIAN_CONFIRMATIONS`| blocks behind the head to stay (0; use a few on a public chain)           |
 *
 * The RPC URL is the network's (`LOCALHOST_RPC_URL`, `SEPOLIA_RPC_URL`, ... in hardhat.config.ts).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import hre from "hardhat";

import { configVar } from "../../tasks/accounts";
import { connect, eciesKeyFor, signerFor, storeFor } from "../../tasks/common";
import { custodyAdapter } from "./delivery";
import { startCustodianDaemon } from "./daemon";

function intVar(name: string, fallback?: number): number | undefined {
  const raw = configVar(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number; got ${JSON.stringify(raw)}.`);
  return Number(raw);
}

async function main(): Promise<void> {
  const connected = await connect(hre, {
    deploymentId: configVar("DATACOOP_DEPLOYMENT_ID"),
    registry: configVar("DATACOOP_REGISTRY"),
    escrow: configVar("DATACOOP_ESCROW"),
    governor: configVar("DATACOOP_GOVERNOR"),
    fromBlock: intVar("DATACOOP_FROM_BLOCK"),
  });
  // No progress display: the daemon's output is its JSON log lines.
  const system = { ...connected, progress: undefined };
  const signer = await signerFor(hre, configVar("DATACOOP_CUSTODIAN_ACCOUNT") ?? "custodian", async (signers) => {
    for (const s of signers) if ((await system.custodianSet.seatOf(s.address)).member) return s;
    return undefined;
  });
  const key = await eciesKeyFor(hre, "custodian", signer.address, {});
  const store = await storeFor(hre, configVar("DATACOOP_STORE_URL"));
  const dbPath =
    configVar("DATACOOP_CUSTODIAN_DB") ??
    path.join(hre.config.paths.root, ".datacoop", `custodian-${system.chainId}.sqlite`);
  await mkdir(path.dirname(path.resolve(dbPath)), { recursive: true });
  const daemon = await startCustodianDaemon({
    system,
    delivery: (eligibilityLogs) => custodyAdapter(system, signer, key, { store, eligibilityLogs }),
    dbPath,
    host: configVar("DATACOOP_CUSTODIAN_HOST"),
    port: intVar("DATACOOP_CUSTODIAN_PORT", 0),
    pollIntervalMs: intVar("DATACOOP_CUSTODIAN_POLL_MS", 2000),
    confirmations: intVar("DATACOOP_CUSTODIAN_CONFIRMATIONS", 0),
  });
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await daemon.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ level: "error", event: "fatal", error: error instanceof Error ? error.message : String(error) })}\n`,
    );
    process.exit(1);
  },
);
