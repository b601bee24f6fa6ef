/**
 * The contributor's side of the validator service: asks validators over HTTP for attestations of one sealed
 * contribution and combines k of them into an attestation file (`attestation-file.ts`) that the existing
 * contribute path submits.
 *
 * Each validator is first described (`GET /`) and its claimed key checked against the key the registry
 * publishes for its address, so data keys are only ever wrapped to a real validator's key. Every signature
 * is recovered and must be the validator's; every answer must attest the same thing (state the deadline in
 * the requests so they can).
 */
import { getAddress } from "ethers";

import { normalizePublicKey } from "../crypto";
import type { ValidatorSignature } from "../protocol/attestation";
import {
  askValidator as askValidatorOverHttp,
  DEFAULT_VALIDATOR_TIMEOUT_MS,
  fetchValidatorDescription,
} from "../protocol/validator-http";
import { asRoleError, type AttestRequest, type AttestResponse } from "./attest-request";
import { buildAttestationFile, parseAttestationFile, type AttestationFile } from "./attestation-file";
import type { DataCoop } from "./contracts";
import { RoleError } from "./errors";
import { validatorPublicKeyOf } from "./validator";

/** What `GET /` of a validator service says, checked against the chain. */
export interface ValidatorInfo {
  readonly url: string;
  readonly address: string;
  /** Its published ECIES key (compressed): wrap keys to this. */
  readonly publicKey: string;
  readonly scorerVersion: string;
}

export interface RequestAttestationsOptions {
  /** Signatures needed (the registry's `attestationThreshold`). */
  readonly k: number;
  /** Per validator and call, in milliseconds; default 120 s (scoring a large export takes time). */
  readonly timeoutMs?: number;
}

/** Per validator: a request already built for it, or a function building it from its checked info. */
export type RequestsPerValidator =
  readonly AttestRequest[] | ((validator: ValidatorInfo) => AttestRequest | Promise<AttestRequest>);

/**
 * Describes a validator service and checks it against the chain: it serves this registry on this chain and
 * claims the key the registry publishes for its address.
 * @throws RoleError `CONFIG` (unreachable, another deployment, no published key), `INTEGRITY` (wrong key)
 */
export async function describeValidator(
  system: Pick<DataCoop, "registry" | "chainId" | "addresses">,
  url: string,
  timeoutMs = DEFAULT_VALIDATOR_TIMEOUT_MS,
): Promise<ValidatorInfo> {
  let info;
  try {
    info = await fetchValidatorDescription(url, timeoutMs);
  } catch (error) {
    throw asRoleError(error);
  }
  const base = info.url;
  if (info.chainId !== system.chainId.toString() || info.registry !== system.addresses.registry) {
    throw new RoleError(
      "CONFIG",
      `The validator ${base} serves registry ${info.registry} on chain ${info.chainId}, not this deployment.`,
    );
  }
  const address = getAddress(info.address);
  const published = await validatorPublicKeyOf(system, address);
  if (normalizePublicKey(info.publicKey) !== published) {
    throw new RoleError(
      "INTEGRITY",
      `The validator ${base} claims a key that is not the one the registry publishes for ${address}; nothing is sent to it.`,
    );
  }
  return { url: base, address, publicKey: published, scorerVersion: info.scorerVersion };
}

/**
 * Sends one attest request to a validator service (`POST /v1/attestations`) and decodes its answer: the
 * core's transport (`src/protocol/validator-http.ts`), with its errors as `RoleError`s.
 * @param url the validator's base URL
 * @param request the request built for this validator
 * @param timeoutMs per call; default 120 s
 * @throws RoleError `CHECK_FAILED` if the validator refuses, `INTEGRITY` on a malformed answer, `CONFIG` if unreachable
 */
export async function askValidator(
  url: string,
  request: AttestRequest,
  timeoutMs: number = DEFAULT_VALIDATOR_TIMEOUT_MS,
): Promise<AttestResponse> {
  try {
    return await askValidatorOverHttp(url, request, timeoutMs);
  } catch (error) {
    throw asRoleError(error);
  }
}

/**
 * Asks each validator for an attestation and combines `k` that agree into one attestation file.
 * @param system the deployment (the file is bound to its chain and registry)
 * @param urls the validator services
 * @param requests one request per URL, in order, or a function building each from the checked validator
 * @returns the attestation file, its signatures recovered to their validators
 * @throws RoleError `CHECK_FAILED` when fewer than `k` validators signed the same attestation, naming each
 *   validator's URL and what it answered
 */
export async function requestAttestations(
  system: Pick<DataCoop, "registry" | "chainId" | "addresses">,
  urls: readonly string[],
  requests: RequestsPerValidator,
  options: RequestAttestationsOptions,
): Promise<AttestationFile> {
  if (!Number.isSafeInteger(options.k) || options.k < 1 || options.k > urls.length) {
    throw new RoleError(
      "INVALID_INPUT",
      `k must be from 1 to the ${urls.length} validator URLs given; got ${options.k}.`,
    );
  }
  if (Array.isArray(requests) && requests.length !== urls.length) {
    throw new RoleError(
      "INVALID_INPUT",
      `Give one request per validator: ${urls.length} URLs, ${requests.length} requests.`,
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_VALIDATOR_TIMEOUT_MS;
  const ask = async (url: string, index: number): Promise<{ info: ValidatorInfo; response: AttestResponse }> => {
    const info = await describeValidator(system, url, timeoutMs);
    const request =
      typeof requests === "function" ? await requests(info) : (requests as readonly AttestRequest[])[index];
    const response = await askValidator(info.url, request, timeoutMs);
    return { info, response };
  };
  const settled = await Promise.allSettled(urls.map(ask));
  const failures: string[] = [];
  const groups = new Map<string, { response: AttestResponse; signatures: ValidatorSignature[] }>();
  for (const [i, result] of settled.entries()) {
    if (result.status === "rejected") {
      failures.push(result.reason instanceof Error ? result.reason.message : `${urls[i]}: ${String(result.reason)}`);
      continue;
    }
    const { info, response } = result.value;
    const a = response.attestation;
    const key = JSON.stringify([a.contentHash, a.sourceHash, a.units, a.quality, a.scorerVersion, String(a.deadline)]);
    const group = groups.get(key) ?? { response, signatures: [] };
    group.signatures.push({ validator: info.address, signature: response.signature });
    groups.set(key, group);
  }
  const best = [...groups.values()].sort((x, y) => y.signatures.length - x.signatures.length)[0];
  if (best === undefined || best.signatures.length < options.k) {
    const disagree =
      groups.size > 1
        ? ` The validators signed ${groups.size} different attestations (state one deadline in every request).`
        : "";
    throw new RoleError(
      "CHECK_FAILED",
      `Only ${best?.signatures.length ?? 0} of the ${options.k} attestations needed were signed.${disagree} ${failures.join(" ")}`.trim(),
    );
  }
  const file = buildAttestationFile(
    system.chainId,
    system.addresses.registry,
    best.response.attestation,
    best.signatures,
  );
  // The parser recovers every signature: one that is not its validator's fails here, naming it.
  return parseAttestationFile(JSON.stringify(file), "the validators' attestation");
}
