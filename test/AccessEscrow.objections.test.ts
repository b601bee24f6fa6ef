import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther } from "ethers";
import {
  DAY,
  DEFAULT_REQUEST,
  HOUR,
  Purpose,
  RESEARCH_TERMS,
  Status,
  escrowFixture,
  expectConservation,
  readLedger,
  requestAccess,
  timeOf,
  usdc,
  type StandingTerms,
} from "./support/escrow";

/** An optimistic RESEARCH request from `buyer`, with its objection and decision deadlines. */
async function optimisticRequest() {
  const system = await loadFixture(escrowFixture);
  const { requestId, tx } = await requestAccess(system.escrow, system.buyer);
  const r = await system.escrow.request(requestId);
  return { ...system, requestId, requestedAt: await timeOf(tx), r };
}

const SUPPLY = parseEther("3500"); // alice 2400 + bob 600 + carol 500
const THRESHOLD = (SUPPLY * RESEARCH_TERMS.objectionThresholdBps) / 10_000n; // 700 COOP

describe("AccessEscrow: standing terms and objections", function () {
  describe("setStandingTerms", function () {
    it("stores the terms of a purpose and emits them; timelock only", async function () {
      const { escrow, admin, outsider } = await loadFixture(escrowFixture);
      const terms = {
        enabled: true,
        maxDuration: 90n * DAY,
        objectionWindow: HOUR,
        objectionThresholdBps: 1n,
        minPrice: 7n,
      };
      await expect(escrow.connect(admin).setStandingTerms(Purpose.COMMERCIAL, terms))
        .to.emit(escrow, "StandingTermsSet")
        .withArgs(Purpose.COMMERCIAL, Object.values(terms));
      expect(await escrow.standingTerms(Purpose.COMMERCIAL)).to.deep.equal(Object.values(terms));
      await expect(escrow.connect(outsider).setStandingTerms(Purpose.COMMERCIAL, terms))
        .to.be.revertedWithCustomError(escrow, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, ethers.ZeroHash);
    });

    it("checks the bounds of enabled terms and stores disabled ones as given", async function () {
      const { escrow, admin } = await loadFixture(escrowFixture);
      const base = { ...RESEARCH_TERMS };
      const bad: StandingTerms[] = [
        { ...base, maxDuration: 0n },
        { ...base, maxDuration: 5n * 365n * DAY + 1n },
        { ...base, objectionWindow: HOUR - 1n },
        { ...base, objectionWindow: 30n * DAY + 1n },
        { ...base, objectionThresholdBps: 0n },
        { ...base, objectionThresholdBps: 10_001n },
      ];
      for (const terms of bad) {
        await expect(escrow.connect(admin).setStandingTerms(Purpose.ANALYTICS, terms))
          .to.be.revertedWithCustomError(escrow, "EscrowInvalidStandingTerms")
          .withArgs(Purpose.ANALYTICS, Object.values(terms));
      }
      // The window must close before the decision deadline (decision period: 1 day).
      await expect(escrow.connect(admin).setStandingTerms(Purpose.ANALYTICS, { ...base, objectionWindow: DAY }))
        .to.be.revertedWithCustomError(escrow, "EscrowObjectionWindowTooLong")
        .withArgs(Purpose.ANALYTICS, DAY, DAY);
      await expect(escrow.connect(admin).setStandingTerms(16, base))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidPurposeId")
        .withArgs(16);
      expect((await escrow.standingTerms(Purpose.ANALYTICS)).enabled).to.equal(false);

      const disabled = { ...bad[0], enabled: false };
      await escrow.connect(admin).setStandingTerms(Purpose.ANALYTICS, disabled);
      expect(await escrow.standingTerms(Purpose.ANALYTICS)).to.deep.equal(Object.values(disabled));
    });

    it("disabling the terms of a purpose sends its new requests to a proposal", async function () {
      const { escrow, admin, buyer } = await loadFixture(escrowFixture);
      await escrow.connect(admin).setStandingTerms(Purpose.RESEARCH, { ...RESEARCH_TERMS, enabled: false });
      const { requestId } = await requestAccess(escrow, buyer);
      expect((await escrow.request(requestId)).objectionDeadline).to.equal(0n);
    });
  });

  describe("object", function () {
    it("counts each objector's past votes and rejects and refunds at once when they reach the threshold", async function () {
      const system = await optimisticRequest();
      const { escrow, usdc: token, buyer, bob, carol, requestId, contributors } = system;
      const before = await readLedger(system, buyer, contributors);
      expect(await escrow.objections(requestId)).to.deep.equal([0n, THRESHOLD]);

      await expect(escrow.connect(bob).object(requestId))
        .to.emit(escrow, "Objected")
        .withArgs(requestId, bob.address, parseEther("600"), parseEther("600"));
      expect((await escrow.request(requestId)).status).to.equal(Status.Pending);
      expect(await escrow.hasObjected(requestId, bob)).to.equal(true);
      expect(await escrow.objections(requestId)).to.deep.equal([parseEther("600"), THRESHOLD]);

      const tx = escrow.connect(carol).object(requestId);
      await expect(tx)
        .to.emit(escrow, "Objected")
        .withArgs(requestId, carol.address, parseEther("500"), parseEther("1100"));
      await expect(tx).to.emit(escrow, "RequestRejected").withArgs(requestId, true);
      await expect(tx).to.emit(escrow, "FeeRefunded").withArgs(requestId, buyer.address, DEFAULT_REQUEST.amount);
      await expect(tx).to.changeTokenBalances(
        token,
        [buyer, escrow],
        [DEFAULT_REQUEST.amount, -DEFAULT_REQUEST.amount],
      );
      expect((await escrow.request(requestId)).status).to.equal(Status.Rejected);
      const after = await readLedger(system, buyer, contributors);
      expect(after.buyer).to.equal(before.buyer + DEFAULT_REQUEST.amount);
      expect(after.escrow).to.equal(0n);
      expect(after.heldFees).to.equal(0n);
      expect(after.treasury).to.equal(before.treasury);
      expect(after.distributor).to.equal(before.distributor);
      expect(after.claimable).to.deep.equal(before.claimable);
      await expectConservation(system);
    });

    it("one holder above the threshold rejects alone", async function () {
      const { escrow, alice, requestId } = await optimisticRequest();
      await expect(escrow.connect(alice).object(requestId))
        .to.emit(escrow, "RequestRejected")
        .withArgs(requestId, true);
    });

    it("counts votes at the request's timepoint: tokens sold afterwards still count, tokens bought count for nothing", async function () {
      const { escrow, token, alice, outsider, requestId, requestedAt } = await optimisticRequest();
      await token.connect(outsider).delegate(outsider);
      await token.connect(alice).transfer(outsider, parseEther("2400"));
      expect(await token.getVotes(outsider)).to.equal(parseEther("2400"));
      await expect(escrow.connect(outsider).object(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowNoVotes")
        .withArgs(requestId, outsider.address, requestedAt - 1n);
      // alice sold everything after the request, but her votes at its timepoint decide.
      await expect(escrow.connect(alice).object(requestId))
        .to.emit(escrow, "Objected")
        .withArgs(requestId, alice.address, parseEther("2400"), parseEther("2400"));
    });

    it("gives no weight to votes bought in the request's own block", async function () {
      const { escrow, token, alice, buyer, outsider } = await loadFixture(escrowFixture);
      await token.connect(outsider).delegate(outsider);
      await ethers.provider.send("evm_setAutomine", [false]);
      let requested: Awaited<ReturnType<typeof requestAccess>>;
      try {
        const transfer = await token.connect(alice).transfer(outsider, parseEther("2400"));
        requested = await requestAccess(escrow, buyer);
        await mine();
        expect((await transfer.wait())!.blockNumber).to.equal((await requested.tx.wait())!.blockNumber);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      const requestId = await escrow.requestCount();
      const requestedAt = await timeOf(requested.tx);
      await expect(escrow.connect(outsider).object(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowNoVotes")
        .withArgs(requestId, outsider.address, requestedAt - 1n);
      expect(await escrow.objections(requestId)).to.deep.equal([0n, THRESHOLD]);
    });

    it("refuses a second objection from the same account, and changes nothing", async function () {
      const { escrow, bob, requestId } = await optimisticRequest();
      await escrow.connect(bob).object(requestId);
      await expect(escrow.connect(bob).object(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowAlreadyObjected")
        .withArgs(requestId, bob.address);
      expect(await escrow.objections(requestId)).to.deep.equal([parseEther("600"), THRESHOLD]);
    });

    it("refuses an account with no votes", async function () {
      const { escrow, outsider, requestId, requestedAt } = await optimisticRequest();
      await expect(escrow.connect(outsider).object(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowNoVotes")
        .withArgs(requestId, outsider.address, requestedAt - 1n);
    });

    it("is open until the last second of the window, and closed after", async function () {
      const { escrow, bob, carol, requestId, r } = await optimisticRequest();
      await time.setNextBlockTimestamp(r.objectionDeadline);
      await escrow.connect(bob).object(requestId);
      await expect(escrow.connect(carol).object(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowObjectionWindowClosed")
        .withArgs(requestId, r.objectionDeadline);
      expect(await escrow.hasObjected(requestId, carol)).to.equal(false);
    });

    it("is refused for a request that waits for a proposal, one already decided, and an unknown id", async function () {
      const { escrow, buyer, alice, bob, requestId } = await optimisticRequest();
      const byProposal = await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING });
      await expect(escrow.connect(bob).object(byProposal.requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowNotOptimistic")
        .withArgs(byProposal.requestId);
      await escrow.connect(alice).object(requestId);
      await expect(escrow.connect(bob).object(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
        .withArgs(requestId, Status.Rejected);
      await expect(escrow.connect(bob).object(99n))
        .to.be.revertedWithCustomError(escrow, "EscrowUnknownRequest")
        .withArgs(99n);
    });
  });

  describe("finalize", function () {
    it("approves after the window when objections stayed below the threshold; anyone may call it", async function () {
      const { escrow, bob, outsider, requestId, r } = await optimisticRequest();
      await escrow.connect(bob).object(requestId); // 600 < 700
      await time.increaseTo(r.objectionDeadline + 1n);
      const tx = await escrow.connect(outsider).finalize(requestId);
      const now = await timeOf(tx);
      await expect(tx)
        .to.emit(escrow, "RequestApproved")
        .withArgs(requestId, true, now + DAY);
      const after = await escrow.request(requestId);
      expect(after.status).to.equal(Status.Approved);
      expect(after.deliveryDeadline).to.equal(now + DAY);
      expect(await escrow.heldFees()).to.equal(DEFAULT_REQUEST.amount);
    });

    it("is refused while the window is open (to its last second) and after the decision deadline", async function () {
      const { escrow, outsider, requestId, r } = await optimisticRequest();
      await time.setNextBlockTimestamp(r.objectionDeadline);
      await expect(escrow.connect(outsider).finalize(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowObjectionWindowOpen")
        .withArgs(requestId, r.objectionDeadline);
      await time.increaseTo(r.decisionDeadline + 1n);
      await expect(escrow.connect(outsider).finalize(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowDecisionDeadlinePassed")
        .withArgs(requestId, r.decisionDeadline);
      expect((await escrow.request(requestId)).status).to.equal(Status.Pending);
    });

    it("is refused twice, for a rejected request and for a request waiting for a proposal", async function () {
      const { escrow, buyer, alice, outsider, requestId, r } = await optimisticRequest();
      const rejected = await requestAccess(escrow, buyer);
      await escrow.connect(alice).object(rejected.requestId);
      const byProposal = await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING });
      await time.increaseTo(r.objectionDeadline + 1n);
      await escrow.connect(outsider).finalize(requestId);
      await expect(escrow.connect(outsider).finalize(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
        .withArgs(requestId, Status.Approved);
      await time.increase(HOUR * 3n);
      await expect(escrow.connect(outsider).finalize(rejected.requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
        .withArgs(rejected.requestId, Status.Rejected);
      await expect(escrow.connect(outsider).finalize(byProposal.requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowNotOptimistic")
        .withArgs(byProposal.requestId);
    });

    it("cannot approve a purpose no contributor consents to", async function () {
      const { escrow, admin, buyer, outsider, distributor } = await loadFixture(escrowFixture);
      await escrow.connect(admin).setStandingTerms(Purpose.ANALYTICS, RESEARCH_TERMS);
      const { requestId } = await requestAccess(escrow, buyer, { purpose: Purpose.ANALYTICS, amount: usdc(500) });
      expect(await distributor.totalWeight(Purpose.ANALYTICS)).to.equal(0n);
      await time.increase(RESEARCH_TERMS.objectionWindow + 1n);
      await expect(escrow.connect(outsider).finalize(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowNoConsentingWeight")
        .withArgs(requestId, Purpose.ANALYTICS);
      expect((await escrow.request(requestId)).status).to.equal(Status.Pending);
    });
  });
});
