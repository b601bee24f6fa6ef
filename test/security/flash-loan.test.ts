import { expect } from "chai";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, SigningKey, id, parseEther, parseUnits } from "ethers";
import { FlashBorrower__factory, FlashLender__factory } from "../../typechain-types";
import { deploySystem, timelockSigner } from "../support/fixtures";
import { Proposal, ProposalState, Vote } from "../support/governance";
import { Purpose } from "../support/constants";

/**
 * Flash-loan governance: an attacker borrows most of the supply for one transaction, delegates it to itself and
 * votes, proposes or objects before repaying. Votes count at a timepoint strictly in the past (the proposal
 * snapshot, `clock() - 1` for the proposal threshold, `requestedAt - 1` for objections), and a checkpoint keeps
 * only the value at the end of its timestamp, so the borrowed tokens weigh nothing, whenever the loan is taken.
 */

const SUPPLY = parseEther("1000000");
const LOAN = (SUPPLY * 60n) / 100n; // enough to win any vote and any objection, if it counted
const THRESHOLD = parseEther("1000");
const { RESEARCH } = Purpose;

async function deployFlash(proposalThreshold: bigint) {
  const system = await deploySystem({ initialSupply: SUPPLY, proposalThreshold });
  const { token, governor, escrow, usdc, signers } = system;
  const [deployer, alice, mallory, buyer] = signers;
  // alice: an honest holder with 10% of the supply, delegated to herself.
  await token.connect(deployer).transfer(alice, SUPPLY / 10n);
  await token.connect(alice).delegate(alice);
  const lender = await new FlashLender__factory(deployer).deploy(token);
  await token.connect(deployer).transfer(lender, LOAN);
  const attacker = await new FlashBorrower__factory(mallory).deploy();
  // An optimistic request holders may object to: objections reject at 20% of the past supply.
  const admin = await timelockSigner(system);
  await escrow.connect(admin).setStandingTerms(RESEARCH, {
    enabled: true,
    maxDuration: 30n * 86_400n,
    objectionWindow: 7_200n,
    objectionThresholdBps: 2_000n,
    minPrice: 1n,
  });
  await usdc.mint(buyer, parseUnits("1000", 6));
  await usdc.connect(buyer).approve(escrow, MaxUint256);
  await mine();
  const proposal = new Proposal(
    governor,
    [{ target: await governor.getAddress(), data: governor.interface.encodeFunctionData("setVotingPeriod", [999n]) }],
    "Set the voting period #flash",
  );
  const request = () =>
    escrow
      .connect(buyer)
      .requestAccess(
        RESEARCH,
        parseUnits("100", 6),
        86_400n,
        id("terms"),
        "",
        new SigningKey(id("k")).compressedPublicKey,
      );
  return { ...system, alice, mallory, lender, attacker, proposal, request };
}

const flashFixture = () => deployFlash(0n);
const thresholdFixture = () => deployFlash(THRESHOLD);

describe("Security: flash-loan voting and objection", function () {
  it("flash-loaned votes weigh nothing in a Governor vote: the vote is counted with zero weight", async function () {
    const { governor, token, alice, lender, attacker, proposal } = await loadFixture(flashFixture);
    await proposal.propose(alice);
    await proposal.waitForSnapshot();
    const proposalId = await proposal.id();
    const castAgainst = governor.interface.encodeFunctionData("castVote", [proposalId, Vote.Against]);
    await expect(attacker.attack(lender, LOAN, governor, castAgainst))
      .to.emit(governor, "VoteCast")
      .withArgs(await attacker.getAddress(), proposalId, Vote.Against, 0n, "");
    expect(await token.balanceOf(lender)).to.equal(LOAN); // repaid
    expect(await governor.proposalVotes(proposalId)).to.deep.equal([0n, 0n, 0n]);

    await proposal.vote(alice, Vote.For);
    await proposal.waitForDeadline();
    expect(await proposal.state()).to.equal(ProposalState.Succeeded);
  });

  it("flash-loaned votes cannot meet the proposal threshold: nothing is proposed", async function () {
    const { governor, attacker, lender, proposal } = await loadFixture(thresholdFixture);
    const propose = governor.interface.encodeFunctionData("propose", [
      proposal.targets,
      proposal.values,
      proposal.calldatas,
      proposal.description,
    ]);
    await expect(attacker.attack(lender, LOAN, governor, propose))
      .to.be.revertedWithCustomError(governor, "GovernorInsufficientProposerVotes")
      .withArgs(await attacker.getAddress(), 0n, THRESHOLD);
    await expect(governor.state(await proposal.id()))
      .to.be.revertedWithCustomError(governor, "GovernorNonexistentProposal")
      .withArgs(await proposal.id());
  });

  it("flash-loaned votes cannot object to a request: they did not exist at its timepoint", async function () {
    const { escrow, token, attacker, lender, request } = await loadFixture(flashFixture);
    await request();
    const requestId = await escrow.requestCount();
    const r = await escrow.request(requestId);
    const [, threshold] = await escrow.objections(requestId);
    expect(LOAN).to.be.greaterThan(threshold); // it would reject the request on its own, if it counted

    await expect(attacker.attack(lender, LOAN, escrow, escrow.interface.encodeFunctionData("object", [requestId])))
      .to.be.revertedWithCustomError(escrow, "EscrowNoVotes")
      .withArgs(requestId, await attacker.getAddress(), r.requestedAt - 1n);
    expect(await escrow.objections(requestId)).to.deep.equal([0n, threshold]);
    expect(await escrow.hasObjected(requestId, attacker)).to.equal(false);
    expect((await escrow.request(requestId)).status).to.equal(r.status);
    expect(await token.balanceOf(lender)).to.equal(LOAN);
  });

  it("a flash loan taken before the snapshot and the request leaves no votes behind", async function () {
    const { escrow, governor, token, alice, attacker, lender, proposal, request } = await loadFixture(flashFixture);
    // Borrow, self-delegate and repay in one transaction, well before anything is proposed or requested.
    await attacker.attack(lender, LOAN, token, token.interface.encodeFunctionData("totalSupply"));
    const loanedAt = BigInt(await time.latest());
    expect(await token.numCheckpoints(attacker)).to.equal(1n);
    expect(await token.checkpoints(attacker, 0)).to.deep.equal([loanedAt, 0n]); // the end-of-timestamp value
    await mine();
    expect(await token.getPastVotes(attacker, loanedAt)).to.equal(0n);

    await proposal.propose(alice);
    await request();
    const requestId = await escrow.requestCount();
    await proposal.waitForSnapshot();
    // With the loan long repaid, the attacker's own vote and objection carry nothing either.
    const proposalId = await proposal.id();
    await expect(
      attacker.attack(
        lender,
        0n,
        governor,
        governor.interface.encodeFunctionData("castVote", [proposalId, Vote.Against]),
      ),
    )
      .to.emit(governor, "VoteCast")
      .withArgs(await attacker.getAddress(), proposalId, Vote.Against, 0n, "");
    await expect(
      attacker.attack(lender, 0n, escrow, escrow.interface.encodeFunctionData("object", [requestId])),
    ).to.be.revertedWithCustomError(escrow, "EscrowNoVotes");
  });
});
