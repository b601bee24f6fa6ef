/**
 * The one place the daemon meets the custody API: `deliverShare`, one custodian's share of a k-of-n delivery
 * (the k-th post releases the fee), and `escrow.hasPosted` to see whether this custodian's share is already on
 * chain in the current round.
 */
import type { Signer } from "ethers";

import { type DataCoop, type DeliverOptions, type EciesKey, type EscrowRequest, deliverShare } from "../../src/roles";

/** What one post sent. */
export interface SharePosted {
  readonly txHash: string;
  readonly manifestHash: string;
  /** Contributions in the eligible set the post covers. */
  readonly setSize: number;
  /** Whether this post released the fee (the k-th share). */
  readonly released: boolean;
  readonly seconds: { readonly chain: number; readonly crypto: number; readonly store: number };
}

/**
 * Where a request stands for this custodian, on chain: `delivered` (the fee is released: nothing left to do),
 * `posted` (its share is posted in the current round; the other custodians' are awaited), `open` (it must post).
 */
export type ShareProgress = "delivered" | "posted" | "open";

/** How the daemon posts its share of one approved request, and sees whether it already has. */
export interface CustodyAdapter {
  /** The custodian account that posts. */
  readonly address: string;
  /** Builds, stores and posts this custodian's share for `requestId`; throws and posts nothing on failure. */
  deliver(requestId: bigint): Promise<SharePosted>;
  /** Where the request (read as `request`) stands for this custodian on chain. */
  progress(requestId: bigint, request: EscrowRequest): Promise<ShareProgress>;
}

/**
 * The custody adapter of one custodian of the current set.
 * @param options stores, and the local registry log reader
 */
export async function custodyAdapter(
  system: DataCoop,
  signer: Signer,
  custodianKey: EciesKey,
  options: DeliverOptions,
): Promise<CustodyAdapter> {
  const address = await signer.getAddress();
  return {
    address,
    async deliver(requestId) {
      const result = await deliverShare(system, signer, custodianKey, requestId, options);
      return {
        txHash: result.txHash,
        manifestHash: result.manifestHash,
        setSize: result.contentHashes.length,
        released: result.released,
        seconds: result.seconds,
      };
    },
    async progress(requestId, request) {
      if (request.statusName === "Delivered") return "delivered";
      return (await system.escrow.hasPosted(requestId, address)) ? "posted" : "open";
    },
  };
}
