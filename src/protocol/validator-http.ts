/**
 * The transport of the validator service, without a client library: `GET /` (what a validator says it is)
 * and `POST /v1/attestations` (an attestation request, strict decoding of the answer). The role library
 * (ethers) and the member app (viem, in a browser) both ask validators through these two functions and
 * check what they claim against the chain themselves: a validator's address must hold the registry's
 * validator role and its key must be the one the registry publishes for it, before any key is wrapped to it.
 */
import { getAddress } from "../codec/address";
import {
  AttestRequestError,
  decodeAttestResponse,
  encodeAttestRequest,
  type AttestRequest,
  type AttestResponse,
} from "./attest-request";

/** Per validator and call, in milliseconds: scoring a large export takes time. */
export const DEFAULT_VALIDATOR_TIMEOUT_MS = 120_000;

/** What `GET /` of a validator service says about itself: to be checked against the chain before use. */
export interface ValidatorDescription {
  /** The base URL, without a trailing `/`. */
  readonly url: string;
  /** Its account, checksummed. */
  readonly address: string;
  /** The ECIES key it claims (as it sent it). */
  readonly publicKey: string;
  readonly scorerVersion: string;
  /** The chain id and registry it serves, as it says. */
  readonly chainId: string;
  readonly registry: string;
}

async function call(url: string, init: RequestInit, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (cause) {
    const timedOut = cause instanceof Error && cause.name === "TimeoutError";
    throw new AttestRequestError(
      "CONFIG",
      timedOut
        ? `The validator ${url} did not answer within ${timeoutMs} ms.`
        : `The validator ${url} cannot be reached; check the URL and that it runs (and, from a browser, that it allows this app's origin).`,
      { cause },
    );
  }
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    throw new AttestRequestError("INTEGRITY", `The validator ${url} answered HTTP ${response.status} without JSON.`);
  }
}

function errorOf(body: unknown): { code: string; message: string } | undefined {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === "string" && typeof error.message === "string"
    ? { code: error.code, message: error.message }
    : undefined;
}

/**
 * Asks a validator service what it is (`GET /`). Nothing here is trusted: the caller checks the address's
 * role and published key, the chain id and the registry against the chain.
 * @throws AttestRequestError `CONFIG` if unreachable or not a validator service
 */
export async function fetchValidatorDescription(
  url: string,
  timeoutMs: number = DEFAULT_VALIDATOR_TIMEOUT_MS,
): Promise<ValidatorDescription> {
  const base = url.replace(/\/+$/, "");
  const { status, body } = await call(`${base}/`, { method: "GET" }, timeoutMs);
  const info = body as Partial<Record<keyof ValidatorDescription, unknown>> | null;
  let address: string | undefined;
  try {
    address = getAddress(info?.address);
  } catch {
    address = undefined;
  }
  if (status !== 200 || address === undefined || typeof info?.publicKey !== "string") {
    throw new AttestRequestError(
      "CONFIG",
      `${base} does not describe itself as a DataCoop validator (GET / → HTTP ${status}).`,
    );
  }
  return {
    url: base,
    address,
    publicKey: info.publicKey,
    scorerVersion: String(info.scorerVersion),
    chainId: String(info.chainId),
    registry: String(info.registry),
  };
}

/**
 * Sends one attest request to a validator service (`POST /v1/attestations`) and decodes its answer
 * strictly. The signature is not checked here (that needs the deployment's EIP-712 domain): the caller
 * recovers it and compares it with the validator's address.
 * @param url the validator's base URL
 * @param request the request built for this validator
 * @param timeoutMs per call; default 120 s
 * @throws AttestRequestError `CHECK_FAILED` if the validator refuses, `INTEGRITY` on a malformed answer,
 *   `CONFIG` if unreachable
 */
export async function askValidator(
  url: string,
  request: AttestRequest,
  timeoutMs: number = DEFAULT_VALIDATOR_TIMEOUT_MS,
): Promise<AttestResponse> {
  const base = url.replace(/\/+$/, "");
  const { status, body } = await call(
    `${base}/v1/attestations`,
    { method: "POST", headers: { "content-type": "application/json" }, body: encodeAttestRequest(request) },
    timeoutMs,
  );
  if (status !== 200) {
    const error = errorOf(body);
    throw new AttestRequestError(
      "CHECK_FAILED",
      `The validator ${base} refused (HTTP ${status} ${error?.code ?? "?"}): ${error?.message ?? "no message"}`,
    );
  }
  try {
    return decodeAttestResponse(body);
  } catch (cause) {
    throw new AttestRequestError("INTEGRITY", `The validator ${base} answered a malformed attestation.`, { cause });
  }
}
