import type { Signer } from "ethers";

import { ExportError, scoreExportBytes, type ExportScore } from "../export";
import { attestationDomain, signAttestation, type Attestation } from "../protocol/attestation";
import { buildAttestationFile, parseAttestationFile, type AttestationFile } from "./attestation-file";
import { chainTime, formatTime } from "./chain";
import type { DataCoop } from "./contracts";
import { RoleError } from "./errors";
import { deploymentSalt, scorerVersionId } from "./scoring";

/** Default validity of an attestation: one hour from the chain's latest block. */
export const DEFAULT_ATTESTATION_VALIDITY = 3_600;

/**
 * Scores a ChatGPT export the way validators do on this deployment (the source hash uses the
 * deployment's salt, see `deploymentSalt`).
 * @param system the deployment
 * @param exportBytes the export `.zip`
 * @throws RoleError `INVALID_INPUT` with the reader's explanation if the export is rejected
 */
export function scoreExportFor(system: Pick<DataCoop, "chainId" | "addresses">, exportBytes: Uint8Array): ExportScore {
  let score: ExportScore;
  try {
    score = scoreExportBytes(exportBytes, { salt: deploymentSalt(system.chainId, system.addresses.registry) });
  } catch (cause) {
    if (!(cause instanceof ExportError)) throw cause;
    throw new RoleError("INVALID_INPUT", `The export was rejected (${cause.code}): ${cause.message}`, { cause });
  }
  if (score.units === 0) {
    throw new RoleError(
      "INVALID_INPUT",
      "The export has no messages that count as units; there is nothing to contribute.",
    );
  }
  if (score.quality === 0) {
    throw new RoleError(
      "INVALID_INPUT",
      "The export scores 0 quality (too little or too repetitive content); the registry accepts quality from 1 bps.",
    );
  }
  return score;
}

/** What validators attest for one sealed contribution. */
export interface AttestationRequest {
  /** The wallet that will register the contribution. */
  readonly contributor: string;
  /** keccak256 of the ciphertext the contributor will register. */
  readonly contentHash: string;
  /** The score of the export (from {@link scoreExportFor}). */
  readonly score: ExportScore;
  /** Seconds the attestation stays valid from the chain's latest block; default one hour. */
  readonly validity?: number;
  /**
   * Instead of `validity`: the deadline itself (Unix seconds). Validators who sign on their own machines
   * must agree on one, or their signatures cover different attestations and cannot be combined (k-of-n).
   */
  readonly deadline?: bigint;
}

/**
 * Signs an attestation with each validator given and returns the attestation file. Every validator must
 * hold the registry's VALIDATOR_ROLE.
 * @param system the deployment
 * @param validators the validators' signers
 * @param request what to attest
 * @throws RoleError `NOT_ALLOWED` if a signer is not a validator, `INVALID_INPUT` on a bad request
 */
export async function signAttestationFile(
  system: Pick<DataCoop, "registry" | "chainId" | "addresses" | "provider">,
  validators: readonly Signer[],
  request: AttestationRequest,
): Promise<AttestationFile> {
  if (validators.length === 0) throw new RoleError("INVALID_INPUT", "No validator to sign the attestation.");
  if (!/^0x[0-9a-fA-F]{64}$/.test(request.contentHash) || /^0x0{64}$/.test(request.contentHash)) {
    throw new RoleError(
      "INVALID_INPUT",
      `The content hash ${JSON.stringify(request.contentHash)} must be a non-zero 0x + 64 hex digits.`,
    );
  }
  const role = await system.registry.VALIDATOR_ROLE();
  for (const validator of validators) {
    const address = await validator.getAddress();
    if (!(await system.registry.hasRole(role, address))) {
      throw new RoleError(
        "NOT_ALLOWED",
        `${address} is not a validator of the registry ${system.addresses.registry}; sign with a validator account (governance grants the role).`,
      );
    }
  }
  const validity = request.validity ?? DEFAULT_ATTESTATION_VALIDITY;
  if (!Number.isSafeInteger(validity) || validity <= 0) {
    throw new RoleError("INVALID_INPUT", `The validity must be a positive number of seconds; got ${validity}.`);
  }
  const now = await chainTime(system.provider);
  if (request.deadline !== undefined && request.deadline <= now) {
    throw new RoleError(
      "INVALID_INPUT",
      `The deadline ${formatTime(request.deadline)} has passed (chain time ${formatTime(now)}); agree on a later one.`,
    );
  }
  const attestation: Attestation = {
    contributor: request.contributor,
    contentHash: request.contentHash.toLowerCase(),
    sourceHash: request.score.sourceHash,
    units: request.score.units,
    quality: request.score.quality,
    scorerVersion: scorerVersionId(request.score.scorerVersion),
    deadline: request.deadline ?? now + BigInt(validity),
  };
  const domain = attestationDomain(system.chainId, system.addresses.registry);
  const signatures = [];
  for (const validator of validators) signatures.push(await signAttestation(validator, domain, attestation));
  const file = buildAttestationFile(system.chainId, system.addresses.registry, attestation, signatures);
  // Round-trip through the parser: what we write is exactly what contributors will accept.
  return parseAttestationFile(JSON.stringify(file), "the new attestation");
}

/**
 * Picks, among `candidates`, the validators of the registry, up to its attestation threshold (for local
 * networks, where the validators' keys are local accounts).
 * @param system the deployment
 * @param candidates local signers
 * @throws RoleError `CONFIG` if fewer local signers than the threshold are validators
 */
export async function localValidators<S extends Signer>(
  system: Pick<DataCoop, "registry">,
  candidates: readonly S[],
): Promise<S[]> {
  const role = await system.registry.VALIDATOR_ROLE();
  const threshold = Number(await system.registry.attestationThreshold());
  const count = Number(await system.registry.getRoleMemberCount(role));
  const validators = new Set<string>();
  for (let i = 0; i < count; i++) validators.add((await system.registry.getRoleMember(role, i)).toLowerCase());
  const chosen: S[] = [];
  for (const candidate of candidates) {
    if (chosen.length === threshold) break;
    if (validators.has((await candidate.getAddress()).toLowerCase())) chosen.push(candidate);
  }
  if (chosen.length < threshold) {
    throw new RoleError(
      "CONFIG",
      `The registry needs ${threshold} validator signature(s) but only ${chosen.length} of the local accounts are validators; get attestation files from validators (validator:attest) and pass them with --attestation.`,
    );
  }
  return chosen;
}
