import { expect } from "chai";
import { ENTITLEMENT_SCALE, PRECISION } from "./ledger";
import { ContributionStatus, effectivePurposes, weightOf } from "./registry";
import { RequestStatus, holdsFee } from "./escrow";
import type { Model, World } from "./world";

/** Every purpose the registry defines (0..5); consent only ever reaches 0..3, requests reach 0..4. */
const PURPOSES = [0, 1, 2, 3, 4, 5];

const sum = (values: bigint[]): bigint => values.reduce((a, b) => a + b, 0n);
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/**
 * Reads the chain and compares it with the model, then checks the protocol's laws on the chain's own numbers:
 *
 * - distributor: `balance * PRECISION == Σ earnedScaled + Σ carry`, exactly; Σ claimed + Σ claimable ≤ Σ released;
 *   every account's per-purpose earnings equal its independent entitlement (its consenting weight at each deposit)
 *   within one token unit, and are exactly zero for a purpose it never consented to at any deposit;
 * - escrow: balance == heldFees == Σ fees of pending and approved requests; no refund is ever kept back
 *   (rejections and every other ending always succeed and pay);
 * - token: totalSupply ≤ cap and == initial supply + Σ rewards minted; what is left to mint in the current
 *   window (budget and cap) equals the model's;
 * - consent: earnings and `isEligible` follow the consent epochs (given: next epoch; withdrawn: at once), and
 *   each delivery pays only owners of contributions whose keys it releases (checked in the Deliver step);
 * - every balance, vote, weight, accumulator, request and contribution the step touched equals the model's.
 *
 * With `full`, every request and contribution is compared, not only those the step touched.
 */
export async function checkInvariants(m: Model, w: World, full: boolean): Promise<void> {
  const { usdc, token, distributor, escrow, registry } = w.d;
  // Views run at the latest block: its consent epoch decides what is effective.
  const { epoch } = m.epochAt(m.now);
  const ledgerAccounts = [...w.d.actors, w.d.outsider];
  const usdcAccounts = [
    ...w.d.buyers.map((b) => b.address),
    ...ledgerAccounts.map((a) => a.address),
    w.escrowAddress,
    w.distributorAddress,
    w.treasury,
  ];

  const [usdcBalances, heldFees, supply, coop, ledger, perAccount] = await Promise.all([
    Promise.all(usdcAccounts.map((a) => usdc.balanceOf(a))),
    escrow.heldFees(),
    token.totalSupply(),
    Promise.all(
      w.holders.map(async (h) => ({
        balance: await token.balanceOf(h),
        votes: await token.getVotes(h),
        delegate: await token.delegates(h),
      })),
    ),
    Promise.all(
      PURPOSES.map(async (p) => ({
        totalWeight: await distributor.totalWeight(p),
        acc: await distributor.accumulator(p),
        carry: await distributor.carry(p),
      })),
    ),
    Promise.all(
      ledgerAccounts.map(async (a) => ({
        weight: await Promise.all(PURPOSES.map((p) => distributor.weightOf(a, p))),
        earned: await Promise.all(PURPOSES.map((p) => distributor.earnedScaled(a, p))),
        claimable: await distributor.claimable(a),
        held: await distributor.purposesHeld(a),
      })),
    ),
  ]);

  // --- Chain == model -----------------------------------------------------------------------------------------
  expect(usdcBalances, "settlement balances").to.deep.equal(usdcAccounts.map((a) => m.balance(a)));
  expect(supply, "COOP total supply").to.equal(m.votes.totalSupply);
  expect(
    coop.map((c) => [c.balance, c.votes, c.delegate]),
    "COOP balances, votes, delegates",
  ).to.deep.equal(
    w.holders.map((h) => [m.votes.balanceOf(h.address), m.votes.getVotes(h.address), m.votes.delegateOf(h.address)]),
  );
  expect(
    ledger.map((l) => [l.totalWeight, l.acc, l.carry]),
    "distributor totalWeight, accumulator, carry per purpose",
  ).to.deep.equal(PURPOSES.map((p) => [m.ledger.totalWeightAt(p, epoch), m.ledger.acc[p], m.ledger.carry[p]]));
  for (const [i, a] of ledgerAccounts.entries()) {
    const chain = perAccount[i];
    expect(chain.weight, `weights of ${a.address}`).to.deep.equal(
      PURPOSES.map((p) => m.ledger.weightOf(a.address, p, epoch)),
    );
    expect(chain.earned, `earnedScaled of ${a.address}`).to.deep.equal(
      PURPOSES.map((p) => m.ledger.earnedScaled(a.address, p, epoch)),
    );
    expect(chain.claimable, `claimable of ${a.address}`).to.equal(m.ledger.claimableFor(a.address, 0xffff, epoch));
    expect(chain.held, `purposesHeld of ${a.address}`).to.equal(BigInt(m.ledger.purposesHeld(a.address, epoch)));
    // The registry's view of consent and the distributor's weights agree.
    for (const p of PURPOSES) {
      expect(chain.weight[PURPOSES.indexOf(p)], `consenting weight of ${a.address} in ${p}`).to.equal(
        m.registry.consentingWeights(p, epoch).get(a.address) ?? 0n,
      );
    }
  }

  // --- Distributor conservation (on the chain's own numbers) -------------------------------------------------
  const distributorBalance = usdcBalances[usdcAccounts.indexOf(w.distributorAddress)];
  const earnedTotal = sum(perAccount.flatMap((a) => a.earned));
  const carryTotal = sum(ledger.map((l) => l.carry));
  expect(distributorBalance * PRECISION, "distributor: balance × PRECISION == Σ earnedScaled + Σ carry").to.equal(
    earnedTotal + carryTotal,
  );
  const claimed = sum(ledgerAccounts.map((a) => m.ledger.account(a.address).claimed));
  const claimable = sum(perAccount.map((a) => a.claimable));
  expect(claimed + claimable <= m.ledger.released, "Σ claimed + Σ claimable ≤ Σ released").to.equal(true);
  expect(distributorBalance + claimed, "distributor: balance + Σ claimed == Σ released").to.equal(m.ledger.released);

  // --- Consent: earnings follow the consenting weight at each deposit ---------------------------------------
  for (const [i, a] of ledgerAccounts.entries()) {
    const entry = m.ledger.account(a.address);
    let entitled = 0n;
    for (const [j, p] of PURPOSES.entries()) {
      const earned = entry.settled[p] + perAccount[i].earned[j];
      const owed = entry.entitlement[p];
      entitled += owed;
      if (owed === 0n) {
        expect(earned, `${a.address} earned in purpose ${p}, to which it never consented at a deposit`).to.equal(0n);
      } else {
        expect(
          abs(earned * PRECISION - owed) < ENTITLEMENT_SCALE,
          `${a.address} in purpose ${p}: earned ${earned} (×1e-18) vs entitled ${owed} (×1e-36)`,
        ).to.equal(true);
      }
    }
    const paid = entry.claimed + perAccount[i].claimable;
    expect(
      abs(paid - entitled / ENTITLEMENT_SCALE) <= 1n,
      `${a.address}: claimed + claimable ${paid} vs floor(entitlement) ${entitled / ENTITLEMENT_SCALE}`,
    ).to.equal(true);
  }

  // --- Escrow ------------------------------------------------------------------------------------------------
  const escrowBalance = usdcBalances[usdcAccounts.indexOf(w.escrowAddress)];
  expect(heldFees, "heldFees == Σ fees of pending and approved requests").to.equal(m.escrow.owed());
  expect(escrowBalance, "escrow balance == heldFees").to.equal(heldFees);
  expect(m.escrow.heldFees).to.equal(heldFees);
  // Rejections and every other ending always succeed: the model's refunds are never kept back (its token
  // always pays), so no buyer is owed anything.
  for (const buyer of w.d.buyers) expect(await escrow.refundOwed(buyer), "refund kept for a buyer").to.equal(0n);

  // --- Token supply --------------------------------------------------------------------------------------------
  expect(supply <= m.cap, "totalSupply ≤ cap").to.equal(true);
  expect(supply, "totalSupply == initial supply + Σ rewards minted").to.equal(m.initialSupply + m.minted);
  // Mint within budget: what the chain says it can still mint in this window is what the model says.
  expect(await registry.mintableNow(), "mintable now (window budget and cap)").to.equal(m.mintable(m.now));

  // --- Requests and contributions ------------------------------------------------------------------------------
  const requestIds = full ? m.escrow.requests.map((r) => r.id) : [...w.touchedRequests];
  expect(await escrow.requestCount(), "requestCount").to.equal(BigInt(m.escrow.requests.length));
  for (const requestId of requestIds) await checkRequest(m, w, requestId);
  const hashes = full ? [...m.registry.contributions.keys()] : [...w.touchedContributions];
  for (const contentHash of hashes) await checkContribution(m, w, contentHash);
}

async function checkRequest(m: Model, w: World, requestId: bigint): Promise<void> {
  const { escrow } = w.d;
  const r = m.escrow.request(requestId);
  const [chain, objections] = await Promise.all([escrow.request(requestId), escrow.objections(requestId)]);
  if (!r) {
    expect(chain.status, `request ${requestId} was never issued`).to.equal(RequestStatus.None);
    return;
  }
  expect(
    [
      chain.buyer,
      chain.purpose,
      chain.status,
      chain.requestedAt,
      chain.duration,
      chain.amount,
      chain.decisionDeadline,
      chain.objectionDeadline,
      chain.objectionThresholdBps,
      chain.deliveryDeadline,
      chain.deliveredAt,
    ],
    `request ${requestId}`,
  ).to.deep.equal([
    r.buyer,
    BigInt(r.purpose),
    r.status,
    r.requestedAt,
    r.duration,
    r.amount,
    r.decisionDeadline,
    r.objectionDeadline,
    r.objectionThresholdBps,
    r.deliveryDeadline,
    r.deliveredAt,
  ]);
  expect(objections.votes, `objection votes on ${requestId}`).to.equal(r.objectionVotes);
  expect(
    w.ended.has(requestId),
    `request ${requestId} ended (refunded or released) exactly when its status is final`,
  ).to.equal(!holdsFee(r));
}

async function checkContribution(m: Model, w: World, contentHash: string): Promise<void> {
  const { registry } = w.d;
  const c = m.registry.contributions.get(contentHash);
  const chain = await registry.contribution(contentHash);
  if (!c) {
    expect(chain.status, `contribution ${contentHash} was never registered`).to.equal(ContributionStatus.None);
    return;
  }
  expect(
    [chain.owner, chain.status, chain.purposes, chain.units, chain.quality, chain.weight, chain.sourcePaidUnits],
    `contribution ${contentHash}`,
  ).to.deep.equal([c.owner, c.status, BigInt(c.purposes), c.units, c.quality, weightOf(c), c.paidUnits]);
  const source = m.registry.source(c.sourceHash);
  expect(await registry.source(c.sourceHash), `source ${c.sourceHash}`).to.deep.equal([
    source.wallet,
    source.latest,
    source.paidUnits,
  ]);
  const eligible = await Promise.all([0, 1, 2, 3].map((p) => registry.isEligible(contentHash, p)));
  const effective = effectivePurposes(c, m.epochAt(m.now).epoch);
  expect(eligible, `isEligible(${contentHash})`).to.deep.equal([0, 1, 2, 3].map((p) => ((effective >> p) & 1) === 1));
}
