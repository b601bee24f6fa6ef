import { expect } from "chai";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, SigningKey, ZeroHash, id, parseUnits, toBeHex } from "ethers";
import { contribute } from "../support/contribute";
import { INITIAL_SUPPLY, governanceFixture } from "../support/fixtures";
import { Proposal, ProposalState, Vote } from "../support/governance";
import { Purpose } from "../support/constants";

/**
 * Proposal front-running and cancellation griefing. A proposal is identified by its actions and its description,
 * so anyone can submit a copy of someone else's proposal first. OpenZeppelin's Governor answers with a description
 * suffix `#proposer=0x...` that reserves the proposal to one address, lets only the proposer cancel and only while
 * pending, and leaves the timelock to the Governor alone. Batch decisions are idempotent, so even a duplicate that
 * passes changes nothing twice.
 */

const { AI_TRAINING } = Purpose;

async function frontRunFixture() {
  const system = await governanceFixture();
  const { token, escrow, usdc, deployer, alice, bob } = system;
  const [, , , , , , mallory, buyer] = system.signers;
  for (const [voter, share] of [
    [alice, 10n],
    [bob, 3n],
    [mallory, 1n],
  ] as const) {
    await token.connect(deployer).transfer(voter, (INITIAL_SUPPLY * share) / 100n);
    await token.connect(voter).delegate(voter);
  }
  // A request that waits for a proposal: AI_TRAINING has consenting weight and no standing terms.
  await contribute(system, bob, { purposes: 1 << AI_TRAINING });
  await usdc.mint(buyer, parseUnits("1000", 6));
  await usdc.connect(buyer).approve(escrow, MaxUint256);
  await escrow
    .connect(buyer)
    .requestAccess(
      AI_TRAINING,
      parseUnits("1000", 6),
      86_400n,
      id("terms"),
      "",
      new SigningKey(id("k")).compressedPublicKey,
    );
  const requestId = await escrow.requestCount();
  await mine();
  const approve = {
    target: await escrow.getAddress(),
    data: escrow.interface.encodeFunctionData("approve", [[requestId]]),
  };
  return { ...system, mallory, buyer, requestId, approve };
}

describe("Security: proposal front-running and cancellation", function () {
  it("a description ending in #proposer=<alice> cannot be submitted by anyone but alice", async function () {
    const { governor, alice, mallory, approve } = await loadFixture(frontRunFixture);
    const proposal = new Proposal(governor, [approve], `Approve the request#proposer=${alice.address.toLowerCase()}`);
    await expect(proposal.propose(mallory))
      .to.be.revertedWithCustomError(governor, "GovernorRestrictedProposer")
      .withArgs(mallory.address);
    await expect(proposal.propose(alice)).to.emit(governor, "ProposalCreated");
    expect(await governor.proposalProposer(await proposal.id())).to.equal(alice.address);
  });

  it("without the suffix, a copy submitted first is the front-runner's and can be cancelled by it (why the suffix matters)", async function () {
    const { governor, alice, mallory, approve } = await loadFixture(frontRunFixture);
    const unprotected = new Proposal(governor, [approve], "Approve the request");
    await unprotected.propose(mallory); // front-runs alice's identical transaction
    await expect(unprotected.propose(alice))
      .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
      .withArgs(await unprotected.id(), ProposalState.Pending, ZeroHash);
    await governor
      .connect(mallory)
      .cancel(unprotected.targets, unprotected.values, unprotected.calldatas, unprotected.descriptionHash);
    expect(await unprotected.state()).to.equal(ProposalState.Canceled);

    // Reserved to alice, the same actions get another id that mallory can neither take nor cancel.
    const reserved = new Proposal(governor, [approve], `Approve the request#proposer=${alice.address}`);
    await expect(reserved.propose(mallory)).to.be.revertedWithCustomError(governor, "GovernorRestrictedProposer");
    await reserved.propose(alice);
    await expect(
      governor.connect(mallory).cancel(reserved.targets, reserved.values, reserved.calldatas, reserved.descriptionHash),
    )
      .to.be.revertedWithCustomError(governor, "GovernorUnableToCancel")
      .withArgs(await reserved.id(), mallory.address);
    expect(await reserved.state()).to.equal(ProposalState.Pending);
  });

  it("only the proposer cancels, and only while the proposal is pending", async function () {
    const { governor, alice, mallory, approve } = await loadFixture(frontRunFixture);
    const proposal = new Proposal(governor, [approve], "Approve the request, v2");
    await proposal.propose(alice);
    const cancel = (who: typeof alice) =>
      governor.connect(who).cancel(proposal.targets, proposal.values, proposal.calldatas, proposal.descriptionHash);
    await expect(cancel(mallory))
      .to.be.revertedWithCustomError(governor, "GovernorUnableToCancel")
      .withArgs(await proposal.id(), mallory.address);
    expect(await proposal.state()).to.equal(ProposalState.Pending);

    await proposal.waitForSnapshot();
    await expect(cancel(alice))
      .to.be.revertedWithCustomError(governor, "GovernorUnableToCancel")
      .withArgs(await proposal.id(), alice.address);
    expect(await proposal.state()).to.equal(ProposalState.Active);

    const other = new Proposal(governor, [approve], "Approve the request, v3");
    await other.propose(alice);
    await expect(
      governor.connect(alice).cancel(other.targets, other.values, other.calldatas, other.descriptionHash),
    ).to.emit(governor, "ProposalCanceled");
    expect(await other.state()).to.equal(ProposalState.Canceled);
  });

  it("nobody but the Governor schedules or cancels on the timelock, even a queued proposal's operation", async function () {
    const { governor, timelock, escrow, alice, bob, mallory, approve, requestId } = await loadFixture(frontRunFixture);
    const proposal = new Proposal(governor, [approve], "Approve the request, queued");
    await proposal.propose(alice);
    await proposal.waitForSnapshot();
    await proposal.vote(alice, Vote.For);
    await proposal.vote(bob, Vote.For);
    await proposal.waitForDeadline();
    expect(await governor.proposalNeedsQueuing(await proposal.id())).to.equal(true);
    await proposal.queue();

    // The operation the Governor scheduled: salt = bytes20(governor) ^ descriptionHash.
    const salt = toBeHex((BigInt(await governor.getAddress()) << 96n) ^ BigInt(proposal.descriptionHash), 32);
    const operation = await timelock.hashOperationBatch(
      proposal.targets,
      proposal.values,
      proposal.calldatas,
      ZeroHash,
      salt,
    );
    expect(await timelock.isOperationPending(operation)).to.equal(true);
    await expect(timelock.connect(mallory).cancel(operation))
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
      .withArgs(mallory.address, await timelock.CANCELLER_ROLE());
    await expect(
      timelock
        .connect(mallory)
        .scheduleBatch(proposal.targets, proposal.values, proposal.calldatas, ZeroHash, id("x"), 60n),
    )
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
      .withArgs(mallory.address, await timelock.PROPOSER_ROLE());
    expect(await timelock.isOperationPending(operation)).to.equal(true);

    await proposal.waitForEta();
    await proposal.execute(mallory); // anyone may execute what governance passed
    expect((await escrow.request(requestId)).status).to.equal(2n); // Approved
  });

  it("a copy under another description is another proposal; if both pass, the second changes nothing", async function () {
    const { governor, escrow, alice, bob, mallory, approve, requestId } = await loadFixture(frontRunFixture);
    const original = new Proposal(governor, [approve], "Approve the request");
    const copy = new Proposal(governor, [approve], "Approve the request (copy)");
    expect(await copy.id()).to.not.equal(await original.id());
    await original.propose(alice);
    await copy.propose(mallory);
    await original.waitForSnapshot();
    for (const p of [original, copy]) {
      await p.vote(alice, Vote.For);
      await p.vote(bob, Vote.For);
    }
    await copy.waitForDeadline();
    await original.queue();
    await copy.queue();
    await copy.waitForEta();

    await original.execute();
    const approved = await escrow.request(requestId);
    expect(approved.status).to.equal(2n);
    await expect(copy.execute())
      .to.emit(escrow, "DecisionSkipped")
      .withArgs(requestId, approved.status, approved.decisionDeadline);
    expect(await escrow.request(requestId)).to.deep.equal(approved); // same delivery deadline: nothing moved
  });
});
