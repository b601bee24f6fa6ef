import { type Address, getAddress } from "../codec/address";

import { DATACOOP_CONTRACTS, type DataCoopContractName } from "../abi/names";
import { DeploymentError } from "./errors";
import type { Deployment } from "./types";

function isContractName(name: string): name is DataCoopContractName {
  return (DATACOOP_CONTRACTS as readonly string[]).includes(name);
}

/**
 * Reads Hardhat Ignition's `deployed_addresses.json` (future id `Module#Contract` → address) as a
 * {@link Deployment}. Futures that are not DataCoop contracts (e.g. a local settlement token) are ignored.
 *
 * @param deployedAddresses the parsed JSON file
 * @param chainId the chain the deployment lives on
 * @throws DeploymentError (`INVALID_DEPLOYMENT`) when a contract is missing, listed twice, comes from two
 * modules, or has an invalid address
 */
export function deploymentFromIgnition(deployedAddresses: unknown, chainId: number): Deployment {
  const invalid = (reason: string) =>
    new DeploymentError("INVALID_DEPLOYMENT", `Ignition deployment on chain ${chainId}: ${reason}`);
  if (deployedAddresses === null || typeof deployedAddresses !== "object" || Array.isArray(deployedAddresses)) {
    throw invalid("expected the object of deployed_addresses.json (future id → address).");
  }
  const found = new Map<DataCoopContractName, Address>();
  const modules = new Set<string>();
  for (const [futureId, address] of Object.entries(deployedAddresses)) {
    const separator = futureId.indexOf("#");
    const name = futureId.slice(separator + 1);
    if (separator < 0 || !isContractName(name)) continue;
    if (found.has(name)) throw invalid(`${name} is deployed twice; keep one deployment per directory.`);
    if (typeof address !== "string") throw invalid(`the address of ${futureId} is not a string.`);
    try {
      found.set(name, getAddress(address));
    } catch {
      throw invalid(`the address of ${futureId} (${address}) is not an address.`);
    }
    modules.add(futureId.slice(0, separator));
  }
  const missing = DATACOOP_CONTRACTS.filter((name) => !found.has(name));
  if (missing.length > 0) throw invalid(`no address for ${missing.join(", ")}; the deployment is incomplete.`);
  if (modules.size !== 1) throw invalid(`contracts come from several modules (${[...modules].join(", ")}).`);
  const contracts = Object.fromEntries(DATACOOP_CONTRACTS.map((name) => [name, found.get(name)])) as Record<
    DataCoopContractName,
    Address
  >;
  return { chainId, module: [...modules][0], contracts };
}
