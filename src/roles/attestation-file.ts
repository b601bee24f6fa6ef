import { getAddress } from "ethers";

import {
  attestationDomain,
  recoverAttestationSigner,
  type Attestation,
  type ValidatorSignature,
} from "../protocol/attestation";
import { type AttestationWire, attestationToWire } from "../protocol/attest-request";
import { RoleError } from "./errors";

/** The `type` field of an attestation file. */
export const ATTESTATION_FILE_TYPE = "datacoop.attestation";
/** The attestation file format this library writes and reads. */
export const ATTESTATION_FILE_VERSION = 1;

/** An attestation in JSON-safe form (numbers that fit, the deadline as a decimal string): the core's wire form. */
export type AttestationJson = AttestationWire;

/**
 * What `validator:attest` writes and `contributor:contribute --attestation` reads: one attestation and the
 * signatures of one or more validators over it, bound to one chain and registry.
 */
export interface AttestationFile {
  readonly type: typeof ATTESTATION_FILE_TYPE;
  readonly version: typeof ATTESTATION_FILE_VERSION;
  readonly chainId: string;
  readonly registry: string;
  readonly attestation: AttestationJson;
  readonly signatures: readonly ValidatorSignature[];
}

/**
 * Builds an attestation file.
 * @param chainId the chain of the registry
 * @param registry the registry address
 * @param attestation what was attested
 * @param signatures the validators' signatures over it
 */
export function buildAttestationFile(
  chainId: bigint,
  registry: string,
  attestation: Attestation,
  signatures: readonly ValidatorSignature[],
): AttestationFile {
  return {
    type: ATTESTATION_FILE_TYPE,
    version: ATTESTATION_FILE_VERSION,
    chainId: chainId.toString(),
    registry: getAddress(registry),
    attestation: attestationToJson(attestation),
    signatures: signatures.map((s) => ({ validator: getAddress(s.validator), signature: s.signature.toLowerCase() })),
  };
}

/** The attestation of a file as the registry takes it. */
export function attestationOf(file: AttestationFile): Attestation {
  return { ...file.attestation, deadline: BigInt(file.attestation.deadline) };
}

/**
 * Parses an attestation file and checks that every signature recovers to the validator it names.
 * @param text the file's content
 * @param where the file's path, for errors
 * @throws RoleError `INVALID_INPUT` naming the first problem
 */
export function parseAttestationFile(text: string, where: string): AttestationFile {
  const fail = (problem: string, cause?: unknown): never => {
    throw new RoleError(
      "INVALID_INPUT",
      `${where} is not a valid attestation file: ${problem}. Use a file written by validator:attest.`,
      { cause },
    );
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return fail("it is not JSON", cause);
  }
  const record = asRecord(value) ?? fail("it is not a JSON object");
  if (record.type !== ATTESTATION_FILE_TYPE) fail(`type must be ${ATTESTATION_FILE_TYPE}`);
  if (record.version !== ATTESTATION_FILE_VERSION) fail(`version ${String(record.version)} is not supported`);
  const chainId =
    typeof record.chainId === "string" && /^\d+$/.test(record.chainId)
      ? record.chainId
      : fail("chainId must be a decimal string");
  const registry = address(record.registry) ?? fail("registry must be an address");
  const a = asRecord(record.attestation) ?? fail("attestation must be an object");
  const uint = (field: string, max: number): number => {
    const v = a[field];
    return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= max
      ? v
      : fail(`attestation.${field} must be an integer from 0 to ${max}`);
  };
  const bytes32 = (field: string): string => {
    const v = a[field];
    return typeof v === "string" && /^0x[0-9a-fA-F]{64}$/.test(v)
      ? v.toLowerCase()
      : fail(`attestation.${field} must be 0x + 64 hex digits`);
  };
  const deadline =
    typeof a.deadline === "string" && /^\d+$/.test(a.deadline)
      ? a.deadline
      : fail("attestation.deadline must be a decimal string");
  const attestation: AttestationJson = {
    contributor: address(a.contributor) ?? fail("attestation.contributor must be an address"),
    contentHash: bytes32("contentHash"),
    sourceHash: bytes32("sourceHash"),
    units: uint("units", 0xffffffff),
    quality: uint("quality", 0xffff),
    scorerVersion: uint("scorerVersion", 0xffffffff),
    deadline,
  };
  if (!Array.isArray(record.signatures) || record.signatures.length === 0) fail("signatures must be a non-empty array");
  const domain = attestationDomain(BigInt(chainId), registry);
  const signatures = (record.signatures as unknown[]).map((item, index) => {
    const s = asRecord(item) ?? fail(`signatures[${index}] must be an object`);
    const validator = address(s.validator) ?? fail(`signatures[${index}].validator must be an address`);
    const signature =
      typeof s.signature === "string" && /^0x[0-9a-fA-F]{130}$/.test(s.signature)
        ? s.signature.toLowerCase()
        : fail(`signatures[${index}].signature must be a 65-byte signature`);
    let signer: string;
    try {
      // The core's digest and recovery, by the registry's rules: a file that passes here is one it accepts.
      signer = recoverAttestationSigner(domain, { ...attestation, deadline: BigInt(deadline) }, signature);
    } catch (cause) {
      return fail(`signatures[${index}] is not a valid signature`, cause);
    }
    if (signer !== validator)
      fail(`signatures[${index}] was made by ${signer}, not by ${validator} (the file was altered)`);
    return { validator, signature };
  });
  return { type: ATTESTATION_FILE_TYPE, version: ATTESTATION_FILE_VERSION, chainId, registry, attestation, signatures };
}

/**
 * Merges attestation files from several validators over the same attestation into one (k-of-n).
 * @param files the parsed files, with where each came from
 * @throws RoleError `INVALID_INPUT` if they attest different things
 */
export function mergeAttestationFiles(files: readonly { file: AttestationFile; where: string }[]): AttestationFile {
  if (files.length === 0) throw new RoleError("INVALID_INPUT", "No attestation file given.");
  const [first, ...rest] = files;
  const key = (f: AttestationFile) => JSON.stringify([f.chainId, f.registry, f.attestation]);
  for (const other of rest) {
    if (key(other.file) !== key(first.file)) {
      throw new RoleError(
        "INVALID_INPUT",
        `${other.where} attests something else than ${first.where} (chain, registry or attestation fields differ); every validator must sign the same attestation.`,
      );
    }
  }
  const byValidator = new Map<string, ValidatorSignature>();
  for (const { file } of files) for (const s of file.signatures) byValidator.set(s.validator, s);
  return { ...first.file, signatures: [...byValidator.values()] };
}

/** An attestation in its JSON-safe form (checksummed, lowercase hex, the deadline as a decimal string). */
export function attestationToJson(a: Attestation): AttestationJson {
  return attestationToWire(a);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function address(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  try {
    return getAddress(value);
  } catch {
    return undefined;
  }
}
