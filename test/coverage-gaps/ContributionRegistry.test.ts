import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import { ContributionRegistry__factory } from "../../typechain-types";
import { registryConfig, systemFixture, timelockSigner } from "../helpers/fixtures";

/** ContributionRegistry paths the behaviour spec does not reach: deployment guards and the threshold's upper bound. */

describe("Coverage gaps: ContributionRegistry", function () {
  it("refuses a zero token, distributor, timelock or validator, and more than 16 purposes", async function () {
    const { token, distributor, timelock, alice, deployer } = await loadFixture(systemFixture);
    const factory = new ContributionRegistry__factory(deployer);
    const names = (n: number) => Array.from({ length: n }, (_, i) => `P${i}`);
    for (const args of [
      [ZeroAddress, distributor, timelock, [alice.address], names(1), names(1)],
      [token, ZeroAddress, timelock, [alice.address], names(1), names(1)],
      [token, distributor, ZeroAddress, [alice.address], names(1), names(1)],
      [token, distributor, timelock, [alice.address, ZeroAddress], names(1), names(1)],
      [token, distributor, timelock, [alice.address], names(17), names(17)],
    ] as const) {
      const [t, d, tl, validators, purposeNames, uris] = args;
      await expect(
        factory.deploy(t, d, tl, registryConfig(1), [...validators], [...purposeNames], [...uris]),
      ).to.be.revertedWithCustomError(factory, "RegistryInvalidConfiguration");
    }
    // Sixteen purposes are fine.
    const registry = await factory.deploy(
      token,
      distributor,
      timelock,
      registryConfig(1),
      [alice.address],
      names(16),
      names(16),
    );
    expect(await registry.definedPurposes()).to.equal(0xffffn);
  });

  it("refuses a threshold above 16 even with enough validators", async function () {
    const system = await loadFixture(systemFixture);
    const admin = await timelockSigner(system);
    const role = await system.registry.VALIDATOR_ROLE();
    for (const signer of (await ethers.getSigners()).slice(0, 15))
      await system.registry.connect(admin).grantRole(role, signer);
    expect(await system.registry.getRoleMemberCount(role)).to.equal(18n);
    await expect(system.registry.connect(admin).setAttestationThreshold(17))
      .to.be.revertedWithCustomError(system.registry, "RegistryInvalidThreshold")
      .withArgs(17, 18);
    await system.registry.connect(admin).setAttestationThreshold(16);
    expect(await system.registry.attestationThreshold()).to.equal(16n);
  });
});
