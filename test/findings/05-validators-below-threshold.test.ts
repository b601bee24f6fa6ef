import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystem, timelockSigner } from "../support/fixtures";
import { contribute } from "../support/contribute";

/** Three validators, threshold two. */
async function twoOfThreeFixture() {
  const system = await deploySystem({ attestationThreshold: 2 });
  return { ...system, admin: await timelockSigner(system), role: await system.registry.VALIDATOR_ROLE() };
}

/**
 * Finding 5 (low): the threshold was checked against the validator count only when it was set, so revoking or
 * renouncing validators could leave fewer than k and halt every contribution. Fix: `_revokeRole` refuses a
 * removal that would leave fewer validators than the threshold, naming both numbers.
 */
describe("Finding 5: validators can drop below the threshold and halt all contributions", function () {
  it("refuses to revoke a validator below the threshold, leaving the set unchanged", async function () {
    const { registry, admin, role, validators } = await loadFixture(twoOfThreeFixture);
    await registry.connect(admin).revokeRole(role, validators[2]); // 2 left: fine
    await expect(registry.connect(admin).revokeRole(role, validators[1]))
      .to.be.revertedWithCustomError(registry, "RegistryValidatorsBelowThreshold")
      .withArgs(1, 2);
    expect(await registry.getRoleMemberCount(role)).to.equal(2n);
    expect(await registry.hasRole(role, validators[1])).to.equal(true);
  });

  it("refuses a validator's renounce below the threshold, and contributions go on", async function () {
    const system = await loadFixture(twoOfThreeFixture);
    const { registry, admin, role, validators, signers } = system;
    await registry.connect(admin).revokeRole(role, validators[2]);
    await expect(registry.connect(validators[0]).renounceRole(role, validators[0]))
      .to.be.revertedWithCustomError(registry, "RegistryValidatorsBelowThreshold")
      .withArgs(1, 2);
    expect(await registry.getRoleMemberCount(role)).to.equal(2n);
    await expect(contribute(system, signers[10], { signers: validators.slice(0, 2) })).to.not.be.reverted;
    // Lowering the threshold first makes the removal possible.
    await registry.connect(admin).setAttestationThreshold(1);
    await registry.connect(validators[0]).renounceRole(role, validators[0]);
    expect(await registry.getRoleMemberCount(role)).to.equal(1n);
  });
});
