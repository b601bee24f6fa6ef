import { DEPLOYMENTS } from "./addresses";
import { DeploymentError } from "./errors";
import type { Deployment } from "./types";

export { DEPLOYMENTS } from "./addresses";
export { DeploymentError, type DeploymentErrorCode } from "./errors";
export { deploymentFromIgnition } from "./ignition";
export type { DeployedContracts, Deployment } from "./types";

/** The chain ids with a published DataCoop deployment. */
export function deployedChainIds(): number[] {
  return Object.keys(DEPLOYMENTS)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The published deployment on `chainId`, or `undefined` if there is none. */
export function findDeployment(chainId: bigint | number): Deployment | undefined {
  return Object.prototype.hasOwnProperty.call(DEPLOYMENTS, Number(chainId)) ? DEPLOYMENTS[Number(chainId)] : undefined;
}

/**
 * The published deployment on `chainId` (e.g. `(await provider.getNetwork()).chainId`).
 *
 * @throws DeploymentError (`NOT_DEPLOYED`) when DataCoop is not deployed there; for a local node, read
 * your own Ignition output with {@link deploymentFromIgnition} instead
 */
export function getDeployment(chainId: bigint | number): Deployment {
  const deployment = findDeployment(chainId);
  if (deployment) return deployment;
  const known = deployedChainIds();
  throw new DeploymentError(
    "NOT_DEPLOYED",
    `DataCoop has no published deployment on chain ${chainId} ` +
      `(known: ${known.length > 0 ? known.join(", ") : "none yet"}). Connect to one of those chains, ` +
      "upgrade @datacoop/protocol, or pass your own deployment's deployed_addresses.json to deploymentFromIgnition().",
  );
}
