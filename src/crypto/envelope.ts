import { keccak256 } from "../codec/keccak";

import { decryptWithDataKey, encryptWithDataKey, generateDataKey } from "./aead";
import { describeShape } from "./bytes";
import { defaultCurve } from "./curve";
import { EnvelopeError } from "./errors";
import { type PublicKeyInput, compressedHex, parsePublicKey } from "./keys";
import { keyCommitment, splitDataKey } from "./shares";
import { wrapTo } from "./wrap";

/** The custodians a contribution's data key is split among. */
export interface CustodianSet {
  /** The set's version (it changes whenever a custodian or the threshold changes). */
  readonly version: number;
  /** How many custodians' shares rebuild a key, 1..n. */
  readonly threshold: number;
  /** The custodians' public keys, in the set's order; share i goes to key i. */
  readonly publicKeys: readonly PublicKeyInput[];
}

/** Who a contribution's data key is wrapped to. */
export interface SealRecipients {
  /** The custodian set: the key is split k-of-n among them, one wrapped share each. */
  readonly custodians: CustodianSet;
  /** The contributor's own public key, so they can always read back what they contributed. */
  readonly contributorPublicKey: PublicKeyInput;
  /**
   * Further readers of the whole key, e.g. the validators who decrypt what they score: a caller that cannot
   * unwrap the contributor's copy (a browser, whose wallet keeps the private key) wraps to them here, while
   * the key exists. Default none.
   */
  readonly readers?: readonly PublicKeyInput[];
}

/** One custodian's share of a sealed contribution's data key. */
export interface SealedShare {
  /** The custodian's public key, compressed, lowercase `0x` hex. */
  readonly custodianPublicKey: string;
  /** The share's x coordinate (1..255). */
  readonly index: number;
  /** The 32 share bytes wrapped (ECIES) to the custodian, 130 bytes in the wrapped-key format. */
  readonly wrappedShare: Uint8Array;
}

/** A contribution sealed for upload: the ciphertext, its on-chain hash and the wrapped key material. */
export interface SealedContribution {
  /** Version-1 ciphertext (see `CIPHERTEXT_VERSION`): what is uploaded to the blob store. */
  readonly ciphertext: Uint8Array;
  /** keccak256 of `ciphertext`, `0x` + 64 lowercase hex digits: the `bytes32` registered on-chain. */
  readonly contentHash: string;
  /** Commitment to the data key (see `keyCommitment`), checked by buyers after combining shares. */
  readonly keyCommitment: string;
  /** The custodian set version and threshold the shares were made for, and the shares. */
  readonly custody: {
    readonly setVersion: number;
    readonly threshold: number;
    readonly shares: readonly SealedShare[];
  };
  /** The whole data key wrapped to the contributor (130 bytes). */
  readonly contributorWrappedKey: Uint8Array;
  /** The whole data key wrapped to each of `readers`, in their order (none without readers). */
  readonly readerWrappedKeys: readonly Uint8Array[];
}

/**
 * Encrypts one contribution under a fresh random data key (AES-256-GCM), splits the key k-of-n among the
 * custodians (one wrapped share each), wraps the whole key to the contributor (and to any `readers`) and
 * commits to it. The plain
 * data key and shares are zeroed before returning.
 * @param plaintext the contribution's bytes
 * @param recipients the custodian set and the contributor's public key
 * @returns the ciphertext, its content hash, the key commitment, the shares and the contributor's key
 * @throws EnvelopeError `INVALID_PLAINTEXT`, `INVALID_PUBLIC_KEY`, `INVALID_THRESHOLD`
 */
export async function sealContribution(plaintext: Uint8Array, recipients: SealRecipients): Promise<SealedContribution> {
  if (!(plaintext instanceof Uint8Array)) {
    throw new EnvelopeError(
      "INVALID_PLAINTEXT",
      `The plaintext must be a Uint8Array (e.g. a Buffer read from the file); got ${describeShape(plaintext)}.`,
    );
  }
  const { version, threshold, publicKeys } = recipients.custodians;
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new EnvelopeError(
      "INVALID_THRESHOLD",
      `The custodian set version must be a non-negative integer; got ${version}.`,
    );
  }
  // Validate every key before spending time on a large plaintext.
  const curve = defaultCurve();
  const custodians = publicKeys.map((key, i) => parsePublicKey(key, `custodian public key #${i}`, curve));
  const compressed = custodians.map((key) => compressedHex(key, curve));
  if (new Set(compressed).size !== compressed.length) {
    throw new EnvelopeError("INVALID_PUBLIC_KEY", "The custodian set lists the same public key twice.");
  }
  const contributor = parsePublicKey(recipients.contributorPublicKey, "contributor public key", curve);
  const readers = (recipients.readers ?? []).map((key, i) => parsePublicKey(key, `reader public key #${i}`, curve));
  const dataKey = generateDataKey();
  const shares = await splitDataKey(dataKey, custodians.length, threshold);
  try {
    const ciphertext = encryptWithDataKey(plaintext, dataKey);
    const contentHash = contentHashOf(ciphertext);
    return {
      ciphertext,
      contentHash,
      keyCommitment: keyCommitment(contentHash, dataKey),
      custody: {
        setVersion: version,
        threshold,
        shares: shares.map((share, i) => ({
          custodianPublicKey: compressed[i],
          index: share.index,
          wrappedShare: wrapTo(share.value, custodians[i], curve),
        })),
      },
      contributorWrappedKey: wrapTo(dataKey, contributor, curve),
      readerWrappedKeys: readers.map((reader) => wrapTo(dataKey, reader, curve)),
    };
  } finally {
    dataKey.fill(0);
    for (const share of shares) share.value.fill(0);
  }
}

/**
 * Decrypts a sealed contribution with its (unwrapped or rebuilt) data key, authenticating every byte.
 * @param ciphertext the version-1 ciphertext
 * @param dataKey the 32-byte data key
 * @returns the plaintext
 * @throws EnvelopeError `MALFORMED_CIPHERTEXT`, `UNSUPPORTED_CIPHERTEXT_VERSION`, `INVALID_DATA_KEY`, `DECRYPTION_FAILED`
 */
export function openContribution(ciphertext: Uint8Array, dataKey: Uint8Array): Uint8Array {
  return decryptWithDataKey(ciphertext, dataKey);
}

/**
 * The content hash of a ciphertext: keccak256 over all its bytes.
 * @param ciphertext the full ciphertext
 * @returns `0x` + 64 lowercase hex digits (a `bytes32`)
 */
export function contentHashOf(ciphertext: Uint8Array): string {
  return keccak256(ciphertext);
}
