import { getAddress, keccak256, type Signer } from "ethers";

import { EnvelopeError, normalizePublicKey } from "../crypto";
import { decryptWithDataKey } from "../crypto/aead";
import { ExportError, scoreExportBytes, type ExportScore } from "../export";
import { attestationDomain, signAttestation, type Attestation } from "../protocol/attestation";
import { RefineError, sealedPayloadOf, verifyRefinement, type RefineOptions } from "../refine";
import { BlobIntegrityError, BlobNotFoundError, type BlobStore } from "../store";
import { openAttestRequest, type AttestRefineProfile, type AttestRequest, type AttestResponse } from "./attest-request";
import { buildAttestationFile, parseAttestationFile, type AttestationFile } from "./attestation-file";
import { chainTime, formatTime } from "./chain";
import type { DataCoop } from "./contracts";
import { parseDescriptor } from "./descriptor";
import { RoleError } from "./errors";
import { deploymentSalt, scorerVersionId } from "./scoring";
import { blobKeyFromUri } from "./stores";

/** Default validity of an attestation: one hour from the chain's latest block. */
export const DEFAULT_ATTESTATION_VALIDITY = 3_600;

/**
 * Scores a ChatGPT export the way validators do on this deployment (the source hash uses the
 * deployment's salt, see `deploymentSalt`). Units are the refined messages (issue 17): the refinement
 * under `refine` is computed too, and its unit count replaces the reader's.
 * @param system the deployment
 * @param exportBytes the export `.zip`
 * @param refine the refinement options the contributor seals with (default: none)
 * @throws RoleError `INVALID_INPUT` with the reader's explanation if the export is rejected
 */
export function scoreExportFor(
  system: Pick<DataCoop, "chainId" | "addresses">,
  exportBytes: Uint8Array,
  refine: AttestRefineProfile = {},
): ExportScore {
  const options = refineOptions(deploymentSalt(system.chainId, system.addresses.registry), refine);
  return readScore(exportBytes, options, () => sealedPayloadOf(exportBytes, options).report.units, true);
}

/** The refinement options of a request's profile under a deployment's salt. */
function refineOptions(salt: string, refine: AttestRefineProfile): RefineOptions {
  return { salt, exclude: refine.exclude, preciseTimes: refine.preciseTimes, branches: refine.branches };
}

/**
 * The reader's score with the refinement's units, checked for what the registry accepts.
 * @param verbose whether errors may quote the reader (the contributor's own machine); a validator's may not,
 *   as the reader can name archive entries, which carry the contributor's file names
 */
function readScore(
  exportBytes: Uint8Array,
  options: RefineOptions,
  refinedUnits: () => number,
  verbose: boolean,
): ExportScore {
  let score: ExportScore;
  let units: number;
  try {
    score = scoreExportBytes(exportBytes, { salt: options.salt });
    units = refinedUnits();
  } catch (cause) {
    if (cause instanceof ExportError) {
      const why = verbose ? `: ${cause.message}` : "";
      throw new RoleError("INVALID_INPUT", `The export was rejected (${cause.code})${why}`, { cause });
    }
    if (cause instanceof RefineError) {
      const code = cause.code === "NOT_THE_REFINEMENT" ? "NOT_REFINEMENT" : "INVALID_INPUT";
      const why = verbose || cause.code === "NOT_THE_REFINEMENT" ? `: ${cause.message}` : ".";
      throw new RoleError(code, `The refinement failed (${cause.code})${why}`, { cause });
    }
    throw cause;
  }
  if (units === 0) {
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
  return { ...score, units };
}

/**
 * The published ECIES public key of a validator (its account key, see `IContributionRegistry`): what a
 * contributor wraps data keys to in an {@link AttestRequest}.
 * @param system the deployment
 * @param validator the validator's address
 * @returns the compressed key, `0x` hex
 * @throws RoleError `CONFIG` if it has published none or is no longer a validator
 */
export async function validatorPublicKeyOf(system: Pick<DataCoop, "registry">, validator: string): Promise<string> {
  const key = await system.registry.validatorPublicKey(getAddress(validator));
  if (key === "0x") {
    throw new RoleError(
      "CONFIG",
      `${getAddress(validator)} has no published validator key (not a validator, or it never published): it must call publishValidatorPublicKeys (validator:publish-key).`,
    );
  }
  return normalizePublicKey(key);
}

/** What {@link checkAttestRequest} works on: everything is in memory, nothing is fetched. */
export interface AttestCheckInput {
  readonly request: AttestRequest;
  /** The sealed ciphertext fetched from the blob store (already checked against the content hash). */
  readonly ciphertext: Uint8Array;
  readonly validatorPrivateKey: string;
  /** The deployment's salt (`deploymentSalt`). */
  readonly salt: string;
}

/** What a validator attests after checking a request (the attestation's fields besides the request's). */
export interface AttestCheck {
  readonly sourceHash: string;
  /** Refined messages on the visible paths of the export, as verified against the sealed payload. */
  readonly units: number;
  readonly quality: number;
  readonly scorerVersion: string;
}

/**
 * The CPU-bound part of {@link verifyAndAttest}, pure and synchronous (so a worker thread can run it):
 * unwraps both keys, decrypts the sealed payload and the raw export, checks that the sealed payload is the
 * refinement of the raw export byte for byte, and scores the raw export.
 * @throws RoleError `UNDECRYPTABLE`, `NOT_REFINEMENT`, `INVALID_INPUT`; messages never quote the export
 */
export function checkAttestRequest(input: AttestCheckInput): AttestCheck {
  let opened: { sealedDataKey: Uint8Array; exportBytes: Uint8Array };
  let sealedPayload: Uint8Array;
  try {
    opened = openAttestRequest(input.request, input.validatorPrivateKey);
    try {
      sealedPayload = decryptWithDataKey(input.ciphertext, opened.sealedDataKey);
    } finally {
      opened.sealedDataKey.fill(0);
    }
  } catch (cause) {
    if (!(cause instanceof EnvelopeError)) throw cause;
    throw new RoleError(
      "UNDECRYPTABLE",
      `Refused: ${cause.code === "DECRYPTION_FAILED" ? "the sealed ciphertext or the raw export does not decrypt" : "a key in the request does not unwrap"} with this validator's key (${cause.code}); wrap both keys to the validator's published key and send the data key of this ciphertext.`,
      { cause },
    );
  }
  const options = refineOptions(input.salt, input.request.refine ?? {});
  const exportBytes = opened.exportBytes;
  const score = readScore(
    exportBytes,
    options,
    () => verifyRefinement(exportBytes, sealedPayload, options).units,
    false,
  );
  return {
    sourceHash: score.sourceHash,
    units: score.units,
    quality: score.quality,
    scorerVersion: score.scorerVersion,
  };
}

/** Options of {@link verifyAndAttest}. */
export interface VerifyAndAttestOptions {
  /**
   * Runs {@link checkAttestRequest} (default: on this thread); the validator service passes its worker
   * pool here, so scoring stays off the event loop.
   */
  readonly check?: (input: AttestCheckInput) => Promise<AttestCheck>;
  /** Validity when the request states no deadline, in seconds; default {@link DEFAULT_ATTESTATION_VALIDITY}. */
  readonly validity?: number;
}

/**
 * A validator's whole job for one request: fetches the descriptor and the sealed ciphertext from the blob
 * store, checks that the ciphertext hashes to the content hash and that the descriptor names it, decrypts
 * it and the raw export with its own key, checks that the sealed payload is the refinement of the raw
 * export, scores the export and only then signs the attestation.
 * @param system the deployment
 * @param validator the validator's account: its key is also its ECIES key (ethers `Wallet` fits)
 * @param store where the contributor uploaded the ciphertext and the descriptor
 * @param request the decoded request
 * @throws RoleError `CIPHERTEXT_MISMATCH`, `UNDECRYPTABLE`, `NOT_REFINEMENT`, `NOT_FOUND`, `WRONG_STATE`
 *   (deadline passed), `INVALID_INPUT`; no message quotes plaintext, user ids or e-mails
 */
export async function verifyAndAttest(
  system: Pick<DataCoop, "chainId" | "addresses" | "provider">,
  validator: Signer & { readonly privateKey: string },
  store: BlobStore,
  request: AttestRequest,
  options: VerifyAndAttestOptions = {},
): Promise<AttestResponse> {
  const now = await chainTime(system.provider);
  if (request.deadline !== undefined && request.deadline <= now) {
    throw new RoleError(
      "WRONG_STATE",
      `The deadline ${formatTime(request.deadline)} has passed (chain time ${formatTime(now)}); agree on a later one.`,
    );
  }
  const descriptorKey = blobKeyFromUri(request.uri);
  const descriptor = parseDescriptor(await fetchBlob(store, descriptorKey, "descriptor"), "the descriptor");
  if (descriptor.contentHash !== request.contentHash.toLowerCase()) {
    throw new RoleError(
      "CIPHERTEXT_MISMATCH",
      `Refused: the descriptor ${descriptorKey} names content hash ${descriptor.contentHash}, not ${request.contentHash}; register the descriptor of this ciphertext.`,
    );
  }
  const ciphertext = await fetchBlob(store, request.contentHash, "sealed ciphertext");
  // The store verifies on get; a validator checks again, as it signs for this hash.
  if (keccak256(ciphertext) !== request.contentHash.toLowerCase()) {
    throw new RoleError(
      "CIPHERTEXT_MISMATCH",
      `Refused: the blob stored under ${request.contentHash} does not hash to it; the ciphertext was substituted.`,
    );
  }
  const input: AttestCheckInput = {
    request,
    ciphertext,
    validatorPrivateKey: validator.privateKey,
    salt: deploymentSalt(system.chainId, system.addresses.registry),
  };
  const check = options.check === undefined ? checkAttestRequest(input) : await options.check(input);
  const validity = options.validity ?? DEFAULT_ATTESTATION_VALIDITY;
  const attestation: Attestation = {
    contributor: getAddress(request.contributor),
    contentHash: request.contentHash.toLowerCase(),
    sourceHash: check.sourceHash,
    units: check.units,
    quality: check.quality,
    scorerVersion: scorerVersionId(check.scorerVersion),
    deadline: request.deadline ?? now + BigInt(validity),
  };
  const { signature } = await signAttestation(
    validator,
    attestationDomain(system.chainId, system.addresses.registry),
    attestation,
  );
  return { attestation, signature };
}

async function fetchBlob(store: BlobStore, key: string, what: string): Promise<Uint8Array> {
  try {
    return await store.get(key);
  } catch (cause) {
    if (cause instanceof BlobNotFoundError) {
      throw new RoleError("NOT_FOUND", `The ${what} ${key} is not in the blob store; upload it before asking.`, {
        cause,
      });
    }
    if (cause instanceof BlobIntegrityError) {
      throw new RoleError(
        "CIPHERTEXT_MISMATCH",
        `Refused: the blob stored under ${key} (${what}) does not hash to it; it was substituted.`,
        { cause },
      );
    }
    throw cause;
  }
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
