import { ethers } from "hardhat";
import { keccak256, toUtf8Bytes, type ContractTransactionResponse, type Signer } from "ethers";
import { attestationDomain, orderSignatures, signAttestation, type Attestation } from "../../src/protocol/attestation";
import type { System } from "./system";

/** What a contributor registers; everything but the contributor has a sensible default. */
export interface ContributionInput {
  contentHash?: string;
  sourceHash?: string;
  units?: number;
  quality?: number;
  purposes?: number;
  scorerVersion?: number;
  deadline?: bigint;
  uri?: string;
  /** Validators who sign; defaults to the first `attestationThreshold()` validators of the system. */
  signers?: Signer[];
}

let counter = 0;
/** A fresh, unique 32-byte hash with a readable label (for tests and benchmarks). */
export function uniqueHash(label: string): string {
  counter += 1;
  return keccak256(toUtf8Bytes(`${label}#${counter}`));
}

/** Builds the attestation for `contributor` and has `signers` sign it, ordered as the registry expects. */
export async function attest(
  system: Pick<System, "registry" | "validators">,
  contributor: Signer,
  input: ContributionInput = {},
): Promise<{ attestation: Attestation; signatures: string[] }> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = attestationDomain(chainId, await system.registry.getAddress());
  const latest = (await ethers.provider.getBlock("latest"))!.timestamp;
  const attestation: Attestation = {
    contributor: await contributor.getAddress(),
    contentHash: input.contentHash ?? uniqueHash("content"),
    sourceHash: input.sourceHash ?? uniqueHash("source"),
    units: input.units ?? 1000,
    quality: input.quality ?? 8000,
    scorerVersion: input.scorerVersion ?? 1,
    deadline: input.deadline ?? BigInt(latest + 3600),
  };
  const threshold = Number(await system.registry.attestationThreshold());
  const signers = input.signers ?? system.validators.slice(0, threshold);
  const signatures = orderSignatures(await Promise.all(signers.map((v) => signAttestation(v, domain, attestation))));
  return { attestation, signatures };
}

/** Attests and registers one contribution from `contributor`. */
export async function contribute(
  system: Pick<System, "registry" | "validators">,
  contributor: Signer,
  input: ContributionInput = {},
): Promise<{ attestation: Attestation; tx: ContractTransactionResponse }> {
  const { attestation, signatures } = await attest(system, contributor, input);
  const tx = await system.registry
    .connect(contributor)
    .contribute(attestation, signatures, input.purposes ?? 0b101, input.uri ?? "file://blob");
  return { attestation, tx };
}
