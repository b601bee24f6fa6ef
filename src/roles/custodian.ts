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
import { decodeRevert, explainRevert, transact } from "./revert";
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

/** Options of {@link deliverGrant}. */
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
  /** The content hashes whose key shares were released, sorted. */
  readonly contentHashes: readonly string[];
  /** The hash of that eligible set (`eligibleSetHash`), what k custodians must agree on. */
  readonly eligibleSetHash: string;
  readonly txHash: string;
  /** Wall-clock seconds spent on chain reads, key re-wrapping and the blob store. */
  readonly seconds: { readonly chain: number; readonly crypto: number; readonly store: number };
}

/**
 * Delivers an approved grant: builds this custodian's share manifest of exactly the contributions eligible
 * for the request's purpose, re-wraps its share of each data key to the buyer's key stated in the request,
 * stores the manifest and posts its URI, hash, consent epoch and build time with `escrow.deliver`. If the set
 * changes while it works (a revocation or withdrawn consent, or a new epoch), the escrow refuses the delivery
 * and it starts over, so the keys released are exactly the contributions the fee pays.
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
  const clock = new PhaseClock();
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
  clock.lap("chain");
  for (let attempt = 1; attempt <= attempts; attempt++) {
    // Build for the current consent epoch from one block: the escrow refuses the delivery if the epoch has
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
    const manifestBytes = await buildManifestBytes(
      system,
      requestId,
      purpose,
      buyerPublicKey,
      custodianKey,
      eligible,
      options,
      clock,
    );
    const hash = manifestHash(manifestBytes);
    const uri = options.store.uriFor(hash);
    clock.lap("crypto");
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
    clock.lap("chain");
    await options.store.store.put(manifestBytes);
    clock.lap("store");
    let receipt;
    try {
      receipt = await transact(`deliver request #${requestId}`, system.escrow.connect(signer).deliver, ...args);
    } catch (error) {
      if (error instanceof RoleError && isStale(error.cause)) continue;
      throw error;
    }
    clock.lap("chain");
    const contentHashes = eligible.map((e) => e.contentHash).sort();
    return {
      requestId,
      purpose,
      epoch,
      builtAt,
      manifestHash: hash,
      manifestURI: uri,
      contentHashes,
      eligibleSetHash: eligibleSetHash(contentHashes),
      txHash: receipt.hash,
      seconds: clock.totals(),
    };
  }
  throw new RoleError("WRONG_STATE", `The eligible set kept changing over ${attempts} attempts; try again.`);
}

/** Whether a delivery was refused because the set it was built from is no longer the current one. */
function isStale(error: unknown): boolean {
  const name = decodeRevert(error)?.name;
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
  options: DeliverOptions,
  clock: PhaseClock,
): Promise<Uint8Array> {
  let done = 0;
  const custodianEntries = await mapConcurrently(eligible, options.concurrency ?? 32, async (contribution) => {
    const entry = await readShare(contribution, custodianKey, options);
    done += 1;
    if (done % 500 === 0 || done === eligible.length)
      system.progress?.({ step: "reading descriptors", done, total: eligible.length });
    return entry;
  });
  clock.lap("store");
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

/** Reads one eligible contribution's descriptor, picks this custodian's share, and makes sure its ciphertext is in the delivery store. */
async function readShare(
  contribution: EligibleContribution,
  custodianKey: EciesKey,
  options: DeliverOptions,
): Promise<CustodianEntry> {
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
    const share = descriptor.shares.find((s) => s.custodianPublicKey === custodianKey.publicKey);
    if (share === undefined) {
      throw new RoleError(
        "CONFIG",
        `The data key of ${contentHash} was split among custodian set version ${descriptor.custodianSetVersion} (${descriptor.shares.map((s) => s.custodianPublicKey).join(", ")}), which does not include this custodian's key ${custodianKey.publicKey}; the custodians of that set must deliver it.`,
      );
    }
    if (!(await options.store.store.has(contentHash))) {
      const ciphertextStore = options.source ?? storeForUri(descriptor.ciphertextURI);
      await options.store.store.put(await ciphertextStore.store.get(contentHash));
    }
    return {
      contentHash,
      keyCommitment: descriptor.keyCommitment,
      custodianSetVersion: descriptor.custodianSetVersion,
      threshold: descriptor.threshold,
      shareIndex: share.index,
      custodianWrappedShare: share.wrappedShare,
    };
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
