/**
 * Reads a deployment from Hardhat Ignition's files on disk (Node only): `deployed_addresses.json`, parsed
 * by {@link deploymentFromIgnition}, and the first block of `journal.jsonl`, where event scans start.
 * Kept out of the `/deployments` entry, which also loads in browsers.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

import { DeploymentError } from "./errors";
import { deploymentFromIgnition } from "./ignition";
import type { Deployment } from "./types";

/** A deployment read from an Ignition deployment directory. */
export interface IgnitionDeployment {
  readonly deployment: Deployment;
  /** The first block of the deployment (where event scans start), 0 if the journal does not say. */
  readonly fromBlock: number;
  /** The deployment directory. */
  readonly dir: string;
}

/** Ignition's default deployment id for a chain. */
export function defaultDeploymentId(chainId: bigint | number): string {
  return `chain-${chainId}`;
}

/**
 * Reads `<deploymentsDir>/<deploymentId>/deployed_addresses.json` and the first block of its journal.
 *
 * @param deploymentsDir Ignition's deployments directory (e.g. `deploy/deployments`)
 * @param deploymentId the deployment id (Ignition's default for a chain: {@link defaultDeploymentId})
 * @param chainId the chain the deployment lives on
 * @throws DeploymentError `NOT_DEPLOYED` when the file is missing, `INVALID_DEPLOYMENT` when it is not a
 * complete DataCoop deployment
 */
export async function readIgnitionDeployment(
  deploymentsDir: string,
  deploymentId: string,
  chainId: bigint | number,
): Promise<IgnitionDeployment> {
  const dir = path.resolve(deploymentsDir, deploymentId);
  const file = path.join(dir, "deployed_addresses.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new DeploymentError(
      "NOT_DEPLOYED",
      `No DataCoop deployment at ${file}. Deploy first (Ignition module deploy/modules/DataCoopLocal.ts on a local chain), pass the Ignition deployment id you used, or give the contract addresses.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DeploymentError("INVALID_DEPLOYMENT", `${file} is not valid JSON; deploy again, or give the addresses.`);
  }
  let deployment: Deployment;
  try {
    deployment = deploymentFromIgnition(parsed, Number(chainId));
  } catch (error) {
    if (!(error instanceof DeploymentError)) throw error;
    throw new DeploymentError("INVALID_DEPLOYMENT", `${file}: ${error.message}`);
  }
  return { deployment, fromBlock: await firstBlock(path.join(dir, "journal.jsonl")), dir };
}

/** The lowest block number of a confirmed transaction in an Ignition journal, or 0. */
async function firstBlock(journal: string): Promise<number> {
  const text = await readFile(journal, "utf8").catch(() => "");
  let first = Number.POSITIVE_INFINITY;
  for (const line of text.split("\n")) {
    if (!line.includes('"TRANSACTION_CONFIRM"')) continue;
    try {
      const record = JSON.parse(line) as { receipt?: { blockNumber?: unknown } };
      const block = record.receipt?.blockNumber;
      if (typeof block === "number" && block < first) first = block;
    } catch {
      // A torn last line (interrupted deployment) carries no receipt we need.
    }
  }
  return Number.isFinite(first) ? first : 0;
}
