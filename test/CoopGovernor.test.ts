import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { governanceFixture, INITIAL_SUPPLY } from "./support/fixtures";
import { Proposal, ProposalState, Vote, passProposal } from "./support/governance";

/** Voters with delegated votes: alice 10%, bob 3%, carol 1% of the supply (quorum is 4%). */
async function votersFixture() {
  const system = await governanceFixture();
  const { token, deployer, alice, bob, carol } = system;
  await token.transfer(alice, INITIAL_SUPPLY / 10n);
  await token.transfer(bob, (INITIAL_SUPPLY * 3n) / 100n);
  await token.transfer(carol, INITIAL_SUPPLY / 100n);
  for (const voter of [alice, bob, carol]) await token.connect(voter).delegate(voter);
  await mine();
  return { ...system, deployer };
}

describe("CoopGovernor", function () {
  it("passes a proposal through propose → vote → queue → execute and changes a timelock-owned parameter", async function () {
    const { governor, alice } = await loadFixture(votersFixture);
    const newPeriod = 1234n;
    const proposal = await passProposal(
      governor,
      [alice],
      [
        {
          target: await governor.getAddress(),
          data: governor.interface.encodeFunctionData("setVotingPeriod", [newPeriod]),
        },
      ],
      "Set the voting period",
    );
    expect(await proposal.state()).to.equal(ProposalState.Executed);
    expect(await governor.votingPeriod()).to.equal(newPeriod);
  });

  it("only the timelock (through a proposal) may change governance settings", async function () {
    const { governor, alice } = await loadFixture(votersFixture);
    await expect(governor.connect(alice).setVotingPeriod(1n))
      .to.be.revertedWithCustomError(governor, "GovernorOnlyExecutor")
      .withArgs(alice.address);
  });

  it("defeats a proposal that misses quorum, even with no vote against", async function () {
    const { governor, carol } = await loadFixture(votersFixture);
    const proposal = new Proposal(
      governor,
      [{ target: await governor.getAddress(), data: governor.interface.encodeFunctionData("setVotingPeriod", [99n]) }],
      "Too few voters",
    );
    await proposal.propose(carol);
    await proposal.waitForSnapshot();
    await proposal.vote(carol, Vote.For); // 1% < 4% quorum
    await proposal.waitForDeadline();
    expect(await proposal.state()).to.equal(ProposalState.Defeated);
    await expect(proposal.queue()).to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState");
  });

  it("gives no weight to votes acquired after the proposal snapshot (flash-loan voting)", async function () {
    const { governor, token, deployer, carol, dave } = await loadFixture(votersFixture);
    const proposal = new Proposal(
      governor,
      [{ target: await governor.getAddress(), data: governor.interface.encodeFunctionData("setVotingPeriod", [99n]) }],
      "Late buyer",
    );
    await proposal.propose(carol);
    await proposal.waitForSnapshot();
    // dave "borrows" a quarter of the supply after the snapshot and votes with it.
    await token.connect(deployer).transfer(dave, INITIAL_SUPPLY / 4n);
    await token.connect(dave).delegate(dave);
    await expect(proposal.vote(dave, Vote.For))
      .to.emit(governor, "VoteCast")
      .withArgs(dave.address, await proposal.id(), Vote.For, 0n, "");
    await proposal.waitForDeadline();
    expect(await proposal.state()).to.equal(ProposalState.Defeated);
  });

  it("extends the deadline when quorum is reached late (late-quorum protection)", async function () {
    const { governor, alice } = await loadFixture(votersFixture);
    const proposal = new Proposal(
      governor,
      [{ target: await governor.getAddress(), data: governor.interface.encodeFunctionData("setVotingPeriod", [99n]) }],
      "Late quorum",
    );
    await proposal.propose(alice);
    const id = await proposal.id();
    const originalDeadline = await governor.proposalDeadline(id);
    await time.increaseTo(originalDeadline - 5n);
    const tx = await proposal.vote(alice, Vote.For);
    const votedAt = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
    const extension = await governor.lateQuorumVoteExtension();
    await expect(tx)
      .to.emit(governor, "ProposalExtended")
      .withArgs(id, votedAt + extension);
    expect(await governor.proposalDeadline(id)).to.equal(votedAt + extension);
    await time.increaseTo(originalDeadline + 1n);
    expect(await proposal.state()).to.equal(ProposalState.Active);
  });

  it("reports the standard views integrators and Tally read", async function () {
    const { governor, token, timelock } = await loadFixture(votersFixture);
    expect(await governor.name()).to.equal("DataCoop Governor");
    expect(await governor.token()).to.equal(await token.getAddress());
    expect(await governor.timelock()).to.equal(await timelock.getAddress());
    expect(await governor.CLOCK_MODE()).to.equal("mode=timestamp");
    expect(await governor.COUNTING_MODE()).to.equal("support=bravo&quorum=for,abstain");
    expect(await governor["quorumNumerator()"]()).to.equal(4n);
  });
});
