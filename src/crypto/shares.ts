import { concatBytes, utf8ToBytes } from "../codec/hex";
import { keccak256 } from "../codec/keccak";
import { combine, split } from "shamir-secret-sharing";

import { DATA_KEY_LENGTH } from "./aead";
import { decodeBytes, describeShape } from "./bytes";
import { EnvelopeError } from "./errors";

/*
 * k-of-n custody of a data key. The key is split with `shamir-secret-sharing` (audited by Cure53 and
 * Zellic) into n shares over GF(256); any k rebuild it, fewer reveal nothing. A share is the 32 share bytes
 * (wrapped to one custodian like a data key) plus its x coordinate, `index` (1..255, public). The library
 * needs k ≥ 2; for k = 1 every share is the key itself (the degree-0 polynomial f(x) = key), so today's
 * single custodian is the set of one.
 *
 * The library cannot tell a wrong rebuild from a right one, and neither can the buyer until AES-GCM fails;
 * so the key is committed to at sealing time (`keyCommitment`) and checked after combining.
 */

/** Most custodians one key can be split among (the library's limit is 255; descriptors stay small). */
export const MAX_CUSTODIANS = 32;

/** One custodian's share of a data key. */
export interface KeyShare {
  /** The share's x coordinate, 1..255: public, needed to combine. */
  readonly index: number;
  /** The 32 share bytes: secret, wrapped to the custodian. */
  readonly value: Uint8Array;
}

const COMMITMENT_DOMAIN = utf8ToBytes("datacoop.data-key-commitment.v1");

/**
 * The commitment to a contribution's data key: keccak256("datacoop.data-key-commitment.v1" ||
 * contentHash || dataKey). The content hash salts it per contribution, so a commitment can be neither
 * reused for another contribution nor tabulated; the key's 256 random bits keep it hiding.
 * @param contentHash keccak256 of the contribution's ciphertext (bytes32 hex)
 * @param dataKey the 32-byte data key
 * @returns `0x` + 64 lowercase hex digits
 * @throws EnvelopeError `INVALID_CONTENT_HASH`, `INVALID_DATA_KEY`
 */
export function keyCommitment(contentHash: string, dataKey: Uint8Array): string {
  const hash = decodeBytes(contentHash);
  if (hash === undefined || hash.length !== 32) {
    throw new EnvelopeError(
      "INVALID_CONTENT_HASH",
      `The content hash must be a bytes32; got ${describeShape(contentHash)}.`,
    );
  }
  checkKeyLength(dataKey, "data key");
  return keccak256(concatBytes(COMMITMENT_DOMAIN, hash, dataKey));
}

/**
 * Splits a data key into `count` shares, any `threshold` of which rebuild it.
 * @param dataKey the 32-byte data key (not modified)
 * @param count how many custodians, 1..{@link MAX_CUSTODIANS}
 * @param threshold how many are needed, 1..count
 * @returns `count` shares with distinct indexes; overwrite their values with zeros when done
 * @throws EnvelopeError `INVALID_THRESHOLD`, `INVALID_DATA_KEY`
 */
export async function splitDataKey(dataKey: Uint8Array, count: number, threshold: number): Promise<KeyShare[]> {
  checkThreshold(count, threshold);
  checkKeyLength(dataKey, "data key");
  if (threshold === 1) {
    return Array.from({ length: count }, (_, i) => ({ index: i + 1, value: Uint8Array.from(dataKey) }));
  }
  // The library accepts exact Uint8Arrays only (not a Buffer): hand it a plain copy.
  const secret = Uint8Array.from(dataKey);
  const raw = await split(secret, count, threshold).finally(() => secret.fill(0));
  return raw.map((share) => {
    const value = share.slice(0, DATA_KEY_LENGTH);
    const index = share[DATA_KEY_LENGTH];
    share.fill(0);
    return { index, value };
  });
}

/**
 * Rebuilds a data key from shares and checks it against its commitment. With more shares than the
 * threshold, subsets are tried until one matches, so a corrupted or substituted share is both detected and
 * survived while `threshold` good ones remain.
 * @param shares at least `threshold` shares with distinct indexes
 * @param threshold the threshold the key was split with
 * @param contentHash the contribution's content hash
 * @param commitment its key commitment, from the descriptor
 * @returns the data key; overwrite it with zeros when done
 * @throws EnvelopeError `INVALID_THRESHOLD`, `NOT_ENOUGH_SHARES`, `INVALID_SHARE`, `COMMITMENT_MISMATCH`
 */
export async function recoverDataKey(
  shares: readonly KeyShare[],
  threshold: number,
  contentHash: string,
  commitment: string,
): Promise<Uint8Array> {
  checkThreshold(Math.max(shares.length, threshold), threshold);
  const seen = new Set<number>();
  for (const share of shares) {
    if (!Number.isInteger(share.index) || share.index < 1 || share.index > 255 || seen.has(share.index)) {
      throw new EnvelopeError("INVALID_SHARE", `Share index ${share.index} is out of range 1..255 or given twice.`);
    }
    seen.add(share.index);
    checkKeyLength(share.value, "key share");
  }
  if (shares.length < threshold) {
    throw new EnvelopeError(
      "NOT_ENOUGH_SHARES",
      `The data key of ${contentHash} needs ${threshold} custodians' shares; only ${shares.length} were given. Fetch the share manifests of more custodians.`,
    );
  }
  const wanted = commitment.toLowerCase();
  for (const subset of subsets(shares.length, threshold)) {
    const key = await combineShares(subset.map((i) => shares[i]));
    if (keyCommitment(contentHash, key) === wanted) return key;
    key.fill(0);
  }
  throw new EnvelopeError(
    "COMMITMENT_MISMATCH",
    `No ${threshold} of the ${shares.length} shares given for ${contentHash} rebuild the data key its descriptor commits to: at least ${shares.length - threshold + 1} share(s) are corrupted or were wrapped for another contribution. Ask the custodians to re-deliver.`,
  );
}

async function combineShares(shares: readonly KeyShare[]): Promise<Uint8Array> {
  if (shares.length === 1) return Uint8Array.from(shares[0].value);
  const raw = shares.map((share) => {
    const bytes = new Uint8Array(DATA_KEY_LENGTH + 1);
    bytes.set(share.value, 0);
    bytes[DATA_KEY_LENGTH] = share.index;
    return bytes;
  });
  try {
    return await combine(raw);
  } finally {
    for (const bytes of raw) bytes.fill(0);
  }
}

/** Index sets of size k out of n, in lexicographic order, at most 256 of them (n ≤ 32 custodians). */
function* subsets(n: number, k: number): Generator<number[]> {
  const pick = Array.from({ length: k }, (_, i) => i);
  for (let produced = 0; produced < 256; produced++) {
    yield [...pick];
    let i = k - 1;
    while (i >= 0 && pick[i] === n - k + i) i--;
    if (i < 0) return;
    pick[i]++;
    for (let j = i + 1; j < k; j++) pick[j] = pick[j - 1] + 1;
  }
}

function checkThreshold(count: number, threshold: number): void {
  if (
    !Number.isInteger(count) ||
    !Number.isInteger(threshold) ||
    count < 1 ||
    count > MAX_CUSTODIANS ||
    threshold < 1 ||
    threshold > count
  ) {
    throw new EnvelopeError(
      "INVALID_THRESHOLD",
      `A key is split among 1 to ${MAX_CUSTODIANS} custodians with a threshold from 1 to their number; got ${threshold} of ${count}.`,
    );
  }
}

function checkKeyLength(value: Uint8Array, what: string): void {
  if (!(value instanceof Uint8Array) || value.length !== DATA_KEY_LENGTH) {
    throw new EnvelopeError(
      "INVALID_DATA_KEY",
      `The ${what} must be a ${DATA_KEY_LENGTH}-byte Uint8Array; got ${describeShape(value)}.`,
    );
  }
}
