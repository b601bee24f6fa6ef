import { AbiCoder, getAddress, keccak256 } from "ethers";

import { RoleError } from "./errors";

const SALT_LABEL = "DataCoop source-account salt v1";
const SEMVER = /\/(\d+)\.(\d+)\.(\d+)$/;

/**
 * The salt of the source-account hash on a deployment: `keccak256(abi.encode(string label, uint256 chainId,
 * address registry))`. Contributors and validators derive the same salt, so the same account always
 * hashes to the same `sourceHash` on one deployment, and to unlinkable hashes on different ones.
 * @param chainId the deployment's chain
 * @param registry the ContributionRegistry address
 * @returns `0x` + 64 hex digits
 */
export function deploymentSalt(chainId: bigint | number, registry: string): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(["string", "uint256", "address"], [SALT_LABEL, chainId, getAddress(registry)]),
  );
}

/**
 * The on-chain `uint32` id of a scorer version string ending in `/MAJOR.MINOR.PATCH`:
 * `MAJOR * 1_000_000 + MINOR * 1_000 + PATCH` (e.g. `datacoop-chatgpt-export/1.0.0` → 1000000).
 * @param version the scorer's version string
 * @throws RoleError `INVALID_INPUT` if it has no such suffix or a part is 1000 or more
 */
export function scorerVersionId(version: string): number {
  const match = SEMVER.exec(version);
  const parts = match === null ? [] : match.slice(1).map(Number);
  if (parts.length !== 3 || parts.some((part) => part >= 1_000) || parts[0] >= 4_294) {
    throw new RoleError(
      "INVALID_INPUT",
      `The scorer version ${JSON.stringify(version)} does not end in /MAJOR.MINOR.PATCH with parts below 1000; it cannot be registered.`,
    );
  }
  return parts[0] * 1_000_000 + parts[1] * 1_000 + parts[2];
}
