import { concatBytes, hexToBytes } from "../codec/hex";
import { keccak256 } from "../codec/keccak";

import { type BytesInput, MAX_CUSTODIANS, type PublicKeyInput } from "../crypto";
import { ManifestError } from "./errors";
import {
  checkAddress,
  checkChainId,
  checkContentHash,
  checkInteger,
  checkPublicKey,
  checkPurpose,
  checkRequestId,
  checkWrappedKey,
} from "./fields";

/**
 * The manifest format this library writes and reads. A *share* manifest (since version 2): one custodian's
 * shares of the eligible contributions' data keys, re-wrapped to the buyer (version 1 carried whole keys).
 * Version 3 names the eligible set it covers (`eligibleSetHash`, the hash posted on-chain) and lists only the
 * contributions this custodian holds a share of, so contributions sealed for an older custodian set are
 * delivered by those of its custodians still in office.
 */
export const MANIFEST_VERSION = 3;
/** Largest manifest `parseManifest` accepts, in bytes (about 120,000 entries). */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** One contribution in a share manifest: what the buyer needs to rebuild and check its data key. */
export interface ManifestEntry {
  /** keccak256 of the contribution's ciphertext, lowercase `0x` hex (the on-chain `bytes32`). */
  readonly contentHash: string;
  /** The key commitment from the contribution's descriptor (bytes32 hex), checked after combining. */
  readonly keyCommitment: string;
  /** Version of the custodian set the contribution's key was split for. */
  readonly custodianSetVersion: number;
  /** Shares needed to rebuild the key (k of that set). */
  readonly threshold: number;
  /** The x coordinate of this custodian's share (1..255). */
  readonly shareIndex: number;
  /** This custodian's share, wrapped to the buyer's public key, lowercase `0x` hex (130 bytes). */
  readonly wrappedShare: string;
}

/**
 * A share manifest, version 2: what one custodian delivers for an approved grant. The buyer combines the
 * manifests of k custodians. All fields are in canonical form (see {@link serializeManifest}); build one
 * with {@link buildManifest}.
 */
export interface KeyManifest {
  readonly version: typeof MANIFEST_VERSION;
  /** Chain the grant lives on. */
  readonly chainId: number;
  /** AccessEscrow contract address, EIP-55 checksummed. */
  readonly escrow: string;
  /** Access request id (uint256), in decimal. */
  readonly requestId: string;
  /** Purpose id the access was granted for (0..15). */
  readonly purpose: number;
  /** The buyer's public key from the access request, compressed, lowercase `0x` hex. */
  readonly buyerPublicKey: string;
  /** The public key of the custodian whose shares these are, compressed, lowercase `0x` hex. */
  readonly custodianPublicKey: string;
  /** {@link eligibleSetHash} of every eligible contribution: the set the custodian posted on-chain. */
  readonly eligibleSetHash: string;
  /** One entry per eligible contribution this custodian holds a share of, sorted by content hash, no duplicates. */
  readonly entries: readonly ManifestEntry[];
}

/** What {@link buildManifest} needs; values may be given in any accepted form. */
export interface ManifestInput {
  readonly chainId: number | bigint;
  readonly escrow: string;
  readonly requestId: bigint | number | string;
  readonly purpose: number;
  readonly buyerPublicKey: PublicKeyInput;
  readonly custodianPublicKey: PublicKeyInput;
  readonly eligibleSetHash: string;
  readonly entries: readonly (Omit<ManifestEntry, "wrappedShare"> & { readonly wrappedShare: BytesInput })[];
}

const FIELDS = [
  "version",
  "chainId",
  "escrow",
  "requestId",
  "purpose",
  "buyerPublicKey",
  "custodianPublicKey",
  "eligibleSetHash",
  "entries",
] as const;
const ENTRY_FIELDS = [
  "contentHash",
  "keyCommitment",
  "custodianSetVersion",
  "threshold",
  "shareIndex",
  "wrappedShare",
] as const;

/**
 * Builds a manifest: validates every field, converts it to canonical form and sorts the entries
 * by content hash.
 * @param input the grant (chain id, escrow, request id, purpose, buyer public key) and its entries
 * @returns the canonical manifest
 * @throws ManifestError `INVALID_FIELD`, `DUPLICATE_ENTRY`
 */
export function buildManifest(input: ManifestInput): KeyManifest {
  if (!Array.isArray(input.entries)) {
    throw new ManifestError("INVALID_FIELD", "Manifest field entries must be an array.", { field: "entries" });
  }
  const entries = input.entries.map(checkEntry);
  entries.sort((a, b) => compare(a.contentHash, b.contentHash));
  for (let i = 1; i < entries.length; i++) {
    if (entries[i].contentHash === entries[i - 1].contentHash) {
      throw new ManifestError(
        "DUPLICATE_ENTRY",
        `The manifest lists content hash ${entries[i].contentHash} twice; give each contribution once.`,
        { field: "entries" },
      );
    }
  }
  return {
    version: MANIFEST_VERSION,
    chainId: checkChainId(input.chainId),
    escrow: checkAddress(input.escrow),
    requestId: checkRequestId(input.requestId),
    purpose: checkPurpose(input.purpose),
    buyerPublicKey: checkPublicKey(input.buyerPublicKey),
    custodianPublicKey: checkPublicKey(input.custodianPublicKey, "custodianPublicKey"),
    eligibleSetHash: checkContentHash(input.eligibleSetHash, "eligibleSetHash"),
    entries,
  };
}

function checkEntry(entry: ManifestInput["entries"][number], index: number): ManifestEntry {
  const at = `entries[${index}]`;
  const threshold = checkInteger(entry.threshold, `${at}.threshold`, 1, MAX_CUSTODIANS);
  return {
    contentHash: checkContentHash(entry.contentHash, `${at}.contentHash`),
    keyCommitment: checkContentHash(entry.keyCommitment, `${at}.keyCommitment`),
    custodianSetVersion: checkInteger(entry.custodianSetVersion, `${at}.custodianSetVersion`, 0, 2 ** 32 - 1),
    threshold,
    shareIndex: checkInteger(entry.shareIndex, `${at}.shareIndex`, 1, 255),
    wrappedShare: checkWrappedKey(entry.wrappedShare, `${at}.wrappedShare`),
  };
}

/**
 * The hash a custodian posts with its manifest, naming the eligible set it covers: keccak256 over the
 * sorted content hashes, concatenated. Custodians that deliver the same set post the same hash whatever
 * their shares, so the chain can count k posts for one set.
 * @param contentHashes the eligible contributions' content hashes, in any order
 * @returns `0x` + 64 lowercase hex digits
 */
export function eligibleSetHash(contentHashes: readonly string[]): string {
  const sorted = contentHashes.map((h, i) => checkContentHash(h, `contentHashes[${i}]`)).sort(compare);
  return keccak256(concatBytes(...sorted.map((hash) => hexToBytes(hash))));
}

/**
 * Serializes a manifest deterministically: compact UTF-8 JSON (no whitespace), keys in the order
 * version, chainId, escrow, requestId, purpose, buyerPublicKey, custodianPublicKey, eligibleSetHash, entries (each entry:
 * contentHash, keyCommitment, custodianSetVersion, threshold, shareIndex, wrappedShare), entries sorted by content hash, hex in lowercase, the address EIP-55 checksummed,
 * requestId as a decimal string. The same manifest always gives the same bytes.
 * @param manifest the manifest (it is validated and canonicalized first)
 * @returns the bytes to store and hash
 * @throws ManifestError as {@link buildManifest}, or `UNSUPPORTED_VERSION`
 */
export function serializeManifest(manifest: KeyManifest): Uint8Array {
  if (manifest.version !== MANIFEST_VERSION) throw unsupportedVersion(manifest.version);
  return new TextEncoder().encode(canonicalJson(buildManifest(manifest)));
}

/**
 * The hash posted on-chain with a delivered manifest: keccak256 of its serialized bytes.
 * @param manifestBytes the bytes from {@link serializeManifest}
 * @returns `0x` + 64 lowercase hex digits
 */
export function manifestHash(manifestBytes: Uint8Array): string {
  return keccak256(manifestBytes);
}

/**
 * Parses manifest bytes strictly: valid UTF-8 JSON, exactly the known fields with valid values,
 * entries sorted without duplicates, and in canonical form (re-serializing gives the same bytes),
 * so one manifest has exactly one hash.
 * @param manifestBytes the manifest as fetched
 * @returns the manifest
 * @throws ManifestError naming the first problem found
 */
export function parseManifest(manifestBytes: Uint8Array): KeyManifest {
  if (!(manifestBytes instanceof Uint8Array)) {
    throw new ManifestError("INVALID_ENCODING", "The manifest must be given as bytes (a Uint8Array).");
  }
  if (manifestBytes.length > MAX_MANIFEST_BYTES) {
    throw new ManifestError(
      "TOO_LARGE",
      `The manifest is ${manifestBytes.length} bytes; the limit is ${MAX_MANIFEST_BYTES}. It is not a manifest this library wrote.`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(manifestBytes);
  } catch (cause) {
    throw new ManifestError("INVALID_ENCODING", "The manifest is not valid UTF-8; it is damaged or not a manifest.", {
      cause,
    });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ManifestError("INVALID_JSON", `The manifest is not valid JSON (${reason}); it is damaged or truncated.`, {
      cause,
    });
  }
  const root = asRecord(document, "the manifest");
  checkKeys(root, FIELDS, "the manifest", "");
  if (root.version !== MANIFEST_VERSION) throw unsupportedVersion(root.version);
  if (typeof root.chainId !== "number") throw wrongJsonType("chainId", "a number");
  if (typeof root.requestId !== "string") throw wrongJsonType("requestId", "a decimal string");
  if (!Array.isArray(root.entries)) throw wrongJsonType("entries", "an array");
  const entries = root.entries.map((value, index) => {
    const entry = asRecord(value, `entries[${index}]`);
    checkKeys(entry, ENTRY_FIELDS, `entries[${index}]`, `entries[${index}].`);
    return checkEntry(entry as unknown as ManifestInput["entries"][number], index);
  });
  for (let i = 1; i < entries.length; i++) {
    const order = compare(entries[i - 1].contentHash, entries[i].contentHash);
    if (order === 0) {
      throw new ManifestError("DUPLICATE_ENTRY", `The manifest lists content hash ${entries[i].contentHash} twice.`, {
        field: `entries[${i}]`,
      });
    }
    if (order > 0) {
      throw new ManifestError(
        "UNSORTED_ENTRIES",
        `Manifest entries must be sorted by content hash; entries[${i}] comes before entries[${i - 1}]. Rebuild it with buildManifest().`,
        { field: `entries[${i}]` },
      );
    }
  }
  const manifest = buildManifest({
    chainId: root.chainId,
    escrow: root.escrow as string,
    requestId: root.requestId,
    purpose: root.purpose as number,
    buyerPublicKey: root.buyerPublicKey as string,
    custodianPublicKey: root.custodianPublicKey as string,
    eligibleSetHash: root.eligibleSetHash as string,
    entries,
  });
  if (canonicalJson(manifest) !== text) {
    throw new ManifestError(
      "NOT_CANONICAL",
      "The manifest's content is valid but it is not in canonical form (whitespace, key order, letter case or address checksum differ), so its hash is not the one serializeManifest() gives. Re-serialize it with serializeManifest().",
    );
  }
  return manifest;
}

function canonicalJson(manifest: KeyManifest): string {
  // JSON.stringify keeps the insertion order of non-numeric keys: this literal fixes the order.
  return JSON.stringify({
    version: manifest.version,
    chainId: manifest.chainId,
    escrow: manifest.escrow,
    requestId: manifest.requestId,
    purpose: manifest.purpose,
    buyerPublicKey: manifest.buyerPublicKey,
    custodianPublicKey: manifest.custodianPublicKey,
    eligibleSetHash: manifest.eligibleSetHash,
    entries: manifest.entries.map((entry) => ({
      contentHash: entry.contentHash,
      keyCommitment: entry.keyCommitment,
      custodianSetVersion: entry.custodianSetVersion,
      threshold: entry.threshold,
      shareIndex: entry.shareIndex,
      wrappedShare: entry.wrappedShare,
    })),
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ManifestError("INVALID_FIELD", `Expected ${what} to be a JSON object.`);
  }
  return value as Record<string, unknown>;
}

function checkKeys(record: Record<string, unknown>, known: readonly string[], what: string, prefix: string): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw new ManifestError(
        "UNKNOWN_FIELD",
        `Unknown field ${JSON.stringify(key)} in ${what}; version ${MANIFEST_VERSION} has only ${known.join(", ")}.`,
        { field: `${prefix}${key}` },
      );
    }
  }
  for (const key of known) {
    if (!(key in record)) {
      throw new ManifestError("MISSING_FIELD", `Field ${JSON.stringify(key)} is missing from ${what}.`, {
        field: `${prefix}${key}`,
      });
    }
  }
}

function wrongJsonType(field: string, expected: string): ManifestError {
  return new ManifestError("INVALID_FIELD", `Manifest field ${field} must be ${expected} in JSON.`, { field });
}

function unsupportedVersion(version: unknown): ManifestError {
  return new ManifestError(
    "UNSUPPORTED_VERSION",
    `Manifest version ${JSON.stringify(version) ?? String(version)} is not supported; this library reads version ${MANIFEST_VERSION}. Upgrade the library if the manifest is newer.`,
    { field: "version" },
  );
}
