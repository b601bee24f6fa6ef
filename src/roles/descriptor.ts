import {
  MAX_CUSTODIANS,
  type PublicKeyInput,
  type SealedContribution,
  WRAPPED_KEY_LENGTH,
  WRAPPED_KEY_VERSION,
  normalizePublicKey,
} from "../crypto";
import { toHex } from "../crypto/bytes";
import { RoleError } from "./errors";

/** The `type` field of a contribution descriptor. */
export const DESCRIPTOR_TYPE = "datacoop.contribution";
/** The descriptor format this library writes and reads (2: the data key split k-of-n among custodians). */
export const DESCRIPTOR_VERSION = 2;
/** Largest descriptor accepted, in bytes (a real one is under 1 KiB). */
export const MAX_DESCRIPTOR_BYTES = 16 * 1024;

/** One custodian's share of the data key, in a descriptor. */
export interface DescriptorShare {
  /** The custodian's public key (compressed). */
  readonly custodianPublicKey: string;
  /** The share's x coordinate (1..255). */
  readonly index: number;
  /** The share wrapped to the custodian (130 bytes, the wrapped-key format). */
  readonly wrappedShare: string;
}

/**
 * What a contribution's on-chain URI points to: a small JSON document stored next to the ciphertext, with
 * the data key split k-of-n among the custodian set (one wrapped share each, so each can re-wrap its share
 * for buyers), committed to (so buyers can check what they rebuild), and wrapped whole to the contributor
 * (so they can always read their data back). Canonical: fixed key order, lowercase hex, no whitespace.
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
  /** Commitment to the data key (`keyCommitment`), bytes32 hex. */
  readonly keyCommitment: string;
  /** Version of the custodian set the key was split for. */
  readonly custodianSetVersion: number;
  /** Shares needed to rebuild the key. */
  readonly threshold: number;
  /** One share per custodian of that set, in the set's order. */
  readonly shares: readonly DescriptorShare[];
  /** The contributor's public key (compressed). */
  readonly contributorPublicKey: string;
  /** The data key wrapped to the contributor (130 bytes). */
  readonly contributorWrappedKey: string;
}

const SHARE_FIELDS = ["custodianPublicKey", "index", "wrappedShare"] as const;
const COMPRESSED_KEY = /^0x0[23][0-9a-f]{64}$/;
const BYTES32 = /^0x[0-9a-f]{64}$/;

const FIELDS = [
  "type",
  "version",
  "contentHash",
  "ciphertextURI",
  "ciphertextBytes",
  "keyCommitment",
  "custodianSetVersion",
  "threshold",
  "shares",
  "contributorPublicKey",
  "contributorWrappedKey",
] as const;

/**
 * The descriptor of a sealed contribution.
 * @param sealed what `sealContribution` returned
 * @param ciphertextURI where its ciphertext is stored
 * @param contributorPublicKey the contributor's public key it was sealed for
 */
export function describeSealed(
  sealed: SealedContribution,
  ciphertextURI: string,
  contributorPublicKey: PublicKeyInput,
): ContributionDescriptor {
  return {
    type: DESCRIPTOR_TYPE,
    version: DESCRIPTOR_VERSION,
    contentHash: sealed.contentHash,
    ciphertextURI,
    ciphertextBytes: sealed.ciphertext.length,
    keyCommitment: sealed.keyCommitment,
    custodianSetVersion: sealed.custody.setVersion,
    threshold: sealed.custody.threshold,
    shares: sealed.custody.shares.map((share) => ({
      custodianPublicKey: share.custodianPublicKey,
      index: share.index,
      wrappedShare: toHex(share.wrappedShare),
    })),
    contributorPublicKey: normalizePublicKey(contributorPublicKey),
    contributorWrappedKey: toHex(sealed.contributorWrappedKey),
  };
}

/**
 * Serializes a descriptor canonically (the same descriptor always gives the same bytes).
 * @param descriptor the descriptor (validated first)
 */
export function serializeDescriptor(descriptor: ContributionDescriptor): Uint8Array {
  const checked = checkDescriptor(descriptor as unknown as Record<string, unknown>);
  const ordered: Record<string, unknown> = {};
  for (const field of FIELDS) ordered[field] = checked[field];
  ordered.shares = checked.shares.map((share) => {
    const out: Record<string, unknown> = {};
    for (const field of SHARE_FIELDS) out[field] = share[field];
    return out;
  });
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

/*
 * Validation is syntactic and cheap (a custodian parses one descriptor per contribution it delivers): keys
 * must be written compressed in lowercase, as serializeDescriptor writes them, so they compare as strings;
 * whether a key is a curve point is checked where it is used (the custodian compares with its own key).
 */
function checkDescriptor(record: Record<string, unknown>, where = "the descriptor"): ContributionDescriptor {
  const fail = (problem: string): never => {
    throw new RoleError("INTEGRITY", `Invalid contribution descriptor at ${where}: ${problem}.`);
  };
  checkKeys(record, FIELDS, "", fail);
  if (record.type !== DESCRIPTOR_TYPE) fail(`type must be ${DESCRIPTOR_TYPE}`);
  if (record.version !== DESCRIPTOR_VERSION)
    fail(`version ${String(record.version)} is not supported (this library reads ${DESCRIPTOR_VERSION})`);
  const hash = record.contentHash;
  if (typeof hash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(hash)) fail("contentHash must be 0x + 64 hex digits");
  if (typeof record.keyCommitment !== "string" || !BYTES32.test(record.keyCommitment))
    fail("keyCommitment must be 0x + 64 lowercase hex digits");
  if (typeof record.ciphertextURI !== "string" || record.ciphertextURI.length === 0)
    fail("ciphertextURI must be a URI");
  const size = record.ciphertextBytes;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) fail("ciphertextBytes must be a byte count");
  const integer = (value: unknown, field: string, min: number, max: number): number =>
    typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max
      ? value
      : fail(`${field} must be an integer from ${min} to ${max}`);
  const setVersion = integer(record.custodianSetVersion, "custodianSetVersion", 0, 2 ** 32 - 1);
  const key = (value: unknown, field: string): string =>
    typeof value === "string" && COMPRESSED_KEY.test(value)
      ? value
      : fail(`${field} must be a compressed secp256k1 public key in lowercase hex`);
  const wrapped = (value: unknown, field: string): string => {
    const expected = 2 + 2 * WRAPPED_KEY_LENGTH;
    if (typeof value !== "string" || value.length !== expected || !/^0x[0-9a-f]+$/.test(value)) {
      return fail(`${field} must be a ${WRAPPED_KEY_LENGTH}-byte wrapped key in lowercase hex`);
    }
    if (Number.parseInt(value.slice(2, 4), 16) !== WRAPPED_KEY_VERSION) fail(`${field} has an unsupported version`);
    return value;
  };
  if (!Array.isArray(record.shares) || record.shares.length < 1 || record.shares.length > MAX_CUSTODIANS)
    fail(`shares must list 1 to ${MAX_CUSTODIANS} custodian shares`);
  const shareList = record.shares as unknown[];
  const threshold = integer(record.threshold, "threshold", 1, shareList.length);
  const shares = shareList.map((value, i): DescriptorShare => {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return fail(`shares[${i}] must be an object`);
    const share = value as Record<string, unknown>;
    checkKeys(share, SHARE_FIELDS, `shares[${i}].`, fail);
    return {
      custodianPublicKey: key(share.custodianPublicKey, `shares[${i}].custodianPublicKey`),
      index: integer(share.index, `shares[${i}].index`, 1, 255),
      wrappedShare: wrapped(share.wrappedShare, `shares[${i}].wrappedShare`),
    };
  });
  if (new Set(shares.map((s) => s.index)).size !== shares.length) fail("two shares have the same index");
  if (new Set(shares.map((s) => s.custodianPublicKey)).size !== shares.length)
    fail("two shares are for the same custodian");
  return {
    type: DESCRIPTOR_TYPE,
    version: DESCRIPTOR_VERSION,
    contentHash: (hash as string).toLowerCase(),
    ciphertextURI: record.ciphertextURI as string,
    ciphertextBytes: size as number,
    keyCommitment: record.keyCommitment as string,
    custodianSetVersion: setVersion,
    threshold,
    shares,
    contributorPublicKey: key(record.contributorPublicKey, "contributorPublicKey"),
    contributorWrappedKey: wrapped(record.contributorWrappedKey, "contributorWrappedKey"),
  };
}

function checkKeys(
  record: Record<string, unknown>,
  fields: readonly string[],
  prefix: string,
  fail: (problem: string) => never,
): void {
  for (const key of Object.keys(record)) if (!fields.includes(key)) fail(`unknown field ${prefix}${key}`);
  for (const key of fields) if (!(key in record)) fail(`missing field ${prefix}${key}`);
}
