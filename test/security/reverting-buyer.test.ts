import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import { RevertingBuyer__factory } from "../../typechain-types";
import {
  DAY,
  Purpose,
  Status,
  escrowFixture,
  expectConservation,
  publicKeyOf,
  requestAccess,
  usdc,
} from "../support/escrow";

const FEE = usdc(500);

/**
 * A buyer that is a contract reverting on every call and payment it does not initiate. Refunds are plain ERC-20
 * transfers, which never call the recipient, so such a buyer cannot make its own refund, or a batch containing it,
 * fail: every way a request ends refunds it in full and leaves the escrow's books exact.
 */
async function revertingBuyerFixture() {
  const system = await escrowFixture();
  const hostile = await new RevertingBuyer__factory(system.outsider).deploy(system.escrow);
  await system.usdc.mint(hostile, 10n * FEE);
  const request = async () => {
    // AI_TRAINING has no standing terms: the request waits for a decision.
    await hostile.request(Purpose.AI_TRAINING, FEE, 7n * DAY, id("terms"), publicKeyOf("hostile buyer"));
    return system.escrow.requestCount();
  };
  return { ...system, hostile, request };
}

describe("Security: a buyer contract that reverts on refund", function () {
  it("really refuses calls and payments it does not initiate", async function () {
    const { hostile, outsider } = await loadFixture(revertingBuyerFixture);
    await expect(outsider.sendTransaction({ to: hostile, value: 1n })).to.be.revertedWithCustomError(
      hostile,
      "RevertingBuyerRefuses",
    );
    await expect(
      outsider.sendTransaction({ to: hostile, data: id("onERC20Received()").slice(0, 10) }),
    ).to.be.revertedWithCustomError(hostile, "RevertingBuyerRefuses");
  });

  it("is refunded in full when it cancels, when its request expires, and when governance rejects it", async function () {
    const { escrow, usdc: token, hostile, admin, outsider, request } = await loadFixture(revertingBuyerFixture);
    const start = await token.balanceOf(hostile);
    const [cancelled, expired, rejected] = [await request(), await request(), await request()];
    expect(await token.balanceOf(hostile)).to.equal(start - 3n * FEE);

    await expect(hostile.cancel(cancelled)).to.emit(escrow, "FeeRefunded").withArgs(cancelled, hostile, FEE);
    await expect(escrow.connect(admin).reject([rejected]))
      .to.emit(escrow, "FeeRefunded")
      .withArgs(rejected, hostile, FEE);
    await time.increaseTo((await escrow.request(expired)).decisionDeadline + 1n);
    await expect(escrow.connect(outsider).expire(expired))
      .to.emit(escrow, "FeeRefunded")
      .withArgs(expired, hostile, FEE);

    expect((await escrow.request(cancelled)).status).to.equal(Status.Cancelled);
    expect((await escrow.request(expired)).status).to.equal(Status.Expired);
    expect((await escrow.request(rejected)).status).to.equal(Status.Rejected);
    expect(await token.balanceOf(hostile)).to.equal(start);
    expect(await escrow.heldFees()).to.equal(0n);
    await expectConservation({ usdc: token, escrow });
  });

  it("is refunded when an approved request goes undelivered", async function () {
    const { escrow, usdc: token, hostile, admin, outsider, request } = await loadFixture(revertingBuyerFixture);
    const start = await token.balanceOf(hostile);
    const requestId = await request();
    await escrow.connect(admin).approve([requestId]);
    await time.increaseTo((await escrow.request(requestId)).deliveryDeadline + 1n);
    await expect(escrow.connect(outsider).markUndelivered(requestId)).to.changeTokenBalances(
      token,
      [hostile, escrow],
      [FEE, -FEE],
    );
    expect((await escrow.request(requestId)).status).to.equal(Status.Undelivered);
    await expectConservation({ usdc: token, escrow });
    expect(await token.balanceOf(hostile)).to.equal(start);
  });

  it("cannot make a batch rejection that includes it fail: every buyer in the batch is refunded", async function () {
    const { escrow, usdc: token, hostile, admin, buyer, request } = await loadFixture(revertingBuyerFixture);
    const hostileId = await request();
    const { requestId: honestId } = await requestAccess(escrow, buyer, { purpose: Purpose.AI_TRAINING, amount: FEE });
    await escrow.connect(admin).approve([honestId]);
    await expect(escrow.connect(admin).reject([hostileId, honestId])).to.changeTokenBalances(
      token,
      [hostile, buyer, escrow],
      [FEE, FEE, -2n * FEE],
    );
    expect((await escrow.request(hostileId)).status).to.equal(Status.Rejected);
    expect((await escrow.request(honestId)).status).to.equal(Status.Rejected);
    await expectConservation({ usdc: token, escrow });
  });
});
