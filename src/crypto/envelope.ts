import { keccak256 } from "../codec/keccak";

import { decryptWithDataKey, encryptWithDataKey, generateDataKey } from "./aead";
import { describeShape } from "./bytes";
import { EnvelopeError } from "./errors";
import { type PublicKeyInput, parsePublicKey } from "./keys";
import { wrapTo } from "./wrap";

/** Who a contribution's data key is wrapped to. */
export interface SealRecipients {
  /** The key custodian's public key; the custodian re-wraps the data key for approved buyers. */
  readonly custodianPublicKey: PublicKeyInput;
  /** The contributor's own public key, so they can always read back what they contributed. */
  readonly contributorPublicKey: PublicKeyInput;
}

/** A contribution sealed for upload: the ciphertext, its on-chain hash and the wrapped data keys. */
export interface SealedContribution {
  /** Version-1 ciphertext (see `CIPHERTEXT_VERSION`): what is uploaded to the blob store. */
  readonly ciphertext: Uint8Array;
  /** keccak256 of `ciphertext`, `0x` + 64 lowercase hex digits: the `bytes32` registered on-chain. */
  readonly contentHash: string;
  /** The data key wrapped (ECIES, secp256k1) to each recipient, 130 bytes each. */
  readonly wrappedKeys: { readonly custodian: Uint8Array; readonly contributor: Uint8Array };
}

/**
 * Encrypts one contribution under a fresh random data key (AES-256-GCM) and wraps that key to
 * the custodian and to the contributor. The plain data key is zeroed before returning.
 * @param plaintext the contribution's bytes (e.g. the export archive)
 * @param recipients the custodian's and the contributor's public keys
 * @returns the ciphertext, its content hash and the two wrapped keys
 * @throws EnvelopeError `INVALID_PLAINTEXT`, `INVALID_PUBLIC_KEY`, `ECIES_CONFIG_CHANGED`
 */
export function sealContribution(plaintext: Uint8Array, recipients: SealRecipients): SealedContribution {
  if (!(plaintext instanceof Uint8Array)) {
    throw new EnvelopeError(
      "INVALID_PLAINTEXT",
      `The plaintext must be a Uint8Array (e.g. a Buffer read from the file); got ${describeShape(plaintext)}.`,
    );
  }
  // Validate both keys before spending time on a large plaintext.
  const custodian = parsePublicKey(recipients.custodianPublicKey, "custodian public key");
  const contributor = parsePublicKey(recipients.contributorPublicKey, "contributor public key");
  const dataKey = generateDataKey();
  try {
    const ciphertext = encryptWithDataKey(plaintext, dataKey);
    return {
      ciphertext,
      contentHash: contentHashOf(ciphertext),
      wrappedKeys: { custodian: wrapTo(dataKey, custodian), contributor: wrapTo(dataKey, contributor) },
    };
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Decrypts a sealed contribution with its (unwrapped) data key, authenticating every byte.
 * @param ciphertext the version-1 ciphertext
 * @param dataKey the 32-byte data key, from `unwrapDataKey`
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
