import { getAddress, type JsonRpcApiProvider, type Signer, toQuantity } from "ethers";

import { normalizePublicKey } from "../crypto";
import {
  type CustodianEntry,
  ManifestError,
  buildManifest,
  eligibleSetHash,
  manifestHash,
  rewrapForBuyer,
  serializeManifest,
} from "../manifest";
import { BlobStoreError } from "../store";
import { chainTime, formatTime } from "./chain";
import type { DataCoop } from "./contracts";
import { parseDescriptor } from "./descriptor";
import { RoleError } from "./errors";
import { scanEvents } from "./events";
import type { EciesKey } from "./keys";
import { buyerPublicKeyOf, readRequest, requireStatus } from "./requests";
import { decodeLog } from "./logs";
import { type Simulated, simulate } from "./transact";
import { blobKeyFromUri, storeForUri, type NamedStore } from "./stores";

/** A contribution whose key may be released for a purpose. */
export interface EligibleContribution {
  readonly contentHash: string;
  readonly owner: string;
  /** The descriptor URI from its `Contributed` event. */
  readonly uri: string;
}

/** What the registry's events say of one contribution, folded in chain order. */
interface ContributionState {
  readonly owner: string;
  readonly uri: string;
  purposes: number;
  active: boolean;
  /** The block of the latest event that gave consent to the purpose being read (-1: never). */
  grantedAt: number;
}

const ELIGIBILITY_EVENTS = ["Contributed", "Superseded", "PurposesChanged", "Revoked"] as const;

/** A log as `eth_getLogs` returns it, reduced to what decoding needs. */
export interface RawLog {
  readonly topics: readonly string[];
  readonly data: string;
  /** A quantity (`0x…`) from raw JSON-RPC, a number from ethers. */
  readonly blockNumber: string | number;
}

/**
 * The registry's eligibility events from `fromBlock` to `toBlock`, raw. Where the provider speaks JSON-RPC
 * the logs are fetched raw: ethers' `getLogs` wraps every log in an object, which at 10,000 logs costs
 * seconds; decoding is done once per log below, with the event fragment known from its topic.
 */
export async function eligibilityLogs(system: DataCoop, fromBlock: number, toBlock: number): Promise<RawLog[]> {
  const topics = ELIGIBILITY_EVENTS.map((name) => system.registry.interface.getEvent(name).topicHash);
  const filter = { address: system.addresses.registry, topics: [topics] };
  const provider = system.provider as Partial<JsonRpcApiProvider>;
  return scanEvents(
    system,
    "contributions",
    (from, to) =>
      typeof provider.send === "function"
        ? (provider.send("eth_getLogs", [
            { ...filter, fromBlock: toQuantity(from), toBlock: toQuantity(to) },
          ]) as Promise<RawLog[]>)
        : system.provider.getLogs({ ...filter, fromBlock: from, toBlock: to }),
    toBlock,
    fromBlock,
  );
}

/**
 * Reads the registry's eligibility logs of an inclusive block range, in chain order. The default reads the
 * chain ({@link eligibilityLogs}); a long-running custodian passes its own, served from a local copy it keeps
 * up to date, so a delivery does not rescan every block since the deployment.
 */
export type EligibilityLogReader = (fromBlock: number, toBlock: number) => Promise<readonly RawLog[]>;

/**
 * The contributions whose keys may be released for `purpose` at `blockTag`: active, and consenting to
 * `purpose` since before the current consent epoch, exactly as `registry.isEligible(contentHash, purpose)`
 * decides there. Read from the registry's own events in one scan (one `eth_getLogs` per block chunk for all
 * four events) and folded into a local index, instead of one `isEligible` call per contribution ever made
 * (10,000 sequential calls at 10,000 contributions). Consent given in a block at or after the epoch's start
 * is not yet effective; only those few candidates are asked of the registry itself, so the epoch rule is
 * the chain's, not a copy. Revoked, superseded, non-consenting and pending contributions are never
 * returned. A test checks the index against `isEligible` for every contribution.
 * @param system the deployment
 * @param purpose the purpose id
 * @param blockTag the block to decide at (default: latest)
 * @param readLogs where the registry's events come from (default: the chain)
 */
export async function eligibleContributions(
  system: DataCoop,
  purpose: number,
  blockTag?: number,
  label = "checking eligibility",
  readLogs: EligibilityLogReader = (from, to) => eligibilityLogs(system, from, to),
): Promise<EligibleContribution[]> {
  const block = blockTag ?? (await system.provider.getBlockNumber());
  const { registry } = system;
  const logs = await readLogs(system.fromBlock, block);
  system.progress?.({ step: label, done: 0, total: logs.length });
  // Decode with the fragment known from topic 0: `parseLog` looks each topic up among all the registry's
  // events, hashing their signatures anew every time.
  const fragments = new Map(
    ELIGIBILITY_EVENTS.map((name) => {
      const fragment = registry.interface.getEvent(name);
      return [fragment.topicHash, { name, fragment }] as const;
    }),
  );
  const bit = 1 << purpose;
  const index = new Map<string, ContributionState>();
  const mark = (hash: string, change: (state: ContributionState) => void): void => {
    const state = index.get(hash.toLowerCase());
    if (state !== undefined) change(state);
  };
  for (const log of logs) {
    const known = fragments.get(log.topics[0]);
    if (known === undefined) continue;
    const { name } = known;
    const args = registry.interface.decodeEventLog(known.fragment, log.data, log.topics);
    const at = Number(log.blockNumber);
    if (name === "Contributed") {
      const purposes = Number(args.purposes);
      index.set(String(args.contentHash).toLowerCase(), {
        owner: getAddress(args.owner),
        uri: args.uri,
        purposes,
        active: true,
        grantedAt: (purposes & bit) !== 0 ? at : -1,
      });
    } else if (name === "PurposesChanged") {
      mark(args.contentHash, (state) => {
        const next = Number(args.newPurposes);
        if ((next & bit) !== 0 && (Number(args.oldPurposes) & bit) === 0) state.grantedAt = at;
        state.purposes = next;
      });
    } else if (name === "Superseded") {
      mark(args.previous, (state) => (state.active = false));
    } else {
      mark(args.contentHash, (state) => (state.active = false));
    }
  }
  system.progress?.({ step: label, done: logs.length, total: logs.length });
  const candidates = [...index].filter(([, state]) => state.active && (state.purposes & bit) !== 0);
  const [, epochStart] = await system.distributor.currentEpoch({ blockTag: block });
  const recent = await blocksFrom(
    system,
    epochStart,
    candidates.map(([, state]) => state.grantedAt),
  );
  const eligible: EligibleContribution[] = [];
  for (const [contentHash, state] of candidates) {
    if (recent.has(state.grantedAt) && !(await registry.isEligible(contentHash, purpose, { blockTag: block }))) {
      continue;
    }
    eligible.push({ contentHash, owner: state.owner, uri: state.uri });
  }
  return eligible;
}

/**
 * Of `blocks`, those whose time is at or after `start` (consent given there may still be pending), found by
 * reading block times newest first and stopping at the first block before `start`.
 */
async function blocksFrom(system: DataCoop, start: bigint, blocks: readonly number[]): Promise<Set<number>> {
  const recent = new Set<number>();
  for (const number of [...new Set(blocks)].sort((a, b) => b - a)) {
    const header = await system.provider.getBlock(number);
    if (header === null || BigInt(header.timestamp) < start) break;
    recent.add(number);
  }
  return recent;
}

/** Options of {@link deliverShare}. */
export interface DeliverOptions {
  /** Where the manifest is stored; every ciphertext it lists is made available there too. */
  readonly store: NamedStore;
  /** Where to read descriptors and ciphertexts; default: the store each contribution's URI points into. */
  readonly source?: NamedStore;
  /** How often to rebuild if eligibility changes while building; default 3. */
  readonly attempts?: number;
  /** Descriptors read from the store at once; default 32. */
  readonly concurrency?: number;
  /** Where the registry's eligibility events come from; default: the chain, from the deployment's first block. */
  readonly eligibilityLogs?: EligibilityLogReader;
}

/** What {@link deliverShare} posted. */
export interface ShareDelivery {
  readonly requestId: bigint;
  readonly purpose: number;
  /** The consent epoch the manifest was built for. */
  readonly epoch: bigint;
  /** The block time of the state it was built from. */
  readonly builtAt: bigint;
  /** The custodian set version the post was made under. */
  readonly setVersion: number;
  /** This custodian's share manifest. */
  readonly manifestHash: string;
  readonly manifestURI: string;
  /** The eligible set, sorted: every contribution the fee pays. */
  readonly contentHashes: readonly string[];
  /** The hash of that set (`eligibleSetHash`), posted on-chain: what k custodians must agree on. */
  readonly eligibleSetHash: string;
  /** How many of them this custodian holds a share of (those sealed for a set it belongs to). */
  readonly sharesReleased: number;
  /** Posts for this set in the current round, this one included, and how many release the fee. */
  readonly posts: number;
  readonly threshold: number;
  /** Whether this post was the k-th and released the fee (the grant has started). */
  readonly released: boolean;
  readonly txHash: string;
  /** Wall-clock seconds spent on chain reads, key re-wrapping and the blob store. */
  readonly seconds: { readonly chain: number; readonly crypto: number; readonly store: number };
}

/** The caller's seat in the current custodian set. */
interface Seat {
  readonly version: number;
  readonly threshold: number;
  /** Public keys of the current custodians, normalized, for counting who is still in office. */
  readonly currentKeys: ReadonlySet<string>;
}

/**
 * Delivers one custodian's share of an approved grant: builds this custodian's share manifest of exactly the
 * contributions eligible for the request's purpose (those it holds a share of; contributions sealed for a
 * custodian set it was not in are shared by that set's custodians), re-wraps its shares to the buyer's key
 * stated in the request, stores the manifest and posts its URI and hash with the eligible set's hash, consent
 * epoch and build time (`escrow.deliver`). The fee is released by the k-th custodian to post the same set.
 * If the set changes while it works (a revocation or withdrawn consent, or a new epoch), the escrow refuses
 * the post and it starts over, so the keys released are exactly the contributions the fee pays.
 *
 * Refuses to post (nothing is sent) when an eligible contribution could not be opened by the buyer: sealed
 * for a custodian set of which fewer than its threshold are still in office. An honest custodian never
 * helps release a fee for keys nobody can rebuild; the request then ends Undelivered and is refunded.
 *
 * This is the function a custodian daemon calls, once per approved request and delivery round; it throws
 * `WRONG_STATE` if this custodian has already posted in the current round (`escrow.hasPosted`).
 * @param system the deployment
 * @param signer the custodian's account: a member of the CustodianSet's current version
 * @param custodianKey the custodian's ECIES key (its public key must be its key in the current set)
 * @param requestId the approved request
 * @param options stores
 * @throws RoleError with what to fix; nothing is posted on failure
 */
export async function deliverShare(
  system: DataCoop,
  signer: Signer,
  custodianKey: EciesKey,
  requestId: bigint,
  options: DeliverOptions,
): Promise<ShareDelivery> {
  const clock = new PhaseClock();
  const sender = await signer.getAddress();
  const seat = await seatOf(system, sender, custodianKey);
  const request = await readRequest(system, requestId);
  // The escrow checks these three too, but `deliver` can only be simulated with the manifest built, which
  // re-wraps a share per eligible contribution (minutes at 10,000): a daemon asks first, from state it
  // reads anyway, rather than build a manifest the escrow would refuse.
  requireStatus(requestId, request, ["Approved"], "deliver its keys");
  const now = await chainTime(system.provider);
  if (now > request.deliveryDeadline) {
    throw new RoleError(
      "WRONG_STATE",
      `The delivery deadline of request #${requestId} passed at ${formatTime(request.deliveryDeadline)}; it can only be marked undelivered (refunded).`,
    );
  }
  if (await system.escrow.hasPosted(requestId, sender)) {
    throw new RoleError(
      "WRONG_STATE",
      `Custodian ${sender} has already posted its share manifest for request #${requestId} in the current delivery round; it posts again only if the round restarts (new consent epoch, custodian set or withdrawal).`,
    );
  }
  const buyerPublicKey = await buyerPublicKeyOf(system, requestId, request);
  const purpose = Number(request.purpose);
  const attempts = options.attempts ?? 3;
  clock.lap("chain");
  for (let attempt = 1; attempt <= attempts; attempt++) {
    // Build for the current consent epoch from one block: the escrow refuses the post if the epoch has
    // moved on or consenting weight has left the purpose since that block, and then we build again.
    const block = await system.provider.getBlock("latest");
    if (block === null) throw new RoleError("WRONG_STATE", "The node returned no latest block; try again.");
    const [epoch] = await system.distributor.currentEpoch({ blockTag: block.number });
    const builtAt = BigInt(block.timestamp);
    const eligible = await eligibleContributions(system, purpose, block.number, undefined, options.eligibilityLogs);
    clock.lap("chain");
    if (eligible.length === 0) {
      throw new RoleError(
        "WRONG_STATE",
        `No contribution is eligible for purpose ${purpose} in consent epoch ${epoch} (all revoked or withdrawn, or consent given only this epoch); request #${requestId} cannot be delivered now and will be refunded after its deadline unless consent takes effect before it.`,
      );
    }
    const contentHashes = eligible.map((e) => e.contentHash).sort();
    const setHash = eligibleSetHash(contentHashes);
    const built = await buildManifestBytes(
      system,
      requestId,
      purpose,
      buyerPublicKey,
      custodianKey,
      eligible,
      setHash,
      seat,
      options,
      clock,
    );
    const hash = manifestHash(built.bytes);
    const uri = options.store.uriFor(hash);
    clock.lap("crypto");
    const post = { epoch, builtAt, setHash, manifestHash: hash, manifestURI: uri };
    let delivery: Simulated<boolean>;
    try {
      delivery = await simulate(
        `deliver request #${requestId}`,
        system.escrow.connect(signer).deliver,
        requestId,
        post,
      );
    } catch (error) {
      if (isStale(error)) {
        system.progress?.({ step: `the eligible set changed while building (attempt ${attempt}); rebuilding` });
        continue;
      }
      throw error;
    }
    clock.lap("chain");
    await options.store.store.put(built.bytes);
    clock.lap("store");
    let receipt;
    try {
      // What was simulated, not simulated again; a set that changed since is refused on-chain (rebuild).
      receipt = await delivery.send();
    } catch (error) {
      if (isStale(error)) continue;
      throw error;
    }
    clock.lap("chain");
    let posts = 0;
    let released = false;
    for (const log of receipt.logs) {
      const parsed = decodeLog(system.escrow.interface, log);
      if (parsed?.name === "SharePosted") posts = Number(parsed.args.posts);
      if (parsed?.name === "AccessDelivered") released = true;
    }
    return {
      requestId,
      purpose,
      epoch,
      builtAt,
      setVersion: seat.version,
      manifestHash: hash,
      manifestURI: uri,
      contentHashes,
      eligibleSetHash: setHash,
      sharesReleased: built.shares,
      posts,
      threshold: seat.threshold,
      released,
      txHash: receipt.hash,
      seconds: clock.totals(),
    };
  }
  throw new RoleError("WRONG_STATE", `The eligible set kept changing over ${attempts} attempts; try again.`);
}

/**
 * The caller's seat in the current custodian set, checked against its key.
 * @throws RoleError `NOT_ALLOWED` if `account` is not a current custodian, `CONFIG` if `custodianKey` is not
 *   its key in the set
 */
async function seatOf(system: DataCoop, account: string, custodianKey: EciesKey): Promise<Seat> {
  const [version, threshold, slot, member] = await system.custodianSet.seatOf(account);
  if (!member) {
    throw new RoleError(
      "NOT_ALLOWED",
      `${account} is not a custodian of the current custodian set (version ${version}); send from a custodian account (--account), or have governance appoint it (CustodianSet.setCustodians).`,
    );
  }
  const [custodians] = await system.custodianSet.custodiansAt(version);
  const onChainKey = normalizePublicKey(custodians[Number(slot)].publicKey);
  if (onChainKey !== custodianKey.publicKey) {
    throw new RoleError(
      "CONFIG",
      `The custodian key from ${custodianKey.source} (public key ${custodianKey.publicKey}) is not the key custodian set version ${version} holds for ${account} (${onChainKey}); use that custodian's key.`,
    );
  }
  return {
    version: Number(version),
    threshold: Number(threshold),
    currentKeys: new Set(custodians.map((c) => normalizePublicKey(c.publicKey))),
  };
}

/** Whether a delivery was refused because the set it was built from is no longer the current one. */
function isStale(error: unknown): boolean {
  const name = error instanceof RoleError ? error.revert?.name : undefined;
  return name === "EscrowStaleEpoch" || name === "EscrowManifestOutdated";
}

/** Splits elapsed wall-clock time into phases: each `lap` charges the time since the last one. */
class PhaseClock {
  private last = performance.now();
  private readonly spent = { chain: 0, crypto: 0, store: 0 };

  lap(phase: keyof PhaseClock["spent"]): void {
    const now = performance.now();
    this.spent[phase] += (now - this.last) / 1000;
    this.last = now;
  }

  totals(): { chain: number; crypto: number; store: number } {
    return { ...this.spent };
  }
}

async function buildManifestBytes(
  system: DataCoop,
  requestId: bigint,
  purpose: number,
  buyerPublicKey: string,
  custodianKey: EciesKey,
  eligible: readonly EligibleContribution[],
  setHash: string,
  seat: Seat,
  options: DeliverOptions,
  clock: PhaseClock,
): Promise<{ bytes: Uint8Array; shares: number }> {
  let done = 0;
  const read = await mapConcurrently(eligible, options.concurrency ?? 32, async (contribution) => {
    const entry = await readShare(contribution, custodianKey, options);
    done += 1;
    if (done % 500 === 0 || done === eligible.length)
      system.progress?.({ step: "reading descriptors", done, total: eligible.length });
    return entry;
  });
  clock.lap("store");
  await requireOpenable(system, read, seat);
  clock.lap("chain");
  const custodianEntries = read.flatMap((r) => (r.entry === undefined ? [] : [r.entry]));
  system.progress?.({ step: `re-wrapping ${custodianEntries.length} key share(s) to the buyer` });
  try {
    const entries = rewrapForBuyer(custodianEntries, custodianKey.privateKey, buyerPublicKey);
    const manifest = buildManifest({
      chainId: system.chainId,
      escrow: system.addresses.escrow,
      requestId,
      purpose,
      buyerPublicKey,
      custodianPublicKey: custodianKey.publicKey,
      eligibleSetHash: setHash,
      entries,
    });
    return { bytes: serializeManifest(manifest), shares: entries.length };
  } catch (cause) {
    if (!(cause instanceof ManifestError)) throw cause;
    throw new RoleError("INTEGRITY", `Could not build the manifest for request #${requestId}: ${cause.message}`, {
      cause,
    });
  }
}

/** One eligible contribution's descriptor as this custodian reads it. */
interface ReadShare {
  readonly contentHash: string;
  readonly setVersion: number;
  readonly threshold: number;
  /** Public keys its key was split among. */
  readonly shareKeys: readonly string[];
  /** This custodian's share, if it holds one. */
  readonly entry?: CustodianEntry;
}

/**
 * Refuses to post when the buyer could not open every contribution of the set: each one's key needs its
 * threshold of shares from custodians still in office (their keys in the current set).
 * @throws RoleError `WRONG_STATE` naming the first contribution that cannot be delivered
 */
async function requireOpenable(system: DataCoop, read: readonly ReadShare[], seat: Seat): Promise<void> {
  for (const contribution of read) {
    const inOffice = contribution.shareKeys.filter((key) => seat.currentKeys.has(key)).length;
    if (inOffice < contribution.threshold) {
      throw new RoleError(
        "WRONG_STATE",
        `Contribution ${contribution.contentHash} was sealed for custodian set version ${contribution.setVersion} (${contribution.threshold}-of-${contribution.shareKeys.length}), of which only ${inOffice} custodian(s) remain in set version ${seat.version}: no buyer could rebuild its key, so this custodian does not post (the fee must not be released for it). Governance must reappoint enough of that set's custodians, or its owner re-seal it; see SECURITY.md (custody).`,
      );
    }
  }
  system.progress?.({ step: `every eligible key can be rebuilt from custodians in office` });
}

/** Reads one eligible contribution's descriptor, picks this custodian's share if it holds one, and makes sure its ciphertext is in the delivery store. */
async function readShare(
  contribution: EligibleContribution,
  custodianKey: EciesKey,
  options: DeliverOptions,
): Promise<ReadShare> {
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
    if (!(await options.store.store.has(contentHash))) {
      const ciphertextStore = options.source ?? storeForUri(descriptor.ciphertextURI);
      await options.store.store.put(await ciphertextStore.store.get(contentHash));
    }
    const share = descriptor.shares.find((s) => s.custodianPublicKey === custodianKey.publicKey);
    return {
      contentHash,
      setVersion: descriptor.custodianSetVersion,
      threshold: descriptor.threshold,
      shareKeys: descriptor.shares.map((s) => s.custodianPublicKey),
      entry:
        share === undefined
          ? undefined
          : {
              contentHash,
              keyCommitment: descriptor.keyCommitment,
              custodianSetVersion: descriptor.custodianSetVersion,
              threshold: descriptor.threshold,
              shareIndex: share.index,
              custodianWrappedShare: share.wrappedShare,
            },
    };
  } catch (cause) {
    if (cause instanceof RoleError && cause.code !== "INVALID_INPUT") throw cause;
    if (cause instanceof RoleError || cause instanceof BlobStoreError) {
      throw new RoleError(
        "NOT_FOUND",
        `Cannot read eligible contribution ${contentHash} (owner ${contribution.owner}, URI ${uri}): ${cause.message} The manifest must cover every eligible contribution; pass --source with a store that holds it.`,
        { cause },
      );
    }
    throw cause;
  }
}

/** `Promise.all(items.map(fn))` with at most `limit` calls in flight; results in input order. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
