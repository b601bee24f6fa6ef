import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import { ReentrantClaimer__factory, RevenueDistributor__factory, type RevenueDistributor } from "../../typechain-types";
import { nextEpoch, NO_CONSENT } from "../support/epoch";
import { hostileToken, type MintableToken, type TokenDeployer } from "../support/hostile-tokens";
import { bit, PRECISION, Purpose } from "../support/constants";

/**
 * The RevenueDistributor paid in hostile settlement tokens. The AccessEscrow's side (pulls, refunds, releases) is
 * covered by test/AccessEscrow.hostile.test.ts; this spec covers the distributor's own token movements: the pull in
 * `deposit` and the payment in `claim`. A plain account plays the registry (reports weights) and another the
 * depositor (the escrow's role), so each test drives the ledger directly.
 */

const { RESEARCH } = Purpose;
const MASK = bit(RESEARCH);
const DEPOSIT = 1_000_000n;

async function ledgerWith<T extends MintableToken>(deploy: TokenDeployer<T>) {
  const [deployer, gov, registry, depositor, alice, bob, recipient] = await ethers.getSigners();
  const token = await deploy(deployer);
  const distributor = await new RevenueDistributor__factory(deployer).deploy(token, gov, 60);
  await distributor.wire(registry, depositor);
  // alice holds 3/4 of RESEARCH's weight, bob 1/4.
  await distributor.connect(registry).onConsentChange(alice, 0, NO_CONSENT, 0, MASK, 300n);
  await distributor.connect(registry).onConsentChange(bob, 0, NO_CONSENT, 0, MASK, 100n);
  await nextEpoch({ distributor: distributor });
  await token.mint(depositor.address, 100n * DEPOSIT);
  await (token.connect(depositor) as T).approve(await distributor.getAddress(), MaxUint256);
  return { token, distributor, gov, registry, depositor, alice, bob, recipient };
}

const reentrant = () => ledgerWith(hostileToken.reentrant);
const falseReturning = () => ledgerWith(hostileToken.falseReturning);
const feeOnTransfer = () => ledgerWith(hostileToken.feeOnTransfer);
const reverting = () => ledgerWith(hostileToken.reverting);
const shrinking = () => ledgerWith(hostileToken.shrinking);

/** Everything a refused token movement must leave as it was: balances, accumulator, carry, earnings. */
async function snapshot(distributor: RevenueDistributor, token: MintableToken, accounts: string[]) {
  return {
    balances: await Promise.all([await distributor.getAddress(), ...accounts].map((a) => token.balanceOf(a))),
    acc: await distributor.accumulator(RESEARCH),
    carry: await distributor.carry(RESEARCH),
    earned: await Promise.all(accounts.map((a) => distributor.earnedScaled(a, RESEARCH))),
    claimable: await Promise.all(accounts.map((a) => distributor.claimable(a))),
  };
}

/** `balance * PRECISION == Σ earnedScaled + carry`, with every account that holds weight listed. */
async function expectConservation(distributor: RevenueDistributor, token: MintableToken, accounts: string[]) {
  const balance = await token.balanceOf(await distributor.getAddress());
  let earned = 0n;
  for (const a of accounts) earned += await distributor.earnedScaled(a, RESEARCH);
  expect(balance * PRECISION, "balance × PRECISION == Σ earnedScaled + carry").to.equal(
    earned + (await distributor.carry(RESEARCH)),
  );
}

describe("Security: hostile settlement tokens against the RevenueDistributor", function () {
  describe("a token that calls back during transfers (re-entrancy)", function () {
    it("a contributor contract cannot be paid twice by claiming again from the payment's callback", async function () {
      const h = await loadFixture(reentrant);
      const attacker = await new ReentrantClaimer__factory(h.alice).deploy(h.distributor, MASK);
      await h.distributor.connect(h.registry).onConsentChange(attacker, 0, NO_CONSENT, 0, MASK, 400n); // half the weight
      await nextEpoch({ distributor: h.distributor });
      await h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT);
      const owed = await h.distributor.claimable(attacker);
      expect(owed).to.equal(DEPOSIT / 2n);
      const accounts = [await attacker.getAddress(), h.alice.address, h.bob.address];
      const before = await snapshot(h.distributor, h.token, accounts);

      // The callback's second claim hits the guard; bubbling up, it reverts the whole claim.
      await h.token.arm(attacker, attacker.interface.encodeFunctionData("reenter"), true);
      await expect(attacker.claim()).to.be.revertedWithCustomError(h.distributor, "ReentrancyGuardReentrantCall");
      expect(await snapshot(h.distributor, h.token, accounts)).to.deep.equal(before);

      // Swallowed by the token, the second claim still fails, and the first pays exactly once.
      await h.token.arm(attacker, attacker.interface.encodeFunctionData("reenter"), false);
      await attacker.claim();
      const [callbacks, succeeded, returnData] = await h.token.lastCallback();
      expect([callbacks, succeeded]).to.deep.equal([1n, false]);
      expect(returnData).to.equal(h.distributor.interface.getError("ReentrancyGuardReentrantCall")!.selector);
      expect(await h.token.balanceOf(attacker)).to.equal(owed);
      expect(await h.distributor.claimable(attacker)).to.equal(0n);
      expect(await h.token.balanceOf(h.distributor)).to.equal(before.balances[0] - owed);
      await expectConservation(h.distributor, h.token, accounts);
    });

    it("a callback cannot claim or deposit while a deposit pulls the fee", async function () {
      const h = await loadFixture(reentrant);
      await h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT);
      const accounts = [h.alice.address, h.bob.address];
      const before = await snapshot(h.distributor, h.token, accounts);
      for (const data of [
        h.distributor.interface.encodeFunctionData("claim", [MASK]),
        h.distributor.interface.encodeFunctionData("claimTo", [MASK, h.recipient.address]),
        h.distributor.interface.encodeFunctionData("deposit", [RESEARCH, 1n]),
      ]) {
        await h.token.arm(h.distributor, data, true);
        await expect(h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT)).to.be.revertedWithCustomError(
          h.distributor,
          "ReentrancyGuardReentrantCall",
        );
        expect(await snapshot(h.distributor, h.token, accounts)).to.deep.equal(before);
      }
    });

    it("a callback cannot deposit or claim while a claim pays out", async function () {
      const h = await loadFixture(reentrant);
      await h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT);
      // Even a callback from an account holding the depositor role meets the guard first.
      await h.distributor.connect(h.gov).grantRole(await h.distributor.DEPOSITOR_ROLE(), h.token);
      const accounts = [h.alice.address, h.bob.address];
      const before = await snapshot(h.distributor, h.token, accounts);
      for (const data of [
        h.distributor.interface.encodeFunctionData("deposit", [RESEARCH, 1n]),
        h.distributor.interface.encodeFunctionData("claim", [MASK]),
      ]) {
        await h.token.arm(h.distributor, data, true);
        await expect(h.distributor.connect(h.alice).claim(MASK)).to.be.revertedWithCustomError(
          h.distributor,
          "ReentrancyGuardReentrantCall",
        );
        expect(await snapshot(h.distributor, h.token, accounts)).to.deep.equal(before);
      }
    });
  });

  describe("a token that returns false instead of reverting", function () {
    it("a pull that moves nothing credits nothing", async function () {
      const h = await loadFixture(falseReturning);
      await h.token.setFailing(true);
      const before = await snapshot(h.distributor, h.token, [h.alice.address, h.depositor.address]);
      await expect(h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT))
        .to.be.revertedWithCustomError(h.distributor, "SafeERC20FailedOperation")
        .withArgs(await h.token.getAddress());
      expect(await snapshot(h.distributor, h.token, [h.alice.address, h.depositor.address])).to.deep.equal(before);
    });

    it("a payment that moves nothing settles nothing: the revenue stays claimable, once", async function () {
      const h = await loadFixture(falseReturning);
      await h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT);
      await h.token.setFailing(true);
      const accounts = [h.alice.address, h.bob.address];
      const before = await snapshot(h.distributor, h.token, accounts);
      await expect(h.distributor.connect(h.alice).claim(MASK))
        .to.be.revertedWithCustomError(h.distributor, "SafeERC20FailedOperation")
        .withArgs(await h.token.getAddress());
      expect(await snapshot(h.distributor, h.token, accounts)).to.deep.equal(before);

      await h.token.setFailing(false);
      await expect(h.distributor.connect(h.alice).claim(MASK)).to.changeTokenBalance(
        h.token,
        h.alice,
        (DEPOSIT * 3n) / 4n,
      );
      await expect(h.distributor.connect(h.alice).claim(MASK)).to.be.revertedWithCustomError(
        h.distributor,
        "DistributorZeroAmount",
      );
      await expectConservation(h.distributor, h.token, accounts);
    });
  });

  describe("a token that takes a fee on transfer", function () {
    it("a deposit that delivers less than asked is refused, crediting nothing", async function () {
      const h = await loadFixture(feeOnTransfer);
      await h.token.setFee(100, false); // 1%, paid by the recipient
      const before = await snapshot(h.distributor, h.token, [h.alice.address, h.depositor.address]);
      await expect(h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT))
        .to.be.revertedWithCustomError(h.distributor, "DistributorUnexpectedTransfer")
        .withArgs(DEPOSIT, (DEPOSIT * 99n) / 100n);
      expect(await snapshot(h.distributor, h.token, [h.alice.address, h.depositor.address])).to.deep.equal(before);
    });

    it("a fee charged to the depositor on top of the amount is the depositor's loss, never the ledger's", async function () {
      const h = await loadFixture(feeOnTransfer);
      await h.token.setFee(100, true); // 1%, paid by the sender on top
      await expect(h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT)).to.changeTokenBalances(
        h.token,
        [h.depositor, h.distributor],
        [-(DEPOSIT + DEPOSIT / 100n), DEPOSIT],
      );
      expect(await h.distributor.claimable(h.alice)).to.equal((DEPOSIT * 3n) / 4n);
      await expectConservation(h.distributor, h.token, [h.alice.address, h.bob.address]);
    });

    it("a fee taken from a payment is the claimant's loss; the ledger pays out exactly the claim", async function () {
      const h = await loadFixture(feeOnTransfer);
      await h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT);
      await h.token.setFee(100, false);
      const owed = (DEPOSIT * 3n) / 4n;
      await expect(h.distributor.connect(h.alice).claim(MASK)).to.changeTokenBalances(
        h.token,
        [h.alice, h.distributor],
        [owed - owed / 100n, -owed],
      );
      await expectConservation(h.distributor, h.token, [h.alice.address, h.bob.address]);
    });
  });

  describe("a token that reverts transfers (blacklist, pause)", function () {
    it("a blocked contributor's claim reverts and settles nothing; it can still claim to another address", async function () {
      const h = await loadFixture(reverting);
      await h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT);
      await h.token.setBlocked(h.alice, true);
      const accounts = [h.alice.address, h.bob.address, h.recipient.address];
      const before = await snapshot(h.distributor, h.token, accounts);
      await expect(h.distributor.connect(h.alice).claim(MASK))
        .to.be.revertedWithCustomError(h.token, "RevertingTokenBlocked")
        .withArgs(await h.distributor.getAddress(), h.alice.address);
      expect(await snapshot(h.distributor, h.token, accounts)).to.deep.equal(before);

      await expect(h.distributor.connect(h.alice).claimTo(MASK, h.recipient)).to.changeTokenBalance(
        h.token,
        h.recipient,
        (DEPOSIT * 3n) / 4n,
      );
      await expectConservation(h.distributor, h.token, [h.alice.address, h.bob.address]);
    });

    it("a paused token blocks deposits and claims, crediting and settling nothing", async function () {
      const h = await loadFixture(reverting);
      await h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT);
      await h.token.setBlockAll(true);
      const accounts = [h.alice.address, h.bob.address, h.depositor.address];
      const before = await snapshot(h.distributor, h.token, accounts);
      await expect(h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT)).to.be.revertedWithCustomError(
        h.token,
        "RevertingTokenBlocked",
      );
      await expect(h.distributor.connect(h.bob).claim(MASK)).to.be.revertedWithCustomError(
        h.token,
        "RevertingTokenBlocked",
      );
      expect(await snapshot(h.distributor, h.token, accounts)).to.deep.equal(before);
    });
  });

  describe("a token that takes from the distributor while pulling a deposit", function () {
    it("the balance drop makes the deposit revert with a typed error, crediting nothing", async function () {
      const h = await loadFixture(shrinking);
      await h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT);
      await h.token.setShrinking(true);
      const accounts = [h.alice.address, h.bob.address, h.depositor.address];
      const before = await snapshot(h.distributor, h.token, accounts);
      // The balance went down: reported as nothing received.
      await expect(h.distributor.connect(h.depositor).deposit(RESEARCH, DEPOSIT))
        .to.be.revertedWithCustomError(h.distributor, "DistributorUnexpectedTransfer")
        .withArgs(DEPOSIT, 0n);
      expect(await snapshot(h.distributor, h.token, accounts)).to.deep.equal(before);
    });
  });
});
