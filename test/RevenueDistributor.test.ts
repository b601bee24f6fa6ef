import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { MaxUint256, ZeroAddress } from "ethers";
import { MockUSDC__factory, RevenueDistributor__factory } from "../typechain-types";
import { systemFixture, timelockSigner } from "./support/fixtures";
import { contribute } from "./support/contribute";
import { nextEpoch, NO_CONSENT } from "./support/epoch";
import { PURPOSE_ID } from "../src/protocol/constants";
import { bit, PRECISION } from "./support/constants";

const { RESEARCH, AI_TRAINING } = PURPOSE_ID;
const USDC = 10n ** 6n;

/** The system plus a depositor account holding the DEPOSITOR_ROLE (the escrow's role) and USDC. */
async function ledgerFixture() {
  const system = await systemFixture();
  const [, , , , , , depositor] = system.signers;
  const role = await system.distributor.DEPOSITOR_ROLE();
  await system.distributor.connect(await timelockSigner(system)).grantRole(role, depositor);
  await system.usdc.mint(depositor, 1_000_000n * USDC);
  await system.usdc.connect(depositor).approve(system.distributor, ethers.MaxUint256);
  return { ...system, depositor };
}

/** Weights 1:2:3 consenting to AI training and a fourth contributor who said "do not train on my data". */
async function splitFixture() {
  const system = await ledgerFixture();
  const { alice, bob, carol, dave } = system;
  const hashes: Record<string, string> = {};
  for (const [who, units, purposes] of [
    [alice, 100, bit(RESEARCH) | bit(AI_TRAINING)],
    [bob, 200, bit(AI_TRAINING)],
    [carol, 300, bit(AI_TRAINING)],
    [dave, 400, bit(RESEARCH)],
  ] as const) {
    const { attestation } = await contribute(system, who, { units, quality: 10_000, purposes });
    hashes[who.address] = attestation.contentHash;
  }
  await nextEpoch(system); // consent given takes effect in the next epoch
  return { ...system, hashes };
}

const UINT64_MAX = 2n ** 64n - 1n;
const MAX_ACCUMULATOR = 2n ** 127n - 1n;

/** A distributor of its own, paid in a fresh mock USDC: `registry` and `depositor` are plain accounts. */
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

describe("RevenueDistributor", function () {
  it("splits a deposit 1:2:3 among the consenting weights and gives the opted-out contributor nothing", async function () {
    const { distributor, depositor, alice, bob, carol, dave } = await loadFixture(splitFixture);
    await expect(distributor.connect(depositor).deposit(AI_TRAINING, 600n * USDC)).to.emit(distributor, "Deposited");
    expect(await distributor.claimable(alice)).to.equal(100n * USDC);
    expect(await distributor.claimable(bob)).to.equal(200n * USDC);
    expect(await distributor.claimable(carol)).to.equal(300n * USDC);
    expect(await distributor.claimable(dave)).to.equal(0n);
    expect(await distributor.carry(AI_TRAINING)).to.equal(0n);
  });

  it("pays claims in the settlement token, to the caller or a named recipient", async function () {
    const { distributor, usdc, depositor, alice, bob, eve } = await loadFixture(splitFixture);
    await distributor.connect(depositor).deposit(AI_TRAINING, 600n * USDC);
    expect(await distributor.purposesHeld(alice)).to.equal(bit(RESEARCH) | bit(AI_TRAINING));
    const tx = distributor.connect(alice).claim(bit(RESEARCH) | bit(AI_TRAINING));
    await expect(tx)
      .to.emit(distributor, "Claimed")
      .withArgs(alice.address, alice.address, bit(RESEARCH) | bit(AI_TRAINING), 100n * USDC);
    await expect(tx).to.changeTokenBalances(usdc, [alice, distributor], [100n * USDC, -100n * USDC]);
    await expect(distributor.connect(bob).claimTo(bit(AI_TRAINING), eve)).to.changeTokenBalance(usdc, eve, 200n * USDC);
    expect(await distributor.claimable(alice)).to.equal(0n);
    await expect(distributor.connect(alice).claim(bit(AI_TRAINING))).to.be.revertedWithCustomError(
      distributor,
      "DistributorZeroAmount",
    );
    await expect(distributor.connect(bob).claimTo(bit(AI_TRAINING), ethers.ZeroAddress))
      .to.be.revertedWithCustomError(distributor, "DistributorInvalidRecipient")
      .withArgs(ethers.ZeroAddress);
  });

  it("applies a consent change to revenue deposited after it only", async function () {
    const { distributor, registry, depositor, alice, bob, carol, hashes } = await loadFixture(splitFixture);
    await distributor.connect(depositor).deposit(AI_TRAINING, 600n * USDC);
    await registry.connect(carol).setPurposes(hashes[carol.address], bit(RESEARCH)); // "do not train" from now on
    await distributor.connect(depositor).deposit(AI_TRAINING, 300n * USDC);
    expect(await distributor.claimable(carol)).to.equal(300n * USDC); // the first deposit only
    expect(await distributor.claimable(alice)).to.equal(100n * USDC + 100n * USDC);
    expect(await distributor.claimable(bob)).to.equal(200n * USDC + 200n * USDC);
  });

  it("pays consent given in an epoch from the next epoch on, and stops paying withdrawn consent at once", async function () {
    const { distributor, registry, depositor, alice, bob, carol, hashes } = await loadFixture(splitFixture);
    await registry.connect(alice).setPurposes(hashes[alice.address], bit(RESEARCH)); // leaves AI_TRAINING now
    await registry.connect(carol).setPurposes(hashes[carol.address], bit(RESEARCH) | bit(AI_TRAINING)); // pending
    expect(await distributor.pendingWeightOf(carol, RESEARCH)).to.equal(300n * 10_000n);
    expect(await distributor.pendingWeight(RESEARCH)).to.equal(300n * 10_000n);
    expect(await registry.isEligible(hashes[carol.address], RESEARCH)).to.equal(false);
    await distributor.connect(depositor).deposit(AI_TRAINING, 500n * USDC); // bob 200 : carol 300
    await distributor.connect(depositor).deposit(RESEARCH, 500n * USDC); // alice 100 : dave 400, carol pending
    expect(await distributor.claimable(alice)).to.equal(100n * USDC);
    expect(await distributor.claimable(bob)).to.equal(200n * USDC);
    expect(await distributor.claimable(carol)).to.equal(300n * USDC);
    await nextEpoch({ distributor });
    expect(await registry.isEligible(hashes[carol.address], RESEARCH)).to.equal(true);
    expect(await distributor.totalWeight(RESEARCH)).to.equal(800n * 10_000n);
    await distributor.connect(depositor).deposit(RESEARCH, 800n * USDC); // alice 100 : carol 300 : dave 400
    expect(await distributor.claimable(carol)).to.equal(600n * USDC);
    expect(await distributor.claimable(alice)).to.equal(200n * USDC);
    // Carol's claim pays both parts (the effective one and the one that became effective) and nothing twice.
    await distributor.connect(carol).claim(bit(RESEARCH) | bit(AI_TRAINING));
    expect(await distributor.claimable(carol)).to.equal(0n);
  });

  it("keeps revenue earned before a revocation claimable, and earns nothing after it", async function () {
    const { distributor, registry, depositor, bob, hashes } = await loadFixture(splitFixture);
    await distributor.connect(depositor).deposit(AI_TRAINING, 600n * USDC);
    await registry.connect(bob).revoke(hashes[bob.address]);
    await distributor.connect(depositor).deposit(AI_TRAINING, 400n * USDC);
    expect(await distributor.weightOf(bob, AI_TRAINING)).to.equal(0n);
    expect(await distributor.purposesHeld(bob)).to.equal(bit(AI_TRAINING));
    expect(await distributor.claimable(bob)).to.equal(200n * USDC);
    await expect(distributor.connect(bob).claim(bit(AI_TRAINING))).to.changeTokenBalance(
      await ethers.getContractAt("MockUSDC", await distributor.settlementToken()),
      bob,
      200n * USDC,
    );
  });

  it("carries rounding remainders forward: never lost, never over-paid", async function () {
    const { distributor, usdc, depositor, alice, bob, carol } = await loadFixture(splitFixture);
    // 1 + 2 + 3 units of weight per 6e6: deposits of 1 unit each cannot be split evenly.
    for (let i = 0; i < 7; i++) await distributor.connect(depositor).deposit(AI_TRAINING, 1n);
    const weights = [1n, 2n, 3n].map((w) => w * 100n * 10_000n);
    const total = weights.reduce((a, b) => a + b);
    const acc = await distributor.accumulator(AI_TRAINING);
    expect(acc * total + (await distributor.carry(AI_TRAINING))).to.equal(7n * PRECISION);
    const claimable = await Promise.all([alice, bob, carol].map((a) => distributor.claimable(a)));
    expect(claimable).to.deep.equal([1n, 2n, 3n]); // floor(7/6 × w)
    expect(await usdc.balanceOf(distributor)).to.equal(7n); // one unit still held, owed to nobody yet
  });

  it("rejects deposits nobody consents to, zero or invalid, and from anyone but a depositor", async function () {
    const { distributor, depositor, alice } = await loadFixture(splitFixture);
    await expect(distributor.connect(depositor).deposit(4, 1n))
      .to.be.revertedWithCustomError(distributor, "DistributorNoConsentingWeight")
      .withArgs(4);
    await expect(distributor.connect(depositor).deposit(AI_TRAINING, 0n)).to.be.revertedWithCustomError(
      distributor,
      "DistributorZeroAmount",
    );
    await expect(distributor.connect(depositor).deposit(16, 1n))
      .to.be.revertedWithCustomError(distributor, "DistributorInvalidPurpose")
      .withArgs(16);
    await expect(distributor.connect(alice).deposit(AI_TRAINING, 1n))
      .to.be.revertedWithCustomError(distributor, "AccessControlUnauthorizedAccount")
      .withArgs(alice.address, await distributor.DEPOSITOR_ROLE());
  });

  it("takes weight changes from the registry only, and is wired once by its deployer", async function () {
    const { distributor, deployer, alice } = await loadFixture(splitFixture);
    await expect(distributor.connect(alice).onConsentChange(alice, 0, NO_CONSENT, 0, 1, 1))
      .to.be.revertedWithCustomError(distributor, "DistributorUnauthorizedRegistry")
      .withArgs(alice.address);
    await expect(distributor.connect(deployer).wire(alice, alice))
      .to.be.revertedWithCustomError(distributor, "DistributorUnauthorizedWiring")
      .withArgs(deployer.address);
  });

  it("keeps conservation after every step of a random sequence (property-based, seeded)", async function () {
    const system = await loadFixture(ledgerFixture);
    const { registry, distributor, usdc, depositor } = system;
    const actors = system.signers.slice(1, 6);
    const PURPOSES = 3;
    type Step =
      | { kind: "contribute"; actor: number; units: number; quality: number; purposes: number }
      | { kind: "setPurposes"; actor: number; pick: number; purposes: number }
      | { kind: "revoke"; actor: number; pick: number }
      | { kind: "deposit"; purpose: number; amount: bigint }
      | { kind: "claim"; actor: number; purposes: number };
    const actor = fc.integer({ min: 0, max: actors.length - 1 });
    const mask = fc.integer({ min: 0, max: (1 << PURPOSES) - 1 });
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        kind: fc.constant("contribute" as const),
        actor,
        units: fc.integer({ min: 1, max: 100_000 }),
        quality: fc.integer({ min: 1, max: 10_000 }),
        purposes: mask,
      }),
      fc.record({ kind: fc.constant("setPurposes" as const), actor, pick: fc.nat(), purposes: mask }),
      fc.record({ kind: fc.constant("revoke" as const), actor, pick: fc.nat() }),
      fc.record({
        kind: fc.constant("deposit" as const),
        purpose: fc.integer({ min: 0, max: PURPOSES - 1 }),
        amount: fc.bigInt({ min: 1n, max: 10_000n * USDC }),
      }),
      fc.record({ kind: fc.constant("claim" as const), actor, purposes: mask }),
    );
    const active: string[][] = actors.map(() => []);
    let deposited = 0n;
    let claimed = 0n;

    async function checkConservation() {
      const held = await usdc.balanceOf(distributor);
      let earned = 0n;
      let claimable = 0n;
      for (const a of actors) {
        for (let p = 0; p < PURPOSES; p++) earned += await distributor.earnedScaled(a, p);
        claimable += await distributor.claimable(a);
      }
      let carried = 0n;
      for (let p = 0; p < PURPOSES; p++) carried += await distributor.carry(p);
      expect(held * PRECISION).to.equal(earned + carried, "held = Σ earned + Σ carry (scaled)");
      expect(held).to.be.gte(claimable, "never over-paid");
      expect(held).to.equal(deposited - claimed);
    }

    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 60, maxLength: 60 }), async (steps) => {
        for (const s of steps) {
          if (s.kind === "contribute") {
            const { attestation } = await contribute(system, actors[s.actor], s);
            active[s.actor].push(attestation.contentHash);
          } else if (s.kind === "setPurposes" && active[s.actor].length > 0) {
            const hash = active[s.actor][s.pick % active[s.actor].length];
            await registry.connect(actors[s.actor]).setPurposes(hash, s.purposes);
          } else if (s.kind === "revoke" && active[s.actor].length > 0) {
            const [hash] = active[s.actor].splice(s.pick % active[s.actor].length, 1);
            await registry.connect(actors[s.actor]).revoke(hash);
          } else if (s.kind === "deposit") {
            if ((await distributor.totalWeight(s.purpose)) === 0n) continue;
            await distributor.connect(depositor).deposit(s.purpose, s.amount);
            deposited += s.amount;
          } else if (s.kind === "claim") {
            const amount = await distributor.claimableFor(actors[s.actor], s.purposes);
            if (amount === 0n) continue;
            await distributor.connect(actors[s.actor]).claim(s.purposes);
            claimed += amount;
          }
          await checkConservation();
        }
      }),
      { seed: 20261121, numRuns: 4, endOnFailure: true },
    );
  });

  /**
   * Deployment and wiring guards, the uint64 range of weights, and the MAX_BALANCE bound on deposits (which replaced
   * the old 2^127 accumulator bound), on a bare distributor whose registry and depositor are plain accounts.
   */
  describe("deployment, wiring and bounds", function () {
    it("refuses a zero settlement token or timelock at deployment", async function () {
      const { token, gov, deployer } = await loadFixture(bareLedgerFixture);
      const factory = new RevenueDistributor__factory(deployer);
      await expect(factory.deploy(ZeroAddress, gov, 60)).to.be.revertedWithCustomError(
        factory,
        "DistributorZeroAddress",
      );
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
      await expect(
        distributor.connect(registry).onConsentChange(alice, 0, NO_CONSENT, 0, 1 << RESEARCH, UINT64_MAX + 1n),
      )
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
});
