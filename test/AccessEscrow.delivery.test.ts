import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroHash, id } from "ethers";
import {
  DAY,
  DEFAULT_REQUEST,
  Purpose,
  Status,
  escrowFixture,
  expectClaimable,
  expectConservation,
  predictClaimable,
  readLedger,
  requestAccess,
  timeOf,
  usdc,
  type RequestInput,
} from "./support/escrow";
import { deliverNow, deliveryPoint, postNow } from "./support/epoch";

const MANIFEST_URI = "ipfs://manifest";
/** The eligible set hash every custodian posts (deliverNow derives each custodian's manifest hash from it). */
const SET_HASH = id("eligible set v1");

/** An approved request (by the timelock) for `input`, ready to be delivered. */
async function approvedRequest(input: RequestInput = {}) {
  const system = await loadFixture(escrowFixture);
  const { requestId } = await requestAccess(system.escrow, system.buyer, input);
  await system.escrow.connect(system.admin).approve([requestId]);
  return { ...system, requestId, r: await system.escrow.request(requestId) };
}

async function latestTime(): Promise<bigint> {
  return BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
}

describe("AccessEscrow: delivery and release", function () {
  it("releases the fee on delivery: treasury share to the treasury, the rest to the purpose's contributors, to the unit", async function () {
    const system = await approvedRequest();
    const { escrow, distributor, buyer, contributors, requestId } = system;
    const amount = DEFAULT_REQUEST.amount;
    const toTreasury = (amount * 500n) / 10_000n; // 50 USDC
    const toContributors = amount - toTreasury; // 950 USDC
    const before = await readLedger(system, buyer, contributors);
    const predicted = await predictClaimable(distributor, Purpose.RESEARCH, toContributors, contributors);

    // 2-of-3: the first custodian's post releases nothing, the second's releases the fee.
    const [first, second] = system.custodians;
    const post = async (signer: typeof first, manifestHash: string) => {
      const { epoch, builtAt } = await deliveryPoint(system);
      const args = { epoch, builtAt, setHash: SET_HASH, manifestHash, manifestURI: MANIFEST_URI };
      return { tx: await escrow.connect(signer).deliver(requestId, args), epoch, builtAt };
    };
    const one = await post(first, id("manifest of custodian 1"));
    await expect(one.tx)
      .to.emit(escrow, "SharePosted")
      .withArgs(
        requestId,
        first.address,
        SET_HASH,
        1n,
        1n,
        id("manifest of custodian 1"),
        MANIFEST_URI,
        one.epoch,
        one.builtAt,
      );
    await expect(one.tx).not.to.emit(escrow, "AccessDelivered");
    expect(await readLedger(system, buyer, contributors)).to.deep.equal(before);
    const { tx, epoch, builtAt } = await post(second, id("manifest of custodian 2"));
    const now = await timeOf(tx);
    await expect(tx)
      .to.emit(escrow, "SharePosted")
      .withArgs(
        requestId,
        second.address,
        SET_HASH,
        1n,
        2n,
        id("manifest of custodian 2"),
        MANIFEST_URI,
        epoch,
        builtAt,
      );
    await expect(tx)
      .to.emit(escrow, "AccessDelivered")
      .withArgs(requestId, SET_HASH, 1n, now, now + DEFAULT_REQUEST.duration);
    await expect(tx)
      .to.emit(escrow, "FeeReleased")
      .withArgs(requestId, Purpose.RESEARCH, await escrow.treasury(), toTreasury, toContributors);
    await expect(tx)
      .to.emit(distributor, "Deposited")
      .withArgs(
        Purpose.RESEARCH,
        await escrow.getAddress(),
        toContributors,
        (v: bigint) => v > 0n,
        (v: bigint) => v >= 0n,
      );

    const after = await readLedger(system, buyer, contributors);
    expect(after.buyer).to.equal(before.buyer);
    expect(after.escrow).to.equal(before.escrow - amount);
    expect(after.heldFees).to.equal(before.heldFees - amount);
    expect(after.treasury).to.equal(before.treasury + toTreasury);
    expect(after.distributor).to.equal(before.distributor + toContributors);
    await expectClaimable(distributor, predicted);
    // alice 24e6 and bob 6e6 of RESEARCH's 30e6 weight; carol does not consent to RESEARCH.
    const [alice, bob, carol] = contributors.map((c) => after.claimable.get(c.address)!);
    expect(alice).to.be.within(usdc(760) - 1n, usdc(760));
    expect(bob).to.be.within(usdc(190) - 1n, usdc(190));
    expect(carol).to.equal(0n);
    expect(toContributors - (alice + bob + carol)).to.be.lessThan(BigInt(contributors.length));
    expect(await distributor.totalWeight(Purpose.RESEARCH)).to.equal(30_000_000n);
    await expectConservation(system);
  });

  it("records the grant: buyer, purpose, start, expiry, the set delivered; active until its expiry", async function () {
    const { escrow, custodian, buyer, requestId } = await approvedRequest();
    const tx = await deliverNow(escrow.connect(custodian), requestId, MANIFEST_URI, SET_HASH);
    const start = await timeOf(tx);
    const expiry = start + DEFAULT_REQUEST.duration;
    const r = await escrow.request(requestId);
    expect([r.status, r.deliveredAt, r.setHash]).to.deep.equal([Status.Delivered, start, SET_HASH]);
    expect(await escrow.grant(requestId)).to.deep.equal([
      buyer.address,
      BigInt(Purpose.RESEARCH),
      start,
      expiry,
      true,
      SET_HASH,
    ]);
    expect(await escrow.isGrantActive(requestId)).to.equal(true);

    await time.increaseTo(expiry - 2n);
    expect(await escrow.isGrantActive(requestId)).to.equal(true);
    await time.increaseTo(expiry);
    expect(await latestTime()).to.equal(expiry);
    expect(await escrow.isGrantActive(requestId)).to.equal(false);
    expect((await escrow.grant(requestId)).active).to.equal(false);
    expect((await escrow.grant(requestId)).expiry).to.equal(expiry);
  });

  it("an approved but undelivered request has no grant yet", async function () {
    const { escrow, buyer, requestId } = await approvedRequest();
    expect(await escrow.grant(requestId)).to.deep.equal([
      buyer.address,
      BigInt(Purpose.RESEARCH),
      0n,
      0n,
      false,
      ZeroHash,
    ]);
    expect(await escrow.isGrantActive(requestId)).to.equal(false);
  });

  it("rounds the treasury share down: the contributors get the remainder", async function () {
    const system = await approvedRequest({ amount: 7n, duration: DAY });
    const { escrow, admin, custodian, usdc: token, distributor, requestId } = system;
    await escrow.connect(admin).setTreasuryShare(2000); // 20% of 7 = 1.4 → 1
    const treasury = await escrow.treasury();
    const tx = deliverNow(escrow.connect(custodian), requestId, MANIFEST_URI, SET_HASH);
    await expect(tx).to.emit(escrow, "FeeReleased").withArgs(requestId, Purpose.RESEARCH, treasury, 1n, 6n);
    await expect(tx).to.changeTokenBalances(token, [escrow, treasury, distributor], [-7n, 1n, 6n]);
  });

  it("sends nothing to the treasury when its share is zero", async function () {
    const system = await approvedRequest();
    const { escrow, admin, custodian, usdc: token, distributor, requestId } = system;
    await escrow.connect(admin).setTreasuryShare(0);
    const treasury = await escrow.treasury();
    const tx = deliverNow(escrow.connect(custodian), requestId, MANIFEST_URI, SET_HASH);
    await expect(tx)
      .to.emit(escrow, "FeeReleased")
      .withArgs(requestId, Purpose.RESEARCH, treasury, 0n, DEFAULT_REQUEST.amount);
    await expect(tx).to.changeTokenBalances(
      token,
      [escrow, treasury, distributor],
      [-DEFAULT_REQUEST.amount, 0n, DEFAULT_REQUEST.amount],
    );
  });

  it("pays a treasury governance moved elsewhere", async function () {
    const { escrow, admin, custodian, usdc: token, outsider, requestId } = await approvedRequest();
    await escrow.connect(admin).setTreasury(outsider);
    await expect(deliverNow(escrow.connect(custodian), requestId, MANIFEST_URI, SET_HASH)).to.changeTokenBalance(
      token,
      outsider,
      usdc(50),
    );
  });

  it("is for current custodians only", async function () {
    const { escrow, admin, buyer, requestId } = await approvedRequest();
    for (const caller of [buyer, admin]) {
      await expect(postNow(escrow.connect(caller), requestId, MANIFEST_URI, SET_HASH))
        .to.be.revertedWithCustomError(escrow, "EscrowNotCustodian")
        .withArgs(caller.address, 1n);
    }
  });

  it("is refused for a pending, delivered or unknown request, a zero set or manifest hash, and after the delivery deadline", async function () {
    const system = await approvedRequest();
    const { escrow, custodian, buyer, requestId, r } = system;
    const pending = await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING });
    await expect(deliverNow(escrow.connect(custodian), pending.requestId, MANIFEST_URI, SET_HASH))
      .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
      .withArgs(pending.requestId, Status.Pending);
    await expect(deliverNow(escrow.connect(custodian), 77n, MANIFEST_URI, SET_HASH))
      .to.be.revertedWithCustomError(escrow, "EscrowUnknownRequest")
      .withArgs(77n);
    await expect(
      deliverNow(escrow.connect(custodian), requestId, MANIFEST_URI, ZeroHash),
    ).to.be.revertedWithCustomError(escrow, "EscrowZeroSetHash");
    await expect(
      postNow(escrow.connect(custodian), requestId, MANIFEST_URI, SET_HASH, ZeroHash),
    ).to.be.revertedWithCustomError(escrow, "EscrowZeroManifestHash");

    const late = await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING });
    await escrow.connect(system.admin).approve([late.requestId]);
    const lateDeadline = (await escrow.request(late.requestId)).deliveryDeadline;

    // The last second still counts: the k-th post lands on the deadline.
    await time.setNextBlockTimestamp(r.deliveryDeadline - 1n);
    await deliverNow(escrow.connect(custodian), requestId, MANIFEST_URI, SET_HASH);
    expect((await escrow.request(requestId)).deliveredAt).to.equal(r.deliveryDeadline);
    await expect(deliverNow(escrow.connect(custodian), requestId, MANIFEST_URI, SET_HASH))
      .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
      .withArgs(requestId, Status.Delivered);

    await time.increaseTo(lateDeadline + 1n);
    await expect(deliverNow(escrow.connect(custodian), late.requestId, MANIFEST_URI, SET_HASH))
      .to.be.revertedWithCustomError(escrow, "EscrowDeliveryDeadlinePassed")
      .withArgs(late.requestId, lateDeadline);
    expect((await escrow.request(late.requestId)).status).to.equal(Status.Approved);
    await expectConservation(system);
  });

  it("cannot release to a purpose whose contributors all revoked after approval; the buyer gets a refund", async function () {
    const system = await approvedRequest({ purpose: Purpose.AI_TRAINING });
    const {
      escrow,
      registry,
      distributor,
      usdc: token,
      custodian,
      alice,
      carol,
      buyer,
      contentHashes,
      requestId,
      r,
    } = system;
    await registry.connect(alice).revoke(contentHashes.alice);
    await registry.connect(carol).revoke(contentHashes.carol);
    expect(await distributor.totalWeight(Purpose.AI_TRAINING)).to.equal(0n);
    await expect(deliverNow(escrow.connect(custodian), requestId, MANIFEST_URI, SET_HASH))
      .to.be.revertedWithCustomError(distributor, "DistributorNoConsentingWeight")
      .withArgs(Purpose.AI_TRAINING);
    expect((await escrow.request(requestId)).status).to.equal(Status.Approved);
    await time.increaseTo(r.deliveryDeadline + 1n);
    await expect(escrow.markUndelivered(requestId)).to.changeTokenBalances(
      token,
      [buyer, escrow],
      [DEFAULT_REQUEST.amount, -DEFAULT_REQUEST.amount],
    );
    await expectConservation(system);
  });

  it("splits fees of successive deliveries by weight, carrying rounding forward", async function () {
    const system = await loadFixture(escrowFixture);
    const { escrow, admin, custodian, distributor, buyer, buyer2, contributors } = system;
    let expected = new Map<string, bigint>();
    let released = 0n;
    for (const [i, amount] of [usdc(333), 1n, usdc("0.999999"), usdc(12345)].entries()) {
      const { requestId } = await requestAccess(escrow, i % 2 ? buyer : buyer2, {
        purpose: Purpose.AI_TRAINING,
        amount,
      });
      await escrow.connect(admin).approve([requestId]);
      const toContributors = amount - (amount * 500n) / 10_000n;
      expected = await predictClaimable(distributor, Purpose.AI_TRAINING, toContributors, contributors);
      await deliverNow(escrow.connect(custodian), requestId, MANIFEST_URI, id(`manifest ${i}`));
      await expectClaimable(distributor, expected);
      released += toContributors;
    }
    const total = [...expected.values()].reduce((a, b) => a + b, 0n);
    expect(total).to.be.lessThanOrEqual(released);
    expect(released - total).to.be.lessThan(BigInt(contributors.length));
    expect(expected.get(system.bob.address)).to.equal(0n); // bob does not consent to AI_TRAINING
    await expectConservation(system);
  });
});
