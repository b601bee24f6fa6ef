import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import { Status } from "./support/escrow";
import { deliverNow } from "./support/epoch";
import {
  HOSTILE_FEE as FEE,
  HOSTILE_TREASURY_SHARE_BPS as TREASURY_SHARE,
  escrowBooks as snapshot,
  escrowPaidIn,
  hostileRequest as request,
  hostileToken,
} from "./support/hostile-tokens";

const feeOnTransferFixture = () => escrowPaidIn(hostileToken.feeOnTransfer);
const falseReturningFixture = () => escrowPaidIn(hostileToken.falseReturning);
const revertingFixture = () => escrowPaidIn(hostileToken.reverting);
const reentrantFixture = () => escrowPaidIn(hostileToken.reentrant);

describe("AccessEscrow: hostile tokens and reentrancy", function () {
  describe("fee-on-transfer token", function () {
    it("rejects a request when less than the fee arrives, recording nothing", async function () {
      const h = await loadFixture(feeOnTransferFixture);
      await h.token.setFee(100, false); // 1%
      await expect(request(h.escrow, h.buyer))
        .to.be.revertedWithCustomError(h.escrow, "EscrowUnexpectedTransfer")
        .withArgs(FEE, (FEE * 99n) / 100n);
      expect(await h.escrow.requestCount()).to.equal(0n);
      expect(await h.escrow.heldFees()).to.equal(0n);
      expect(await h.token.balanceOf(h.escrow)).to.equal(0n);
    });

    it("a fee switched on later cannot make the escrow pay out more than it holds", async function () {
      const h = await loadFixture(feeOnTransferFixture);
      await request(h.escrow, h.buyer);
      await request(h.escrow, h.buyer2);
      await h.escrow.connect(h.gov).approve([2n]);

      // The sender is charged the fee on top: a refund would take 1010 from the escrow for a 1000 fee.
      await h.token.setFee(100, true);
      const before = await snapshot(h, [h.buyer, h.buyer2]);
      await expect(h.escrow.connect(h.buyer).cancel(1n))
        .to.be.revertedWithCustomError(h.escrow, "EscrowInsolvent")
        .withArgs(2n * FEE - FEE - FEE / 100n, FEE);
      expect(await snapshot(h, [h.buyer, h.buyer2])).to.deep.equal(before);

      // The recipient pays the fee: the distributor sees a shortfall and refuses the deposit.
      await h.token.setFee(100, false);
      await expect(deliverNow(h.escrow.connect(h.custodian), 2n, "ipfs://m", id("m")))
        .to.be.revertedWithCustomError(h.distributor, "DistributorUnexpectedTransfer")
        .withArgs(FEE - (FEE * TREASURY_SHARE) / 10_000n, ((FEE - (FEE * TREASURY_SHARE) / 10_000n) * 99n) / 100n);
      expect(await snapshot(h, [h.buyer, h.buyer2])).to.deep.equal(before);

      // A refund in that mode costs the buyer the token's fee, but the escrow's books stay exact.
      await h.escrow.connect(h.buyer).cancel(1n);
      expect(await h.token.balanceOf(h.buyer)).to.equal(before.buyers[0] + (FEE * 99n) / 100n);
      expect(await h.escrow.heldFees()).to.equal(FEE);
      expect(await h.token.balanceOf(h.escrow)).to.equal(FEE);
    });
  });

  describe("token returning false", function () {
    it("a failed pull records no request", async function () {
      const h = await loadFixture(falseReturningFixture);
      await h.token.setFailing(true);
      await expect(request(h.escrow, h.buyer))
        .to.be.revertedWithCustomError(h.escrow, "SafeERC20FailedOperation")
        .withArgs(await h.token.getAddress());
      expect(await h.escrow.requestCount()).to.equal(0n);
      expect(await h.escrow.heldFees()).to.equal(0n);
    });

    it("a failed refund is kept for the buyer; a failed release reverts with nothing released", async function () {
      const h = await loadFixture(falseReturningFixture);
      await request(h.escrow, h.buyer);
      await request(h.escrow, h.buyer2);
      await h.escrow.connect(h.gov).approve([2n]);
      await h.token.setFailing(true);
      const before = await snapshot(h, [h.buyer, h.buyer2]);
      // The ending succeeds; the refund the token refused is kept, still counted in heldFees.
      await expect(h.escrow.connect(h.buyer).cancel(1n)).to.emit(h.escrow, "RefundHeld").withArgs(1n, h.buyer, FEE);
      expect(await h.escrow.refundOwed(h.buyer)).to.equal(FEE);
      expect(await h.escrow.heldFees()).to.equal(2n * FEE);
      await expect(deliverNow(h.escrow.connect(h.custodian), 2n, "ipfs://m", id("m")))
        .to.be.revertedWithCustomError(h.escrow, "SafeERC20FailedOperation")
        .withArgs(await h.token.getAddress());
      expect((await h.escrow.request(2n)).status).to.equal(Status.Approved);
      expect(await h.token.balanceOf(h.escrow)).to.equal(before.escrow);

      await h.token.setFailing(false);
      await h.escrow.connect(h.buyer).withdrawRefund(h.buyer);
      await deliverNow(h.escrow.connect(h.custodian), 2n, "ipfs://m", id("m"));
      expect(await h.token.balanceOf(h.buyer)).to.equal(before.buyers[0] + FEE);
      expect(await h.token.balanceOf(h.treasury)).to.equal((FEE * TREASURY_SHARE) / 10_000n);
      expect(await h.escrow.heldFees()).to.equal(0n);
      expect(await h.token.balanceOf(h.escrow)).to.equal(0n);
    });
  });

  describe("reverting token", function () {
    it("a blocked buyer's refund is kept for it to withdraw once it can receive", async function () {
      const h = await loadFixture(revertingFixture);
      await request(h.escrow, h.buyer);
      await h.token.setBlocked(h.buyer, true);
      const before = await snapshot(h, [h.buyer]);
      await expect(h.escrow.connect(h.buyer).cancel(1n)).to.emit(h.escrow, "RefundHeld").withArgs(1n, h.buyer, FEE);
      expect((await h.escrow.request(1n)).status).to.equal(Status.Cancelled);
      expect(await h.token.balanceOf(h.escrow)).to.equal(before.escrow);
      await expect(h.escrow.connect(h.buyer).withdrawRefund(h.buyer)).to.be.revertedWithCustomError(
        h.token,
        "RevertingTokenBlocked",
      );

      await h.token.setBlocked(h.buyer, false);
      await h.escrow.connect(h.buyer).withdrawRefund(h.buyer);
      expect(await h.token.balanceOf(h.buyer)).to.equal(before.buyers[0] + FEE);
      expect(await h.escrow.heldFees()).to.equal(0n);
    });

    it("a blocked treasury makes delivery revert with nothing released", async function () {
      const h = await loadFixture(revertingFixture);
      await request(h.escrow, h.buyer);
      await h.escrow.connect(h.gov).approve([1n]);
      await h.token.setBlocked(h.treasury, true);
      const before = await snapshot(h, [h.buyer]);
      await expect(deliverNow(h.escrow.connect(h.custodian), 1n, "ipfs://m", id("m")))
        .to.be.revertedWithCustomError(h.token, "RevertingTokenBlocked")
        .withArgs(await h.escrow.getAddress(), h.treasury.address);
      expect(await snapshot(h, [h.buyer])).to.deep.equal(before);
      // Governance can route the share elsewhere and delivery goes through.
      await h.escrow.connect(h.gov).setTreasury(h.gov);
      await deliverNow(h.escrow.connect(h.custodian), 1n, "ipfs://m", id("m"));
      expect(await h.token.balanceOf(h.gov)).to.equal((FEE * TREASURY_SHARE) / 10_000n);
    });

    it("a paused token blocks requests", async function () {
      const h = await loadFixture(revertingFixture);
      await h.token.setBlockAll(true);
      await expect(request(h.escrow, h.buyer))
        .to.be.revertedWithCustomError(h.token, "RevertingTokenBlocked")
        .withArgs(h.buyer.address, await h.escrow.getAddress());
      expect(await h.escrow.requestCount()).to.equal(0n);
    });
  });

  describe("reentrant token", function () {
    it("blocks a callback into the escrow during a refund; the refund is kept, nothing moves twice", async function () {
      const h = await loadFixture(reentrantFixture);
      await request(h.escrow, h.buyer);
      await request(h.escrow, h.buyer2);
      const before = await snapshot(h, [h.buyer, h.buyer2]);
      await h.token.arm(h.escrow, h.escrow.interface.encodeFunctionData("expire", [2n]), true);
      // The reentrant call reverts inside the token's transfer, so the push fails and the refund is kept.
      await expect(h.escrow.connect(h.buyer).cancel(1n)).to.emit(h.escrow, "RefundHeld").withArgs(1n, h.buyer, FEE);
      expect((await h.escrow.request(2n)).status).to.equal(Status.Pending);
      expect(await h.token.balanceOf(h.escrow)).to.equal(before.escrow);
      expect(await h.escrow.heldFees()).to.equal(2n * FEE);
    });

    it("a swallowed reentrant call during a refund fails, and the refund happens exactly once", async function () {
      const h = await loadFixture(reentrantFixture);
      await request(h.escrow, h.buyer);
      const before = await snapshot(h, [h.buyer]);
      await h.token.arm(h.escrow, h.escrow.interface.encodeFunctionData("cancel", [1n]), false);
      await h.escrow.connect(h.buyer).cancel(1n);
      const [callbacks, succeeded, returnData] = await h.token.lastCallback();
      expect([callbacks, succeeded]).to.deep.equal([1n, false]);
      expect(returnData).to.equal(h.escrow.interface.getError("ReentrancyGuardReentrantCall")!.selector);
      expect((await h.escrow.request(1n)).status).to.equal(Status.Cancelled);
      expect(await h.token.balanceOf(h.buyer)).to.equal(before.buyers[0] + FEE);
      expect(await h.escrow.heldFees()).to.equal(0n);
      expect(await h.token.balanceOf(h.escrow)).to.equal(0n);
    });

    it("blocks a callback into the escrow during the release of a fee", async function () {
      const h = await loadFixture(reentrantFixture);
      await request(h.escrow, h.buyer);
      await request(h.escrow, h.buyer2);
      await h.escrow.connect(h.gov).approve([1n, 2n]);
      const before = await snapshot(h, [h.buyer, h.buyer2]);
      for (const data of [
        h.escrow.interface.encodeFunctionData("markUndelivered", [1n]),
        h.escrow.interface.encodeFunctionData("markUndelivered", [2n]),
        h.escrow.interface.encodeFunctionData("cancel", [2n]),
      ]) {
        await h.token.arm(h.escrow, data, true);
        await expect(deliverNow(h.escrow.connect(h.custodian), 1n, "ipfs://m", id("m"))).to.be.revertedWithCustomError(
          h.escrow,
          "ReentrancyGuardReentrantCall",
        );
        expect(await snapshot(h, [h.buyer, h.buyer2])).to.deep.equal(before);
      }

      // Swallowed: the release completes once, and the other request is untouched.
      await h.token.arm(h.escrow, h.escrow.interface.encodeFunctionData("markUndelivered", [2n]), false);
      await deliverNow(h.escrow.connect(h.custodian), 1n, "ipfs://m", id("m"));
      const [, succeeded] = await h.token.lastCallback();
      expect(succeeded).to.equal(false);
      expect((await h.escrow.request(1n)).status).to.equal(Status.Delivered);
      expect((await h.escrow.request(2n)).status).to.equal(Status.Approved);
      expect(await h.escrow.heldFees()).to.equal(FEE);
      expect(await h.token.balanceOf(h.escrow)).to.equal(FEE);
      expect(await h.token.balanceOf(h.treasury)).to.equal((FEE * TREASURY_SHARE) / 10_000n);
      expect(await h.token.balanceOf(h.distributor)).to.equal(FEE - (FEE * TREASURY_SHARE) / 10_000n);
    });

    it("blocks a callback into the escrow while a fee is pulled", async function () {
      const h = await loadFixture(reentrantFixture);
      await request(h.escrow, h.buyer);
      await h.token.arm(h.escrow, h.escrow.interface.encodeFunctionData("expire", [1n]), true);
      await expect(request(h.escrow, h.buyer2)).to.be.revertedWithCustomError(h.escrow, "ReentrancyGuardReentrantCall");
      expect(await h.escrow.requestCount()).to.equal(1n);
      expect(await h.escrow.heldFees()).to.equal(FEE);
    });
  });
});
