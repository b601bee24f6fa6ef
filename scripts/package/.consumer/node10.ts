/**
 * Older TypeScript setups (`moduleResolution: "node"`, e.g. a Hardhat 2 project) resolve the subpaths
 * through `typesVersions`; this file only has to type-check.
 */
import { decodeError, type DecodedError } from "@datacoop/protocol/errors";
import { ContributionRegistry__factory } from "@datacoop/protocol/contracts";
import { getDeployment } from "@datacoop/protocol/deployments";
import { signAttestation } from "@datacoop/protocol/attestation";
import { DATACOOP_ABIS } from "@datacoop/protocol";
import { REQUEST_STATUS } from "@datacoop/protocol/ethers";
import { mockUsdcAbi } from "@datacoop/protocol/testing";

export const decoded: DecodedError | undefined = decodeError("0x");
export const parts = [
  ContributionRegistry__factory,
  getDeployment,
  signAttestation,
  DATACOOP_ABIS,
  mockUsdcAbi,
] as const;
export const pending: 1n = REQUEST_STATUS.Pending;
