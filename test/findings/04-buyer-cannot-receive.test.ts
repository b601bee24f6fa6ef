import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import { deploySystem, timelockSigner } from "../support/fixtures";
import { contribute } from "../support/contribute";
import { nextEpoch } from "../support/epoch";
import { RevertingToken__factory } from "../../typechain-types";
import { RESEARCH_TERMS, Purpose, Status, requestAccess, usdc } from "../support/escrow";

const { RESEARCH } = Purpose;
const FEE = usdc(1000);

/** A system paid in a blocklisting token; a holder with votes, a buyer the token will block. */
async function blocklistFixture() {
  const [deployer] = await ethers.getSigners();
  const token = await new RevertingToken__factory(deployer).deploy(); // blocks listed accounts, as USDC does
  const system = await deploySystem({}, await token.getAddress());
  const [, holder, buyer, fresh] = system.signers;
  await contribute(system, holder, { purposes: 1 << RESEARCH });
  await nextEpoch(system);
  const admin = await timelockSigner(system);
  await system.escrow.connect(admin).setStandingTerms(RESEARCH, RESEARCH_TERMS);
  await token.mint(buyer, 10n * FEE);
  await token.connect(buyer).approve(system.escrow, MaxUint256);
  return { ...system, token, admin, holder, buyer, fresh };
}

/**
 * Finding 4 (low): refunds were pushed in the same call, so a buyer that cannot receive (blocklisted, reverting)
 * made the objection that reached the threshold revert, and `reject` too; the request could still be finalized.
 * Fix: every ending succeeds; a refund that cannot be pushed is kept for the buyer to withdraw, in `heldFees`.
 */
describe("Finding 4: a buyer who cannot receive blocks its own rejection", function () {
  it("rejects by objection although the refund cannot be pushed, and keeps it for the buyer", async function () {
    const { escrow, token, holder, buyer, fresh } = await loadFixture(blocklistFixture);
    const { requestId } = await requestAccess(escrow, buyer, { purpose: RESEARCH, amount: FEE });
    await token.setBlocked(buyer, true);
    const balance = await token.balanceOf(escrow);

    await expect(escrow.connect(holder).object(requestId))
      .to.emit(escrow, "RefundHeld")
      .withArgs(requestId, buyer.address, FEE);
    expect((await escrow.request(requestId)).status).to.equal(Status.Rejected);
    // The objection window passing changes nothing: a rejected request can never be finalized.
    await time.increaseTo((await escrow.request(requestId)).objectionDeadline + 1n);
    await expect(escrow.finalize(requestId)).to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus");
    expect(await token.balanceOf(escrow)).to.equal(balance);
    expect(await escrow.heldFees()).to.equal(FEE);
    expect(await escrow.refundOwed(buyer)).to.equal(FEE);

    // The buyer withdraws to an address the token lets it pay.
    await expect(escrow.connect(buyer).withdrawRefund(fresh))
      .to.emit(escrow, "RefundWithdrawn")
      .withArgs(buyer.address, fresh.address, FEE);
    expect(await token.balanceOf(fresh)).to.equal(FEE);
    expect(await escrow.heldFees()).to.equal(0n);
    await expect(escrow.connect(buyer).withdrawRefund(fresh))
      .to.be.revertedWithCustomError(escrow, "EscrowNoRefundOwed")
      .withArgs(buyer.address);
  });

  it("lets governance reject, and the buyer cancel or expire, whatever the token does", async function () {
    const { escrow, token, admin, buyer } = await loadFixture(blocklistFixture);
    const ids: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING, amount: FEE })).requestId);
    }
    await token.setBlocked(buyer, true);
    await expect(escrow.connect(admin).reject([ids[0]])).to.emit(escrow, "RefundHeld");
    await expect(escrow.connect(buyer).cancel(ids[1])).to.emit(escrow, "RefundHeld");
    await time.increaseTo((await escrow.request(ids[2])).decisionDeadline + 1n);
    await expect(escrow.expire(ids[2])).to.emit(escrow, "RefundHeld");
    expect(await escrow.refundOwed(buyer)).to.equal(3n * FEE);
    expect(await escrow.heldFees()).to.equal(3n * FEE);
    expect(await token.balanceOf(escrow)).to.equal(3n * FEE);
    await expect(escrow.connect(buyer).withdrawRefund(escrow))
      .to.be.revertedWithCustomError(escrow, "EscrowInvalidRecipient")
      .withArgs(await escrow.getAddress());
  });
});
