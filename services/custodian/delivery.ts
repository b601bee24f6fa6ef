/**
 * The one place the daemon meets the custody API. Today that is `deliverGrant` (one custodian posts the
 * whole manifest); when threshold custody lands, `deliver` calls its per-custodian share delivery and
 * `delivered` asks whether this custodian's share is on chain: the daemon itself does not change.
 */
import type { Signer } from "ethers";

import { type DataCoop, type DeliverOptions, type EciesKey, type EscrowRequest, deliverGrant } from "../../src/roles";

/** What one delivery posted. */
export interface ShareDelivered {
  readonly txHash: string;
  readonly manifestHash: string;
  /** Contributions whose key shares were released. */
  readonly setSize: number;
  readonly seconds: { readonly chain: number; readonly crypto: number; readonly store: number };
}

/** How the daemon delivers its share of one approved request, and sees whether it already has. */
export interface ShareDelivery {
  /** The custodian account that posts. */
  readonly address: string;
  /** Builds, stores and posts this custodian's share for `requestId`; throws and posts nothing on failure. */
  deliver(requestId: bigint): Promise<ShareDelivered>;
  /** Whether the chain already holds this custodian's delivery for the request (read as `request`). */
  delivered(requestId: bigint, request: EscrowRequest): Promise<boolean>;
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
        seconds: result.seconds,
      };
    },
    async delivered(_requestId, request) {
      return request.statusName === "Delivered";
    },
  };
}
