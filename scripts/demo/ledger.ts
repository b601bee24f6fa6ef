/**
 * The demo's final reckoning: every token and USDC amount, computed from the story (scores, consents,
 * fees, parameters), compared with the chain.
 */
import type { Signer } from "ethers";

import type { ExportScore } from "../../src/export";
import type { DataCoop } from "../../src/roles";
import { type Checker, type Release, contributorsShare, expectedRevenue } from "./checks";

/** One row of the final table, as checked against the chain. */
export interface DemoRow {
  readonly name: string;
  readonly consents: string;
  readonly units: number;
  readonly quality: number;
  readonly weight: bigint;
  readonly active: boolean;
  /** COOP minted (18 decimals). */
  readonly tokens: bigint;
  /** USDC claimed (6 decimals). */
  readonly usdc: bigint;
}

/** A contributor as the story knows them. */
export interface LedgerContributor {
  readonly name: string;
  readonly account: Signer;
  /** The scorer's output for their export (not read from the chain). */
  readonly score: ExportScore;
  /** Reward reported by the registration. */
  readonly reward: bigint;
  readonly purposes: number;
  readonly consents: string;
  readonly active: boolean;
  /** What their claim paid. */
  readonly claimed: bigint;
}

/** What the story did with money. */
export interface LedgerStory {
  readonly contributors: readonly LedgerContributor[];
  /** Fees released, in delivery order. */
  readonly releases: readonly Release[];
  readonly treasuryShareBps: bigint;
  readonly rewardRate: bigint;
  readonly buyer: { readonly name: string; readonly account: Signer; readonly funded: bigint };
}

/**
 * Checks tokens (reward = units × quality × rate, and the balance), revenue (each claim = the split of the
 * released fees by weight among consenting active contributors, within rounding of the exact proportion,
 * and the balance), the treasury's share, what the buyer paid, the empty escrow and the distributor's
 * conservation law.
 * @returns the table rows
 * @throws DemoCheckError on the first difference
 */
export async function verifyLedger(coop: DataCoop, check: Checker, story: LedgerStory): Promise<DemoRow[]> {
  const holdings = story.contributors.map((c) => ({
    name: c.name,
    weight: BigInt(c.score.units) * BigInt(c.score.quality),
    purposes: c.purposes,
    active: c.active,
  }));
  const expected = expectedRevenue(
    holdings,
    story.releases,
    story.treasuryShareBps,
    await coop.distributor.PRECISION(),
  );
  const rows: DemoRow[] = [];
  for (const c of story.contributors) {
    const account = await c.account.getAddress();
    const { units, quality } = c.score;
    const tokens = BigInt(units) * BigInt(quality) * story.rewardRate;
    check.equal(`${c.name}: reward = units × quality × rate`, c.reward, tokens);
    check.equal(`${c.name}: COOP balance`, await coop.token.balanceOf(account), tokens);
    const want = expected.get(c.name);
    check.equal(`${c.name}: USDC claimed = split by weight among consenting`, c.claimed, want?.claimable ?? -1n);
    check.that(
      `${c.name}: within rounding of the exact proportional share`,
      Math.abs(Number(c.claimed) - (want?.ideal ?? 0)) <= story.releases.length,
      `claimed ${c.claimed}, proportional share ${want?.ideal}`,
    );
    check.equal(`${c.name}: USDC balance`, await coop.settlementToken.balanceOf(account), c.claimed);
    rows.push({
      name: c.name,
      consents: c.consents,
      units,
      quality,
      weight: BigInt(units) * BigInt(quality),
      active: c.active,
      tokens,
      usdc: c.claimed,
    });
  }
  const treasuryCut = story.releases.reduce(
    (sum, r) => sum + (r.amount - contributorsShare(r.amount, story.treasuryShareBps)),
    0n,
  );
  check.equal(
    "treasury received its share",
    await coop.settlementToken.balanceOf(await coop.escrow.treasury()),
    treasuryCut,
  );
  const paid = story.releases.reduce((sum, r) => sum + r.amount, 0n);
  check.equal(
    `${story.buyer.name} paid exactly the fees released`,
    await coop.settlementToken.balanceOf(await story.buyer.account.getAddress()),
    story.buyer.funded - paid,
  );
  check.equal("escrow holds nothing", await coop.settlementToken.balanceOf(coop.addresses.escrow), 0n);
  await checkConservation(coop, story.contributors, check);
  return rows;
}

/** The distributor's conservation law: balance × PRECISION = Σ unclaimed earnings + Σ carried remainders. */
async function checkConservation(
  coop: DataCoop,
  contributors: readonly LedgerContributor[],
  check: Checker,
): Promise<void> {
  const precision = await coop.distributor.PRECISION();
  let ledger = 0n;
  for (let purpose = 0; purpose < 16; purpose++) {
    ledger += await coop.distributor.carry(purpose);
    for (const c of contributors) ledger += await coop.distributor.earnedScaled(await c.account.getAddress(), purpose);
  }
  const balance = await coop.settlementToken.balanceOf(coop.addresses.distributor);
  check.equal("distributor: balance × PRECISION = unclaimed + carried", balance * precision, ledger);
}
