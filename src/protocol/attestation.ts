import { TypedDataEncoder, type Signer, type TypedDataDomain } from "ethers";

/** The EIP-712 domain name and version of the ContributionRegistry. */
export const ATTESTATION_DOMAIN = { name: "DataCoop ContributionRegistry", version: "1" } as const;

/** The EIP-712 types validators sign (must match `ATTESTATION_TYPEHASH` in the registry). */
export const ATTESTATION_TYPES = {
  Attestation: [
    { name: "contributor", type: "address" },
    { name: "contentHash", type: "bytes32" },
    { name: "sourceHash", type: "bytes32" },
    { name: "units", type: "uint32" },
    { name: "quality", type: "uint16" },
    { name: "scorerVersion", type: "uint32" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

/** What a validator attests about one contribution. */
export interface Attestation {
  contributor: string;
  contentHash: string;
  sourceHash: string;
  units: bigint | number;
  quality: bigint | number;
  scorerVersion: bigint | number;
  deadline: bigint | number;
}

/** The domain that binds an attestation to one chain and one registry. */
export function attestationDomain(chainId: bigint | number, registry: string): TypedDataDomain {
  return { ...ATTESTATION_DOMAIN, chainId, verifyingContract: registry };
}

/** The digest a validator signs; equal to `registry.attestationDigest(attestation)`. */
export function attestationDigest(domain: TypedDataDomain, attestation: Attestation): string {
  return TypedDataEncoder.hash(domain, { Attestation: [...ATTESTATION_TYPES.Attestation] }, attestation);
}

/** One validator's signature over an attestation. */
export interface ValidatorSignature {
  validator: string;
  signature: string;
}

/** Signs `attestation` as `validator` (EIP-712 `eth_signTypedData_v4`). */
export async function signAttestation(
  validator: Signer,
  domain: TypedDataDomain,
  attestation: Attestation,
): Promise<ValidatorSignature> {
  const signature = await validator.signTypedData(
    domain,
    { Attestation: [...ATTESTATION_TYPES.Attestation] },
    attestation,
  );
  return { validator: await validator.getAddress(), signature };
}

/**
 * Orders signatures as the registry requires: by ascending validator address (which is how it checks
 * that validators are distinct without storage). Returns the signature bytes only.
 */
export function orderSignatures(signatures: ValidatorSignature[]): string[] {
  return [...signatures]
    .sort((a, b) => {
      const x = BigInt(a.validator);
      const y = BigInt(b.validator);
      return x < y ? -1 : x > y ? 1 : 0;
    })
    .map((s) => s.signature);
}
