import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { SigningKey, Wallet } from "ethers";
import { systemFixture, timelockSigner } from "./support/fixtures";
import localParameters from "../deploy/parameters/hardhat.json";

describe("ContributionRegistry: validator public keys", function () {
  it("the local deployment publishes each validator's key, and it is the key of the validator's account", async function () {
    const { registry, validators } = await loadFixture(systemFixture);
    const published = localParameters.DataCoopLocal.validatorPublicKeys;
    for (const [i, validator] of validators.entries()) {
      const key = await registry.validatorPublicKey(validator);
      expect(key).to.equal(published[i]);
      expect(ethers.computeAddress(key)).to.equal(validator.address);
    }
  });

  it("anyone may publish a validator's key; it emits, and re-publishing is harmless", async function () {
    const system = await loadFixture(systemFixture);
    const { registry, alice } = system;
    const wallet = Wallet.createRandom();
    await registry.connect(await timelockSigner(system)).grantRole(await registry.VALIDATOR_ROLE(), wallet.address);
    const key = wallet.signingKey.publicKey;
    expect(await registry.validatorPublicKey(wallet.address)).to.equal("0x");
    await expect(registry.connect(alice).publishValidatorPublicKeys([key]))
      .to.emit(registry, "ValidatorPublicKeyPublished")
      .withArgs(wallet.address, key);
    await registry.connect(alice).publishValidatorPublicKeys([key]);
    expect(await registry.validatorPublicKey(wallet.address)).to.equal(key);
  });

  it("refuses a key whose account is not a validator, and a key that is not uncompressed SEC 1", async function () {
    const { registry, alice, validators } = await loadFixture(systemFixture);
    const stranger = Wallet.createRandom();
    await expect(registry.publishValidatorPublicKeys([stranger.signingKey.publicKey]))
      .to.be.revertedWithCustomError(registry, "RegistryKeyNotOfValidator")
      .withArgs(stranger.address);
    // Alice cannot pass her key off as a validator's: the address comes from the key itself.
    const aliceKey = SigningKey.recoverPublicKey(ethers.hashMessage("k"), await alice.signMessage("k"));
    await expect(registry.publishValidatorPublicKeys([aliceKey]))
      .to.be.revertedWithCustomError(registry, "RegistryKeyNotOfValidator")
      .withArgs(alice.address);
    const valid = await registry.validatorPublicKey(validators[0]);
    const compressed = SigningKey.computePublicKey(valid, true);
    await expect(registry.publishValidatorPublicKeys([valid, compressed]))
      .to.be.revertedWithCustomError(registry, "RegistryInvalidValidatorKey")
      .withArgs(1, 33);
    const wrongPrefix = `0x05${valid.slice(4)}`;
    await expect(registry.publishValidatorPublicKeys([wrongPrefix]))
      .to.be.revertedWithCustomError(registry, "RegistryInvalidValidatorKey")
      .withArgs(0, 65);
  });

  it("reads no key for a validator the timelock revoked", async function () {
    const system = await loadFixture(systemFixture);
    const { registry, validators } = system;
    await registry.connect(await timelockSigner(system)).revokeRole(await registry.VALIDATOR_ROLE(), validators[2]);
    expect(await registry.validatorPublicKey(validators[2])).to.equal("0x");
    expect(await registry.validatorPublicKey(validators[0])).to.not.equal("0x");
  });
});
