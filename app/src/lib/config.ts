/** What the app talks to: fetched once from `/datacoop.json` (see vite.config.ts), then fixed. */
import { type Deployment, deploymentFromIgnition, findDeployment } from "@datacoop/protocol/deployments";

/** The chain id of Hardhat's and Anvil's local node: the only chain with the development account picker. */
export const LOCAL_CHAIN_ID = 31337;

export interface RuntimeConfig {
  readonly rpcUrl: string;
  readonly deployedAddresses: unknown;
  readonly storeUrl: string | null;
  readonly validators: readonly string[];
}

export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  const response = await fetch("/datacoop.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`The app's configuration (/datacoop.json) answered ${response.status}.`);
  return (await response.json()) as RuntimeConfig;
}

/**
 * The deployment on `chainId`: the local Ignition deployment on the local chain, the package's published
 * addresses on a public one; `undefined` when DataCoop is not deployed there.
 */
export function deploymentFor(config: RuntimeConfig, chainId: number): Deployment | undefined {
  if (chainId === LOCAL_CHAIN_ID) {
    return config.deployedAddresses === null ? undefined : deploymentFromIgnition(config.deployedAddresses, chainId);
  }
  return findDeployment(chainId);
}
