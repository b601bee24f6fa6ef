import { EnvelopeError, type PrivateKeyInput, type PublicKeyInput, createRewrapper } from "../crypto";
import { toHex } from "../crypto/bytes";
import { ManifestError } from "./errors";
import { checkContentHash } from "./fields";
import type { ManifestEntry } from "./manifest";

/** A contribution's data key as the custodian holds it: wrapped to the custodian's public key. */
export interface CustodianEntry {
  /** keccak256 of the contribution's ciphertext. */
  readonly contentHash: string;
  /** The data key wrapped to the custodian (`wrappedKeys.custodian` from `sealContribution`). */
  readonly custodianWrappedKey: Uint8Array | string;
}

/**
 * Re-wraps the data keys of a grant's eligible contributions from the custodian to the buyer,
 * ready for `buildManifest`. The caller decides eligibility (active, consenting to the purpose,
 * never revoked): every key passed here is released to the buyer.
 * @param entries the eligible contributions with their custodian-wrapped keys
 * @param custodianPrivateKey the custodian's private key
 * @param buyerPublicKey the buyer's public key from the access request
 * @returns one manifest entry per input entry, in input order
 * @throws EnvelopeError `INVALID_PRIVATE_KEY`, `INVALID_PUBLIC_KEY`; ManifestError `INVALID_FIELD`,
 *   `DUPLICATE_ENTRY`, `REWRAP_FAILED` (naming the content hash whose key could not be unwrapped)
 */
export function rewrapForBuyer(
  entries: readonly CustodianEntry[],
  custodianPrivateKey: PrivateKeyInput,
  buyerPublicKey: PublicKeyInput,
): ManifestEntry[] {
  // Validate both keys once, before any entry, so a bad key is reported as such.
  const rewrap = createRewrapper(custodianPrivateKey, buyerPublicKey);
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const contentHash = checkContentHash(entry.contentHash, `entries[${index}].contentHash`);
    if (seen.has(contentHash)) {
      throw new ManifestError("DUPLICATE_ENTRY", `Content hash ${contentHash} is listed twice; give it once.`, {
        field: `entries[${index}]`,
      });
    }
    seen.add(contentHash);
    try {
      return { contentHash, wrappedKey: toHex(rewrap(entry.custodianWrappedKey)) };
    } catch (cause) {
      if (!(cause instanceof EnvelopeError)) throw cause;
      throw new ManifestError(
        "REWRAP_FAILED",
        `Could not re-wrap the data key of content hash ${contentHash} (entry ${index}): ${cause.message}`,
        { field: `entries[${index}].custodianWrappedKey`, cause },
      );
    }
  });
}
