import {
  EnvelopeError,
  type PrivateKeyInput,
  contentHashOf,
  openContribution,
  publicKeyFromPrivate,
  unwrapDataKey,
} from "../crypto";
import { BlobIntegrityError, type BlobStore } from "../store";
import { ManifestError } from "./errors";
import { checkAddress, checkChainId, checkContentHash, checkPurpose, checkRequestId } from "./fields";
import { type KeyManifest, type ManifestEntry, manifestHash, parseManifest } from "./manifest";

/** One decrypted contribution. */
export interface OpenedContribution {
  /** keccak256 of the ciphertext, as in the manifest and on-chain. */
  readonly contentHash: string;
  /** The decrypted contribution. */
  readonly plaintext: Uint8Array;
}

/**
 * A verified manifest, ready to decrypt: iterate it (`for await`) to fetch, verify and decrypt
 * each contribution in turn, in manifest order. Each iteration starts over.
 */
export interface OpenedManifest extends AsyncIterable<OpenedContribution> {
  /** The parsed manifest, e.g. to read the number of entries. */
  readonly manifest: KeyManifest;
}

/** Grant details the buyer expects; each one given is checked against the manifest. */
export interface ManifestExpectations {
  readonly chainId?: number | bigint;
  readonly escrow?: string;
  readonly requestId?: bigint | number | string;
  readonly purpose?: number;
}

/**
 * Opens a delivered key manifest, for the buyer. Before returning, checks that the bytes hash to
 * the manifest hash posted on-chain, that they parse strictly, that the manifest was made for this
 * buyer's key, and that it matches the expected grant details. Iterating the result then, for each
 * entry, fetches the blob, checks that its keccak256 equals the entry's content hash, unwraps the
 * data key and decrypts.
 * @param manifestBytes the manifest as fetched from its URI
 * @param expectedHash the manifest hash posted on-chain with the delivery (bytes32 hex)
 * @param buyerPrivateKey the private key matching the public key in the access request
 * @param store where the ciphertexts are
 * @param options `expect`: grant details to check (chain id, escrow, request id, purpose)
 * @returns the manifest, iterable as `{ contentHash, plaintext }`
 * @throws ManifestError `HASH_MISMATCH`, `WRONG_BUYER_KEY`, `CONTEXT_MISMATCH`, any parse error;
 *   EnvelopeError `INVALID_PRIVATE_KEY`. While iterating: BlobNotFoundError, BlobIntegrityError
 *   (a substituted blob), ManifestError `ENTRY_OPEN_FAILED`.
 */
export async function openManifest(
  manifestBytes: Uint8Array,
  expectedHash: string,
  buyerPrivateKey: PrivateKeyInput,
  store: BlobStore,
  options: { readonly expect?: ManifestExpectations } = {},
): Promise<OpenedManifest> {
  const expected = checkContentHash(expectedHash, "expectedHash");
  const actual = manifestHash(manifestBytes);
  if (actual !== expected) {
    throw new ManifestError(
      "HASH_MISMATCH",
      `The manifest's keccak256 is ${actual} but the hash posted on-chain is ${expected}: it was altered, or it is not the manifest delivered for this grant. Fetch it again from the URI posted with the delivery.`,
    );
  }
  const manifest = parseManifest(manifestBytes);
  const buyerPublicKey = publicKeyFromPrivate(buyerPrivateKey);
  if (buyerPublicKey !== manifest.buyerPublicKey) {
    throw new ManifestError(
      "WRONG_BUYER_KEY",
      `This manifest is for the buyer key ${manifest.buyerPublicKey}, but the private key given belongs to ${buyerPublicKey}. Use the private key matching the public key of the access request.`,
      { field: "buyerPublicKey" },
    );
  }
  checkExpectations(manifest, options.expect ?? {});
  return {
    manifest,
    [Symbol.asyncIterator]: () => openEntries(manifest.entries, buyerPrivateKey, store),
  };
}

async function* openEntries(
  entries: readonly ManifestEntry[],
  buyerPrivateKey: PrivateKeyInput,
  store: BlobStore,
): AsyncGenerator<OpenedContribution, void, undefined> {
  for (const [index, entry] of entries.entries()) {
    const ciphertext = await store.get(entry.contentHash);
    // Do not rely on the store to have checked: a substituted blob must never be decrypted.
    const actual = contentHashOf(ciphertext);
    if (actual !== entry.contentHash) throw new BlobIntegrityError(entry.contentHash, actual, "the blob store");
    yield { contentHash: entry.contentHash, plaintext: openEntry(index, entry, ciphertext, buyerPrivateKey) };
  }
}

function openEntry(
  index: number,
  entry: ManifestEntry,
  ciphertext: Uint8Array,
  buyerPrivateKey: PrivateKeyInput,
): Uint8Array {
  let dataKey: Uint8Array | undefined;
  try {
    dataKey = unwrapDataKey(entry.wrappedKey, buyerPrivateKey);
    return openContribution(ciphertext, dataKey);
  } catch (cause) {
    if (!(cause instanceof EnvelopeError)) throw cause;
    throw new ManifestError(
      "ENTRY_OPEN_FAILED",
      `Could not open manifest entry ${index} (content hash ${entry.contentHash}): ${cause.message} Ask the custodian to re-deliver the manifest.`,
      { field: `entries[${index}]`, cause },
    );
  } finally {
    dataKey?.fill(0);
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
  if (mismatches.length > 0) {
    throw new ManifestError(
      "CONTEXT_MISMATCH",
      `The manifest is not for the expected grant: ${mismatches.join("; ")}. Check which request's delivery you fetched.`,
    );
  }
}
