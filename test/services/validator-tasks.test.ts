import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

import { deploySystem, timelockSigner } from "../support/system";

/** validator:publish-key: a validator granted after deployment publishes its own key with one task. */
describe("services: validator tasks", function () {
  it("validator:publish-key publishes the account's key, and only a validator's", async function () {
    const system = await loadFixture(deploySystem);
    const newcomer = system.signers[10];
    const flags = {
      registry: await system.registry.getAddress(),
      escrow: await system.escrow.getAddress(),
      governor: await system.governor.getAddress(),
      account: newcomer.address,
    };
    const log = console.log;
    console.log = () => undefined;
    try {
      const refused = await hre.run("validator:publish-key", flags).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(refused?.message).to.contain("RegistryKeyNotOfValidator");
      await system.registry
        .connect(await timelockSigner(system))
        .grantRole(await system.registry.VALIDATOR_ROLE(), newcomer);
      await hre.run("validator:publish-key", flags);
    } finally {
      console.log = log;
    }
    expect(hre.ethers.computeAddress(await system.registry.validatorPublicKey(newcomer))).to.equal(newcomer.address);
  });
});
