/**
 * What a contributor sends to one validator to have a sealed contribution attested, and what it gets back,
 * with their JSON wire codec (`POST /v1/attestations` of the validator service).
 *
 * The validator must score the very ciphertext it signs for (DESIGN.md, Validators), so the request carries
 * no plaintext: the sealed payload's data key wrapped to this validator (it fetches the ciphertext from the
 * blob store by its content hash, checks the hash and decrypts), and the raw export `.zip` encrypted under a
 * fresh key wrapped to this validator too (it recomputes the refinement from it and scores it; the raw
 * export is sent directly and never stored in the blob store). Each validator gets its own request: keys
 * are wrapped to one public key.
 *
 * Wire JSON (version 1), strict: unknown fields are refused, so a typo never silently drops a field.
 *
 *     { "type": "datacoop.attest-request", "version": 1,
 *       "contributor": "0x<20 bytes>", "contentHash": "0x<32 bytes>", "uri": "<descriptor URI>",
 *       "sealedKey": "0x<130-byte wrapped key>",
 *       "rawExport": { "ciphertext": "<base64 of the version-1 ciphertext>", "wrappedKey": "0x<130 bytes>" },
 *       "deadline": "<decimal Unix seconds>"?,                       // so k signatures cover one attestation
 *       "refine": { "exclude": ["<rule>", ...], "preciseTimes": false, "branches": false }? }
 *
 *     response: { "attestation": { contributor, contentHash, sourceHash, units, quality, scorerVersion,
 *                                  deadline: "<decimal>" },
 *                 "signature": "0x<65 bytes>" }
 */
import { getAddress } from "../codec/address";
import { bytesToHex, hexToBytes } from "../codec/hex";
import {
  CIPHERTEXT_OVERHEAD,
  EnvelopeError,
  WRAPPED_KEY_LENGTH,
  type PrivateKeyInput,
  type PublicKeyInput,
  unwrapDataKey,
  wrapDataKey,
} from "../crypto";
import { decryptWithDataKey, encryptWithDataKey, generateDataKey } from "../crypto/aead";
import type { Attestation } from "./attestation";

/** What {@link AttestRequestError} reports; the same codes as the role library's `AttestRequestError`. */
export type AttestRequestErrorCode =
  /** A field of a request or answer is malformed, or a key to build a request with is invalid. */
  | "INVALID_INPUT"
  /** The validator answered, and refused (its error code and message are in the message). */
  | "CHECK_FAILED"
  /** The validator answered something that is not a well-formed answer. */
  | "INTEGRITY"
  /** The validator cannot be reached or did not answer in time. */
  | "CONFIG";

/**
 * Thrown by the attestation wire codec and the validator transport. Messages name the field or the URL,
 * never a key, an export byte or a contributor's data. The role library rethrows it as a `AttestRequestError` with
 * the same code.
 */
export class AttestRequestError extends Error {
  override readonly name = "AttestRequestError";

  constructor(
    readonly code: AttestRequestErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The `type` of an attestation request on the wire. */
export const ATTEST_REQUEST_TYPE = "datacoop.attest-request";
/** The wire version this library writes and reads. */
export const ATTEST_REQUEST_VERSION = 1;
/** Longest descriptor URI accepted, in characters. */
export const MAX_URI_LENGTH = 2_048;
/** Most exclusion rules in one request, and the longest rule. */
export const MAX_EXCLUSIONS = 256;
export const MAX_EXCLUSION_LENGTH = 512;

/**
 * The refinement options that shape the sealed bytes (the `profile` of a refinement report), so the
 * validator recomputes exactly what the contributor sealed. The salt is the deployment's; it is not sent.
 */
export interface AttestRefineProfile {
  readonly exclude?: readonly string[];
  readonly preciseTimes?: boolean;
  readonly branches?: boolean;
}

/** The request a contributor sends to one validator. */
export interface AttestRequest {
  /** The wallet that will register the contribution. */
  readonly contributor: string;
  /** keccak256 of the sealed ciphertext in the blob store (`0x` + 64 hex digits). */
  readonly contentHash: string;
  /** The descriptor URI that will be registered (its ciphertext URI says where the ciphertext is). */
  readonly uri: string;
  /** The sealed payload's data key, wrapped (src/crypto wrap format) to this validator's public key. */
  readonly sealedKey: Uint8Array;
  /** The raw export `.zip`, encrypted under a fresh key wrapped to this validator. */
  readonly rawExport: { readonly ciphertext: Uint8Array; readonly wrappedKey: Uint8Array };
  /** The agreed deadline (Unix seconds), so k validators sign one attestation; else the validator picks. */
  readonly deadline?: bigint;
  /** Refinement options the sealed payload was made with; absent means the defaults. */
  readonly refine?: AttestRefineProfile;
}

/** A validator's answer: the attestation it signed and its EIP-712 signature. */
export interface AttestResponse {
  readonly attestation: Attestation;
  readonly signature: string;
}

/** What {@link buildAttestRequest} needs. */
export interface AttestRequestInput {
  readonly contributor: string;
  readonly contentHash: string;
  readonly uri: string;
  /** The raw export `.zip` (never leaves the machine in clear). */
  readonly exportBytes: Uint8Array;
  /** The 32-byte data key of the sealed payload; or, instead, `sealedKey`. */
  readonly sealedDataKey?: Uint8Array;
  /**
   * The data key already wrapped to this validator (`sealContribution`'s `readers`), for a caller that
   * never holds the plain key (the member app's worker).
   */
  readonly sealedKey?: Uint8Array;
  /** The validator's ECIES public key (`validatorPublicKeyOf`). */
  readonly validatorPublicKey: PublicKeyInput;
  readonly deadline?: bigint;
  readonly refine?: AttestRefineProfile;
}

/**
 * Builds the request for one validator: wraps the sealed data key to it and encrypts the raw export under
 * a fresh key wrapped to it. The fresh key is zeroed before returning.
 * @throws AttestRequestError `INVALID_INPUT` if a key is invalid or a field malformed
 */
export function buildAttestRequest(input: AttestRequestInput): AttestRequest {
  const exportKey = generateDataKey();
  try {
    const request: AttestRequest = {
      contributor: input.contributor,
      contentHash: input.contentHash,
      uri: input.uri,
      sealedKey: sealedKeyOf(input),
      rawExport: {
        ciphertext: encryptWithDataKey(input.exportBytes, exportKey),
        wrappedKey: wrapDataKey(exportKey, input.validatorPublicKey, "validator public key"),
      },
      ...(input.deadline === undefined ? {} : { deadline: input.deadline }),
      ...(input.refine === undefined ? {} : { refine: input.refine }),
    };
    // Validate what we built with the decoder's rules, so a bad field fails here and not at the validator.
    checkRequestFields(request);
    return request;
  } catch (cause) {
    if (!(cause instanceof EnvelopeError)) throw cause;
    throw new AttestRequestError("INVALID_INPUT", `Could not build the attestation request: ${cause.message}`, {
      cause,
    });
  } finally {
    exportKey.fill(0);
  }
}

function sealedKeyOf(input: AttestRequestInput): Uint8Array {
  if ((input.sealedDataKey === undefined) === (input.sealedKey === undefined)) {
    throw new AttestRequestError("INVALID_INPUT", "Give the sealed data key or its wrapped form, exactly one of them.");
  }
  return (
    input.sealedKey ?? wrapDataKey(input.sealedDataKey as Uint8Array, input.validatorPublicKey, "validator public key")
  );
}

/**
 * The validator's side of {@link buildAttestRequest}: unwraps both keys with its private key and decrypts
 * the raw export. Zero `sealedDataKey` when done.
 * @throws EnvelopeError if a key was wrapped to someone else or a byte was altered
 */
export function openAttestRequest(
  request: AttestRequest,
  validatorPrivateKey: PrivateKeyInput,
): { sealedDataKey: Uint8Array; exportBytes: Uint8Array } {
  const exportKey = unwrapDataKey(request.rawExport.wrappedKey, validatorPrivateKey);
  try {
    const exportBytes = decryptWithDataKey(request.rawExport.ciphertext, exportKey);
    return { sealedDataKey: unwrapDataKey(request.sealedKey, validatorPrivateKey), exportBytes };
  } finally {
    exportKey.fill(0);
  }
}

/** The wire JSON of a request (see the file comment). */
export function encodeAttestRequest(request: AttestRequest): string {
  checkRequestFields(request);
  return JSON.stringify({
    type: ATTEST_REQUEST_TYPE,
    version: ATTEST_REQUEST_VERSION,
    contributor: getAddress(request.contributor),
    contentHash: request.contentHash.toLowerCase(),
    uri: request.uri,
    sealedKey: bytesToHex(request.sealedKey),
    rawExport: {
      ciphertext: toBase64(request.rawExport.ciphertext),
      wrappedKey: bytesToHex(request.rawExport.wrappedKey),
    },
    ...(request.deadline === undefined ? {} : { deadline: request.deadline.toString() }),
    ...(request.refine === undefined ? {} : { refine: request.refine }),
  });
}

/**
 * Parses and checks the wire JSON of a request (or its already parsed value).
 * @throws AttestRequestError `INVALID_INPUT` naming the first bad field
 */
export function decodeAttestRequest(wire: string | unknown): AttestRequest {
  const record = object(parse(wire, "request"), "request");
  only(
    record,
    ["type", "version", "contributor", "contentHash", "uri", "sealedKey", "rawExport", "deadline", "refine"],
    "request",
  );
  if (record.type !== ATTEST_REQUEST_TYPE) bad("type", `must be ${JSON.stringify(ATTEST_REQUEST_TYPE)}`);
  if (record.version !== ATTEST_REQUEST_VERSION) bad("version", `must be ${ATTEST_REQUEST_VERSION}`);
  // Fields are checked in wire order, so the first bad one is named.
  const head = {
    contributor: addressField(record.contributor, "contributor"),
    contentHash: bytes32Field(record.contentHash, "contentHash"),
    uri: typeof record.uri === "string" ? record.uri : bad("uri", "must be a string"),
    sealedKey: hexField(record.sealedKey, "sealedKey"),
  };
  const raw = object(record.rawExport, "rawExport");
  only(raw, ["ciphertext", "wrappedKey"], "rawExport");
  const request: AttestRequest = {
    ...head,
    rawExport: {
      ciphertext: base64Field(raw.ciphertext, "rawExport.ciphertext"),
      wrappedKey: hexField(raw.wrappedKey, "rawExport.wrappedKey"),
    },
    ...(record.deadline === undefined ? {} : { deadline: uintField(record.deadline, "deadline", 64) }),
    ...(record.refine === undefined ? {} : { refine: refineField(record.refine) }),
  };
  checkRequestFields(request);
  return request;
}

/** The wire JSON of a response. */
export function encodeAttestResponse(response: AttestResponse): string {
  return JSON.stringify({
    attestation: attestationToWire(response.attestation),
    signature: response.signature.toLowerCase(),
  });
}

/**
 * Parses and checks the wire JSON of a response. It does not check the signature (that needs the
 * deployment's domain): the client recovers it.
 * @throws AttestRequestError `INVALID_INPUT` naming the first bad field
 */
export function decodeAttestResponse(wire: string | unknown): AttestResponse {
  const record = object(parse(wire, "response"), "response");
  only(record, ["attestation", "signature"], "response");
  const a = object(record.attestation, "attestation");
  only(a, ["contributor", "contentHash", "sourceHash", "units", "quality", "scorerVersion", "deadline"], "attestation");
  const signature =
    typeof record.signature === "string" && /^0x[0-9a-fA-F]{130}$/.test(record.signature)
      ? record.signature.toLowerCase()
      : bad("signature", "must be a 65-byte signature, 0x + 130 hex digits");
  return {
    attestation: {
      contributor: addressField(a.contributor, "attestation.contributor"),
      contentHash: bytes32Field(a.contentHash, "attestation.contentHash"),
      sourceHash: bytes32Field(a.sourceHash, "attestation.sourceHash"),
      units: numberField(a.units, "attestation.units", 0xffffffff),
      quality: numberField(a.quality, "attestation.quality", 0xffff),
      scorerVersion: numberField(a.scorerVersion, "attestation.scorerVersion", 0xffffffff),
      deadline: uintField(a.deadline, "attestation.deadline", 64),
    },
    signature,
  };
}

// --- field rules, shared by the builder, the encoder and the decoder ---

function checkRequestFields(request: AttestRequest): void {
  addressField(request.contributor, "contributor");
  bytes32Field(request.contentHash, "contentHash");
  if (typeof request.uri !== "string" || request.uri.length === 0 || request.uri.length > MAX_URI_LENGTH) {
    bad("uri", `must be a non-empty string of at most ${MAX_URI_LENGTH} characters`);
  }
  if (!(request.sealedKey instanceof Uint8Array) || request.sealedKey.length !== WRAPPED_KEY_LENGTH) {
    bad("sealedKey", `must be a ${WRAPPED_KEY_LENGTH}-byte wrapped key`);
  }
  const raw = request.rawExport as AttestRequest["rawExport"] | undefined;
  if (!(raw?.ciphertext instanceof Uint8Array) || raw.ciphertext.length <= CIPHERTEXT_OVERHEAD) {
    bad("rawExport.ciphertext", `must be a version-1 ciphertext of more than ${CIPHERTEXT_OVERHEAD} bytes`);
  }
  if (!(raw.wrappedKey instanceof Uint8Array) || raw.wrappedKey.length !== WRAPPED_KEY_LENGTH) {
    bad("rawExport.wrappedKey", `must be a ${WRAPPED_KEY_LENGTH}-byte wrapped key`);
  }
  if (request.deadline !== undefined) uintField(request.deadline.toString(), "deadline", 64);
  if (request.refine !== undefined) refineField(request.refine);
}

function bad(field: string, rule: string): never {
  throw new AttestRequestError("INVALID_INPUT", `The attestation ${field} ${rule}.`);
}

function parse(wire: unknown, what: string): unknown {
  if (typeof wire !== "string") return wire;
  try {
    return JSON.parse(wire) as unknown;
  } catch (cause) {
    throw new AttestRequestError("INVALID_INPUT", `The attestation ${what} is not JSON.`, { cause });
  }
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) bad(field, "must be a JSON object");
  return value as Record<string, unknown>;
}

function only(record: Record<string, unknown>, fields: readonly string[], where: string): void {
  for (const key of Object.keys(record)) {
    if (!fields.includes(key)) bad(where, `has an unknown field ${JSON.stringify(key.slice(0, 64))}`);
  }
}

function addressField(value: unknown, field: string): string {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) {
    try {
      return getAddress(value);
    } catch {
      // A mixed-case address with a wrong checksum: fall through.
    }
  }
  return bad(field, "must be an address (0x + 40 hex digits, checksummed if mixed case)");
}

function bytes32Field(value: unknown, field: string): string {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value) && !/^0x0{64}$/.test(value)) {
    return value.toLowerCase();
  }
  return bad(field, "must be a non-zero 0x + 64 hex digits");
}

function hexField(value: unknown, field: string): Uint8Array {
  if (typeof value === "string" && /^0x(?:[0-9a-fA-F]{2})*$/.test(value)) {
    return hexToBytes(value);
  }
  return bad(field, "must be 0x-prefixed even-length hex");
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64Field(value: unknown, field: string): Uint8Array {
  // Decoders skip or reject characters differently; check the alphabet and padding first.
  if (typeof value === "string" && BASE64.test(value)) {
    const binary = atob(value);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }
  return bad(field, "must be standard padded base64");
}

/** Standard padded base64 (`btoa` exists in browsers and Node; fed in chunks, as a raw export is megabytes). */
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** An attestation in its JSON form: numbers that fit, the `uint64` deadline as a decimal string. */
export interface AttestationWire {
  readonly contributor: string;
  readonly contentHash: string;
  readonly sourceHash: string;
  readonly units: number;
  readonly quality: number;
  readonly scorerVersion: number;
  readonly deadline: string;
}

/** An attestation in its JSON form (the validator's answer and the attestation file use it). */
export function attestationToWire(a: Attestation): AttestationWire {
  return {
    contributor: getAddress(a.contributor),
    contentHash: a.contentHash.toLowerCase(),
    sourceHash: a.sourceHash.toLowerCase(),
    units: Number(a.units),
    quality: Number(a.quality),
    scorerVersion: Number(a.scorerVersion),
    deadline: BigInt(a.deadline).toString(),
  };
}

function uintField(value: unknown, field: string, bits: number): bigint {
  if (typeof value === "string" && /^(?:0|[1-9]\d{0,19})$/.test(value)) {
    const v = BigInt(value);
    if (v < 1n << BigInt(bits)) return v;
  }
  return bad(field, `must be a decimal string of a uint${bits}`);
}

function numberField(value: unknown, field: string, max: number): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0 && value <= max) return value;
  return bad(field, `must be an integer from 0 to ${max}`);
}

function refineField(value: unknown): AttestRefineProfile {
  const record = object(value, "refine");
  only(record, ["exclude", "preciseTimes", "branches"], "refine");
  const flag = (key: "preciseTimes" | "branches"): boolean | undefined => {
    const v = record[key];
    return v === undefined || typeof v === "boolean" ? v : bad(`refine.${key}`, "must be true or false");
  };
  const exclude = record.exclude;
  if (
    exclude !== undefined &&
    (!Array.isArray(exclude) ||
      exclude.length > MAX_EXCLUSIONS ||
      exclude.some((rule) => typeof rule !== "string" || rule.length === 0 || rule.length > MAX_EXCLUSION_LENGTH))
  ) {
    bad(
      "refine.exclude",
      `must be at most ${MAX_EXCLUSIONS} non-empty rules of at most ${MAX_EXCLUSION_LENGTH} characters`,
    );
  }
  const preciseTimes = flag("preciseTimes");
  const branches = flag("branches");
  return {
    ...(exclude === undefined ? {} : { exclude: [...(exclude as string[])] }),
    ...(preciseTimes === undefined ? {} : { preciseTimes }),
    ...(branches === undefined ? {} : { branches }),
  };
}
