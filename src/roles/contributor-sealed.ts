import { getAddress, type Signer } from "ethers";

import type { AttestationFile } from "./attestation-file";
import type { DataCoop } from "./contracts";
import {
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

/**
 * What `contributor:seal` writes: a contribution encrypted and uploaded, waiting for validators to attest
 * it. Holds no secret (the data key is only in the store, wrapped).
 */
export interface SealedContributionFile {
  readonly type: typeof SEALED_FILE_TYPE;
  readonly version: 1;
  readonly chainId: string;
  readonly registry: string;
  readonly contributor: string;
  readonly contentHash: string;
  readonly sourceHash: string;
  readonly units: number;
  readonly quality: number;
  readonly scorerVersion: string;
  /** The descriptor URI to register. */
  readonly uri: string;
}

/**
 * Prepares and uploads a contribution for attestation by external validators.
 * @returns the sealed-contribution file to hand to validators and to `contributeSealed`
 */
export async function sealExport(
  system: DataCoop,
  contributor: string,
  exportBytes: Uint8Array,
  contributorPublicKey: string,
  store: NamedStore,
): Promise<SealedContributionFile> {
  const prepared = await prepareContribution(system, exportBytes, contributorPublicKey, store);
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
    version: 1,
    chainId: system.chainId.toString(),
    registry: system.addresses.registry,
    contributor: getAddress(contributor),
    contentHash: prepared.contentHash,
    sourceHash: prepared.score.sourceHash,
    units: prepared.score.units,
    quality: prepared.score.quality,
    scorerVersion: prepared.score.scorerVersion,
    uri: prepared.uri,
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
    value.version === 1 &&
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
    typeof value.uri === "string";
  if (!ok)
    throw new RoleError("INVALID_INPUT", `${where} is not a sealed-contribution file written by contributor:seal.`);
  return value as unknown as SealedContributionFile;
}

/**
 * Registers a sealed contribution with the validators' attestation.
 * @throws RoleError if the attestation does not match the sealed contribution, the blobs are missing, or
 * any check of {@link checkContribution} fails
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
  await checkContribution(system, signer, plan);
  return registerContribution(system, signer, plan);
}
