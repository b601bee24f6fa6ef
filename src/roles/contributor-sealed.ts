import { getAddress, type Signer } from "ethers";

import type { RefinementProfile } from "../refine";
import type { AttestationFile } from "./attestation-file";
import type { DataCoop } from "./contracts";
import {
  type RefinementChoices,
  type RegisteredContribution,
  checkContribution,
  planFromAttestation,
  prepareContribution,
  registerContribution,
  uploadPrepared,
} from "./contributor";
import { RoleError } from "./errors";
import { blobKeyFromUri, storeForUri, type NamedStore } from "./stores";

/*
 * Contributing with external validators, in three steps: the contributor seals (encrypts and uploads) the
 * export and hands the sealed file to validators; each validator scores the export and signs an attestation
 * for the sealed ciphertext (`validator:attest`); the contributor registers the sealed contribution with
 * the attestations. An attestation signs one ciphertext hash, so the export cannot be encrypted again.
 */

/** The `type` of a sealed-contribution file. */
export const SEALED_FILE_TYPE = "datacoop.sealed-contribution";

/** The sealed-file format this library writes and reads (2: the refined dataset is sealed, with its profile). */
export const SEALED_FILE_VERSION = 2;

/**
 * What `contributor:seal` writes: a contribution (the refined dataset of the export) encrypted and uploaded,
 * waiting for validators to attest it. Holds no secret (the data key is only in the store, wrapped), but its
 * `profile` names the contributor's exclusions: hand it to validators only.
 */
export interface SealedContributionFile {
  readonly type: typeof SEALED_FILE_TYPE;
  readonly version: typeof SEALED_FILE_VERSION;
  readonly chainId: string;
  readonly registry: string;
  readonly contributor: string;
  readonly contentHash: string;
  readonly sourceHash: string;
  /** Refined messages sealed. */
  readonly units: number;
  readonly quality: number;
  readonly scorerVersion: string;
  /** The descriptor URI to register. */
  readonly uri: string;
  /** The refinement choices a validator recomputes the sealed payload with (with the deployment's salt). */
  readonly profile: RefinementProfile;
  /** Placeholders written, by class (counts only). */
  readonly redactions: Readonly<Record<string, number>>;
}

/**
 * Refines, seals and uploads a contribution for attestation by external validators.
 * @param choices exclusions and precision of the refined dataset
 * @returns the sealed-contribution file to hand to validators and to `contributeSealed`
 */
export async function sealExport(
  system: DataCoop,
  contributor: string,
  exportBytes: Uint8Array,
  contributorPublicKey: string,
  store: NamedStore,
  choices: RefinementChoices = {},
): Promise<SealedContributionFile> {
  const prepared = await prepareContribution(system, exportBytes, contributorPublicKey, store, choices);
  const [wallet] = await system.registry.source(prepared.score.sourceHash);
  if (wallet !== "0x0000000000000000000000000000000000000000" && getAddress(wallet) !== getAddress(contributor)) {
    throw new RoleError(
      "NOT_ALLOWED",
      `This export's account was first contributed by ${getAddress(wallet)}; only that wallet may contribute it again.`,
    );
  }
  await uploadPrepared(system, prepared, store);
  return {
    type: SEALED_FILE_TYPE,
    version: SEALED_FILE_VERSION,
    chainId: system.chainId.toString(),
    registry: system.addresses.registry,
    contributor: getAddress(contributor),
    contentHash: prepared.contentHash,
    sourceHash: prepared.score.sourceHash,
    units: prepared.score.units,
    quality: prepared.score.quality,
    scorerVersion: prepared.score.scorerVersion,
    uri: prepared.uri,
    profile: prepared.profile,
    redactions: prepared.refinement.redactions,
  };
}

/**
 * Parses a sealed-contribution file.
 * @throws RoleError `INVALID_INPUT`
 */
export function parseSealedFile(text: string, where: string): SealedContributionFile {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new RoleError("INVALID_INPUT", `${where} is not JSON; give the file written by contributor:seal.`, { cause });
  }
  const ok =
    typeof value === "object" &&
    value !== null &&
    value.type === SEALED_FILE_TYPE &&
    value.version === SEALED_FILE_VERSION &&
    typeof value.chainId === "string" &&
    typeof value.registry === "string" &&
    typeof value.contributor === "string" &&
    typeof value.contentHash === "string" &&
    /^0x[0-9a-f]{64}$/.test(value.contentHash) &&
    typeof value.sourceHash === "string" &&
    /^0x[0-9a-f]{64}$/.test(value.sourceHash) &&
    Number.isSafeInteger(value.units) &&
    Number.isSafeInteger(value.quality) &&
    typeof value.scorerVersion === "string" &&
    typeof value.uri === "string" &&
    isProfile(value.profile) &&
    isCounts(value.redactions);
  if (!ok)
    throw new RoleError("INVALID_INPUT", `${where} is not a sealed-contribution file written by contributor:seal.`);
  return value as unknown as SealedContributionFile;
}

function isProfile(value: unknown): value is RefinementProfile {
  if (typeof value !== "object" || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    Array.isArray(p.exclude) &&
    p.exclude.every((rule) => typeof rule === "string") &&
    typeof p.preciseTimes === "boolean" &&
    typeof p.branches === "boolean"
  );
}

function isCounts(value: unknown): value is Record<string, number> {
  return (
    typeof value === "object" &&
    value !== null &&
    Object.values(value as Record<string, unknown>).every((n) => Number.isSafeInteger(n))
  );
}

/**
 * Registers a sealed contribution with the validators' attestation.
 * @throws RoleError if the attestation does not match the sealed contribution, the blobs are missing, or
 * the registry refuses it (simulated first, see {@link checkContribution})
 */
export async function contributeSealed(
  system: DataCoop,
  signer: Signer,
  sealed: SealedContributionFile,
  attestation: AttestationFile,
  purposes: number,
  store?: NamedStore,
): Promise<RegisteredContribution> {
  if (BigInt(sealed.chainId) !== system.chainId || getAddress(sealed.registry) !== system.addresses.registry) {
    throw new RoleError(
      "INVALID_INPUT",
      `The sealed contribution is for another deployment (registry ${sealed.registry} on chain ${sealed.chainId}).`,
    );
  }
  const plan = planFromAttestation(system, attestation, purposes, sealed.uri);
  if (plan.attestation.contentHash.toLowerCase() !== sealed.contentHash) {
    throw new RoleError(
      "INVALID_INPUT",
      `The attestation is for content hash ${plan.attestation.contentHash}, but the sealed contribution is ${sealed.contentHash}; the validators must attest this sealed file.`,
    );
  }
  const source = store ?? storeForUri(sealed.uri);
  for (const key of [sealed.contentHash, blobKeyFromUri(sealed.uri)]) {
    if (!(await source.store.has(key))) {
      throw new RoleError("NOT_FOUND", `Blob ${key} is missing from ${source.location}; run contributor:seal again.`);
    }
  }
  return registerContribution(system, signer, plan);
}
