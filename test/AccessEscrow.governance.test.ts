import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, id } from "ethers";
import { ProposalState, passProposal } from "./support/governance";
import {
  DAY,
  HOUR,
  Purpose,
  RESEARCH_TERMS,
  Status,
  escrowFixture,
  expectConservation,
  requestAccess,
  timeOf,
  usdc,
  type EscrowSystem,
} from "./support/escrow";
import { deliverNow } from "./support/epoch";

/** The escrow call `fn(args)` as a proposal action. */
function escrowAction(system: EscrowSystem, data: string) {
  return { target: system.escrow.target as string, data };
}

/** Three requests waiting for a decision: two AI_TRAINING (no standing terms) and one optimistic RESEARCH. */
async function threeRequests() {
  const system = await loadFixture(escrowFixture);
  const { escrow, buyer, buyer2 } = system;
  const a = await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING, amount: usdc(300) });
  const b = await requestAccess(escrow, buyer2, { purpose: Purpose.AI_TRAINING, amount: usdc(700) });
  const c = await requestAccess(escrow, buyer, { purpose: Purpose.RESEARCH, amount: usdc(1000) });
  return { ...system, ids: [a.requestId, b.requestId, c.requestId] };
}

describe("AccessEscrow: decisions by proposal", function () {
  describe("approve", function () {
    it("approves a batch of requests through a real Governor proposal", async function () {
      const system = await threeRequests();
      const { escrow, governor, alice, ids } = system;
      const data = escrow.interface.encodeFunctionData("approve", [ids]);
      const proposal = await passProposal(governor, [alice], [escrowAction(system, data)], "Approve three requests");
      expect(await proposal.state()).to.equal(ProposalState.Executed);
      for (const requestId of ids) {
        const r = await escrow.request(requestId);
        expect(r.status).to.equal(Status.Approved);
        expect(r.deliveryDeadline).to.be.greaterThan(0n);
      }
      expect(await escrow.heldFees()).to.equal(usdc(2000));
      await expectConservation(system);
    });

    it("emits RequestApproved with the delivery deadline, and may fast-track an optimistic request", async function () {
      const { escrow, admin, bob, ids } = await threeRequests();
      const tx = await escrow.connect(admin).approve([ids[2]]);
      await expect(tx)
        .to.emit(escrow, "RequestApproved")
        .withArgs(ids[2], false, (await timeOf(tx)) + DAY);
      // Its objection window is moot now.
      await expect(escrow.connect(bob).object(ids[2]))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
        .withArgs(ids[2], Status.Approved);
    });

    it("skips requests the buyer cancelled while the proposal was in flight, instead of reverting the batch", async function () {
      const system = await threeRequests();
      const { escrow, governor, alice, buyer2, ids } = system;
      await escrow.connect(buyer2).cancel(ids[1]);
      const r1 = await escrow.request(ids[1]);
      const data = escrow.interface.encodeFunctionData("approve", [ids]);
      const proposal = await passProposal(governor, [alice], [escrowAction(system, data)], "Approve despite a cancel");
      const executed = await escrow.queryFilter(escrow.filters.DecisionSkipped(ids[1]));
      expect(executed).to.have.length(1);
      expect(executed[0].args.status).to.equal(Status.Cancelled);
      expect(executed[0].args.decisionDeadline).to.equal(r1.decisionDeadline);
      expect(await proposal.state()).to.equal(ProposalState.Executed);
      expect((await escrow.request(ids[0])).status).to.equal(Status.Approved);
      expect((await escrow.request(ids[1])).status).to.equal(Status.Cancelled);
      expect((await escrow.request(ids[2])).status).to.equal(Status.Approved);
      await expectConservation(system);
    });

    it("skips a request past its decision deadline and a duplicate id", async function () {
      const { escrow, admin, buyer, ids } = await threeRequests();
      const r0 = await escrow.request(ids[0]);
      await time.increaseTo(r0.decisionDeadline + 1n);
      const fresh = await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING });
      const tx = escrow.connect(admin).approve([ids[0], fresh.requestId, fresh.requestId]);
      await expect(tx).to.emit(escrow, "DecisionSkipped").withArgs(ids[0], Status.Pending, r0.decisionDeadline);
      await expect(tx)
        .to.emit(escrow, "DecisionSkipped")
        .withArgs(fresh.requestId, Status.Approved, (await escrow.request(fresh.requestId)).decisionDeadline);
      expect((await escrow.request(ids[0])).status).to.equal(Status.Pending);
      expect((await escrow.request(fresh.requestId)).status).to.equal(Status.Approved);
    });

    it("reverts the whole batch on an id never issued", async function () {
      const { escrow, admin, ids } = await threeRequests();
      await expect(escrow.connect(admin).approve([ids[0], 99n]))
        .to.be.revertedWithCustomError(escrow, "EscrowUnknownRequest")
        .withArgs(99n);
      await expect(escrow.connect(admin).approve([0n]))
        .to.be.revertedWithCustomError(escrow, "EscrowUnknownRequest")
        .withArgs(0n);
      expect((await escrow.request(ids[0])).status).to.equal(Status.Pending);
    });

    it("skips a request whose purpose nobody consents to, so a late revocation cannot sink the batch", async function () {
      const { escrow, admin, buyer, ids } = await threeRequests();
      const analytics = await requestAccess(escrow, buyer, { purpose: Purpose.ANALYTICS });
      await expect(escrow.connect(admin).approve([ids[0], analytics.requestId]))
        .to.emit(escrow, "DecisionSkipped")
        .withArgs(analytics.requestId, Status.Pending, (await escrow.request(analytics.requestId)).decisionDeadline);
      expect((await escrow.request(ids[0])).status).to.equal(Status.Approved);
      expect((await escrow.request(analytics.requestId)).status).to.equal(Status.Pending);
    });

    it("is timelock only", async function () {
      const { escrow, alice, custodian, ids } = await threeRequests();
      for (const caller of [alice, custodian]) {
        await expect(escrow.connect(caller).approve(ids))
          .to.be.revertedWithCustomError(escrow, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ZeroHash);
        await expect(escrow.connect(caller).reject(ids))
          .to.be.revertedWithCustomError(escrow, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ZeroHash);
      }
    });
  });

  describe("reject", function () {
    it("rejects a batch through a real proposal and refunds every buyer in full", async function () {
      const system = await threeRequests();
      const { escrow, governor, usdc: token, alice, buyer, buyer2, ids } = system;
      const before = [await token.balanceOf(buyer), await token.balanceOf(buyer2)];
      const data = escrow.interface.encodeFunctionData("reject", [ids]);
      await passProposal(governor, [alice], [escrowAction(system, data)], "Reject three requests");
      for (const requestId of ids) expect((await escrow.request(requestId)).status).to.equal(Status.Rejected);
      expect(await token.balanceOf(buyer)).to.equal(before[0] + usdc(1300));
      expect(await token.balanceOf(buyer2)).to.equal(before[1] + usdc(700));
      expect(await token.balanceOf(escrow)).to.equal(0n);
      expect(await escrow.heldFees()).to.equal(0n);
      const events = await escrow.queryFilter(escrow.filters.RequestRejected());
      expect(events.map((e) => [e.args.requestId, e.args.byObjection])).to.deep.equal(ids.map((i) => [i, false]));
    });

    it("can withdraw an approval before delivery (refund), and skips what has already ended", async function () {
      const { escrow, admin, custodian, usdc: token, buyer, ids } = await threeRequests();
      await escrow.connect(admin).approve([ids[0], ids[2]]);
      await deliverNow(escrow.connect(custodian), ids[2], "ipfs://m", id("manifest"));
      const tx = escrow.connect(admin).reject([ids[0], ids[2]]);
      await expect(tx).to.emit(escrow, "RequestRejected").withArgs(ids[0], false);
      await expect(tx).to.emit(escrow, "FeeRefunded").withArgs(ids[0], buyer.address, usdc(300));
      await expect(tx)
        .to.emit(escrow, "DecisionSkipped")
        .withArgs(ids[2], Status.Delivered, (await escrow.request(ids[2])).decisionDeadline);
      await expect(tx).to.changeTokenBalances(token, [buyer, escrow], [usdc(300), -usdc(300)]);
      expect((await escrow.request(ids[0])).status).to.equal(Status.Rejected);
      expect((await escrow.request(ids[2])).status).to.equal(Status.Delivered);
      await expect(escrow.connect(admin).reject([42n]))
        .to.be.revertedWithCustomError(escrow, "EscrowUnknownRequest")
        .withArgs(42n);
    });
  });

  describe("parameters", function () {
    it("changes the treasury share through a real proposal", async function () {
      const system = await loadFixture(escrowFixture);
      const { escrow, governor, alice } = system;
      const data = escrow.interface.encodeFunctionData("setTreasuryShare", [1234]);
      await passProposal(governor, [alice], [escrowAction(system, data)], "Treasury share 12.34%");
      expect(await escrow.treasuryShareBps()).to.equal(1234n);
    });

    it("each setter emits its change and is timelock only", async function () {
      const { escrow, admin, outsider, timelock } = await loadFixture(escrowFixture);
      await expect(escrow.connect(admin).setTreasury(outsider))
        .to.emit(escrow, "TreasuryChanged")
        .withArgs(await timelock.getAddress(), outsider.address);
      await expect(escrow.connect(admin).setTreasuryShare(2000))
        .to.emit(escrow, "TreasuryShareChanged")
        .withArgs(500, 2000);
      await expect(escrow.connect(admin).setDecisionPeriod(7n * DAY))
        .to.emit(escrow, "DecisionPeriodChanged")
        .withArgs(DAY, 7n * DAY);
      await expect(escrow.connect(admin).setDeliveryPeriod(HOUR))
        .to.emit(escrow, "DeliveryPeriodChanged")
        .withArgs(DAY, HOUR);
      expect(await escrow.treasury()).to.equal(outsider.address);
      expect(await escrow.treasuryShareBps()).to.equal(2000n);
      expect(await escrow.decisionPeriod()).to.equal(7n * DAY);
      expect(await escrow.deliveryPeriod()).to.equal(HOUR);

      const asOutsider = escrow.connect(outsider);
      const calls = [
        () => asOutsider.setTreasury(outsider),
        () => asOutsider.setTreasuryShare(0),
        () => asOutsider.setDecisionPeriod(DAY),
        () => asOutsider.setDeliveryPeriod(DAY),
      ];
      for (const call of calls) {
        await expect(call())
          .to.be.revertedWithCustomError(escrow, "AccessControlUnauthorizedAccount")
          .withArgs(outsider.address, ZeroHash);
      }
    });

    it("checks every bound with a typed error and leaves the old value", async function () {
      const { escrow, admin } = await loadFixture(escrowFixture);
      const [minPeriod, maxPeriod] = [await escrow.MIN_PERIOD(), await escrow.MAX_PERIOD()];
      expect([minPeriod, maxPeriod]).to.deep.equal([HOUR, 365n * DAY]);
      await expect(escrow.connect(admin).setTreasury(ZeroAddress)).to.be.revertedWithCustomError(
        escrow,
        "EscrowZeroAddress",
      );
      await expect(escrow.connect(admin).setTreasuryShare(2001))
        .to.be.revertedWithCustomError(escrow, "EscrowTreasuryShareTooHigh")
        .withArgs(2001, await escrow.MAX_TREASURY_SHARE_BPS());
      for (const period of [minPeriod - 1n, maxPeriod + 1n]) {
        await expect(escrow.connect(admin).setDecisionPeriod(period))
          .to.be.revertedWithCustomError(escrow, "EscrowPeriodOutOfRange")
          .withArgs(period, minPeriod, maxPeriod);
        await expect(escrow.connect(admin).setDeliveryPeriod(period))
          .to.be.revertedWithCustomError(escrow, "EscrowPeriodOutOfRange")
          .withArgs(period, minPeriod, maxPeriod);
      }
      // RESEARCH's objection window (2 h) must still close before the decision deadline.
      await expect(escrow.connect(admin).setDecisionPeriod(RESEARCH_TERMS.objectionWindow))
        .to.be.revertedWithCustomError(escrow, "EscrowObjectionWindowTooLong")
        .withArgs(Purpose.RESEARCH, RESEARCH_TERMS.objectionWindow, RESEARCH_TERMS.objectionWindow);
      expect(await escrow.treasuryShareBps()).to.equal(500n);
      expect(await escrow.decisionPeriod()).to.equal(DAY);
      expect(await escrow.deliveryPeriod()).to.equal(DAY);
    });

    it("new periods apply to later requests and approvals only", async function () {
      const { escrow, admin, buyer } = await loadFixture(escrowFixture);
      const first = await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING });
      await escrow.connect(admin).setDecisionPeriod(3n * DAY);
      await escrow.connect(admin).setDeliveryPeriod(2n * HOUR);
      const second = await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING });
      expect((await escrow.request(first.requestId)).decisionDeadline).to.equal((await timeOf(first.tx)) + DAY);
      expect((await escrow.request(second.requestId)).decisionDeadline).to.equal((await timeOf(second.tx)) + 3n * DAY);
      const approval = await escrow.connect(admin).approve([first.requestId]);
      expect((await escrow.request(first.requestId)).deliveryDeadline).to.equal((await timeOf(approval)) + 2n * HOUR);
    });

    it("custodians are appointed by the timelock only, in the CustodianSet the escrow was deployed with", async function () {
      const { escrow, custodianSet, admin, outsider } = await loadFixture(escrowFixture);
      expect(await escrow.custodianSet()).to.equal(await custodianSet.getAddress());
      await expect(custodianSet.connect(outsider).setCustodians([], 1))
        .to.be.revertedWithCustomError(custodianSet, "CustodianSetNotTimelock")
        .withArgs(outsider.address);
      expect(await custodianSet.timelock()).to.equal(admin.address);
    });
  });
});
