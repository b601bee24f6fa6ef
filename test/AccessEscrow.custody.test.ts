import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import { Purpose, Status, escrowFixture, expectConservation, publicKeyOf, requestAccess } from "./support/escrow";
import { nextEpoch, postNow } from "./support/epoch";

const SET = id("the eligible set");
const OTHER = id("another set");

/** An approved AI_TRAINING request and the 2-of-3 custodians of the fixture. */
async function roundFixture() {
  const system = await escrowFixture();
  const { requestId } = await requestAccess(system.escrow, system.buyer, { purpose: Purpose.AI_TRAINING });
  await system.escrow.connect(system.admin).approve([requestId]);
  return { ...system, requestId };
}

describe("AccessEscrow: delivery by k of n custodians", function () {
  it("releases on the k-th post of the same set, by any two of the three; one alone does not", async function () {
    for (const [a, b] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      const s = await loadFixture(roundFixture);
      const { escrow, custodians, requestId } = s;
      await expect(postNow(escrow.connect(custodians[a]), requestId, "ipfs://a", SET)).not.to.emit(
        escrow,
        "FeeReleased",
      );
      expect((await escrow.request(requestId)).status).to.equal(Status.Approved);
      expect(await escrow.postsFor(requestId, SET)).to.equal(1n);
      expect(await escrow.hasPosted(requestId, custodians[a])).to.equal(true);
      expect(await escrow.hasPosted(requestId, custodians[b])).to.equal(false);
      await expect(postNow(escrow.connect(custodians[b]), requestId, "ipfs://b", SET)).to.emit(escrow, "FeeReleased");
      expect((await escrow.request(requestId)).status).to.equal(Status.Delivered);
      expect((await escrow.grant(requestId)).setHash).to.equal(SET);
      await expectConservation(s);
    }
  });

  it("refuses a second post by the same custodian in a round", async function () {
    const { escrow, custodians, requestId } = await loadFixture(roundFixture);
    await postNow(escrow.connect(custodians[0]), requestId, "ipfs://a", SET);
    await expect(postNow(escrow.connect(custodians[0]), requestId, "ipfs://a2", OTHER))
      .to.be.revertedWithCustomError(escrow, "EscrowAlreadyPosted")
      .withArgs(requestId, custodians[0].address, 1);
  });

  it("two custodians posting different sets release nothing; the first set to reach k is delivered", async function () {
    const { escrow, custodians, requestId } = await loadFixture(roundFixture);
    await postNow(escrow.connect(custodians[0]), requestId, "ipfs://a", OTHER);
    await postNow(escrow.connect(custodians[1]), requestId, "ipfs://b", SET);
    expect((await escrow.request(requestId)).status).to.equal(Status.Approved);
    expect([await escrow.postsFor(requestId, OTHER), await escrow.postsFor(requestId, SET)]).to.deep.equal([1n, 1n]);
    const round = await escrow.deliveryRound(requestId);
    expect([round.leadingSetHash, round.leadingPosts, round.postedMask]).to.deep.equal([OTHER, 1n, 0b11n]);
    // The third custodian agrees with the second: the rival set reaches k and is the one delivered.
    await expect(postNow(escrow.connect(custodians[2]), requestId, "ipfs://c", SET))
      .to.emit(escrow, "AccessDelivered")
      .withArgs(
        requestId,
        SET,
        1,
        (v: bigint) => v > 0n,
        (v: bigint) => v > 0n,
      );
    expect((await escrow.grant(requestId)).setHash).to.equal(SET);
  });

  it("a removed custodian's post no longer counts: the set change restarts the round", async function () {
    const { escrow, custodianSet, custodians, admin, outsider, requestId } = await loadFixture(roundFixture);
    await postNow(escrow.connect(custodians[0]), requestId, "ipfs://a", SET);
    const next = [custodians[1], custodians[2], outsider].map((c) => ({
      account: c.address,
      publicKey: publicKeyOf(`custodian ${c.address}`),
    }));
    await custodianSet.connect(admin).setCustodians(next, 2);
    expect(await escrow.postsFor(requestId, SET)).to.equal(1n); // stored, but outdated: the next post restarts
    await expect(postNow(escrow.connect(custodians[1]), requestId, "ipfs://b", SET)).not.to.emit(
      escrow,
      "AccessDelivered",
    );
    expect(await escrow.postsFor(requestId, SET)).to.equal(1n);
    expect((await escrow.deliveryRound(requestId)).setVersion).to.equal(2n);
    await expect(postNow(escrow.connect(outsider), requestId, "ipfs://c", SET)).to.emit(escrow, "AccessDelivered");
  });

  it("a new consent epoch restarts the round: a post of the previous epoch does not count", async function () {
    const s = await loadFixture(roundFixture);
    const { escrow, custodians, requestId } = s;
    await postNow(escrow.connect(custodians[0]), requestId, "ipfs://a", SET);
    await nextEpoch(s);
    expect(await escrow.hasPosted(requestId, custodians[0])).to.equal(false);
    await expect(postNow(escrow.connect(custodians[1]), requestId, "ipfs://b", SET)).not.to.emit(
      escrow,
      "AccessDelivered",
    );
    await expect(postNow(escrow.connect(custodians[0]), requestId, "ipfs://a2", SET)).to.emit(
      escrow,
      "AccessDelivered",
    );
  });
});
