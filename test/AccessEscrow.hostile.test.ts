import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, id, type BaseContract } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  AccessEscrow__factory,
  FalseReturningToken__factory,
  FeeOnTransferToken__factory,
  ReentrantToken__factory,
  RevenueDistributor__factory,
  RevertingToken__factory,
  type AccessEscrow,
  type RevenueDistributor,
} from "../typechain-types";
import { DAY, Purpose, Status, deployCustodianSet, escrowFixture, publicKeyOf, usdc } from "./helpers/escrow";
import { deliverNow, nextEpoch, NO_CONSENT } from "../scripts/lib/epoch";

const FEE = usdc(1000);
const TREASURY_SHARE = 500n;

interface MintableToken extends BaseContract {
  mint(to: string, amount: bigint): Promise<unknown>;
  balanceOf(account: string): Promise<bigint>;
  approve(spender: string, amount: bigint): Promise<unknown>;
}

/**
 * An escrow and a distributor paid in `token`, beside the real governance token and registry. A plain account
 * plays the registry (reports weights) and another the timelock, so tests can drive each step directly.
 */
async function hostileSystem<T extends MintableToken>(token: T) {
  const base = await escrowFixture();
  const [deployer] = base.signers;
  const [gov, custodian, treasury, registryAccount, buyer, buyer2] = base.signers.slice(8, 14);
  const distributor = await new RevenueDistributor__factory(deployer).deploy(token, gov, 60);
  const custodianSet = await deployCustodianSet(deployer, gov.address, [custodian.address]);
  const escrow = await new AccessEscrow__factory(deployer).deploy(
    token,
    base.token,
    base.registry,
    distributor,
    gov,
    treasury,
    { treasuryShareBps: TREASURY_SHARE, decisionPeriod: DAY, deliveryPeriod: DAY },
    custodianSet,
  );
  await distributor.wire(registryAccount, escrow);
  await distributor.connect(registryAccount).onConsentChange(base.alice, 0, NO_CONSENT, 0, 0b1, 100n);
  await nextEpoch({ distributor: distributor });
  for (const b of [buyer, buyer2]) {
    await token.mint(b.address, usdc(10_000));
    await (token.connect(b) as T).approve(await escrow.getAddress(), MaxUint256);
  }
  return { token, escrow, distributor, gov, custodian, treasury, buyer, buyer2 };
}

async function feeOnTransferFixture() {
  return hostileSystem(await new FeeOnTransferToken__factory((await ethers.getSigners())[0]).deploy(0));
}
async function falseReturningFixture() {
  return hostileSystem(await new FalseReturningToken__factory((await ethers.getSigners())[0]).deploy());
}
async function revertingFixture() {
  return hostileSystem(await new RevertingToken__factory((await ethers.getSigners())[0]).deploy());
}
async function reentrantFixture() {
  return hostileSystem(await new ReentrantToken__factory((await ethers.getSigners())[0]).deploy());
}

function request(escrow: AccessEscrow, buyer: HardhatEthersSigner, amount = FEE) {
  return escrow
    .connect(buyer)
    .requestAccess(Purpose.RESEARCH, amount, 7n * DAY, id("terms"), "ipfs://terms", publicKeyOf(buyer.address));
}

/** Everything a refused call must leave as it was. */
async function snapshot(
  h: { token: MintableToken; escrow: AccessEscrow; distributor: RevenueDistributor; treasury: HardhatEthersSigner },
  buyers: HardhatEthersSigner[],
) {
  const { token, escrow, distributor, treasury } = h;
  const requests = [];
  for (let i = 1n; i <= (await escrow.requestCount()); i++) requests.push(await escrow.request(i));
  return {
    requests,
    heldFees: await escrow.heldFees(),
    escrow: await token.balanceOf(await escrow.getAddress()),
    distributor: await token.balanceOf(await distributor.getAddress()),
    treasury: await token.balanceOf(treasury.address),
    buyers: await Promise.all(buyers.map((b) => token.balanceOf(b.address))),
  };
}

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
