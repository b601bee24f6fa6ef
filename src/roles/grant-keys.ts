import { getAddress } from "ethers";

import { ManifestError, type OpenedManifests, openManifests } from "../manifest";
import { BlobStoreError } from "../store";
import type { DataCoop } from "./contracts";
import { RoleError } from "./errors";
import type { EciesKey } from "./keys";
import { storeForUri, type NamedStore } from "./stores";

/** One custodian's share manifest of a delivered grant, as posted and fetched. */
export interface PostedManifest {
  readonly custodian: string;
  readonly manifestHash: string;
  readonly manifestURI: string;
  readonly bytes: Uint8Array;
}

/** A delivered grant's share manifests, verified and ready to decrypt. */
export interface OpenedGrant {
  /** The eligible set delivered (`grant(requestId).setHash`). */
  readonly setHash: string;
  /** The manifests fetched, one per custodian that posted the delivered set. */
  readonly manifests: readonly PostedManifest[];
  /** Iterate to decrypt and verify each contribution in turn. */
  readonly opened: OpenedManifests;
}

/**
 * The key-opening step of a buyer's fetch: finds every custodian's `SharePosted` for the set the grant
 * delivered, under the custodian set version that delivered it (the latest post of each custodian), fetches each manifest (from `store`, else from the store its
 * URI points into), and combines them with `openManifests`: each manifest's hash is the one posted, made for
 * this buyer, chain, escrow, request and purpose; together they cover exactly the delivered set; each
 * contribution has its threshold of shares. A manifest that cannot be fetched is left out: the others may
 * suffice, and if they do not, the error names the contribution short of shares.
 * @throws RoleError `NOT_FOUND` without any posted manifest, `INTEGRITY` if the manifests fail verification
 */
export async function openGrant(
  system: DataCoop,
  requestId: bigint,
  buyerKey: EciesKey,
  purpose: number,
  store?: NamedStore,
): Promise<OpenedGrant> {
  const { setHash } = await system.escrow.grant(requestId);
  const [delivered] = await system.escrow.queryFilter(
    system.escrow.filters.AccessDelivered(requestId),
    system.fromBlock,
  );
  if (delivered === undefined) throw new RoleError("NOT_FOUND", `Request #${requestId} has no AccessDelivered event.`);
  const posts = await system.escrow.queryFilter(
    system.escrow.filters.SharePosted(requestId, undefined, setHash),
    system.fromBlock,
  );
  // Posts under the set version that delivered (a removed custodian's post never counts), the latest of each
  // custodian: one may have posted the same set in an earlier round too.
  const latest = new Map<string, (typeof posts)[number]>();
  for (const post of posts) {
    if (post.args.setVersion === delivered.args.setVersion) latest.set(getAddress(post.args.custodian), post);
  }
  const manifests: PostedManifest[] = [];
  for (const [custodian, post] of latest) {
    const { manifestHash, manifestURI } = post.args;
    const source = store ?? storeForUri(manifestURI);
    try {
      system.progress?.({ step: `fetching the share manifest of custodian ${custodian} from ${source.location}` });
      manifests.push({ custodian, manifestHash, manifestURI, bytes: await source.store.get(manifestHash) });
    } catch (cause) {
      if (!(cause instanceof BlobStoreError) && !(cause instanceof RoleError)) throw cause;
      system.progress?.({ step: `the manifest of custodian ${custodian} is unavailable (${cause.message}); skipped` });
    }
  }
  if (manifests.length === 0) {
    throw new RoleError(
      "NOT_FOUND",
      `None of the ${latest.size} share manifest(s) posted for request #${requestId} (set ${setHash}) could be fetched; pass --store with a store that holds them.`,
    );
  }
  try {
    const opened = await openManifests(
      manifests.map((m) => ({ bytes: m.bytes, hash: m.manifestHash })),
      buyerKey.privateKey,
      (store ?? storeForUri(manifests[0].manifestURI)).store,
      {
        expect: {
          chainId: system.chainId,
          escrow: system.addresses.escrow,
          requestId,
          purpose,
          eligibleSetHash: setHash,
        },
      },
    );
    return { setHash, manifests, opened };
  } catch (cause) {
    if (cause instanceof ManifestError) {
      throw new RoleError(
        "INTEGRITY",
        `The share manifests delivered for request #${requestId} do not open: ${cause.message}`,
        { cause },
      );
    }
    throw cause;
  }
}
