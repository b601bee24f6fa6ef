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
import { decodeRevert, explainRevert, transact } from "./revert";
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
 * registered (`Contributed` events), kept only if `registry.isEligible(contentHash, purpose)` there (active,
 * and its consent to `purpose` given before that block's consent epoch). Revoked, superseded,
 * non-consenting and not-yet-effective contributions are never returned.
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
  /** The consent epoch the manifest was built for. */
  readonly epoch: bigint;
  /** The block time of the state it was built from. */
  readonly builtAt: bigint;
  readonly manifestHash: string;
  readonly manifestURI: string;
  /** The content hashes whose keys were released, sorted. */
  readonly contentHashes: readonly string[];
  readonly txHash: string;
}

/**
 * Delivers an approved grant: builds the manifest of exactly the contributions eligible for the request's
 * purpose in the current consent epoch, re-wraps each data key from the custodian to the buyer's key stated
 * in the request, stores the manifest and posts its URI, hash, epoch and build time with `escrow.deliver`.
 * If the set changes while it works (a revocation or withdrawn consent, or a new epoch), the escrow refuses
 * the delivery and it starts over, so the keys released are exactly the contributions the fee pays.
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
    // Build for the current consent epoch from one block: the escrow refuses the delivery if the epoch has
    // moved on or consenting weight has left the purpose since that block, and then we build again.
    const block = await system.provider.getBlock("latest");
    if (block === null) throw new RoleError("WRONG_STATE", "The node returned no latest block; try again.");
    const [epoch] = await system.distributor.currentEpoch({ blockTag: block.number });
    const builtAt = BigInt(block.timestamp);
    const eligible = await eligibleContributions(system, purpose, block.number);
    if (eligible.length === 0) {
      throw new RoleError(
        "WRONG_STATE",
        `No contribution is eligible for purpose ${purpose} in consent epoch ${epoch} (all revoked or withdrawn, or consent given only this epoch); request #${requestId} cannot be delivered now and will be refunded after its deadline unless consent takes effect before it.`,
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
    const args = [requestId, epoch, builtAt, uri, hash] as const;
    try {
      await system.escrow.connect(signer).deliver.staticCall(...args);
    } catch (error) {
      if (isStale(error)) {
        system.progress?.({ step: `the eligible set changed while building (attempt ${attempt}); rebuilding` });
        continue;
      }
      throw explainRevert(`deliver request #${requestId}`, error);
    }
    await options.store.store.put(manifestBytes);
    let receipt;
    try {
      receipt = await transact(`deliver request #${requestId}`, system.escrow.connect(signer).deliver, ...args);
    } catch (error) {
      if (error instanceof RoleError && isStale(error.cause)) continue;
      throw error;
    }
    return {
      requestId,
      purpose,
      epoch,
      builtAt,
      manifestHash: hash,
      manifestURI: uri,
      contentHashes: eligible.map((e) => e.contentHash).sort(),
      txHash: receipt.hash,
    };
  }
  throw new RoleError("WRONG_STATE", `The eligible set kept changing over ${attempts} attempts; try again.`);
}

/** Whether a delivery was refused because the set it was built from is no longer the current one. */
function isStale(error: unknown): boolean {
  const name = decodeRevert(error)?.name;
  return name === "EscrowStaleEpoch" || name === "EscrowManifestOutdated";
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
