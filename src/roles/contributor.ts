import { getAddress, type Signer } from "ethers";

import { type CustodianSet, EnvelopeError, normalizePublicKey, sealContribution } from "../crypto";
import type { ExportScore } from "../export";
import { orderSignatures, type Attestation } from "../protocol/attestation";
import { blobKey } from "../store";
import { attestationOf, type AttestationFile } from "./attestation-file";
import { chainTime, formatTime } from "./chain";
import type { DataCoop } from "./contracts";
import { describeSealed, serializeDescriptor, type ContributionDescriptor } from "./descriptor";
import { RoleError } from "./errors";
import { decodeLog } from "./logs";
import { explainRevert, transact } from "./revert";
import type { NamedStore } from "./stores";
import { scoreExportFor, type AttestationRequest } from "./validator";

/** Registry status names, by `IContributionRegistry.Status`. */
export const CONTRIBUTION_STATUS = ["none", "active", "revoked", "superseded"] as const;
export type ContributionStatusName = (typeof CONTRIBUTION_STATUS)[number];

const MAX_QUALITY = 10_000;

/** An export scored, encrypted and described in memory, not yet uploaded or registered. */
export interface PreparedContribution {
  readonly score: ExportScore;
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
 * Scores an export, encrypts it under a fresh data key split among the custodian set and wrapped whole to
 * the contributor, and builds its descriptor. Nothing leaves memory.
 * @param system the deployment (its salt and custodian set)
 * @param exportBytes the ChatGPT export `.zip`
 * @param contributorPublicKey the contributor's ECIES public key
 * @param store where the blobs will be stored (names the URIs)
 * @throws RoleError `INVALID_INPUT` if the export is rejected or the key is invalid, `CONFIG` without a custodian key
 */
export async function prepareContribution(
  system: Pick<DataCoop, "custodianSet" | "chainId" | "addresses" | "progress">,
  exportBytes: Uint8Array,
  contributorPublicKey: string,
  store: NamedStore,
): Promise<PreparedContribution> {
  system.progress?.({ step: `scoring the export (${exportBytes.length} bytes)` });
  const score = scoreExportFor(system, exportBytes);
  const custodians = await custodianSetOf(system);
  system.progress?.({ step: "encrypting" });
  let sealed;
  try {
    sealed = await sealContribution(exportBytes, { custodians, contributorPublicKey });
  } catch (cause) {
    if (!(cause instanceof EnvelopeError)) throw cause;
    throw new RoleError("INVALID_INPUT", `Could not encrypt the export: ${cause.message}`, { cause });
  }
  const descriptor = describeSealed(sealed, store.uriFor(sealed.contentHash), contributorPublicKey);
  const descriptorBytes = serializeDescriptor(descriptor);
  return {
    score,
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
  const ciphertextKey = await store.store.put(prepared.ciphertext);
  const descriptorKey = await store.store.put(prepared.descriptorBytes);
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

/** What registering a plan is expected to do. */
export interface ContributionCheck {
  /** Tokens the registry will mint, before the cap (base units). */
  readonly reward: bigint;
  /** The active contribution of the same source that will be superseded, if any. */
  readonly supersedes?: string;
}

/**
 * Checks a plan against the chain without sending anything: sender, deadline, validators, threshold,
 * uniqueness, source binding, purposes, and finally a simulated call.
 * @param system the deployment
 * @param signer the contributor
 * @param plan what to register
 * @throws RoleError with what to fix
 */
export async function checkContribution(
  system: Pick<DataCoop, "registry" | "token" | "provider">,
  signer: Signer,
  plan: ContributionPlan,
): Promise<ContributionCheck> {
  const { registry } = system;
  const sender = await signer.getAddress();
  const a = plan.attestation;
  if (getAddress(a.contributor) !== sender) {
    throw new RoleError(
      "NOT_ALLOWED",
      `The attestation is for contributor ${getAddress(a.contributor)} but you are sending from ${sender}; use --account to pick the attested account.`,
    );
  }
  const now = await chainTime(system.provider);
  if (BigInt(a.deadline) <= now) {
    throw new RoleError(
      "WRONG_STATE",
      `The attestation expired at ${formatTime(BigInt(a.deadline))} (chain time is ${formatTime(now)}); ask the validators for a fresh one.`,
    );
  }
  if (Number(a.units) < 1) throw new RoleError("INVALID_INPUT", "The attestation has zero units; nothing to register.");
  if (Number(a.quality) < 1 || Number(a.quality) > MAX_QUALITY) {
    throw new RoleError("INVALID_INPUT", `The attested quality ${a.quality} is outside 1..${MAX_QUALITY} bps.`);
  }
  const threshold = await registry.attestationThreshold();
  if (BigInt(plan.signatures.length) < threshold) {
    throw new RoleError(
      "NOT_ALLOWED",
      `The registry needs ${threshold} validator signature(s); the attestation has ${plan.signatures.length}. Collect more attestation files and pass them all with --attestation a.json,b.json.`,
    );
  }
  const defined = Number(await registry.definedPurposes());
  if ((plan.purposes & ~defined) !== 0 || plan.purposes < 0 || plan.purposes > 0xffff) {
    throw new RoleError(
      "INVALID_INPUT",
      `The consent mask ${plan.purposes} names purposes the registry does not define.`,
    );
  }
  const existing = await registry.contribution(a.contentHash);
  if (existing.status !== 0n) {
    throw new RoleError(
      "WRONG_STATE",
      `The content hash ${a.contentHash} is already registered (${CONTRIBUTION_STATUS[Number(existing.status)]}); a ciphertext registers once, ever. Encrypt the export again for a new one.`,
    );
  }
  const [wallet, latest, paidUnits] = await registry.source(a.sourceHash);
  if (wallet !== "0x0000000000000000000000000000000000000000" && getAddress(wallet) !== sender) {
    throw new RoleError(
      "NOT_ALLOWED",
      `This export's account (source hash ${a.sourceHash}) was first contributed by ${getAddress(wallet)}; only that wallet may contribute it again.`,
    );
  }
  try {
    await registry.connect(signer).contribute.staticCall(a, [...plan.signatures], plan.purposes, plan.uri);
  } catch (error) {
    throw explainRevert("register the contribution", error);
  }
  const units = BigInt(a.units);
  const newUnits = units > paidUnits ? units - paidUnits : 0n;
  const wanted = newUnits * BigInt(a.quality) * (await registry.rewardRate());
  const room = (await system.token.cap()) - (await system.token.totalSupply());
  const latestStatus = latest === `0x${"0".repeat(64)}` ? 0n : (await registry.contribution(latest)).status;
  return { reward: wanted < room ? wanted : room, supersedes: latestStatus === 1n ? latest : undefined };
}

/**
 * Sends `registry.contribute` for a checked plan and reads the result from its event.
 * @throws RoleError `REVERTED`
 */
export async function registerContribution(
  system: Pick<DataCoop, "registry">,
  signer: Signer,
  plan: ContributionPlan,
): Promise<RegisteredContribution> {
  const registry = system.registry.connect(signer);
  const receipt = await transact(
    "register the contribution",
    registry.contribute,
    plan.attestation,
    [...plan.signatures],
    plan.purposes,
    plan.uri,
  );
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
  /** Obtains the validators' attestation for the sealed contribution (e.g. local validators sign it). */
  readonly attest: (request: AttestationRequest) => Promise<AttestationFile>;
}

/**
 * The whole contributor flow for one export: score, encrypt, get attested, check everything against the
 * chain (simulated), upload, register. Nothing is uploaded or sent unless every check passes.
 * @returns the registered contribution and the export's score
 */
export async function contributeExport(
  system: DataCoop,
  signer: Signer,
  options: ContributeOptions,
): Promise<RegisteredContribution & { readonly score: ExportScore }> {
  const prepared = await prepareContribution(system, options.exportBytes, options.contributorPublicKey, options.store);
  system.progress?.({ step: "getting the attestation" });
  const file = await options.attest({
    contributor: await signer.getAddress(),
    contentHash: prepared.contentHash,
    score: prepared.score,
  });
  const plan = planFromAttestation(system, file, options.purposes, prepared.uri);
  if (plan.attestation.contentHash.toLowerCase() !== prepared.contentHash) {
    throw new RoleError("INVALID_INPUT", "The attestation is for another ciphertext than the one just sealed.");
  }
  await checkContribution(system, signer, plan);
  await uploadPrepared(system, prepared, options.store);
  system.progress?.({ step: "registering" });
  return { ...(await registerContribution(system, signer, plan)), score: prepared.score };
}
