import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import {
  Purpose,
  Status,
  escrowFixture,
  expectConservation,
  publicKeyOf,
  requestAccess,
  usdc,
  type EscrowSystem,
} from "../support/escrow";
import { deliverNow } from "../support/epoch";

/**
 * A key custodian trying to release a fee it is not owed: delivering twice, or for a request that expired, went
 * undelivered, was rejected or cancelled, or after governance removed it from the custodian set. The custodian can only deliver
 * an approved request, once, before its delivery deadline; every refused attempt leaves the escrow, the treasury
 * and the revenue ledger as they were.
 */

const FEE = usdc(2_000);

/** A request waiting for a proposal (AI_TRAINING has no standing terms), from the fixture's buyer. */
async function pendingRequest(s: EscrowSystem): Promise<bigint> {
  return (await requestAccess(s.escrow, s.buyer, { purpose: Purpose.AI_TRAINING, amount: FEE })).requestId;
}

async function approvedRequest(s: EscrowSystem): Promise<bigint> {
  const requestId = await pendingRequest(s);
  await s.escrow.connect(s.admin).approve([requestId]);
  return requestId;
}

/** What a refused delivery must leave unchanged. */
async function books(s: EscrowSystem) {
  const { escrow, distributor, usdc: token } = s;
  const requests = [];
  for (let i = 1n; i <= (await escrow.requestCount()); i++) requests.push(await escrow.request(i));
  return {
    requests,
    heldFees: await escrow.heldFees(),
    balances: await Promise.all(
      [escrow, distributor, await escrow.treasury(), s.buyer].map((account) => token.balanceOf(account)),
    ),
    accumulator: await distributor.accumulator(Purpose.AI_TRAINING),
    claimable: await Promise.all(s.contributors.map((c) => distributor.claimable(c))),
  };
}

function deliver(s: EscrowSystem, requestId: bigint) {
  return deliverNow(s.escrow.connect(s.custodian), requestId, "ipfs://manifest", id(`manifest ${requestId}`));
}

describe("Security: a custodian releasing fees it is not owed", function () {
  it("delivering twice releases the fee once", async function () {
    const s = await loadFixture(escrowFixture);
    const requestId = await approvedRequest(s);
    await expect(deliver(s, requestId)).to.emit(s.escrow, "FeeReleased");
    const before = await books(s);
    await expect(deliver(s, requestId))
      .to.be.revertedWithCustomError(s.escrow, "EscrowInvalidStatus")
      .withArgs(requestId, Status.Delivered);
    expect(await books(s)).to.deep.equal(before);
  });

  it("cannot deliver a request whose decision deadline passed, before or after anyone expires it", async function () {
    const s = await loadFixture(escrowFixture);
    const requestId = await pendingRequest(s);
    await time.increaseTo((await s.escrow.request(requestId)).decisionDeadline + 1n);
    const before = await books(s);
    await expect(deliver(s, requestId))
      .to.be.revertedWithCustomError(s.escrow, "EscrowInvalidStatus")
      .withArgs(requestId, Status.Pending);
    expect(await books(s)).to.deep.equal(before);

    await s.escrow.connect(s.outsider).expire(requestId);
    const expired = await books(s);
    await expect(deliver(s, requestId))
      .to.be.revertedWithCustomError(s.escrow, "EscrowInvalidStatus")
      .withArgs(requestId, Status.Expired);
    expect(await books(s)).to.deep.equal(expired);
    await expectConservation(s);
  });

  it("cannot deliver after the delivery deadline, before or after anyone marks the request undelivered", async function () {
    const s = await loadFixture(escrowFixture);
    const requestId = await approvedRequest(s);
    const { deliveryDeadline } = await s.escrow.request(requestId);
    await time.increaseTo(deliveryDeadline + 1n);
    const before = await books(s);
    await expect(deliver(s, requestId))
      .to.be.revertedWithCustomError(s.escrow, "EscrowDeliveryDeadlinePassed")
      .withArgs(requestId, deliveryDeadline);
    expect(await books(s)).to.deep.equal(before);

    await s.escrow.connect(s.outsider).markUndelivered(requestId);
    const undelivered = await books(s);
    await expect(deliver(s, requestId))
      .to.be.revertedWithCustomError(s.escrow, "EscrowInvalidStatus")
      .withArgs(requestId, Status.Undelivered);
    expect(await books(s)).to.deep.equal(undelivered);
    await expectConservation(s);
  });

  it("cannot deliver a request governance rejected after approving it, or one the buyer cancelled", async function () {
    const s = await loadFixture(escrowFixture);
    const rejected = await approvedRequest(s);
    await s.escrow.connect(s.admin).reject([rejected]);
    const cancelled = await pendingRequest(s);
    await s.escrow.connect(s.buyer).cancel(cancelled);
    const before = await books(s);
    await expect(deliver(s, rejected))
      .to.be.revertedWithCustomError(s.escrow, "EscrowInvalidStatus")
      .withArgs(rejected, Status.Rejected);
    await expect(deliver(s, cancelled))
      .to.be.revertedWithCustomError(s.escrow, "EscrowInvalidStatus")
      .withArgs(cancelled, Status.Cancelled);
    expect(await books(s)).to.deep.equal(before);
    await expectConservation(s);
  });

  it("a custodian governance removed from the set cannot post; its successor can", async function () {
    const s = await loadFixture(escrowFixture);
    const requestId = await approvedRequest(s);
    const [removed, ...kept] = s.custodians;
    const [members] = await s.custodianSet.custodiansAt(1);
    const successor = { account: s.outsider.address, publicKey: publicKeyOf("successor custodian") };
    const next = [...members.slice(1).map((c) => ({ account: c.account, publicKey: c.publicKey })), successor];
    await s.custodianSet.connect(s.admin).setCustodians(next, 2);
    const before = await books(s);
    await expect(deliver(s, requestId))
      .to.be.revertedWithCustomError(s.escrow, "EscrowNotCustodian")
      .withArgs(removed.address, 2n);
    expect(await books(s)).to.deep.equal(before);

    expect(kept.length).to.equal(2);
    await expect(deliverNow(s.escrow.connect(s.outsider), requestId, "ipfs://manifest", id("m")))
      .to.emit(s.escrow, "FeeReleased")
      .withArgs(requestId, Purpose.AI_TRAINING, await s.escrow.treasury(), FEE / 20n, FEE - FEE / 20n);
  });
});
