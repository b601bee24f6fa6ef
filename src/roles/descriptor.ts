import { EnvelopeError, WRAPPED_KEY_LENGTH, WRAPPED_KEY_VERSION, normalizePublicKey } from "../crypto";
import { RoleError } from "./errors";

/** The `type` field of a contribution descriptor. */
export const DESCRIPTOR_TYPE = "datacoop.contribution";
/** The descriptor format this library writes and reads. */
export const DESCRIPTOR_VERSION = 1;
/** Largest descriptor accepted, in bytes (a real one is under 1 KiB). */
export const MAX_DESCRIPTOR_BYTES = 16 * 1024;

/**
 * What a contribution's on-chain URI points to: a small JSON document stored next to the ciphertext, with
 * the data key wrapped to the custodian (so it can re-wrap it for buyers) and to the contributor (so they
 * can always read their data back). Canonical: fixed key order, lowercase hex, no whitespace.
 */
export interface ContributionDescriptor {
  readonly type: typeof DESCRIPTOR_TYPE;
  readonly version: typeof DESCRIPTOR_VERSION;
  /** keccak256 of the ciphertext: the on-chain content hash. */
  readonly contentHash: string;
  /** Where the ciphertext is stored. */
  readonly ciphertextURI: string;
  /** Size of the ciphertext, in bytes. */
  readonly ciphertextBytes: number;
  /** The custodian public key the data key is wrapped to (compressed). */
  readonly custodianPublicKey: string;
  /** The data key wrapped to the custodian (130 bytes). */
  readonly custodianWrappedKey: string;
  /** The contributor's public key (compressed). */
  readonly contributorPublicKey: string;
  /** The data key wrapped to the contributor (130 bytes). */
  readonly contributorWrappedKey: string;
}

const FIELDS = [
  "type",
  "version",
  "contentHash",
  "ciphertextURI",
  "ciphertextBytes",
  "custodianPublicKey",
  "custodianWrappedKey",
  "contributorPublicKey",
  "contributorWrappedKey",
] as const;

/**
 * Serializes a descriptor canonically (the same descriptor always gives the same bytes).
 * @param descriptor the descriptor (validated first)
 */
export function serializeDescriptor(descriptor: ContributionDescriptor): Uint8Array {
  const checked = checkDescriptor(descriptor as unknown as Record<string, unknown>);
  const ordered: Record<string, unknown> = {};
  for (const field of FIELDS) ordered[field] = checked[field];
  return new TextEncoder().encode(JSON.stringify(ordered));
}

/**
 * Parses and validates a descriptor fetched from a blob store.
 * @param bytes the stored descriptor
 * @param where where it came from, for errors
 * @throws RoleError `INTEGRITY` if it is not a valid descriptor
 */
export function parseDescriptor(bytes: Uint8Array, where: string): ContributionDescriptor {
  if (bytes.length > MAX_DESCRIPTOR_BYTES) {
    throw new RoleError(
      "INTEGRITY",
      `The contribution descriptor at ${where} is ${bytes.length} bytes; it is not a descriptor.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new RoleError("INTEGRITY", `The contribution descriptor at ${where} is not valid JSON.`, { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RoleError("INTEGRITY", `The contribution descriptor at ${where} is not a JSON object.`);
  }
  return checkDescriptor(value as Record<string, unknown>, where);
}

function checkDescriptor(record: Record<string, unknown>, where = "the descriptor"): ContributionDescriptor {
  const fail = (problem: string): never => {
    throw new RoleError("INTEGRITY", `Invalid contribution descriptor at ${where}: ${problem}.`);
  };
  for (const key of Object.keys(record)) if (!(FIELDS as readonly string[]).includes(key)) fail(`unknown field ${key}`);
  for (const key of FIELDS) if (!(key in record)) fail(`missing field ${key}`);
  if (record.type !== DESCRIPTOR_TYPE) fail(`type must be ${DESCRIPTOR_TYPE}`);
  if (record.version !== DESCRIPTOR_VERSION)
    fail(`version ${String(record.version)} is not supported (this library reads ${DESCRIPTOR_VERSION})`);
  const hash = record.contentHash;
  if (typeof hash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(hash)) fail("contentHash must be 0x + 64 hex digits");
  if (typeof record.ciphertextURI !== "string" || record.ciphertextURI.length === 0)
    fail("ciphertextURI must be a URI");
  const size = record.ciphertextBytes;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) fail("ciphertextBytes must be a byte count");
  const key = (field: "custodianPublicKey" | "contributorPublicKey"): string => {
    try {
      return normalizePublicKey(record[field] as string);
    } catch (cause) {
      if (!(cause instanceof EnvelopeError)) throw cause;
      return fail(`${field} is not a secp256k1 public key`);
    }
  };
  const wrapped = (field: "custodianWrappedKey" | "contributorWrappedKey"): string => {
    const value = record[field];
    const expected = 2 + 2 * WRAPPED_KEY_LENGTH;
    if (typeof value !== "string" || value.length !== expected || !/^0x[0-9a-fA-F]+$/.test(value)) {
      return fail(`${field} must be a ${WRAPPED_KEY_LENGTH}-byte wrapped key in hex`);
    }
    if (Number.parseInt(value.slice(2, 4), 16) !== WRAPPED_KEY_VERSION) fail(`${field} has an unsupported version`);
    return value.toLowerCase();
  };
  return {
    type: DESCRIPTOR_TYPE,
    version: DESCRIPTOR_VERSION,
    contentHash: (hash as string).toLowerCase(),
    ciphertextURI: record.ciphertextURI as string,
    ciphertextBytes: size as number,
    custodianPublicKey: key("custodianPublicKey"),
    custodianWrappedKey: wrapped("custodianWrappedKey"),
    contributorPublicKey: key("contributorPublicKey"),
    contributorWrappedKey: wrapped("contributorWrappedKey"),
  };
}
