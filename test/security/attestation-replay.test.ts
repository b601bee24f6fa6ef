import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, recoverAddress } from "ethers";
import { attest } from "../support/contribute";
import { attestationDigest, attestationDomain } from "../../src/protocol/attestation";
import { deploySystem, type System } from "../support/fixtures";

/**
 * A contributor replaying an attestation on another deployment. Two systems run side by side on the same chain,
 * with the same validators and parameters; an attestation names its registry in the EIP-712 domain, so on the other
 * deployment its signatures recover to addresses that are no validator, and nothing is registered, minted or
 * weighed there. Each deployment accepts only attestations made for it.
 */
async function twoDeploymentsFixture() {
  const a = await deploySystem();
  const b = await deploySystem();
  const [, alice] = a.signers;
  return { a, b, alice };
}

async function expectEmpty(system: System, contentHash: string, sourceHash: string, account: string) {
  expect((await system.registry.contribution(contentHash)).status).to.equal(0n);
  expect(await system.registry.source(sourceHash)).to.deep.equal([ZeroAddress, ZeroHash, 0n]);
  expect(await system.token.totalSupply()).to.equal(0n);
  for (let p = 0; p < 6; p++) expect(await system.distributor.totalWeight(p)).to.equal(0n);
  for (let p = 0; p < 6; p++) expect(await system.distributor.pendingWeightOf(account, p)).to.equal(0n);
}

describe("Security: replaying an attestation on another deployment", function () {
  it("an attestation for deployment A is refused by deployment B, before and after A registers it", async function () {
    const { a, b, alice } = await loadFixture(twoDeploymentsFixture);
    expect(await a.registry.getAddress()).to.not.equal(await b.registry.getAddress());
    expect(b.validators.map((v) => v.address)).to.deep.equal(a.validators.map((v) => v.address));

    const { attestation, signatures } = await attest(a, alice, { units: 2_000, purposes: 0b101 });
    const { chainId } = await ethers.provider.getNetwork();
    const onB = recoverAddress(
      attestationDigest(attestationDomain(chainId, await b.registry.getAddress()), attestation),
      signatures[0],
    );
    expect(await b.registry.hasRole(await b.registry.VALIDATOR_ROLE(), onB)).to.equal(false);

    await expect(b.registry.connect(alice).contribute(attestation, signatures, 0b101, "ipfs://x"))
      .to.be.revertedWithCustomError(b.registry, "RegistryUnknownValidator")
      .withArgs(onB);
    await expectEmpty(b, attestation.contentHash, attestation.sourceHash, alice.address);

    // Registered where it belongs, it is still worthless on B.
    await expect(a.registry.connect(alice).contribute(attestation, signatures, 0b101, "ipfs://x")).to.emit(
      a.registry,
      "Contributed",
    );
    await expect(b.registry.connect(alice).contribute(attestation, signatures, 0b101, "ipfs://x"))
      .to.be.revertedWithCustomError(b.registry, "RegistryUnknownValidator")
      .withArgs(onB);
    await expectEmpty(b, attestation.contentHash, attestation.sourceHash, alice.address);
    expect(await a.token.balanceOf(alice)).to.be.greaterThan(0n);
  });

  it("the same export needs B's own attestation on B, and is paid there once", async function () {
    const { a, b, alice } = await loadFixture(twoDeploymentsFixture);
    const onA = await attest(a, alice, { units: 2_000 });
    await a.registry.connect(alice).contribute(onA.attestation, onA.signatures, 1, "");
    const onB = await attest(b, alice, {
      contentHash: onA.attestation.contentHash,
      sourceHash: onA.attestation.sourceHash,
      units: 2_000,
    });
    expect(onB.signatures[0]).to.not.equal(onA.signatures[0]);
    await b.registry.connect(alice).contribute(onB.attestation, onB.signatures, 1, "");
    // Replaying either attestation on either deployment again fails: content registers once, ever.
    for (const [system, signed] of [
      [a, onA],
      [b, onB],
    ] as const) {
      await expect(system.registry.connect(alice).contribute(signed.attestation, signed.signatures, 1, ""))
        .to.be.revertedWithCustomError(system.registry, "RegistryDuplicateContent")
        .withArgs(signed.attestation.contentHash);
    }
    expect(await b.token.balanceOf(alice)).to.equal(await a.token.balanceOf(alice));
  });
});
