import { EnvelopeError, type PrivateKeyInput, type PublicKeyInput, createRewrapper } from "../crypto";
import { toHex } from "../crypto/bytes";
import { ManifestError } from "./errors";
import { checkContentHash } from "./fields";
import type { ManifestEntry } from "./manifest";

/** A custodian's share of one contribution's data key, as its descriptor holds it. */
export interface CustodianEntry extends Omit<ManifestEntry, "wrappedShare"> {
  /** The share wrapped to the custodian (from the descriptor's `shares`). */
  readonly custodianWrappedShare: Uint8Array | string;
}

/**
 * Re-wraps a custodian's shares of a grant's eligible contributions to the buyer, ready for
 * `buildManifest`. The caller decides eligibility (active, consenting to the purpose, never revoked): every
 * share passed here is released to the buyer.
 * @param entries the eligible contributions with the custodian's wrapped shares
 * @param custodianPrivateKey the custodian's private key
 * @param buyerPublicKey the buyer's public key from the access request
 * @returns one manifest entry per input entry, in input order
 * @throws EnvelopeError `INVALID_PRIVATE_KEY`, `INVALID_PUBLIC_KEY`; ManifestError `INVALID_FIELD`,
 *   `DUPLICATE_ENTRY`, `REWRAP_FAILED` (naming the content hash whose share could not be unwrapped)
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
      const { custodianWrappedShare, ...rest } = entry;
      return { ...rest, contentHash, wrappedShare: toHex(rewrap(custodianWrappedShare)) };
    } catch (cause) {
      if (!(cause instanceof EnvelopeError)) throw cause;
      throw new ManifestError(
        "REWRAP_FAILED",
        `Could not re-wrap the key share of content hash ${contentHash} (entry ${index}): ${cause.message}`,
        { field: `entries[${index}].custodianWrappedShare`, cause },
      );
    }
  });
}
