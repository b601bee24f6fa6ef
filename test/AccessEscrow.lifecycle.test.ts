import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id, type ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  DEFAULT_REQUEST,
  Purpose,
  RESEARCH_TERMS,
  Status,
  escrowFixture,
  expectClaimable,
  expectConservation,
  predictClaimable,
  readLedger,
  requestAccess,
  type EscrowSystem,
  type Ledger,
} from "./support/escrow";
import { deliverNow } from "./support/epoch";

const FEE = DEFAULT_REQUEST.amount;
const TO_TREASURY = (FEE * 500n) / 10_000n;
const TO_CONTRIBUTORS = FEE - TO_TREASURY;

/** The moves one step is expected to make; omitted fields must not move. */
interface Moves {
  buyer?: bigint;
  escrow?: bigint;
  treasury?: bigint;
  distributor?: bigint;
  /** The claimables expected after the step (from `predictClaimable`); otherwise unchanged. */
  claimable?: Map<string, bigint>;
}

/** Runs `action` and checks every balance of the ledger moved exactly by `moves`, and conservation. */
async function step(
  system: EscrowSystem,
  buyer: HardhatEthersSigner,
  action: () => Promise<ContractTransactionResponse>,
  moves: Moves,
): Promise<ContractTransactionResponse> {
  const before = await readLedger(system, buyer, system.contributors);
  const tx = await action();
  const after = await readLedger(system, buyer, system.contributors);
  expect(after.buyer - before.buyer, "buyer").to.equal(moves.buyer ?? 0n);
  expect(after.escrow - before.escrow, "escrow").to.equal(moves.escrow ?? 0n);
  expect(after.heldFees - before.heldFees, "heldFees").to.equal(moves.escrow ?? 0n);
  expect(after.treasury - before.treasury, "treasury").to.equal(moves.treasury ?? 0n);
  expect(after.distributor - before.distributor, "distributor").to.equal(moves.distributor ?? 0n);
  expect(after.claimable).to.deep.equal(moves.claimable ?? before.claimable);
  await expectConservation(system);
  return tx;
}

/** Every transition, as a call that the given actors can make on request `requestId`. */
function transitions(system: EscrowSystem, requestId: bigint) {
  const { escrow, admin, custodian, buyer, alice } = system;
  return {
    cancel: () => escrow.connect(buyer).cancel(requestId),
    expire: () => escrow.expire(requestId),
    markUndelivered: () => escrow.markUndelivered(requestId),
    finalize: () => escrow.finalize(requestId),
    object: () => escrow.connect(alice).object(requestId),
    deliver: () => deliverNow(escrow.connect(custodian), requestId, "ipfs://m", id("m")),
    approve: () => escrow.connect(admin).approve([requestId]),
    reject: () => escrow.connect(admin).reject([requestId]),
  };
}

/** Asserts that no transition moves request `requestId` out of `status`, and that a refused call changes nothing. */
async function expectFinal(system: EscrowSystem, requestId: bigint, status: bigint): Promise<void> {
  const { escrow } = system;
  const request = await escrow.request(requestId);
  const ledger: Ledger = await readLedger(system, system.buyer, system.contributors);
  await time.increase(60n * 24n * 3600n); // past every deadline: only the status can refuse now
  const calls = transitions(system, requestId);
  for (const [name, call] of Object.entries(calls)) {
    if (name === "approve" || name === "reject") {
      // Batch decisions skip what has ended rather than revert (see governance tests).
      await expect(call(), name)
        .to.emit(escrow, "DecisionSkipped")
        .withArgs(requestId, status, request.decisionDeadline);
    } else {
      await expect(call(), name)
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
        .withArgs(requestId, status);
    }
  }
  expect(await escrow.request(requestId)).to.deep.equal(request);
  expect(await readLedger(system, system.buyer, system.contributors)).to.deep.equal(ledger);
}

describe("AccessEscrow: lifecycle and refunds", function () {
  it("optimistic path: request → finalize → deliver; the fee reaches treasury and contributors", async function () {
    const system = await loadFixture(escrowFixture);
    const { escrow, distributor, custodian, buyer, contributors } = system;
    await step(system, buyer, () => requestAccess(escrow, buyer).then((r) => r.tx), { buyer: -FEE, escrow: FEE });
    const requestId = await escrow.requestCount();
    await time.increaseTo((await escrow.request(requestId)).objectionDeadline + 1n);
    await step(system, buyer, () => escrow.finalize(requestId), {});
    expect((await escrow.request(requestId)).status).to.equal(Status.Approved);
    const claimable = await predictClaimable(distributor, Purpose.RESEARCH, TO_CONTRIBUTORS, contributors);
    await step(system, buyer, () => deliverNow(escrow.connect(custodian), requestId, "ipfs://m", id("m")), {
      escrow: -FEE,
      treasury: TO_TREASURY,
      distributor: TO_CONTRIBUTORS,
      claimable,
    });
    await expectClaimable(distributor, claimable);
    await expectFinal(system, requestId, Status.Delivered);
  });

  it("proposal path: request → approve → deliver", async function () {
    const system = await loadFixture(escrowFixture);
    const { escrow, distributor, admin, custodian, buyer2, contributors } = system;
    const input = { purpose: Purpose.AI_TRAINING };
    await step(system, buyer2, () => requestAccess(escrow, buyer2, input).then((r) => r.tx), {
      buyer: -FEE,
      escrow: FEE,
    });
    const requestId = await escrow.requestCount();
    await step(system, buyer2, () => escrow.connect(admin).approve([requestId]), {});
    const claimable = await predictClaimable(distributor, Purpose.AI_TRAINING, TO_CONTRIBUTORS, contributors);
    await step(system, buyer2, () => deliverNow(escrow.connect(custodian), requestId, "ipfs://m", id("m")), {
      escrow: -FEE,
      treasury: TO_TREASURY,
      distributor: TO_CONTRIBUTORS,
      claimable,
    });
  });

  it("rejected by objections: refunded in full at once", async function () {
    const system = await loadFixture(escrowFixture);
    const { escrow, alice, buyer } = system;
    const { requestId } = await requestAccess(escrow, buyer);
    const tx = await step(system, buyer, () => escrow.connect(alice).object(requestId), { buyer: FEE, escrow: -FEE });
    await expect(tx).to.emit(escrow, "RequestRejected").withArgs(requestId, true);
    await expectFinal(system, requestId, Status.Rejected);
  });

  it("rejected by governance: refunded in full", async function () {
    const system = await loadFixture(escrowFixture);
    const { escrow, admin, buyer } = system;
    const { requestId } = await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING });
    const tx = await step(system, buyer, () => escrow.connect(admin).reject([requestId]), { buyer: FEE, escrow: -FEE });
    await expect(tx).to.emit(escrow, "RequestRejected").withArgs(requestId, false);
    await expect(tx).to.emit(escrow, "FeeRefunded").withArgs(requestId, buyer.address, FEE);
    await expectFinal(system, requestId, Status.Rejected);
  });

  describe("cancel", function () {
    it("the buyer cancels a pending request, even during its objection window, and is refunded", async function () {
      const system = await loadFixture(escrowFixture);
      const { escrow, buyer, bob } = system;
      const { requestId } = await requestAccess(escrow, buyer);
      await escrow.connect(bob).object(requestId);
      const tx = await step(system, buyer, () => escrow.connect(buyer).cancel(requestId), {
        buyer: FEE,
        escrow: -FEE,
      });
      await expect(tx).to.emit(escrow, "RequestCancelled").withArgs(requestId);
      await expect(tx).to.emit(escrow, "FeeRefunded").withArgs(requestId, buyer.address, FEE);
      await expectFinal(system, requestId, Status.Cancelled);
    });

    it("only the buyer may cancel, and only while pending", async function () {
      const system = await loadFixture(escrowFixture);
      const { escrow, admin, buyer, buyer2 } = system;
      const { requestId } = await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING });
      await expect(escrow.connect(buyer2).cancel(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowNotBuyer")
        .withArgs(requestId, buyer2.address, buyer.address);
      await escrow.connect(admin).approve([requestId]);
      await expect(escrow.connect(buyer).cancel(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
        .withArgs(requestId, Status.Approved);
      await expect(escrow.connect(buyer).cancel(5n))
        .to.be.revertedWithCustomError(escrow, "EscrowUnknownRequest")
        .withArgs(5n);
      await expectConservation(system);
    });
  });

  describe("expire", function () {
    it("anyone expires a request undecided after its deadline; the buyer is refunded", async function () {
      const system = await loadFixture(escrowFixture);
      const { escrow, buyer, outsider } = system;
      const { requestId } = await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING });
      const { decisionDeadline } = await escrow.request(requestId);
      await time.setNextBlockTimestamp(decisionDeadline);
      await expect(escrow.connect(outsider).expire(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowDecisionDeadlineNotPassed")
        .withArgs(requestId, decisionDeadline);
      await time.increaseTo(decisionDeadline + 1n);
      const tx = await step(system, buyer, () => escrow.connect(outsider).expire(requestId), {
        buyer: FEE,
        escrow: -FEE,
      });
      await expect(tx).to.emit(escrow, "RequestExpired").withArgs(requestId);
      await expectFinal(system, requestId, Status.Expired);
    });

    it("an optimistic request nobody finalized expires too", async function () {
      const system = await loadFixture(escrowFixture);
      const { escrow, buyer } = system;
      const { requestId } = await requestAccess(escrow, buyer);
      await time.increaseTo((await escrow.request(requestId)).decisionDeadline + 1n);
      await step(system, buyer, () => escrow.expire(requestId), { buyer: FEE, escrow: -FEE });
      expect((await escrow.request(requestId)).status).to.equal(Status.Expired);
    });

    it("cannot expire an approved request", async function () {
      const { escrow, admin, buyer } = await loadFixture(escrowFixture);
      const { requestId } = await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING });
      await escrow.connect(admin).approve([requestId]);
      await time.increaseTo((await escrow.request(requestId)).decisionDeadline + 1n);
      await expect(escrow.expire(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
        .withArgs(requestId, Status.Approved);
    });
  });

  describe("markUndelivered", function () {
    it("anyone ends an approved request the custodian did not deliver in time; the buyer is refunded", async function () {
      const system = await loadFixture(escrowFixture);
      const { escrow, buyer, outsider } = system;
      const { requestId } = await requestAccess(escrow, buyer);
      await time.increase(RESEARCH_TERMS.objectionWindow + 1n);
      await escrow.finalize(requestId);
      const { deliveryDeadline } = await escrow.request(requestId);
      await time.setNextBlockTimestamp(deliveryDeadline);
      await expect(escrow.connect(outsider).markUndelivered(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowDeliveryDeadlineNotPassed")
        .withArgs(requestId, deliveryDeadline);
      await time.increaseTo(deliveryDeadline + 1n);
      const tx = await step(system, buyer, () => escrow.connect(outsider).markUndelivered(requestId), {
        buyer: FEE,
        escrow: -FEE,
      });
      await expect(tx).to.emit(escrow, "RequestUndelivered").withArgs(requestId);
      await expect(tx).to.emit(escrow, "FeeRefunded").withArgs(requestId, buyer.address, FEE);
      await expectFinal(system, requestId, Status.Undelivered);
    });

    it("is refused for a pending request", async function () {
      const { escrow, buyer } = await loadFixture(escrowFixture);
      const { requestId } = await requestAccess(escrow, buyer);
      await expect(escrow.markUndelivered(requestId))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
        .withArgs(requestId, Status.Pending);
    });
  });
});
