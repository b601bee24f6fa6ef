import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystem } from "../support/fixtures";
import { attest, uniqueHash } from "../support/contribute";
import { Proposal, Vote } from "../support/governance";

const COOP = 10n ** 18n;
const BUDGET = 10_000n * COOP; // per day
const HONEST_SUPPLY = 1_000_000n * COOP;

/** Budgeted minting at k = 1 beside honest holders of 1,000,000 COOP; validator 0 colludes with `mallory`. */
async function collusionFixture() {
  const system = await deploySystem({ initialSupply: HONEST_SUPPLY, mintBudget: BUDGET, mintPeriod: 86_400 });
  const [honest] = system.signers;
  const mallory = system.signers[9];
  await system.token.connect(honest).delegate(honest);
  return { ...system, honest, mallory, rogue: system.validators[0] };
}

/**
 * Finding 2 (medium): with k = 1 and no limit per attestation, one attestation of 2^32 - 1 units at full
 * quality minted to the cap and its holder passed proposals alone. Fix: a governance-set maximum of units per
 * attestation and a mint budget per window; a reward beyond the budget is cut, not refused.
 */
describe("Finding 2: one validator key mints the whole cap and takes over governance", function () {
  it("mints no more than the budget to a colluding validator and contributor, and honest holders remove it", async function () {
    const system = await loadFixture(collusionFixture);
    const { registry, token, governor, honest, mallory, rogue } = system;

    // The attestation of the finding is refused outright.
    const huge = await attest(system, mallory, { units: 2 ** 32 - 1, quality: 10_000, signers: [rogue] });
    await expect(registry.connect(mallory).contribute(huge.attestation, huge.signatures, 1, ""))
      .to.be.revertedWithCustomError(registry, "RegistryTooManyUnits")
      .withArgs(2 ** 32 - 1, await registry.maxUnitsPerAttestation());
    expect(await token.balanceOf(mallory)).to.equal(0n);

    // At the largest units allowed, as many times as it likes in one window: at most the budget.
    const maxUnits = Number(await registry.maxUnitsPerAttestation());
    for (let i = 0; i < 3; i++) {
      const a = await attest(system, mallory, {
        units: maxUnits,
        quality: 10_000,
        sourceHash: uniqueHash("fake source"),
        signers: [rogue],
      });
      await registry.connect(mallory).contribute(a.attestation, a.signatures, 1, "");
    }
    expect(await token.balanceOf(mallory)).to.be.lte(BUDGET);
    expect(await token.totalSupply()).to.be.lte(HONEST_SUPPLY + BUDGET);

    // Honest holders pass the proposal that removes the validator, against mallory's votes.
    const role = await registry.VALIDATOR_ROLE();
    const proposal = new Proposal(
      governor,
      [
        {
          target: await registry.getAddress(),
          data: registry.interface.encodeFunctionData("revokeRole", [role, rogue.address]),
        },
      ],
      "Remove the compromised validator",
    );
    await proposal.propose(honest);
    await proposal.waitForSnapshot();
    await proposal.vote(honest, Vote.For);
    await proposal.vote(mallory, Vote.Against);
    await proposal.waitForDeadline();
    await proposal.queue();
    await proposal.waitForEta();
    await proposal.execute();
    expect(await registry.hasRole(role, rogue)).to.equal(false);
  });

  it("cuts an honest registration to what is left of the budget instead of refusing it", async function () {
    const system = await loadFixture(collusionFixture);
    const { registry, token, mallory, rogue, signers } = system;
    const maxUnits = Number(await registry.maxUnitsPerAttestation());
    const drain = await attest(system, mallory, { units: maxUnits, quality: 10_000, signers: [rogue] });
    await registry.connect(mallory).contribute(drain.attestation, drain.signatures, 1, "");
    expect(await registry.mintableNow()).to.be.lt(10n ** 14n * 10_000n); // less than one unit's reward left
    const honestContributor = signers[10];
    const honest = await attest(system, honestContributor, { units: 1000, quality: 8000 });
    await expect(registry.connect(honestContributor).contribute(honest.attestation, honest.signatures, 1, "")).to.emit(
      registry,
      "Contributed",
    );
    expect(await token.balanceOf(honestContributor)).to.equal(0n);
    // The units cut are not recorded as paid: the source can earn them in a later window.
    expect((await registry.contribution(honest.attestation.contentHash)).sourcePaidUnits).to.equal(0n);
  });
});
