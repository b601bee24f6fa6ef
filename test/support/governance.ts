import { time } from "@nomicfoundation/hardhat-network-helpers";
import { id, type BytesLike, type Signer } from "ethers";
import type { CoopGovernor } from "../../typechain-types";
import { VOTE_TYPE } from "../../src/protocol/constants";

/** One call the timelock will make if the proposal passes. */
export interface Action {
  target: string;
  value?: bigint;
  data: BytesLike;
}

/** `GovernorCountingSimple.VoteType` (the package's generated table). */
export const Vote = VOTE_TYPE;

export { ProposalState } from "./constants";

/**
 * A proposal as a story: `propose → waitForSnapshot → vote → waitForDeadline → queue → waitForEta → execute`.
 * Each step is one call, so a test reads like the governance process it checks.
 */
export class Proposal {
  readonly targets: string[];
  readonly values: bigint[];
  readonly calldatas: BytesLike[];
  readonly descriptionHash: string;

  constructor(
    private readonly governor: CoopGovernor,
    actions: Action[],
    readonly description: string,
  ) {
    this.targets = actions.map((a) => a.target);
    this.values = actions.map((a) => a.value ?? 0n);
    this.calldatas = actions.map((a) => a.data);
    this.descriptionHash = id(description);
  }

  async id(): Promise<bigint> {
    return this.governor.hashProposal(this.targets, this.values, this.calldatas, this.descriptionHash);
  }

  async propose(proposer: Signer) {
    return this.governor.connect(proposer).propose(this.targets, this.values, this.calldatas, this.description);
  }

  async waitForSnapshot(offset = 1n): Promise<void> {
    await time.increaseTo((await this.governor.proposalSnapshot(await this.id())) + offset);
  }

  async vote(voter: Signer, support: number = Vote.For) {
    return this.governor.connect(voter).castVote(await this.id(), support);
  }

  async waitForDeadline(offset = 1n): Promise<void> {
    await time.increaseTo((await this.governor.proposalDeadline(await this.id())) + offset);
  }

  async queue(caller?: Signer) {
    const governor = caller ? this.governor.connect(caller) : this.governor;
    return governor.queue(this.targets, this.values, this.calldatas, this.descriptionHash);
  }

  async waitForEta(): Promise<void> {
    await time.increaseTo(await this.governor.proposalEta(await this.id()));
  }

  async execute(caller?: Signer) {
    const governor = caller ? this.governor.connect(caller) : this.governor;
    return governor.execute(this.targets, this.values, this.calldatas, this.descriptionHash);
  }

  async state(): Promise<bigint> {
    return this.governor.state(await this.id());
  }
}

/** Runs a proposal through every step with `voters` voting for it; returns the executed proposal. */
export async function passProposal(
  governor: CoopGovernor,
  voters: Signer[],
  actions: Action[],
  description: string,
): Promise<Proposal> {
  const proposal = new Proposal(governor, actions, description);
  await proposal.propose(voters[0]);
  await proposal.waitForSnapshot();
  for (const voter of voters) await proposal.vote(voter, Vote.For);
  await proposal.waitForDeadline();
  await proposal.queue();
  await proposal.waitForEta();
  await proposal.execute();
  return proposal;
}
