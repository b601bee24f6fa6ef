import { readFile } from "node:fs/promises";
import path from "node:path";
import { isAddress } from "ethers";

import { RoleError } from "./errors";

/** The three addresses every other contract of a deployment is reached from. */
export interface DataCoopAddresses {
  readonly registry: string;
  readonly escrow: string;
  readonly governor: string;
}

/** A DataCoop deployment read from Hardhat Ignition's files. */
export interface IgnitionDeployment {
  readonly addresses: DataCoopAddresses;
  /** The Ignition module the contracts belong to, e.g. `DataCoop` or `DataCoopLocal`. */
  readonly module: string;
  /** The first block of the deployment (where event scans start), 0 if unknown. */
  readonly fromBlock: number;
  /** The deployment directory. */
  readonly dir: string;
}

/** The Ignition modules that deploy DataCoop, in the order they are looked for. */
export const DATACOOP_MODULES = ["DataCoop", "DataCoopLocal"] as const;

/** Ignition's default deployment id for a chain. */
export function defaultDeploymentId(chainId: bigint | number): string {
  return `chain-${chainId}`;
}

/**
 * Reads the addresses of a DataCoop deployment from `<deploymentsDir>/<deploymentId>/deployed_addresses.json`
 * (keys such as `DataCoop#ContributionRegistry`), and its first block from `journal.jsonl`.
 * @param deploymentsDir Ignition's deployments directory (e.g. `deploy/deployments`)
 * @param deploymentId the deployment id (default for a chain: `chain-<id>`)
 * @throws RoleError `NOT_FOUND` if the deployment is missing, `CONFIG` if it is not a DataCoop deployment
 */
export async function readIgnitionDeployment(
  deploymentsDir: string,
  deploymentId: string,
): Promise<IgnitionDeployment> {
  const dir = path.resolve(deploymentsDir, deploymentId);
  const file = path.join(dir, "deployed_addresses.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new RoleError(
      "NOT_FOUND",
      `No DataCoop deployment at ${file}. Deploy first (e.g. \`npx hardhat ignition deploy deploy/modules/DataCoopLocal.ts --network localhost --parameters deploy/parameters/localhost.json\`), pass the Ignition --deployment-id you used, or give the contract addresses with --registry, --escrow and --governor.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new RoleError("CONFIG", `${file} is not valid JSON; redeploy, or pass the addresses as flags.`, { cause });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new RoleError("CONFIG", `${file} is not an Ignition address map; redeploy, or pass the addresses as flags.`);
  }
  const entries = parsed as Record<string, unknown>;
  const found = DATACOOP_MODULES.filter((module) => typeof entries[`${module}#ContributionRegistry`] === "string");
  if (found.length !== 1) {
    throw new RoleError(
      "CONFIG",
      found.length === 0
        ? `${file} holds no DataCoop module (looked for ${DATACOOP_MODULES.map((m) => `${m}#ContributionRegistry`).join(", ")}); pass the addresses with --registry, --escrow and --governor.`
        : `${file} holds several DataCoop modules (${found.join(", ")}); pass the addresses with --registry, --escrow and --governor.`,
    );
  }
  const module = found[0];
  const pick = (contract: string): string => {
    const value = entries[`${module}#${contract}`];
    if (typeof value !== "string" || !isAddress(value)) {
      throw new RoleError("CONFIG", `${file} has no valid address for ${module}#${contract}; redeploy the module.`);
    }
    return value;
  };
  return {
    addresses: { registry: pick("ContributionRegistry"), escrow: pick("AccessEscrow"), governor: pick("CoopGovernor") },
    module,
    fromBlock: await firstBlock(path.join(dir, "journal.jsonl")),
    dir,
  };
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
