import {
  EnvelopeError,
  type KeyShare,
  type PrivateKeyInput,
  contentHashOf,
  openContribution,
  publicKeyFromPrivate,
  recoverDataKey,
} from "../crypto";
import { parsePrivateKey, type ValidPrivateKey } from "../crypto/keys";
import { decodeWrappedKey, unwrapWith } from "../crypto/wrap";
import { BlobIntegrityError, type BlobStore } from "../store";
import { ManifestError } from "./errors";
import { checkAddress, checkChainId, checkContentHash, checkPurpose, checkRequestId } from "./fields";
import { type KeyManifest, type ManifestEntry, eligibleSetHash, manifestHash, parseManifest } from "./manifest";

/** One decrypted contribution. */
export interface OpenedContribution {
  /** keccak256 of the ciphertext, as in the manifests and on-chain. */
  readonly contentHash: string;
  /** The decrypted contribution. */
  readonly plaintext: Uint8Array;
}

/** One custodian's delivery: the manifest bytes as fetched and the hash it posted on-chain. */
export interface DeliveredManifest {
  readonly bytes: Uint8Array;
  /** The manifest hash posted on-chain (bytes32 hex). */
  readonly hash: string;
}

/**
 * Verified share manifests of k custodians, ready to decrypt: iterate (`for await`) to fetch, verify and
 * decrypt each contribution in turn, sorted by content hash. Each iteration starts over.
 */
export interface OpenedManifests extends AsyncIterable<OpenedContribution> {
  /** The parsed manifests, in the order given. */
  readonly manifests: readonly KeyManifest[];
  /** The contributions they cover together (the eligible set), sorted. */
  readonly contentHashes: readonly string[];
}

/** A single verified manifest (a set of one custodian, threshold 1). */
export interface OpenedManifest extends AsyncIterable<OpenedContribution> {
  /** The parsed manifest, e.g. to read the number of entries. */
  readonly manifest: KeyManifest;
}

/** Grant details the buyer expects; each one given is checked against every manifest. */
export interface ManifestExpectations {
  readonly chainId?: number | bigint;
  readonly escrow?: string;
  readonly requestId?: bigint | number | string;
  readonly purpose?: number;
  /** The eligible set hash delivered on-chain (`grant(requestId).setHash`). */
  readonly eligibleSetHash?: string;
}

/**
 * Opens the share manifests custodians delivered for one grant, for the buyer. Before returning, checks that
 * each manifest's bytes hash to the hash its custodian posted, that it parses strictly, was made for this
 * buyer's key and matches the expected grant; that the manifests come from distinct custodians, are for the
 * same grant and name the same eligible set; that together they cover exactly that set (the content hashes
 * listed hash to `eligibleSetHash`, so no contribution paid for is left out and none is added); that they agree
 * on each contribution's key commitment, set version and threshold; and that each contribution has at least its
 * threshold of shares. A manifest lists only the contributions its custodian holds a share of (keys sealed for
 * an older custodian set are shared among that set), so pass every manifest posted for the set, not just k.
 * Iterating then, for each contribution, unwraps the shares, rebuilds the data key and checks it against the
 * commitment (trying other subsets if more shares than needed were given), fetches the blob, checks that its
 * keccak256 is the content hash, and decrypts.
 * @param delivered the custodians' manifests with their posted hashes
 * @param buyerPrivateKey the private key matching the public key in the access request
 * @param store where the ciphertexts are
 * @param options `expect`: grant details to check (chain id, escrow, request id, purpose, eligible set hash)
 * @returns the manifests, iterable as `{ contentHash, plaintext }`
 * @throws ManifestError `HASH_MISMATCH`, `WRONG_BUYER_KEY`, `CONTEXT_MISMATCH`, `DUPLICATE_CUSTODIAN`,
 *   `INCOMPLETE_SET`, `NOT_ENOUGH_SHARES`, any parse error; EnvelopeError `INVALID_PRIVATE_KEY`. While
 *   iterating: BlobNotFoundError, BlobIntegrityError (a substituted blob), ManifestError
 *   `KEY_COMMITMENT_MISMATCH` (a corrupted share), `ENTRY_OPEN_FAILED`.
 */
export async function openManifests(
  delivered: readonly DeliveredManifest[],
  buyerPrivateKey: PrivateKeyInput,
  store: BlobStore,
  options: { readonly expect?: ManifestExpectations } = {},
): Promise<OpenedManifests> {
  if (delivered.length === 0) throw new ManifestError("NOT_ENOUGH_SHARES", "No manifest was given.");
  const buyerPublicKey = publicKeyFromPrivate(buyerPrivateKey);
  const manifests = delivered.map(({ bytes, hash }) => {
    const manifest = verifiedManifest(bytes, hash, buyerPublicKey);
    checkExpectations(manifest, options.expect ?? {});
    return manifest;
  });
  const [first] = manifests;
  for (const manifest of manifests) checkExpectations(manifest, first);
  const custodians = new Set(manifests.map((m) => m.custodianPublicKey));
  if (custodians.size !== manifests.length) {
    throw new ManifestError(
      "DUPLICATE_CUSTODIAN",
      "Two of the manifests come from the same custodian; k shares must come from k distinct custodians.",
    );
  }
  const byContribution = new Map<string, ManifestEntry[]>();
  for (const manifest of manifests) {
    for (const entry of manifest.entries) {
      const entries = byContribution.get(entry.contentHash);
      if (entries === undefined) byContribution.set(entry.contentHash, [entry]);
      else entries.push(entry);
    }
  }
  const contentHashes = [...byContribution.keys()].sort();
  if (eligibleSetHash(contentHashes) !== first.eligibleSetHash) {
    throw new ManifestError(
      "INCOMPLETE_SET",
      `The ${manifests.length} manifest(s) list ${contentHashes.length} contribution(s), which are not the eligible set ${first.eligibleSetHash} their custodians posted: a contribution of the set has no share in any of them. Fetch the manifests of the other custodians who posted this set.`,
    );
  }
  for (const [i, contentHash] of contentHashes.entries()) {
    const entries = byContribution.get(contentHash) ?? [];
    const [reference] = entries;
    for (const entry of entries) {
      if (
        entry.keyCommitment !== reference.keyCommitment ||
        entry.custodianSetVersion !== reference.custodianSetVersion ||
        entry.threshold !== reference.threshold
      ) {
        throw new ManifestError(
          "CONTEXT_MISMATCH",
          `The custodians disagree on the key commitment, set version or threshold of ${contentHash}; one of them altered its manifest.`,
          { field: `entries[${i}]` },
        );
      }
    }
    if (entries.length < reference.threshold) {
      throw new ManifestError(
        "NOT_ENOUGH_SHARES",
        `The data key of ${contentHash} was split ${reference.threshold}-of-n (custodian set version ${reference.custodianSetVersion}), but only ${entries.length} of the manifests given hold a share of it; fetch the manifests of ${reference.threshold - entries.length} more custodian(s) of that set.`,
        { field: `entries[${i}]` },
      );
    }
  }
  return {
    manifests,
    contentHashes,
    [Symbol.asyncIterator]: () => openEntries(contentHashes, byContribution, buyerPrivateKey, store),
  };
}

/**
 * Opens one delivered manifest: {@link openManifests} with a single custodian, for keys split 1-of-1 or
 * 1-of-n.
 * @param manifestBytes the manifest as fetched from its URI
 * @param expectedHash the manifest hash posted on-chain with the delivery (bytes32 hex)
 * @param buyerPrivateKey the private key matching the public key in the access request
 * @param store where the ciphertexts are
 * @param options `expect`: grant details to check
 * @throws as {@link openManifests}
 */
export async function openManifest(
  manifestBytes: Uint8Array,
  expectedHash: string,
  buyerPrivateKey: PrivateKeyInput,
  store: BlobStore,
  options: { readonly expect?: ManifestExpectations } = {},
): Promise<OpenedManifest> {
  const opened = await openManifests([{ bytes: manifestBytes, hash: expectedHash }], buyerPrivateKey, store, options);
  return { manifest: opened.manifests[0], [Symbol.asyncIterator]: opened[Symbol.asyncIterator] };
}

function verifiedManifest(bytes: Uint8Array, expectedHash: string, buyerPublicKey: string): KeyManifest {
  const expected = checkContentHash(expectedHash, "expectedHash");
  const actual = manifestHash(bytes);
  if (actual !== expected) {
    throw new ManifestError(
      "HASH_MISMATCH",
      `The manifest's keccak256 is ${actual} but the hash posted on-chain is ${expected}: it was altered, or it is not the manifest delivered for this grant. Fetch it again from the URI posted with the delivery.`,
    );
  }
  const manifest = parseManifest(bytes);
  if (buyerPublicKey !== manifest.buyerPublicKey) {
    throw new ManifestError(
      "WRONG_BUYER_KEY",
      `This manifest is for the buyer key ${manifest.buyerPublicKey}, but the private key given belongs to ${buyerPublicKey}. Use the private key matching the public key of the access request.`,
      { field: "buyerPublicKey" },
    );
  }
  return manifest;
}

async function* openEntries(
  contentHashes: readonly string[],
  byContribution: ReadonlyMap<string, readonly ManifestEntry[]>,
  buyerPrivateKey: PrivateKeyInput,
  store: BlobStore,
): AsyncGenerator<OpenedContribution, void, undefined> {
  const secret = parsePrivateKey(buyerPrivateKey, "buyer private key");
  try {
    for (const [index, contentHash] of contentHashes.entries()) {
      const ciphertext = await store.get(contentHash);
      // Do not rely on the store to have checked: a substituted blob must never be decrypted.
      const actual = contentHashOf(ciphertext);
      if (actual !== contentHash) throw new BlobIntegrityError(contentHash, actual, "the blob store");
      const entries = byContribution.get(contentHash) ?? [];
      yield { contentHash, plaintext: await openEntry(index, entries, ciphertext, secret) };
    }
  } finally {
    secret.fill(0);
  }
}

async function openEntry(
  index: number,
  entries: readonly ManifestEntry[],
  ciphertext: Uint8Array,
  secret: ValidPrivateKey,
): Promise<Uint8Array> {
  const [entry] = entries;
  const shares: KeyShare[] = [];
  let dataKey: Uint8Array | undefined;
  try {
    for (const e of entries)
      shares.push({ index: e.shareIndex, value: unwrapWith(decodeWrappedKey(e.wrappedShare), secret) });
    dataKey = await recoverDataKey(shares, entry.threshold, entry.contentHash, entry.keyCommitment);
    return openContribution(ciphertext, dataKey);
  } catch (cause) {
    if (!(cause instanceof EnvelopeError)) throw cause;
    if (cause.code === "COMMITMENT_MISMATCH") {
      throw new ManifestError(
        "KEY_COMMITMENT_MISMATCH",
        `The shares delivered for entry ${index} (content hash ${entry.contentHash}) do not rebuild the committed data key: ${cause.message}`,
        { field: `entries[${index}]`, cause },
      );
    }
    throw new ManifestError(
      "ENTRY_OPEN_FAILED",
      `Could not open manifest entry ${index} (content hash ${entry.contentHash}): ${cause.message} Ask the custodians to re-deliver their manifests.`,
      { field: `entries[${index}]`, cause },
    );
  } finally {
    dataKey?.fill(0);
    for (const share of shares) share.value.fill(0);
  }
}

function checkExpectations(manifest: KeyManifest, expect: ManifestExpectations): void {
  const mismatches: string[] = [];
  const check = (field: string, wanted: string | number | undefined, found: string | number): void => {
    if (wanted !== undefined && wanted !== found) mismatches.push(`${field} is ${found}, expected ${wanted}`);
  };
  check("chainId", expect.chainId === undefined ? undefined : checkChainId(expect.chainId), manifest.chainId);
  check("escrow", expect.escrow === undefined ? undefined : checkAddress(expect.escrow), manifest.escrow);
  check("requestId", expect.requestId === undefined ? undefined : checkRequestId(expect.requestId), manifest.requestId);
  check("purpose", expect.purpose === undefined ? undefined : checkPurpose(expect.purpose), manifest.purpose);
  check(
    "eligibleSetHash",
    expect.eligibleSetHash === undefined ? undefined : checkContentHash(expect.eligibleSetHash, "eligibleSetHash"),
    manifest.eligibleSetHash,
  );
  if (mismatches.length > 0) {
    throw new ManifestError(
      "CONTEXT_MISMATCH",
      `The manifest is not for the expected grant: ${mismatches.join("; ")}. Check which request's delivery you fetched.`,
    );
  }
}
