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
  weight: bigint[];
  debt: bigint[];
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

/**
 * The RevenueDistributor, twice:
 *
 * 1. a **mirror** of its documented fixed-point arithmetic (accumulator, carry, per-account weight and debt),
 *    which the chain must match to the last scaled unit;
 * 2. an **independent entitlement** model that never looks at the mirror: at every deposit it splits the amount
 *    among the accounts whose contributions consent to the purpose at that moment, in proportion to their
 *    weight (taken from the registry model), at 1e36 precision.
 *
 * Comparing the chain to (2) is what shows that nobody is paid for a purpose they did not consent to at deposit
 * time, and that rounding never costs or gives anyone more than one token unit.
 */
export class LedgerModel {
  readonly totalWeight = zeros();
  readonly acc = zeros();
  readonly carry = zeros();
  /** Σ of every deposit (token units). */
  released = 0n;
  private readonly accounts = new Map<string, AccountLedger>();

  account(address: string): AccountLedger {
    let entry = this.accounts.get(address);
    if (!entry) {
      entry = { weight: zeros(), debt: zeros(), entitlement: zeros(), settled: zeros(), claimed: 0n };
      this.accounts.set(address, entry);
    }
    return entry;
  }

  /** `onWeightChange` as the registry reports it. */
  onWeightChange(account: string, oldMask: number, oldWeight: bigint, newMask: number, newWeight: bigint): void {
    const entry = this.account(account);
    for (const p of bits(oldMask | newMask)) {
      const before = (oldMask >> p) & 1 ? oldWeight : 0n;
      const after = (newMask >> p) & 1 ? newWeight : 0n;
      if (before === after) continue;
      const delta = after - before;
      if (entry.weight[p] + delta < 0n) throw new Error(`model: weight underflow for ${account} in ${p}`);
      entry.weight[p] += delta;
      this.totalWeight[p] += delta;
      entry.debt[p] += delta * this.acc[p];
    }
  }

  /** The error `deposit(purpose, amount)` fails with, if any. */
  depositError(purpose: number, amount: bigint): string | undefined {
    if (purpose >= PURPOSE_COUNT) return "DistributorInvalidPurpose";
    if (amount === 0n) return "DistributorZeroAmount";
    if (this.totalWeight[purpose] === 0n) return "DistributorNoConsentingWeight";
    return undefined;
  }

  /**
   * Credits `amount` to `purpose`. `consenting` is each account's consenting weight at this moment according to
   * the registry model, for the independent entitlement.
   */
  deposit(purpose: number, amount: bigint, consenting: Map<string, bigint>): void {
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

  earnedScaled(account: string, purpose: number): bigint {
    const entry = this.account(account);
    return entry.weight[purpose] * this.acc[purpose] - entry.debt[purpose];
  }

  claimableFor(account: string, mask: number): bigint {
    let total = 0n;
    for (const p of bits(mask)) total += this.earnedScaled(account, p);
    return total / PRECISION;
  }

  purposesHeld(account: string): number {
    const entry = this.account(account);
    let mask = 0;
    for (let p = 0; p < PURPOSE_COUNT; p++) {
      if (entry.weight[p] !== 0n || this.earnedScaled(account, p) !== 0n) mask |= 1 << p;
    }
    return mask;
  }

  /** `claim(mask)` by `account`: settles each purpose, floors the total, hands the fraction back to the last one. */
  claim(account: string, mask: number): ClaimPlan {
    let totalScaled = 0n;
    let last = -1;
    const earned = new Map<number, bigint>();
    for (const p of bits(mask)) {
      const e = this.earnedScaled(account, p);
      if (e !== 0n) {
        earned.set(p, e);
        totalScaled += e;
        last = p;
      }
    }
    const amount = totalScaled / PRECISION;
    if (amount === 0n) return { error: "DistributorZeroAmount" };
    const fraction = totalScaled - amount * PRECISION;
    return {
      amount,
      settle: () => {
        const entry = this.account(account);
        for (const [p, e] of earned) {
          entry.debt[p] += e;
          entry.settled[p] += e;
        }
        entry.debt[last] -= fraction;
        entry.settled[last] -= fraction;
        entry.claimed += amount;
      },
    };
  }

  accountsSeen(): string[] {
    return [...this.accounts.keys()];
  }
}
