import { getAddress, type Signer } from "ethers";

import { normalizePublicKey } from "../crypto";
import { ManifestError, buildManifest, manifestHash, rewrapForBuyer, serializeManifest } from "../manifest";
import { BlobStoreError } from "../store";
import { chainTime, formatTime } from "./chain";
import type { DataCoop } from "./contracts";
import { parseDescriptor } from "./descriptor";
import { RoleError } from "./errors";
import { scanEvents } from "./events";
import type { EciesKey } from "./keys";
import { buyerPublicKeyOf, readRequest, requireStatus } from "./requests";
import { explainRevert, transact } from "./revert";
import { blobKeyFromUri, storeForUri, type NamedStore } from "./stores";

/** A contribution whose key may be released for a purpose. */
export interface EligibleContribution {
  readonly contentHash: string;
  readonly owner: string;
  /** The descriptor URI from its `Contributed` event. */
  readonly uri: string;
}

/**
 * The contributions whose keys may be released for `purpose` at `blockTag`: every contribution ever
 * registered (`Contributed` events), kept only if `registry.isEligible(contentHash, purpose)` (active and
 * consenting). Revoked, superseded and non-consenting contributions are never returned.
 * @param system the deployment
 * @param purpose the purpose id
 * @param blockTag the block to decide at (default: latest)
 */
export async function eligibleContributions(
  system: DataCoop,
  purpose: number,
  blockTag?: number,
  label = "checking eligibility",
): Promise<EligibleContribution[]> {
  const block = blockTag ?? (await system.provider.getBlockNumber());
  const events = await scanEvents(
    system,
    "contributions",
    (from, to) => system.registry.queryFilter(system.registry.filters.Contributed(), from, to),
    block,
  );
  const eligible: EligibleContribution[] = [];
  for (const [index, event] of events.entries()) {
    const { contentHash, owner, uri } = event.args;
    if (await system.registry.isEligible(contentHash, purpose, { blockTag: block })) {
      eligible.push({ contentHash: contentHash.toLowerCase(), owner: getAddress(owner), uri });
    }
    system.progress?.({ step: label, done: index + 1, total: events.length });
  }
  return eligible;
}

/** Options of {@link deliverGrant}. */
export interface DeliverOptions {
  /** Where the manifest is stored; every ciphertext it lists is made available there too. */
  readonly store: NamedStore;
  /** Where to read descriptors and ciphertexts; default: the store each contribution's URI points into. */
  readonly source?: NamedStore;
  /** How often to rebuild if eligibility changes while building; default 3. */
  readonly attempts?: number;
}

/** What {@link deliverGrant} posted. */
export interface DeliveryResult {
  readonly requestId: bigint;
  readonly purpose: number;
  readonly manifestHash: string;
  readonly manifestURI: string;
  /** The content hashes whose keys were released, sorted. */
  readonly contentHashes: readonly string[];
  readonly txHash: string;
}

/**
 * Delivers an approved grant: builds the manifest of exactly the contributions eligible for the request's
 * purpose, re-wraps each data key from the custodian to the buyer's key stated in the request, stores the
 * manifest and posts its URI and hash with `escrow.deliver`. If eligibility changes while it works (a
 * revocation, a consent change), it starts over, so the manifest always matches one block.
 * @param system the deployment
 * @param signer an account holding the escrow's CUSTODIAN_ROLE
 * @param requestId the approved request
 * @param custodianKey the custodian's ECIES key (its public key must be the escrow's `custodianPublicKey`)
 * @param options stores
 * @throws RoleError with what to fix; nothing is posted on failure
 */
export async function deliverGrant(
  system: DataCoop,
  signer: Signer,
  requestId: bigint,
  custodianKey: EciesKey,
  options: DeliverOptions,
): Promise<DeliveryResult> {
  const sender = await signer.getAddress();
  if (!(await system.escrow.hasRole(await system.escrow.CUSTODIAN_ROLE(), sender))) {
    throw new RoleError(
      "NOT_ALLOWED",
      `${sender} does not hold the escrow's CUSTODIAN_ROLE; send from the custodian account (--account).`,
    );
  }
  const onChainKey = await system.escrow.custodianPublicKey();
  if (onChainKey === "0x" || normalizePublicKey(onChainKey) !== custodianKey.publicKey) {
    throw new RoleError(
      "CONFIG",
      `The custodian key from ${custodianKey.source} (public key ${custodianKey.publicKey}) is not the escrow's custodian public key (${onChainKey === "0x" ? "unset" : normalizePublicKey(onChainKey)}); use the custodian's key.`,
    );
  }
  const request = await readRequest(system, requestId);
  requireStatus(requestId, request, ["Approved"], "deliver its keys");
  const now = await chainTime(system.provider);
  if (now > request.deliveryDeadline) {
    throw new RoleError(
      "WRONG_STATE",
      `The delivery deadline of request #${requestId} passed at ${formatTime(request.deliveryDeadline)}; it can only be marked undelivered (refunded).`,
    );
  }
  const buyerPublicKey = await buyerPublicKeyOf(system, requestId, request);
  const purpose = Number(request.purpose);
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const block = await system.provider.getBlockNumber();
    const eligible = await eligibleContributions(system, purpose, block);
    if (eligible.length === 0) {
      throw new RoleError(
        "WRONG_STATE",
        `No contribution is eligible for purpose ${purpose} any more (all revoked or withdrawn); request #${requestId} cannot be delivered and will be refunded after its deadline.`,
      );
    }
    const manifestBytes = await buildManifestBytes(
      system,
      requestId,
      purpose,
      buyerPublicKey,
      custodianKey,
      eligible,
      options,
    );
    const hash = manifestHash(manifestBytes);
    const uri = options.store.uriFor(hash);
    try {
      await system.escrow.connect(signer).deliver.staticCall(requestId, uri, hash);
    } catch (error) {
      throw explainRevert(`deliver request #${requestId}`, error);
    }
    // The keys must match the chain as it is now: if anything changed since `block`, build again.
    const latest = await eligibleContributions(system, purpose, undefined, "re-checking eligibility before posting");
    if (!sameSet(eligible, latest)) {
      system.progress?.({ step: `eligibility changed while building (attempt ${attempt}); rebuilding` });
      continue;
    }
    await options.store.store.put(manifestBytes);
    const receipt = await transact(
      `deliver request #${requestId}`,
      system.escrow.connect(signer).deliver,
      requestId,
      uri,
      hash,
    );
    return {
      requestId,
      purpose,
      manifestHash: hash,
      manifestURI: uri,
      contentHashes: eligible.map((e) => e.contentHash).sort(),
      txHash: receipt.hash,
    };
  }
  throw new RoleError("WRONG_STATE", `Eligibility kept changing over ${attempts} attempts; try again.`);
}

async function buildManifestBytes(
  system: DataCoop,
  requestId: bigint,
  purpose: number,
  buyerPublicKey: string,
  custodianKey: EciesKey,
  eligible: readonly EligibleContribution[],
  options: DeliverOptions,
): Promise<Uint8Array> {
  const custodianEntries = [];
  for (const [index, contribution] of eligible.entries()) {
    const { contentHash, uri } = contribution;
    try {
      const source = options.source ?? storeForUri(uri);
      const descriptor = parseDescriptor(await source.store.get(blobKeyFromUri(uri)), uri);
      if (descriptor.contentHash !== contentHash) {
        throw new RoleError(
          "INTEGRITY",
          `The descriptor at ${uri} describes ${descriptor.contentHash}, not the registered ${contentHash}.`,
        );
      }
      if (descriptor.custodianPublicKey !== custodianKey.publicKey) {
        throw new RoleError(
          "CONFIG",
          `The data key of ${contentHash} is wrapped to custodian key ${descriptor.custodianPublicKey}, not to the current one; the previous custodian must re-wrap it.`,
        );
      }
      if (!(await options.store.store.has(contentHash))) {
        const ciphertextStore = options.source ?? storeForUri(descriptor.ciphertextURI);
        await options.store.store.put(await ciphertextStore.store.get(contentHash));
      }
      custodianEntries.push({ contentHash, custodianWrappedKey: descriptor.custodianWrappedKey });
    } catch (cause) {
      if (cause instanceof RoleError && cause.code !== "INVALID_INPUT") throw cause;
      if (cause instanceof RoleError || cause instanceof BlobStoreError) {
        throw new RoleError(
          "NOT_FOUND",
          `Cannot read eligible contribution ${contentHash} (owner ${contribution.owner}, URI ${uri}): ${cause.message} The manifest must list every eligible contribution; pass --source with a store that holds it.`,
          { cause },
        );
      }
      throw cause;
    }
    system.progress?.({ step: "reading descriptors", done: index + 1, total: eligible.length });
  }
  system.progress?.({ step: `re-wrapping ${custodianEntries.length} data key(s) to the buyer` });
  try {
    const entries = rewrapForBuyer(custodianEntries, custodianKey.privateKey, buyerPublicKey);
    const manifest = buildManifest({
      chainId: system.chainId,
      escrow: system.addresses.escrow,
      requestId,
      purpose,
      buyerPublicKey,
      entries,
    });
    return serializeManifest(manifest);
  } catch (cause) {
    if (!(cause instanceof ManifestError)) throw cause;
    throw new RoleError("INTEGRITY", `Could not build the manifest for request #${requestId}: ${cause.message}`, {
      cause,
    });
  }
}

function sameSet(a: readonly EligibleContribution[], b: readonly EligibleContribution[]): boolean {
  if (a.length !== b.length) return false;
  const hashes = new Set(a.map((e) => e.contentHash));
  return b.every((e) => hashes.has(e.contentHash));
}
