/** The distributor's fixed-point scale (`RevenueDistributor.PRECISION`). */
export const PRECISION = 10n ** 18n;
/**
 * Scale of the independent entitlement model: 1e36 per token unit, so that its own rounding (one unit of 1e-36
 * token per deposit and account) is far below anything the checks compare.
 */
export const ENTITLEMENT_SCALE = 10n ** 36n;
/** Purpose ids are bits of a uint16. */
export const PURPOSE_COUNT = 16;

const bits = (mask: number): number[] => {
  const out: number[] = [];
  for (let p = 0; p < PURPOSE_COUNT; p++) if ((mask >> p) & 1) out.push(p);
  return out;
};

interface AccountLedger {
  /** Effective weight and its debt: `earned = weight * acc - debt`. */
  weight: bigint[];
  debt: bigint[];
  /** Weight that joined in `pendingEpoch`; once that epoch is over it earns from `accAt` of its epoch. */
  pendingWeight: bigint[];
  pendingEpoch: bigint[];
  pendingPaid: bigint[];
  /** Independent model: what the account is owed per purpose, scaled by ENTITLEMENT_SCALE. */
  entitlement: bigint[];
  /** Scaled (PRECISION) earnings per purpose that claims have settled, net of fractions handed back. */
  settled: bigint[];
  /** Token units paid out by claims. */
  claimed: bigint;
}

const zeros = (): bigint[] => Array.from({ length: PURPOSE_COUNT }, () => 0n);

/** What a claim pays and how it settles each purpose; `error` when the chain must refuse it. */
export type ClaimPlan = { error: string } | { amount: bigint; settle: () => void };

/** A consent change as the registry reports it (`onConsentChange`). */
export interface ConsentChange {
  account: string;
  left: number;
  leftPending: number;
  leftWeight: bigint;
  joined: number;
  joinedWeight: bigint;
}

/**
 * The RevenueDistributor, twice:
 *
 * 1. a **mirror** of its documented arithmetic (accumulator, carry, per-account weight and debt, and the consent
 *    epochs: one pending bucket per purpose rolled in on the first touch of a later epoch, one pending entry per
 *    account and purpose), which the chain must match to the last scaled unit. Plain integers: the chain's
 *    modular fields must give the same differences;
 * 2. an **independent entitlement** model that never looks at the mirror: at every deposit it splits the amount
 *    among the accounts whose contributions' consent to the purpose is effective at that moment, in proportion
 *    to their weight (taken from the registry model), at 1e36 precision.
 *
 * Comparing the chain to (2) is what shows that nobody is paid for a purpose they did not consent to before the
 * deposit's epoch, and that rounding never costs or gives anyone more than one token unit.
 */
export class LedgerModel {
  /** Effective weight as stored (a bucket whose epoch is over may not have rolled in yet). */
  readonly totalWeight = zeros();
  readonly acc = zeros();
  readonly carry = zeros();
  readonly bucketWeight = zeros();
  readonly bucketEpoch = zeros();
  private readonly accAt = new Map<string, bigint>();
  /** Σ of every deposit (token units). */
  released = 0n;
  private readonly accounts = new Map<string, AccountLedger>();

  account(address: string): AccountLedger {
    let entry = this.accounts.get(address);
    if (!entry) {
      entry = {
        weight: zeros(),
        debt: zeros(),
        pendingWeight: zeros(),
        pendingEpoch: zeros(),
        pendingPaid: zeros(),
        entitlement: zeros(),
        settled: zeros(),
        claimed: 0n,
      };
      this.accounts.set(address, entry);
    }
    return entry;
  }

  private roll(p: number, epoch: bigint): void {
    if (this.bucketWeight[p] === 0n || this.bucketEpoch[p] >= epoch) return;
    this.accAt.set(`${p}:${this.bucketEpoch[p]}`, this.acc[p]);
    this.totalWeight[p] += this.bucketWeight[p];
    this.bucketWeight[p] = 0n;
  }

  private accAtView(p: number, epoch: bigint): bigint {
    return this.accAt.get(`${p}:${epoch}`) ?? this.acc[p];
  }

  private fold(entry: AccountLedger, p: number): void {
    const earned = this.earnedA(entry, p) + this.earnedB(entry, p);
    entry.weight[p] += entry.pendingWeight[p];
    entry.debt[p] = entry.weight[p] * this.acc[p] - earned;
    entry.pendingWeight[p] = 0n;
    entry.pendingPaid[p] = 0n;
  }

  /** `onConsentChange` as the registry reports it, in consent epoch `epoch`. */
  onConsentChange(c: ConsentChange, epoch: bigint): void {
    const entry = this.account(c.account);
    for (const p of bits(c.left | c.joined)) {
      this.roll(p, epoch);
      if ((c.left >> p) & 1 && c.leftWeight !== 0n) {
        if ((c.leftPending >> p) & 1) {
          if (entry.pendingEpoch[p] !== epoch || entry.pendingWeight[p] < c.leftWeight)
            throw new Error(`model: pending weight underflow for ${c.account} in ${p}`);
          entry.pendingWeight[p] -= c.leftWeight;
          this.bucketWeight[p] -= c.leftWeight;
        } else {
          if (entry.pendingWeight[p] !== 0n && entry.pendingEpoch[p] < epoch) this.fold(entry, p);
          if (entry.weight[p] < c.leftWeight) throw new Error(`model: weight underflow for ${c.account} in ${p}`);
          entry.debt[p] -= c.leftWeight * this.acc[p];
          entry.weight[p] -= c.leftWeight;
          this.totalWeight[p] -= c.leftWeight;
        }
      }
      if ((c.joined >> p) & 1 && c.joinedWeight !== 0n) {
        if (entry.pendingWeight[p] !== 0n && entry.pendingEpoch[p] < epoch) this.fold(entry, p);
        entry.pendingWeight[p] += c.joinedWeight;
        entry.pendingEpoch[p] = epoch;
        entry.pendingPaid[p] = 0n;
        this.bucketWeight[p] += c.joinedWeight;
        this.bucketEpoch[p] = epoch;
      }
    }
  }

  /** Effective total weight of `purpose` in `epoch`, as the chain's `totalWeight` view reports it. */
  totalWeightAt(purpose: number, epoch: bigint): bigint {
    return this.totalWeight[purpose] + (this.bucketEpoch[purpose] < epoch ? this.bucketWeight[purpose] : 0n);
  }

  /** Effective weight of `account` in `purpose` in `epoch`. */
  weightOf(account: string, purpose: number, epoch: bigint): bigint {
    const entry = this.account(account);
    return entry.weight[purpose] + (entry.pendingEpoch[purpose] < epoch ? entry.pendingWeight[purpose] : 0n);
  }

  /** The error `deposit(purpose, amount)` fails with in `epoch`, if any. */
  depositError(purpose: number, amount: bigint, epoch: bigint): string | undefined {
    if (purpose >= PURPOSE_COUNT) return "DistributorInvalidPurpose";
    if (amount === 0n) return "DistributorZeroAmount";
    if (this.totalWeightAt(purpose, epoch) === 0n) return "DistributorNoConsentingWeight";
    return undefined;
  }

  /**
   * Credits `amount` to `purpose` in `epoch`. `consenting` is each account's effective consenting weight at this
   * moment according to the registry model, for the independent entitlement.
   */
  deposit(purpose: number, amount: bigint, epoch: bigint, consenting: Map<string, bigint>): void {
    this.roll(purpose, epoch);
    const total = this.totalWeight[purpose];
    const scaled = amount * PRECISION + this.carry[purpose];
    const increment = scaled / total;
    this.acc[purpose] += increment;
    this.carry[purpose] = scaled - increment * total;
    this.released += amount;

    let consentingTotal = 0n;
    for (const weight of consenting.values()) consentingTotal += weight;
    if (consentingTotal === 0n) throw new Error(`model: deposit to purpose ${purpose} with no consenting weight`);
    for (const [account, weight] of consenting) {
      this.account(account).entitlement[purpose] += (amount * ENTITLEMENT_SCALE * weight) / consentingTotal;
    }
  }

  private earnedA(entry: AccountLedger, p: number): bigint {
    return entry.weight[p] * this.acc[p] - entry.debt[p];
  }

  private earnedB(entry: AccountLedger, p: number): bigint {
    if (entry.pendingWeight[p] === 0n) return 0n;
    return entry.pendingWeight[p] * (this.acc[p] - this.accAtView(p, entry.pendingEpoch[p])) - entry.pendingPaid[p];
  }

  private effectiveB(entry: AccountLedger, p: number, epoch: bigint): boolean {
    return entry.pendingWeight[p] !== 0n && entry.pendingEpoch[p] < epoch;
  }

  earnedScaled(account: string, purpose: number, epoch: bigint): bigint {
    const entry = this.account(account);
    return this.earnedA(entry, purpose) + (this.effectiveB(entry, purpose, epoch) ? this.earnedB(entry, purpose) : 0n);
  }

  claimableFor(account: string, mask: number, epoch: bigint): bigint {
    let total = 0n;
    for (const p of bits(mask)) total += this.earnedScaled(account, p, epoch);
    return total / PRECISION;
  }

  purposesHeld(account: string, epoch: bigint): number {
    const entry = this.account(account);
    let mask = 0;
    for (let p = 0; p < PURPOSE_COUNT; p++) {
      if (entry.weight[p] !== 0n || entry.pendingWeight[p] !== 0n || this.earnedScaled(account, p, epoch) !== 0n)
        mask |= 1 << p;
    }
    return mask;
  }

  /** `claim(mask)` by `account`: settles each part, floors the total, hands the fraction back to the last one. */
  claim(account: string, mask: number, epoch: bigint): ClaimPlan {
    const entry = this.account(account);
    let totalScaled = 0n;
    let last: { p: number; pending: boolean } | undefined;
    const parts: { p: number; pending: boolean; earned: bigint }[] = [];
    for (const p of bits(mask)) {
      const a = this.earnedA(entry, p);
      if (a !== 0n) {
        parts.push({ p, pending: false, earned: a });
        totalScaled += a;
        last = { p, pending: false };
      }
      if (this.effectiveB(entry, p, epoch)) {
        const b = this.earnedB(entry, p);
        if (b !== 0n) {
          parts.push({ p, pending: true, earned: b });
          totalScaled += b;
          last = { p, pending: true };
        }
      }
    }
    const amount = totalScaled / PRECISION;
    if (amount === 0n || last === undefined) return { error: "DistributorZeroAmount" };
    const fraction = totalScaled - amount * PRECISION;
    const back = last;
    return {
      amount,
      settle: () => {
        for (const { p, pending, earned } of parts) {
          if (pending) entry.pendingPaid[p] += earned;
          else entry.debt[p] += earned;
          entry.settled[p] += earned;
        }
        if (back.pending) entry.pendingPaid[back.p] -= fraction;
        else entry.debt[back.p] -= fraction;
        entry.settled[back.p] -= fraction;
        entry.claimed += amount;
      },
    };
  }

  accountsSeen(): string[] {
    return [...this.accounts.keys()];
  }
}
