import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import { governanceFixture } from "./helpers/fixtures";
import { TIMELOCK_ROLES } from "../deploy/modules/DataCoop";

describe("Deployment (Ignition module)", function () {
  it("makes the Governor the timelock's only proposer and canceller, and lets anyone execute", async function () {
    const { timelock, governor, signers } = await loadFixture(governanceFixture);
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

  it("wires the Governor to the token and the timelock with the local parameters", async function () {
    const { governor, token, timelock } = await loadFixture(governanceFixture);
    expect(await governor.token()).to.equal(await token.getAddress());
    expect(await governor.timelock()).to.equal(await timelock.getAddress());
    expect(await governor.votingDelay()).to.equal(60n);
    expect(await governor.votingPeriod()).to.equal(600n);
    expect(await timelock.getMinDelay()).to.equal(60n);
  });
});
