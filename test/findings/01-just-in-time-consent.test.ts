import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import { deliveryPoint, deliverNow, postNow } from "../support/epoch";
import { Purpose, Status, escrowFixture, requestAccess, usdc } from "../support/escrow";
import { bit } from "../support/constants";

const { RESEARCH, AI_TRAINING } = Purpose;
const FEE = usdc(1000);

/** An approved RESEARCH request; alice (weight 24e6) and bob (6e6) consent to RESEARCH, carol does not. */
async function approvedFixture() {
  const system = await escrowFixture();
  const { requestId } = await requestAccess(system.escrow, system.buyer, { purpose: RESEARCH, amount: FEE });
  await system.escrow.connect(system.admin).approve([requestId]);
  return { ...system, requestId };
}

/** The RESEARCH contributions whose keys a manifest built now would hold. */
async function releasedSet(system: Awaited<ReturnType<typeof approvedFixture>>) {
  const all = Object.entries(system.contentHashes);
  const eligible = await Promise.all(all.map(([, hash]) => system.registry.isEligible(hash, RESEARCH)));
  return all.filter((_, i) => eligible[i]).map(([who]) => who);
}

/** A post of `setHash` for the current epoch, built at `builtAt`. */
function post(epoch: bigint, builtAt: bigint, setHash: string, manifestURI: string) {
  return { epoch, builtAt, setHash, manifestHash: id(`${manifestURI} ${setHash}`), manifestURI };
}

/** The contributors the RESEARCH deposit paid. */
async function paidSet(system: Awaited<ReturnType<typeof approvedFixture>>) {
  const paid: string[] = [];
  for (const who of ["alice", "bob", "carol"] as const) {
    if ((await system.distributor.earnedScaled(system[who], RESEARCH)) > 0n) paid.push(who);
  }
  return paid;
}

/**
 * Finding 1 (medium): the fee of a delivery was split among whoever held consenting weight in the delivery
 * block, while the key manifest was built earlier from `isEligible`. Fix: consent given takes effect at the next
 * consent epoch, consent withdrawn at once, and `deliver` states the epoch and build time of its manifest and is
 * refused if the set has lost a member since; so the contributions paid are exactly those whose keys it releases.
 */
describe("Finding 1: just-in-time consent takes fees without giving data", function () {
  it("pays nothing to a contributor who adds the purpose around the delivery, in one block", async function () {
    const system = await loadFixture(approvedFixture);
    const { registry, distributor, escrow, custodians, carol, contentHashes, requestId } = system;
    // The custodian builds its manifest: alice and bob consent to RESEARCH, carol does not.
    expect(await releasedSet(system)).to.deep.equal(["alice", "bob"]);
    const { epoch, builtAt } = await deliveryPoint(system);

    // Carol front-runs the delivery with +RESEARCH and back-runs it with -RESEARCH, all in one block.
    await network.provider.send("evm_setAutomine", [false]);
    try {
      const gas = { gasLimit: 1_000_000 };
      await registry.connect(carol).setPurposes(contentHashes.carol, bit(RESEARCH) | bit(AI_TRAINING), gas);
      // Both custodians of the 2-of-3 set post in the same block; the second post releases the fee.
      for (const custodian of custodians.slice(0, 2)) {
        await escrow
          .connect(custodian)
          .deliver(requestId, post(epoch, builtAt, id("alice and bob"), `ipfs://${custodian.address}`), gas);
      }
      await registry.connect(carol).setPurposes(contentHashes.carol, bit(AI_TRAINING), gas);
      await network.provider.send("evm_mine", []);
    } finally {
      await network.provider.send("evm_setAutomine", [true]);
    }

    expect((await escrow.request(requestId)).status).to.equal(Status.Delivered);
    expect(await distributor.earnedScaled(carol, RESEARCH)).to.equal(0n);
    expect(await paidSet(system)).to.deep.equal(["alice", "bob"]);
    // Everything the contributors got went to alice and bob (24:6), up to the carried rounding remainder.
    const toContributors = FEE - (FEE * (await escrow.treasuryShareBps())) / 10_000n;
    const alice = await distributor.earnedScaled(system.alice, RESEARCH);
    const bob = await distributor.earnedScaled(system.bob, RESEARCH);
    expect(alice).to.equal(bob * 4n);
    expect(alice + bob + (await distributor.carry(RESEARCH))).to.equal(toContributors * 10n ** 18n);
  });

  it("refuses a delivery whose set lost a member after it was built, leaving everything unchanged", async function () {
    const system = await loadFixture(approvedFixture);
    const { registry, distributor, escrow, usdc: token, custodian, bob, contentHashes, requestId } = system;
    expect(await releasedSet(system)).to.deep.equal(["alice", "bob"]);
    const { epoch, builtAt } = await deliveryPoint(system);
    // Bob revokes after the manifest holding his key was built, before it is delivered.
    await registry.connect(bob).revoke(contentHashes.bob);
    const held = await escrow.heldFees();
    const balances = await Promise.all([escrow, distributor].map((a) => token.balanceOf(a)));

    const stale = escrow.connect(custodian).deliver(requestId, post(epoch, builtAt, id("with bob"), "ipfs://stale"));
    await expect(stale).to.be.revertedWithCustomError(escrow, "EscrowManifestOutdated");
    expect((await escrow.request(requestId)).status).to.equal(Status.Approved);
    expect(await escrow.heldFees()).to.equal(held);
    expect(await Promise.all([escrow, distributor].map((a) => token.balanceOf(a)))).to.deep.equal(balances);

    // The custodian rebuilds without bob; the delivery pays exactly the keys it releases.
    expect(await releasedSet(system)).to.deep.equal(["alice"]);
    await deliverNow(escrow.connect(custodian), requestId, "ipfs://rebuilt", id("alice only"));
    expect(await paidSet(system)).to.deep.equal(["alice"]);
  });

  it("refuses a manifest built for an epoch that is over", async function () {
    const system = await loadFixture(approvedFixture);
    const { escrow, custodian, requestId } = system;
    const { epoch, builtAt } = await deliveryPoint(system);
    await ethers.provider.send("evm_increaseTime", [Number(await system.distributor.consentEpoch())]);
    await expect(escrow.connect(custodian).deliver(requestId, post(epoch, builtAt, id("old"), "ipfs://old")))
      .to.be.revertedWithCustomError(escrow, "EscrowStaleEpoch")
      .withArgs(requestId, epoch, epoch + 1n);
    expect((await escrow.request(requestId)).status).to.equal(Status.Approved);
  });

  it("with k custodians, a post of the set before a withdrawal never counts toward the release of the set after it", async function () {
    const system = await loadFixture(approvedFixture);
    const { registry, distributor, escrow, custodians, bob, contentHashes, requestId } = system;
    const [first, second] = custodians;
    // The first custodian posts the set with bob; bob then revokes; the second posts the set without him.
    await postNow(escrow.connect(first), requestId, "ipfs://first", id("alice and bob"));
    await registry.connect(bob).revoke(contentHashes.bob);
    const rebuilt = postNow(escrow.connect(second), requestId, "ipfs://second", id("alice only"));
    // The withdrawal restarted the round: the first post is forgotten, so one post (of two needed) counts.
    await expect(rebuilt)
      .to.emit(escrow, "SharePosted")
      .withArgs(
        requestId,
        second.address,
        id("alice only"),
        1n,
        1n,
        (v: string) => v.length === 66,
        "ipfs://second",
        (v: bigint) => v > 0n,
        (v: bigint) => v > 0n,
      );
    expect((await escrow.request(requestId)).status).to.equal(Status.Approved);
    expect(await escrow.hasPosted(requestId, first.address)).to.equal(false);
    // The first custodian rebuilds and posts again in the new round: that releases the set without bob.
    await postNow(escrow.connect(first), requestId, "ipfs://first-rebuilt", id("alice only"));
    expect((await escrow.request(requestId)).status).to.equal(Status.Delivered);
    expect(await distributor.earnedScaled(bob, RESEARCH)).to.equal(0n);
    expect(await paidSet(system)).to.deep.equal(["alice"]);
  });
});
