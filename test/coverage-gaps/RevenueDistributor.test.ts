import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, ZeroAddress } from "ethers";
import { MockUSDC__factory, RevenueDistributor__factory } from "../../typechain-types";
import { nextEpoch, NO_CONSENT } from "../../scripts/lib/epoch";

/**
 * RevenueDistributor paths the behaviour specs do not reach: deployment and wiring guards, and the range checks
 * that keep weights in uint64 and the accumulator below 2^127. A plain account plays the registry and another the
 * depositor, so the bounds can be driven directly.
 */

const RESEARCH = 0;
const UINT64_MAX = 2n ** 64n - 1n;
const MAX_ACCUMULATOR = 2n ** 127n - 1n;
const PRECISION = 10n ** 18n;

async function bareLedgerFixture() {
  const [deployer, gov, registry, depositor, alice, outsider] = await ethers.getSigners();
  const token = await new MockUSDC__factory(deployer).deploy();
  const distributor = await new RevenueDistributor__factory(deployer).deploy(token, gov, 60);
  return { token, distributor, deployer, gov, registry, depositor, alice, outsider };
}

async function wiredLedgerFixture() {
  const f = await bareLedgerFixture();
  await f.distributor.wire(f.registry, f.depositor);
  await f.token.mint(f.depositor, 2n ** 200n);
  await f.token.connect(f.depositor).approve(f.distributor, MaxUint256);
  return f;
}

describe("Coverage gaps: RevenueDistributor", function () {
  it("refuses a zero settlement token or timelock at deployment", async function () {
    const { token, gov, deployer } = await loadFixture(bareLedgerFixture);
    const factory = new RevenueDistributor__factory(deployer);
    await expect(factory.deploy(ZeroAddress, gov, 60)).to.be.revertedWithCustomError(factory, "DistributorZeroAddress");
    await expect(factory.deploy(token, ZeroAddress, 60)).to.be.revertedWithCustomError(
      factory,
      "DistributorZeroAddress",
    );
  });

  it("is wired by its deployer only, to a non-zero registry, with an optional depositor", async function () {
    const { distributor, registry, outsider } = await loadFixture(bareLedgerFixture);
    await expect(distributor.connect(outsider).wire(registry, outsider))
      .to.be.revertedWithCustomError(distributor, "DistributorUnauthorizedWiring")
      .withArgs(outsider.address);
    await expect(distributor.wire(ZeroAddress, outsider)).to.be.revertedWithCustomError(
      distributor,
      "DistributorZeroAddress",
    );
    await expect(distributor.wire(registry, ZeroAddress))
      .to.emit(distributor, "Wired")
      .withArgs(registry.address, ZeroAddress);
    expect(await distributor.registry()).to.equal(registry.address);
    expect(await distributor.hasRole(await distributor.DEPOSITOR_ROLE(), ZeroAddress)).to.equal(false);
  });

  it("keeps every weight within uint64 and refuses to remove more weight than an account holds", async function () {
    const { distributor, registry, alice } = await loadFixture(wiredLedgerFixture);
    await expect(distributor.connect(registry).onConsentChange(alice, 0, NO_CONSENT, 0, 1 << RESEARCH, UINT64_MAX + 1n))
      .to.be.revertedWithCustomError(distributor, "DistributorWeightOverflow")
      .withArgs(RESEARCH, UINT64_MAX + 1n);
    await distributor.connect(registry).onConsentChange(alice, 0, NO_CONSENT, 0, 1 << RESEARCH, 100n);
    await nextEpoch({ distributor: distributor });
    await expect(distributor.connect(registry).onConsentChange(alice, 1 << RESEARCH, NO_CONSENT, 101n, 0, 0))
      .to.be.revertedWithCustomError(distributor, "DistributorWeightUnderflow")
      .withArgs(alice.address, RESEARCH, 100n, 101n);
    expect(await distributor.weightOf(alice, RESEARCH)).to.equal(100n);
    expect(await distributor.totalWeight(RESEARCH)).to.equal(100n);
  });

  it("takes deposits far past the old 2^127 accumulator bound, up to MAX_BALANCE held, and pays them exactly", async function () {
    const { distributor, token, registry, depositor, alice } = await loadFixture(wiredLedgerFixture);
    await distributor.connect(registry).onConsentChange(alice, 0, NO_CONSENT, 0, 1 << RESEARCH, 1n);
    await nextEpoch({ distributor });
    const max = await distributor.MAX_BALANCE();
    await expect(distributor.connect(depositor).deposit(RESEARCH, max + 1n))
      .to.be.revertedWithCustomError(distributor, "DistributorBalanceTooLarge")
      .withArgs(max + 1n, max);
    expect(await token.balanceOf(distributor)).to.equal(0n);
    await distributor.connect(depositor).deposit(RESEARCH, max);
    expect(await distributor.accumulator(RESEARCH)).to.equal(max * PRECISION);
    expect(max * PRECISION).to.be.gt(MAX_ACCUMULATOR);
    expect(await distributor.claimable(alice)).to.equal(max);
    await distributor.connect(alice).claim(1 << RESEARCH);
    // Once claimed, the same amount can be deposited again: the accumulator only ever grows (modulo 2^192).
    await distributor.connect(depositor).deposit(RESEARCH, max);
    expect(await distributor.claimable(alice)).to.equal(max);
  });
});
