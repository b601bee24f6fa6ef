/**
 * The one place the daemon meets the custody API. Today that is `deliverGrant` (one custodian posts the
 * whole manifest and the fee is released at once); with threshold custody, `deliver` is the per-custodian
 * share delivery and `progress` also says when this custodian's share is posted and the others' are awaited:
 * the daemon itself does not change.
 */
import type { Signer } from "ethers";

import { type DataCoop, type DeliverOptions, type EciesKey, type EscrowRequest, deliverGrant } from "../../src/roles";

/** What one delivery posted. */
export interface ShareDelivered {
  readonly txHash: string;
  readonly manifestHash: string;
  /** Contributions whose key shares were released. */
  readonly setSize: number;
  /** Whether this post released the fee (the k-th share; always, with a single custodian). */
  readonly released: boolean;
  readonly seconds: { readonly chain: number; readonly crypto: number; readonly store: number };
}

/**
 * Where a request stands for this custodian, on chain: `delivered` (the fee is released: nothing left to do),
 * `posted` (its share is posted in the current round; the other custodians' are awaited), `open` (it must post).
 */
export type ShareProgress = "delivered" | "posted" | "open";

/** How the daemon delivers its share of one approved request, and sees whether it already has. */
export interface ShareDelivery {
  /** The custodian account that posts. */
  readonly address: string;
  /** Builds, stores and posts this custodian's share for `requestId`; throws and posts nothing on failure. */
  deliver(requestId: bigint): Promise<ShareDelivered>;
  /** Where the request (read as `request`) stands for this custodian on chain. */
  progress(requestId: bigint, request: EscrowRequest): Promise<ShareProgress>;
}

/**
 * Delivery by today's single custodian: a delivered request is one this custodian (the only one) posted.
 * @param options stores, and the local registry log reader
 */
export async function singleCustodianDelivery(
  system: DataCoop,
  signer: Signer,
  custodianKey: EciesKey,
  options: DeliverOptions,
): Promise<ShareDelivery> {
  return {
    address: await signer.getAddress(),
    async deliver(requestId) {
      const result = await deliverGrant(system, signer, requestId, custodianKey, options);
      return {
        txHash: result.txHash,
        manifestHash: result.manifestHash,
        setSize: result.contentHashes.length,
        released: true,
        seconds: result.seconds,
      };
    },
    async progress(_requestId, request) {
      return request.statusName === "Delivered" ? "delivered" : "open";
    },
  };
}
