import { type ContractTransactionReceipt, getAddress, type Signer } from "ethers";

import { type CustodianSet, EnvelopeError, normalizePublicKey, sealContribution, unwrapDataKey } from "../crypto";
import { ExportError, type ExportScore } from "../export";
import { RefineError, sealedPayloadOf, type RefinementProfile, type RefinementReport } from "../refine";
import { orderSignatures, type Attestation } from "../protocol/attestation";
import { buildAttestRequest, type AttestRequest, type AttestResponse } from "./attest-request";
import { blobKey, BlobStoreError } from "../store";
import { attestationOf, buildAttestationFile, parseAttestationFile, type AttestationFile } from "./attestation-file";
import { chainTime } from "./chain";
import type { DataCoop } from "./contracts";
import { describeSealed, serializeDescriptor, type ContributionDescriptor } from "./descriptor";
import { RoleError } from "./errors";
import { decodeLog } from "./logs";
import { simulate } from "./transact";
import { CONTRIBUTION_STATUS } from "../protocol/constants";
import type { NamedStore } from "./stores";
import { deploymentSalt } from "./scoring";
import { DEFAULT_ATTESTATION_VALIDITY, scoreExportFor, type AttestationRequest } from "./validator";

/**
 * What the contributor chooses about the refined dataset that is sealed (see `src/refine`): conversations
 * left out (`--exclude`: an id, `title:/regex/flags`, `date:FROM..TO`), precise times, branches.
 */
export interface RefinementChoices {
  readonly exclude?: readonly string[];
  readonly preciseTimes?: boolean;
  readonly branches?: boolean;
}

/** An export scored, refined, encrypted and described in memory, not yet uploaded or registered. */
export interface PreparedContribution {
  /** The score validators attest: quality and source hash of the export, units = refined messages. */
  readonly score: ExportScore;
  /** The refinement that was sealed (counts only: redactions, exclusions, units). */
  readonly refinement: RefinementReport;
  /** The choices a validator needs, with the deployment's salt, to recompute the sealed payload. */
  readonly profile: RefinementProfile;
  /** keccak256 of the ciphertext. */
  readonly contentHash: string;
  readonly ciphertext: Uint8Array;
  readonly descriptor: ContributionDescriptor;
  readonly descriptorBytes: Uint8Array;
  /** The on-chain URI: where the descriptor will be stored. */
  readonly uri: string;
}

/** A contribution registered on-chain. */
export interface RegisteredContribution {
  readonly contentHash: string;
  readonly owner: string;
  readonly sourceHash: string;
  readonly units: number;
  readonly quality: number;
  readonly weight: bigint;
  readonly purposes: number;
  /** Governance tokens minted for it (base units). */
  readonly reward: bigint;
  readonly uri: string;
  /** The contribution of the same source it replaced, if any. */
  readonly superseded?: string;
  readonly txHash: string;
}

/**
 * The custodian set new contributions are sealed for: the CustodianSet's current version, its threshold k
 * and its custodians' public keys in share order (share `i + 1` goes to key `i`). The descriptor records the
 * version, so the shares stay attributable after the set changes.
 * @param system the deployment
 * @throws RoleError `CONFIG` if governance has not appointed custodians yet (set version 0)
 */
export async function custodianSetOf(
  system: Pick<DataCoop, "custodianSet">,
): Promise<CustodianSet & { publicKeys: string[] }> {
  const version = await system.custodianSet.currentVersion();
  if (version === 0n) {
    throw new RoleError(
      "CONFIG",
      "The deployment has no key custodians yet (custodian set version 0), so no data key can be split for them. Governance must appoint them first (CustodianSet.setCustodians, or the `custodians`, `custodianPublicKeys` and `custodianThreshold` deployment parameters).",
    );
  }
  const [custodians, threshold] = await system.custodianSet.custodiansAt(version);
  return {
    version: Number(version),
    threshold: Number(threshold),
    publicKeys: custodians.map((c) => normalizePublicKey(c.publicKey)),
  };
}

/**
 * The refined dataset of an export on this deployment (salted with the deployment's salt), and the score
 * validators attest for it: the export's quality and source hash, with units = refined messages (what
 * is sealed and sold is what is paid for).
 * @param system the deployment
 * @param exportBytes the ChatGPT export `.zip`
 * @param choices exclusions and precision
 * @throws RoleError `INVALID_INPUT` if the export is rejected, an exclusion is invalid, or nothing is left
 */
export function refineForSealing(
  system: Pick<DataCoop, "chainId" | "addresses" | "progress">,
  exportBytes: Uint8Array,
  choices: RefinementChoices = {},
): { readonly payload: Uint8Array; readonly refinement: RefinementReport; readonly score: ExportScore } {
  const profile = {
    exclude: choices.exclude ?? [],
    preciseTimes: choices.preciseTimes === true,
    branches: choices.branches === true,
  };
  system.progress?.({ step: `scoring the export (${exportBytes.length} bytes)` });
  // Exactly the validators' score (units = refined messages under this profile); it rejects unusable exports.
  const score = scoreExportFor(system, exportBytes, profile);
  system.progress?.({ step: "refining (de-identifying) the export" });
  let refined;
  try {
    refined = sealedPayloadOf(exportBytes, {
      salt: deploymentSalt(system.chainId, system.addresses.registry),
      ...profile,
    });
  } catch (cause) {
    // Both error types are written never to quote the contributor's data.
    if (!(cause instanceof RefineError) && !(cause instanceof ExportError)) throw cause;
    throw new RoleError("INVALID_INPUT", `The export could not be refined: ${cause.message}`, { cause });
  }
  const { report } = refined;
  if (report.units === 0) {
    throw new RoleError(
      "INVALID_INPUT",
      `Nothing is left to contribute: ${report.excludedConversations} of ${report.conversations} conversations are excluded and the rest have no message to keep.`,
    );
  }
  return { payload: refined.payload, refinement: report, score };
}

/**
 * Refines an export (see {@link refineForSealing}), encrypts the refined payload under a fresh data key
 * split among the custodian set and wrapped whole to the contributor, and builds its descriptor. Nothing
 * leaves memory; the raw export is never sealed.
 * @param system the deployment (its salt and custodian set)
 * @param exportBytes the ChatGPT export `.zip`
 * @param contributorPublicKey the contributor's ECIES public key
 * @param store where the blobs will be stored (names the URIs)
 * @param choices exclusions and precision of the refined dataset
 * @throws RoleError `INVALID_INPUT` if the export is rejected or the key is invalid, `CONFIG` without a custodian key
 */
export async function prepareContribution(
  system: Pick<DataCoop, "custodianSet" | "chainId" | "addresses" | "progress">,
  exportBytes: Uint8Array,
  contributorPublicKey: string,
  store: NamedStore,
  choices: RefinementChoices = {},
): Promise<PreparedContribution> {
  const { payload, refinement, score } = refineForSealing(system, exportBytes, choices);
  const custodians = await custodianSetOf(system);
  system.progress?.({ step: "encrypting" });
  let sealed;
  try {
    sealed = await sealContribution(payload, { custodians, contributorPublicKey });
  } catch (cause) {
    if (!(cause instanceof EnvelopeError)) throw cause;
    throw new RoleError("INVALID_INPUT", `Could not encrypt the export: ${cause.message}`, { cause });
  }
  const descriptor = describeSealed(sealed, store.uriFor(sealed.contentHash), contributorPublicKey);
  const descriptorBytes = serializeDescriptor(descriptor);
  return {
    score,
    refinement,
    profile: refinement.profile,
    contentHash: sealed.contentHash,
    ciphertext: sealed.ciphertext,
    descriptor,
    descriptorBytes,
    uri: store.uriFor(blobKey(descriptorBytes)),
  };
}

/**
 * Uploads a prepared contribution's ciphertext and descriptor (idempotent: the store is content-addressed).
 * @param prepared the prepared contribution
 * @param store where to store it (the one it was prepared for)
 */
export async function uploadPrepared(
  system: Pick<DataCoop, "progress">,
  prepared: PreparedContribution,
  store: NamedStore,
): Promise<void> {
  system.progress?.({ step: `uploading ${prepared.ciphertext.length} bytes to ${store.location}` });
  let ciphertextKey: string;
  let descriptorKey: string;
  try {
    // The ciphertext first: a descriptor in the store always names a ciphertext that is there.
    ciphertextKey = await store.store.put(prepared.ciphertext);
    descriptorKey = await store.store.put(prepared.descriptorBytes);
  } catch (cause) {
    if (!(cause instanceof BlobStoreError)) throw cause;
    throw new RoleError(
      "CONFIG",
      `Could not upload the contribution to the blob store ${store.location}, so nothing was registered (run again once it is back; what was stored is content-addressed and is reused): ${cause.message}`,
      { cause },
    );
  }
  if (ciphertextKey !== prepared.contentHash || store.uriFor(descriptorKey) !== prepared.uri) {
    throw new RoleError("INTEGRITY", `The blob store ${store.location} stored the blobs under unexpected keys.`);
  }
}

/** Everything `registry.contribute` takes. */
export interface ContributionPlan {
  readonly attestation: Attestation;
  /** Signatures ordered by ascending validator address. */
  readonly signatures: readonly string[];
  readonly purposes: number;
  readonly uri: string;
}

/**
 * Builds a plan from an attestation file, checking that it is for this deployment.
 * @throws RoleError `INVALID_INPUT`
 */
export function planFromAttestation(
  system: Pick<DataCoop, "chainId" | "addresses">,
  file: AttestationFile,
  purposes: number,
  uri: string,
): ContributionPlan {
  if (BigInt(file.chainId) !== system.chainId || getAddress(file.registry) !== system.addresses.registry) {
    throw new RoleError(
      "INVALID_INPUT",
      `The attestation is for registry ${file.registry} on chain ${file.chainId}, but this deployment is registry ${system.addresses.registry} on chain ${system.chainId}; get an attestation for this deployment.`,
    );
  }
  return { attestation: attestationOf(file), signatures: orderSignatures([...file.signatures]), purposes, uri };
}

/** A registration simulated against the chain: what it will do, and how to send it. */
export interface ContributionCheck {
  /** Tokens the registry mints for it, as the simulated call returned them (after the cap and budget). */
  readonly reward: bigint;
  /** The active contribution of the same source that will be superseded, if any. */
  readonly supersedes?: string;
  /** Sends the registration that was simulated (not simulated again) and reads the result from its event. */
  send(): Promise<RegisteredContribution>;
}

/**
 * Simulates `registry.contribute` for a plan as the signer, without sending anything: the registry itself
 * checks sender, deadline, validators, threshold, uniqueness, source binding and purposes, and a refusal
 * is explained from its decoded error.
 * @param system the deployment
 * @param signer the contributor
 * @param plan what to register
 * @throws RoleError `REVERTED` with what to fix
 */
export async function checkContribution(
  system: Pick<DataCoop, "registry">,
  signer: Signer,
  plan: ContributionPlan,
): Promise<ContributionCheck> {
  const registry = system.registry.connect(signer);
  const a = plan.attestation;
  const simulated = await simulate(
    "register the contribution",
    registry.contribute,
    a,
    [...plan.signatures],
    plan.purposes,
    plan.uri,
  );
  // The source's latest contribution, if still active, is the one this registration supersedes.
  const [, latest] = await system.registry.source(a.sourceHash);
  const active =
    BigInt(latest) !== 0n && (await system.registry.contribution(latest)).status === BigInt(CONTRIBUTION_STATUS.Active);
  return {
    reward: simulated.result,
    supersedes: active ? latest : undefined,
    send: async () => registeredFrom(system, await simulated.send()),
  };
}

/**
 * Simulates and sends `registry.contribute` for a plan, and reads the result from its event.
 * @throws RoleError `REVERTED`
 */
export async function registerContribution(
  system: Pick<DataCoop, "registry">,
  signer: Signer,
  plan: ContributionPlan,
): Promise<RegisteredContribution> {
  return (await checkContribution(system, signer, plan)).send();
}

function registeredFrom(
  system: Pick<DataCoop, "registry">,
  receipt: ContractTransactionReceipt,
): RegisteredContribution {
  let superseded: string | undefined;
  for (const log of receipt.logs) {
    const parsed = decodeLog(system.registry.interface, log);
    if (parsed?.name === "Superseded") superseded = String(parsed.args.previous);
    if (parsed?.name !== "Contributed") continue;
    const units = Number(parsed.args.units);
    const quality = Number(parsed.args.quality);
    return {
      contentHash: String(parsed.args.contentHash),
      owner: String(parsed.args.owner),
      sourceHash: String(parsed.args.sourceHash),
      units,
      quality,
      weight: BigInt(units) * BigInt(quality),
      purposes: Number(parsed.args.purposes),
      reward: BigInt(parsed.args.reward),
      uri: String(parsed.args.uri),
      superseded,
      txHash: receipt.hash,
    };
  }
  throw new RoleError("REVERTED", `Transaction ${receipt.hash} registered no contribution.`);
}

/** Options of {@link contributeExport}. */
export interface ContributeOptions {
  /** The ChatGPT export `.zip`. */
  readonly exportBytes: Uint8Array;
  /** Consent bitmask. */
  readonly purposes: number;
  /** The contributor's ECIES public key (their copy of the data key is wrapped to it). */
  readonly contributorPublicKey: string;
  /** Where the ciphertext and descriptor go. */
  readonly store: NamedStore;
  /** Exclusions and precision of the refined dataset that is sealed. */
  readonly refinement?: RefinementChoices;
  /**
   * How the contribution gets attested, one of:
   * - `attest`: signs the contributor's own score (local validator accounts on a development chain); the
   *   blobs are uploaded only after every check passed;
   * - `validators`: validators that verify what they sign ({@link collectAttestations}); the blobs are
   *   uploaded first, because each validator fetches the ciphertext from the store.
   */
  readonly attest?: (request: AttestationRequest) => Promise<AttestationFile>;
  readonly validators?: ValidatorsToAsk;
}

/** One validator a contributor asks. */
export interface ValidatorEndpoint {
  /** Its account (holds VALIDATOR_ROLE). */
  readonly address: string;
  /** Its published ECIES public key (`validatorPublicKeyOf`): the keys of the request are wrapped to it. */
  readonly publicKey: string;
  /** Delivers a request and returns the answer: in-process (`verifyAndAttest`) or over HTTP. */
  readonly send: (request: AttestRequest) => Promise<AttestResponse>;
}

/** The validators to ask, and the contributor's key to unwrap the sealed data key for them. */
export interface ValidatorsToAsk {
  readonly endpoints: readonly ValidatorEndpoint[];
  /** The contributor's ECIES private key (its public key is `contributorPublicKey`); never sent. */
  readonly contributorPrivateKey: string;
  /** Seconds the attestation stays valid; default one hour. All validators sign the same deadline. */
  readonly validity?: number;
}

/**
 * Asks each validator to verify and sign an uploaded contribution: builds one request per validator (the
 * sealed payload's data key and the raw export, each wrapped to that validator; see `attest-request.ts`),
 * with one deadline for all so the signatures cover one attestation, and combines the answers.
 * @param system the deployment
 * @param prepared the prepared contribution, already uploaded
 * @param exportBytes the raw export it was refined from
 * @param contributor the wallet that will register it
 * @param validators who to ask, and the contributor's private key
 * @throws RoleError `INVALID_INPUT` if a validator's answer is for another attestation, or its own error
 */
export async function collectAttestations(
  system: Pick<DataCoop, "chainId" | "addresses" | "provider" | "progress">,
  prepared: PreparedContribution,
  exportBytes: Uint8Array,
  contributor: string,
  validators: ValidatorsToAsk,
): Promise<AttestationFile> {
  if (validators.endpoints.length === 0) throw new RoleError("INVALID_INPUT", "No validator to ask.");
  const deadline = (await chainTime(system.provider)) + BigInt(validators.validity ?? DEFAULT_ATTESTATION_VALIDITY);
  let dataKey: Uint8Array;
  try {
    dataKey = unwrapDataKey(prepared.descriptor.contributorWrappedKey, validators.contributorPrivateKey);
  } catch (cause) {
    if (!(cause instanceof EnvelopeError)) throw cause;
    throw new RoleError(
      "INVALID_INPUT",
      `The contributor private key does not open the data key sealed for ${prepared.descriptor.contributorPublicKey}: ${cause.message}`,
      { cause },
    );
  }
  const answers: AttestResponse[] = [];
  try {
    for (const endpoint of validators.endpoints) {
      system.progress?.({
        step: `asking validator ${endpoint.address}`,
        done: answers.length,
        total: validators.endpoints.length,
      });
      const request = buildAttestRequest({
        contributor,
        contentHash: prepared.contentHash,
        uri: prepared.uri,
        exportBytes,
        sealedDataKey: dataKey,
        validatorPublicKey: endpoint.publicKey,
        deadline,
        refine: prepared.profile,
      });
      answers.push(await endpoint.send(request));
    }
  } finally {
    dataKey.fill(0);
  }
  const [first] = answers;
  const same = (a: Attestation, b: Attestation): boolean =>
    getAddress(a.contributor) === getAddress(b.contributor) &&
    a.contentHash.toLowerCase() === b.contentHash.toLowerCase() &&
    a.sourceHash.toLowerCase() === b.sourceHash.toLowerCase() &&
    BigInt(a.units) === BigInt(b.units) &&
    BigInt(a.quality) === BigInt(b.quality) &&
    BigInt(a.scorerVersion) === BigInt(b.scorerVersion) &&
    BigInt(a.deadline) === BigInt(b.deadline);
  for (const [i, answer] of answers.entries()) {
    if (!same(answer.attestation, first.attestation)) {
      throw new RoleError(
        "INVALID_INPUT",
        `Validator ${validators.endpoints[i].address} attested something else than ${validators.endpoints[0].address} (units, quality, scorer version or deadline differ); their signatures cannot be combined.`,
      );
    }
  }
  const file = buildAttestationFile(
    system.chainId,
    system.addresses.registry,
    first.attestation,
    answers.map((answer, i) => ({
      validator: getAddress(validators.endpoints[i].address),
      signature: answer.signature,
    })),
  );
  return parseAttestationFile(JSON.stringify(file), "the validators' attestation");
}

/**
 * The whole contributor flow for one export: score, refine, encrypt the refined dataset, get attested, check everything against the
 * chain (simulated), upload, register. Nothing is uploaded or sent unless every check passes.
 * @returns the registered contribution and the export's score
 */
export async function contributeExport(
  system: DataCoop,
  signer: Signer,
  options: ContributeOptions,
): Promise<RegisteredContribution & { readonly score: ExportScore; readonly refinement: RefinementReport }> {
  const prepared = await prepareContribution(
    system,
    options.exportBytes,
    options.contributorPublicKey,
    options.store,
    options.refinement,
  );
  if ((options.attest === undefined) === (options.validators === undefined)) {
    throw new RoleError("INVALID_INPUT", "Give exactly one of attest (local signing) or validators (verifying).");
  }
  const contributor = await signer.getAddress();
  system.progress?.({ step: "getting the attestation" });
  let file: AttestationFile;
  if (options.validators !== undefined) {
    // Validators fetch the ciphertext they sign for: upload first (content-addressed, so a retry reuses it).
    await uploadPrepared(system, prepared, options.store);
    file = await collectAttestations(system, prepared, options.exportBytes, contributor, options.validators);
  } else {
    file = await (options.attest as NonNullable<ContributeOptions["attest"]>)({
      contributor,
      contentHash: prepared.contentHash,
      score: prepared.score,
    });
  }
  const plan = planFromAttestation(system, file, options.purposes, prepared.uri);
  if (plan.attestation.contentHash.toLowerCase() !== prepared.contentHash) {
    throw new RoleError("INVALID_INPUT", "The attestation is for another ciphertext than the one just sealed.");
  }
  // Simulated once: a refusal is explained before anything is uploaded; then exactly that is sent.
  const checked = await checkContribution(system, signer, plan);
  if (options.validators === undefined) await uploadPrepared(system, prepared, options.store);
  system.progress?.({ step: "registering" });
  return {
    ...(await checked.send()),
    score: prepared.score,
    refinement: prepared.refinement,
  };
}
