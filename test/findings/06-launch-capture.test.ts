import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystem } from "../support/fixtures";
import { contribute } from "../support/contribute";
import { Proposal, ProposalState, Vote } from "../support/governance";
import { launchCheck } from "../../src/protocol/launch";
import sepolia from "../../deploy/parameters/sepolia.json";

const COOP = 10n ** 18n;
/** The shipped testnet configuration on the local chain (its own validators, custodian and settlement token). */
const {
  settlementToken: _t,
  validators: _v,
  custodians: _c,
  custodianPublicKeys: _k,
  treasury: _r,
  ...TESTNET
} = sepolia.DataCoop;

/** The testnet parameters with a k of 1 so one local validator signs; the first contribution is maximal. */
async function testnetFixture() {
  const system = await deploySystem({ ...TESTNET, attestationThreshold: 1, launchCheck: true });
  const first = system.signers[9];
  const maxUnits = Number(await system.registry.maxUnitsPerAttestation());
  await contribute(system, first, { units: maxUnits, quality: 10_000, purposes: 1 });
  return { ...system, first };
}

/**
 * Finding 6 (informational, deployment): with no initial supply, no proposal threshold and a 4% quorum, a first
 * contribution worth 0.0001 COOP passed a proposal alone. Fix: quorum = max(fraction, governance-set floor), a
 * non-zero proposal threshold in the testnet files, and a deployment that refuses capturable parameters.
 */
describe("Finding 6: the first contributor controls governance at launch", function () {
  it("does not let the first contribution pass a proposal alone under the shipped testnet parameters", async function () {
    const { governor, registry, token, first } = await loadFixture(testnetFixture);
    expect(await token.getVotes(first)).to.be.gte(await governor.proposalThreshold()); // it may propose...
    const role = await registry.VALIDATOR_ROLE();
    const grab = new Proposal(
      governor,
      [
        {
          target: await registry.getAddress(),
          data: registry.interface.encodeFunctionData("grantRole", [role, first.address]),
        },
      ],
      "Make me a validator",
    );
    await grab.propose(first);
    await grab.waitForSnapshot();
    await grab.vote(first, Vote.For);
    await grab.waitForDeadline();
    // ...but its votes are below the quorum floor: the proposal is defeated and nothing changed.
    expect(await governor.quorum(await governor.proposalSnapshot(await grab.id()))).to.equal(
      BigInt(TESTNET.quorumFloor),
    );
    expect(await grab.state()).to.equal(ProposalState.Defeated);
    expect(await registry.hasRole(role, first)).to.equal(false);
  });

  it("refuses to deploy parameters under which one first contribution meets quorum", async function () {
    const capturable = { ...TESTNET, attestationThreshold: 1, launchCheck: true, quorumFloor: 0 };
    await expect(deploySystem(capturable)).to.be.rejectedWith(/LaunchCheckCapturable|reverted/);
    // The pure rule agrees, on both configurations.
    const rule = (p: typeof capturable) =>
      launchCheck({
        rewardRate: 10n ** 14n,
        maxUnitsPerAttestation: BigInt(p.maxUnitsPerAttestation),
        mintBudget: BigInt(p.mintBudget),
        tokenCap: 1_000_000_000n * COOP,
        initialSupply: 0n,
        quorumPercent: BigInt(p.quorumPercent),
        quorumFloor: BigInt(p.quorumFloor),
      });
    expect(rule(capturable).capturable).to.equal(true);
    expect(rule({ ...capturable, quorumFloor: Number(TESTNET.quorumFloor) }).capturable).to.equal(false);
  });

  it("lets only governance change the quorum floor", async function () {
    const { governor, first } = await loadFixture(testnetFixture);
    await expect(governor.connect(first).setQuorumFloor(0)).to.be.revertedWithCustomError(
      governor,
      "GovernorOnlyExecutor",
    );
    expect(await governor.quorumFloor()).to.equal(BigInt(TESTNET.quorumFloor));
  });
});
