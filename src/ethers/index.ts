/**
 * `@datacoop/protocol/ethers`: the DataCoop contracts for ethers v6. The TypeChain types and factories
 * (`ContributionRegistry__factory.connect(address, runner)`; also at `@datacoop/protocol/contracts`),
 * attestations signed with an ethers `Signer`, the attestation domain as an ethers `TypedDataDomain`, the
 * enum tables with bigint values (ethers decodes a `uint8` to a bigint), and the role library
 * (`src/roles`: `connectDataCoop`, then each role's flows, e.g. `contributeExport`, `requestAccess`,
 * `propose`, `deliverShare`), built on the core alone and free of Hardhat (Node only: it reads and
 * writes files).
 */
import type { Signer, TypedDataDomain } from "ethers";

import type { Address } from "../codec/address";
import type { Hex } from "../codec/hex";
import {
  type Attestation,
  attestationDomain as coreAttestationDomain,
  signAttestation as coreSignAttestation,
} from "../protocol/attestation";

export * from "../typechain";
// The explicit exports below win over the role library's same names (its enum tables are the core's,
// with number values; here they are bigint, as ethers returns them).
export * from "../roles";
export { CONTRIBUTION_STATUS, PROPOSAL_STATE, REQUEST_STATUS, type BigIntTable } from "./constants";
export {
  ATTESTATION_TYPES,
  attestationDigest,
  orderSignatures,
  type Attestation,
  type ValidatorSignature,
} from "../protocol/attestation";
export { enumName } from "../protocol/constants";
export { proposalDescriptionHash, proposalId } from "../protocol/governance";

/** The EIP-712 domain of the registry at `registry` on `chainId`, as ethers types it. */
export function attestationDomain(chainId: bigint | number, registry: string): TypedDataDomain {
  return { ...coreAttestationDomain(chainId, registry) };
}

/** Signs `attestation` as `validator` (an ethers `Signer`, e.g. a `Wallet` or a provider's signer). */
export function signAttestation(
  validator: Signer,
  domain: TypedDataDomain,
  attestation: Attestation,
): Promise<{ validator: Address; signature: Hex }> {
  return coreSignAttestation(validator, domain, attestation);
}
