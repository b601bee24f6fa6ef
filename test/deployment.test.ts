import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import { systemFixture } from "./support/fixtures";
import localParameters from "../deploy/parameters/hardhat.json";

describe("Deployment (Ignition module)", function () {
  it("makes the Governor the timelock's only proposer and canceller, and lets anyone execute", async function () {
    const { timelock, governor, signers } = await loadFixture(systemFixture);
    // The role ids as the timelock defines them, not as the deployment module spells them: the module is under test.
    const TIMELOCK_ROLES = {
      admin: await timelock.DEFAULT_ADMIN_ROLE(),
      proposer: await timelock.PROPOSER_ROLE(),
      executor: await timelock.EXECUTOR_ROLE(),
      canceller: await timelock.CANCELLER_ROLE(),
    };
    expect(await timelock.hasRole(TIMELOCK_ROLES.proposer, governor)).to.equal(true);
    expect(await timelock.hasRole(TIMELOCK_ROLES.canceller, governor)).to.equal(true);
    expect(await timelock.hasRole(TIMELOCK_ROLES.executor, ZeroAddress)).to.equal(true);
    expect(await timelock.hasRole(TIMELOCK_ROLES.admin, timelock)).to.equal(true);
    for (const signer of signers) {
      for (const role of [TIMELOCK_ROLES.admin, TIMELOCK_ROLES.proposer, TIMELOCK_ROLES.canceller]) {
        expect(await timelock.hasRole(role, signer)).to.equal(false, `${signer.address} holds ${role}`);
      }
    }
  });

  it("leaves no account but the timelock with an admin role, and the registry as the only minter", async function () {
    const { timelock, token, registry, distributor, escrow, signers } = await loadFixture(systemFixture);
    const admin = await registry.DEFAULT_ADMIN_ROLE();
    expect(await registry.getRoleMemberCount(admin)).to.equal(1n);
    expect(await registry.getRoleMember(admin, 0)).to.equal(await timelock.getAddress());
    for (const contract of [registry, distributor, escrow]) {
      expect(await contract.hasRole(admin, timelock)).to.equal(true);
      for (const signer of signers) expect(await contract.hasRole(admin, signer)).to.equal(false);
    }
    expect(await token.minter()).to.equal(await registry.getAddress());
    for (const signer of signers) {
      await expect(token.connect(signer).mint(signer, 1n))
        .to.be.revertedWithCustomError(token, "CoopTokenUnauthorizedMinter")
        .withArgs(signer.address);
    }
    await expect(token.setMinter(signers[1]))
      .to.be.revertedWithCustomError(token, "CoopTokenMinterAlreadySet")
      .withArgs(await registry.getAddress());
  });

  it("wires registry, distributor and escrow together, with roles from the parameter file", async function () {
    const { token, governor, timelock, registry, distributor, escrow, usdc, validators, custodian, custodianSet } =
      await loadFixture(systemFixture);
    expect(await governor.token()).to.equal(await token.getAddress());
    expect(await governor.timelock()).to.equal(await timelock.getAddress());
    expect(await governor.votingDelay()).to.equal(BigInt(localParameters.DataCoopLocal.votingDelay));
    expect(await governor.votingPeriod()).to.equal(BigInt(localParameters.DataCoopLocal.votingPeriod));
    expect(await timelock.getMinDelay()).to.equal(BigInt(localParameters.DataCoopLocal.timelockDelay));
    expect(await registry.token()).to.equal(await token.getAddress());
    expect(await registry.distributor()).to.equal(await distributor.getAddress());
    expect(await distributor.registry()).to.equal(await registry.getAddress());
    expect(await distributor.settlementToken()).to.equal(await usdc.getAddress());
    expect(await distributor.hasRole(await distributor.DEPOSITOR_ROLE(), escrow)).to.equal(true);
    expect(await escrow.settlementToken()).to.equal(await usdc.getAddress());
    expect(await escrow.custodianSet()).to.equal(await custodianSet.getAddress());
    expect(await custodianSet.isCustodian(custodian)).to.equal(true);
    expect(await custodianSet.timelock()).to.equal(await timelock.getAddress());
    const validatorRole = await registry.VALIDATOR_ROLE();
    expect(await registry.getRoleMemberCount(validatorRole)).to.equal(BigInt(validators.length));
    for (const v of validators) expect(await registry.hasRole(validatorRole, v)).to.equal(true);
  });
});
