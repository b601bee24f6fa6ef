import type { ConsentChange } from "./ledger";

/** IContributionRegistry.Status, by name. */
export const ContributionStatus = { None: 0n, Active: 1n, Revoked: 2n, Superseded: 3n } as const;
export type ContributionStatusValue = (typeof ContributionStatus)[keyof typeof ContributionStatus];

export interface ContributionModel {
  owner: string;
  sourceHash: string;
  units: bigint;
  quality: bigint;
  purposes: number;
  status: ContributionStatusValue;
  /** The units the source had been rewarded for once this contribution was registered. */
  paidUnits: bigint;
  /** The consent epoch in which the purposes of `pending` were given (pending while it is current). */
  consentEpoch: bigint;
  pending: number;
}

/** What a contributor submits (the attestation fields the registry checks, plus consent). */
export interface Submission {
  caller: string;
  contributor: string;
  contentHash: string;
  sourceHash: string;
  units: bigint;
  quality: bigint;
  deadline: bigint;
  purposes: number;
}

/** A consent change the registry reports to the distributor. */
export type WeightChange = ConsentChange;

/** The effects of a successful registration, to apply once the chain accepted it. */
export interface Registration {
  superseded?: string;
  paidBefore: bigint;
  /** Reward minted: whole units within the mint budget and the cap. */
  reward: bigint;
  weightChange?: WeightChange;
}

export const weightOf = (c: Pick<ContributionModel, "units" | "quality">): bigint => c.units * c.quality;

/** The purposes of `c` whose consent is still pending in `epoch`. */
const pendingIn = (c: ContributionModel, epoch: bigint): number => (c.consentEpoch === epoch ? c.pending : 0);

/** The purposes of `c` whose consent is effective in `epoch` (none unless active). */
export const effectivePurposes = (c: ContributionModel, epoch: bigint): number =>
  c.status === ContributionStatus.Active ? c.purposes & ~pendingIn(c, epoch) : 0;

/**
 * The ContributionRegistry's rules: content registered once, sources bound to their first wallet with at most one
 * active contribution (a newer export supersedes the older one), rewards only for units beyond the most a source
 * was ever paid for, consent masks, revocation. Each `*Error` method returns the error the chain must fail with,
 * in the order the contract checks them.
 */
export class RegistryModel {
  readonly contributions = new Map<string, ContributionModel>();
  /** sourceHash → latest content hash. */
  readonly sources = new Map<string, string>();
  private readonly counts = new Map<string, { total: bigint; active: bigint }>();

  constructor(
    readonly definedPurposes: number,
    readonly rewardRate: bigint,
  ) {}

  countOf(account: string): { total: bigint; active: bigint } {
    return this.counts.get(account) ?? { total: 0n, active: 0n };
  }

  /** The source's wallet, latest contribution and paid units, as `source(sourceHash)` returns them. */
  source(sourceHash: string): { wallet: string | undefined; latest: string | undefined; paidUnits: bigint } {
    const latest = this.sources.get(sourceHash);
    const c = latest ? this.contributions.get(latest) : undefined;
    return { wallet: c?.owner, latest, paidUnits: c?.paidUnits ?? 0n };
  }

  /** `_ownedActive`: the contribution must be active, then owned by the caller. */
  ownedActiveError(caller: string, contentHash: string): string | undefined {
    const c = this.contributions.get(contentHash);
    if (!c || c.status !== ContributionStatus.Active) return "RegistryNotActive";
    if (c.owner !== caller) return "RegistryNotOwner";
    return undefined;
  }

  purposesError(purposes: number): string | undefined {
    return (purposes & ~this.definedPurposes) !== 0 ? "RegistryUnknownPurpose" : undefined;
  }

  /** The checks of `_contribute` and `_record`, with `timestamp` the block time (signatures are always valid here). */
  contributeError(s: Submission, timestamp: bigint): string | undefined {
    if (s.contributor !== s.caller) return "RegistryNotContributor";
    const purposes = this.purposesError(s.purposes);
    if (purposes) return purposes;
    if (timestamp > s.deadline) return "RegistryAttestationExpired";
    if (this.contributions.has(s.contentHash)) return "RegistryDuplicateContent";
    const latest = this.sources.get(s.sourceHash);
    if (latest && this.contributions.get(latest)!.owner !== s.caller) return "RegistrySourceBoundToOther";
    return undefined;
  }

  /**
   * Registers `s` (already checked) in consent epoch `epoch`: supersedes the source's active contribution and
   * rewards the units beyond what the source was paid for, in whole units within `mintable` tokens. Only the
   * units rewarded are recorded as paid.
   */
  register(s: Submission, epoch: bigint, mintable: bigint): Registration {
    const latest = this.sources.get(s.sourceHash);
    const previous = latest ? this.contributions.get(latest) : undefined;
    const paidBefore = previous?.paidUnits ?? 0n;
    const counts = this.countOf(s.caller);
    let left = 0;
    let leftPending = 0;
    let leftWeight = 0n;
    let superseded: string | undefined;
    if (previous && previous.status === ContributionStatus.Active) {
      left = previous.purposes;
      leftPending = previous.purposes & pendingIn(previous, epoch);
      leftWeight = weightOf(previous);
      previous.status = ContributionStatus.Superseded;
      counts.active -= 1n;
      superseded = latest;
    }
    const perUnit = s.quality * this.rewardRate;
    const wanted = s.units > paidBefore && perUnit !== 0n ? s.units - paidBefore : 0n;
    const affordable = perUnit === 0n ? 0n : mintable / perUnit;
    const rewarded = wanted < affordable ? wanted : affordable;
    this.contributions.set(s.contentHash, {
      owner: s.caller,
      sourceHash: s.sourceHash,
      units: s.units,
      quality: s.quality,
      purposes: s.purposes,
      status: ContributionStatus.Active,
      paidUnits: paidBefore + rewarded,
      consentEpoch: epoch,
      pending: s.purposes,
    });
    this.sources.set(s.sourceHash, s.contentHash);
    this.counts.set(s.caller, { total: counts.total + 1n, active: counts.active + 1n });
    const weightChange =
      left !== 0 || s.purposes !== 0
        ? { account: s.caller, left, leftPending, leftWeight, joined: s.purposes, joinedWeight: s.units * s.quality }
        : undefined;
    return { superseded, paidBefore, reward: rewarded * perUnit, weightChange };
  }

  /** Changes consent (already checked) in `epoch`; returns the consent change reported. */
  setPurposes(caller: string, contentHash: string, purposes: number, epoch: bigint): WeightChange {
    const c = this.contributions.get(contentHash)!;
    const old = c.purposes;
    const pendingNow = pendingIn(c, epoch);
    const removed = old & ~purposes;
    const added = purposes & ~old;
    c.purposes = purposes;
    c.pending = (pendingNow & ~removed) | added;
    c.consentEpoch = epoch;
    const weight = weightOf(c);
    return {
      account: caller,
      left: removed,
      leftPending: removed & pendingNow,
      leftWeight: weight,
      joined: added,
      joinedWeight: weight,
    };
  }

  /** Revokes (already checked) in `epoch`; returns the consent change reported, if any. */
  revoke(caller: string, contentHash: string, epoch: bigint): WeightChange | undefined {
    const c = this.contributions.get(contentHash)!;
    const leftPending = c.purposes & pendingIn(c, epoch);
    c.status = ContributionStatus.Revoked;
    const counts = this.countOf(caller);
    this.counts.set(caller, { total: counts.total, active: counts.active - 1n });
    return c.purposes !== 0
      ? { account: caller, left: c.purposes, leftPending, leftWeight: weightOf(c), joined: 0, joinedWeight: 0n }
      : undefined;
  }

  /**
   * Each account's consenting weight in `purpose` in `epoch`: Σ of its active contributions whose consent to it
   * is effective (given before `epoch`).
   */
  consentingWeights(purpose: number, epoch: bigint): Map<string, bigint> {
    const weights = new Map<string, bigint>();
    for (const c of this.contributions.values()) {
      if ((effectivePurposes(c, epoch) >> purpose) & 1) {
        weights.set(c.owner, (weights.get(c.owner) ?? 0n) + weightOf(c));
      }
    }
    return weights;
  }

  /** Content hashes owned by `account`, optionally only the active ones. */
  ownedBy(account: string, activeOnly: boolean): string[] {
    const out: string[] = [];
    for (const [hash, c] of this.contributions) {
      if (c.owner === account && (!activeOnly || c.status === ContributionStatus.Active)) out.push(hash);
    }
    return out;
  }

  /** Sources bound to `account` (or to anyone else, with `others`). */
  sourcesOf(account: string, others = false): string[] {
    const out: string[] = [];
    for (const [sourceHash, latest] of this.sources) {
      if ((this.contributions.get(latest)!.owner === account) !== others) out.push(sourceHash);
    }
    return out;
  }
}
