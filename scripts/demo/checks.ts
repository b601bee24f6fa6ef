/**
 * What the demo expects, computed from the story itself (scores, consents, fees, parameters) without
 * reading the chain, and the checker that compares it with what the chain says.
 */

/** Thrown when a number on the chain differs from what the story says it must be. */
export class DemoCheckError extends Error {
  override readonly name = "DemoCheckError";
}

/** Records passed checks; throws on the first failed one. */
export class Checker {
  readonly passed: string[] = [];

  /** Checks `actual === expected` (bigints, numbers, strings, booleans). */
  equal<T extends bigint | number | string | boolean>(what: string, actual: T, expected: T): void {
    if (actual !== expected) {
      throw new DemoCheckError(
        `Check failed: ${what}: the chain says ${String(actual)}, the story expects ${String(expected)}.`,
      );
    }
    this.passed.push(what);
  }

  /** Checks two sets of strings are equal. */
  sameSet(what: string, actual: readonly string[], expected: readonly string[]): void {
    const a = [...new Set(actual.map((s) => s.toLowerCase()))].sort();
    const e = [...new Set(expected.map((s) => s.toLowerCase()))].sort();
    if (a.length !== actual.length || a.join() !== e.join()) {
      throw new DemoCheckError(`Check failed: ${what}: got [${actual.join(", ")}], expected [${expected.join(", ")}].`);
    }
    this.passed.push(what);
  }

  /** Checks a condition. */
  that(what: string, condition: boolean, detail: string): void {
    if (!condition) throw new DemoCheckError(`Check failed: ${what}: ${detail}.`);
    this.passed.push(what);
  }
}

/** One contributor's share of the weight, as the story knows it. */
export interface Holding {
  readonly name: string;
  readonly weight: bigint;
  /** Consent bitmask. */
  readonly purposes: number;
  readonly active: boolean;
}

/** One released fee. */
export interface Release {
  readonly purpose: number;
  /** The fee paid into escrow. */
  readonly amount: bigint;
}

/** What the contributors' side of a fee is after the treasury takes its share (rounded down). */
export function contributorsShare(amount: bigint, treasuryShareBps: bigint): bigint {
  return amount - (amount * treasuryShareBps) / 10_000n;
}

/**
 * Each contributor's claimable revenue, by the distributor's documented arithmetic: per purpose an
 * accumulator of revenue per unit of weight grows by `floor((share * PRECISION + carry) / totalWeight)` and
 * carries the remainder; a contributor earns `weight * increment` and claims `floor(earned / PRECISION)`.
 * @returns claimable per contributor name, and the ideal proportional share (for a rounding bound)
 */
export function expectedRevenue(
  holdings: readonly Holding[],
  releases: readonly Release[],
  treasuryShareBps: bigint,
  precision: bigint,
): Map<string, { claimable: bigint; ideal: number }> {
  const earned = new Map<string, bigint>(holdings.map((h) => [h.name, 0n]));
  const ideal = new Map<string, number>(holdings.map((h) => [h.name, 0]));
  const carry = new Map<number, bigint>();
  for (const release of releases) {
    const share = contributorsShare(release.amount, treasuryShareBps);
    const consenting = holdings.filter((h) => h.active && ((h.purposes >> release.purpose) & 1) === 1);
    const total = consenting.reduce((sum, h) => sum + h.weight, 0n);
    if (total === 0n)
      throw new DemoCheckError(`Nobody consents to purpose ${release.purpose}; the fee could not be released.`);
    const scaled = share * precision + (carry.get(release.purpose) ?? 0n);
    const increment = scaled / total;
    carry.set(release.purpose, scaled - increment * total);
    for (const h of consenting) {
      earned.set(h.name, (earned.get(h.name) ?? 0n) + h.weight * increment);
      ideal.set(h.name, (ideal.get(h.name) ?? 0) + (Number(share) * Number(h.weight)) / Number(total));
    }
  }
  return new Map(
    holdings.map((h) => [h.name, { claimable: (earned.get(h.name) ?? 0n) / precision, ideal: ideal.get(h.name) ?? 0 }]),
  );
}
