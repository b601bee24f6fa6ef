/**
 * Runs one validator service from environment variables (see the README's "Validator service"):
 *
 *     DATACOOP_RPC_URL=http://127.0.0.1:8545 DATACOOP_VALIDATOR_PRIVATE_KEY=0x... DATACOOP_STORE_URL=https://... \
 *       npx ts-node services/validator/main.ts
 *
 * The deployment comes from `DATACOOP_REGISTRY`, `DATACOOP_ESCROW` and `DATACOOP_GOVERNOR`, or else from the
 * Ignition deployment `DATACOOP_DEPLOYMENT_ID` (default `chain-<id>`) under `deploy/deployments`. Stops on
 * SIGINT or SIGTERM. The key is read from the environment only, never from a file, and never printed.
 */
import { JsonRpcProvider, Wallet } from "ethers";

import {
  addressesOf,
  connectDataCoop,
  defaultDeploymentId,
  openStore,
  readIgnitionDeployment,
  RoleError,
} from "../../src/roles";
import { jsonLogger } from "../common/http";
import { startValidatorService, VALIDATOR_SERVICE_DEFAULTS } from "./service";

function required(name: string): string {
  const value = process.env[name]?.trim();
  if (value === undefined || value === "")
    throw new RoleError("CONFIG", `Set ${name} (see the README's "Validator service").`);
  return value;
}

function integer(name: string, fallback: number): number {
  const text = process.env[name]?.trim();
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RoleError("CONFIG", `${name} must be a whole number; got ${JSON.stringify(text)}.`);
  return value;
}

async function main(): Promise<void> {
  const provider = new JsonRpcProvider(required("DATACOOP_RPC_URL"));
  const raw = required("DATACOOP_VALIDATOR_PRIVATE_KEY");
  const privateKey = raw.startsWith("0x") ? raw : `0x${raw}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) {
    throw new RoleError("CONFIG", "DATACOOP_VALIDATOR_PRIVATE_KEY is not a private key (64 hex digits).");
  }
  const { chainId } = await provider.getNetwork();
  const registry = process.env.DATACOOP_REGISTRY?.trim();
  const addresses =
    registry !== undefined && registry !== ""
      ? { registry, escrow: required("DATACOOP_ESCROW"), governor: required("DATACOOP_GOVERNOR") }
      : addressesOf(
          (
            await readIgnitionDeployment(
              process.env.DATACOOP_DEPLOYMENTS_DIR ?? "deploy/deployments",
              process.env.DATACOOP_DEPLOYMENT_ID ?? defaultDeploymentId(chainId),
              chainId,
            )
          ).deployment,
        );
  const system = await connectDataCoop(addresses, provider);
  const service = await startValidatorService({
    system,
    validator: new Wallet(privateKey, provider),
    store: openStore(required("DATACOOP_STORE_URL")).store,
    host: process.env.DATACOOP_VALIDATOR_HOST ?? "127.0.0.1",
    port: integer("DATACOOP_VALIDATOR_PORT", 0),
    maxBodyBytes: integer("DATACOOP_VALIDATOR_MAX_BODY_BYTES", VALIDATOR_SERVICE_DEFAULTS.maxBodyBytes),
    timeBudgetMs: integer("DATACOOP_VALIDATOR_TIME_BUDGET_MS", VALIDATOR_SERVICE_DEFAULTS.timeBudgetMs),
    workers: integer("DATACOOP_VALIDATOR_WORKERS", VALIDATOR_SERVICE_DEFAULTS.workers),
    // The member app's origins (comma-separated), so members' browsers may ask for attestations.
    allowedOrigins: (process.env.DATACOOP_VALIDATOR_ALLOWED_ORIGINS ?? "").split(","),
  });
  const stop = () => {
    void service.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  jsonLogger({
    level: "error",
    msg: "the validator service did not start",
    error: error instanceof Error ? error.message : String(error),
  });
  process.exit(1);
});
