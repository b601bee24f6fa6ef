import { getAddress, type Signer } from "ethers";

import { PROPOSAL_STATE, type ProposalStateName, REQUEST_STATUS, VOTE_TYPE, enumName } from "../protocol/constants";
import { proposalDescriptionHash } from "../protocol/governance";

import { chainTime, formatTime } from "./chain";
import type { DataCoop } from "./contracts";
import { RoleError } from "./errors";
import { scanEvents } from "./events";
import { readRequest, requireStatus } from "./requests";
import { explainRevert, simulate, transact } from "./transact";

/** Vote support values of `GovernorCountingSimple`. */
export const VOTE_SUPPORT = {
  against: VOTE_TYPE.Against,
  for: VOTE_TYPE.For,
  abstain: VOTE_TYPE.Abstain,
} as const;
export type VoteChoice = keyof typeof VOTE_SUPPORT;

/** One call the timelock makes if a proposal passes. */
export interface ProposalAction {
  readonly target: string;
  readonly value: bigint;
  readonly data: string;
}

/** A proposal as created on-chain (from its `ProposalCreated` event). */
export interface ProposalInfo {
  readonly proposalId: bigint;
  readonly proposer: string;
  readonly targets: readonly string[];
  readonly values: readonly bigint[];
  readonly calldatas: readonly string[];
  readonly description: string;
  readonly descriptionHash: string;
}

/** A proposal made, with when each step becomes possible. */
export interface ProposalCreated {
  readonly proposalId: bigint;
  /** Votes count as of this time; voting opens just after it. */
  readonly snapshot: bigint;
  /** Voting closes at this time. */
  readonly deadline: bigint;
  readonly description: string;
  readonly txHash: string;
}

/**
 * Delegates the signer's votes (to itself by default). Contributors are self-delegated automatically when
 * first rewarded; an explicit delegation is never overridden.
 */
export async function delegateVotes(
  system: DataCoop,
  signer: Signer,
  to?: string,
): Promise<{ delegatee: string; txHash?: string }> {
  const delegatee = getAddress(to ?? (await signer.getAddress()));
  const current = await system.token.delegates(await signer.getAddress());
  if (getAddress(current) === delegatee) return { delegatee };
  const receipt = await transact("delegate votes", system.token.connect(signer).delegate, delegatee);
  return { delegatee, txHash: receipt.hash };
}

/** Access requests to decide in one proposal. */
export interface Decisions {
  readonly approve: readonly bigint[];
  readonly reject: readonly bigint[];
}

/**
 * Turns a batch of decisions into proposal actions (`escrow.approve(ids)` and/or `escrow.reject(ids)`),
 * simulated as the timelock will call them (an unknown id is refused by the escrow now). `approve` and
 * `reject` skip, rather than revert on, a request they can no longer decide, so no simulation reports
 * that; what is checked here is what only the proposal's timing decides: a request to approve must still
 * be pending (it never becomes pending again) with a decision deadline the proposal can meet once voted
 * and delayed; a request to reject must still be pending or approved.
 * @throws RoleError naming the first request that cannot be decided
 */
export async function decisionActions(system: DataCoop, decisions: Decisions): Promise<ProposalAction[]> {
  const all = [...decisions.approve, ...decisions.reject];
  if (all.length === 0) throw new RoleError("INVALID_INPUT", "Give at least one request to approve or reject.");
  if (new Set(all.map(String)).size !== all.length) {
    throw new RoleError(
      "INVALID_INPUT",
      "A request id appears twice; list each request once, to approve or to reject.",
    );
  }
  const target = system.addresses.escrow;
  const calls = [
    { ids: decisions.approve, data: system.escrow.interface.encodeFunctionData("approve", [[...decisions.approve]]) },
    { ids: decisions.reject, data: system.escrow.interface.encodeFunctionData("reject", [[...decisions.reject]]) },
  ].filter((call) => call.ids.length > 0);
  for (const { data } of calls) {
    try {
      await system.provider.call({ from: system.addresses.timelock, to: target, data });
    } catch (error) {
      throw explainRevert("decide these requests", error, "AccessEscrow");
    }
  }
  const earliest = (await chainTime(system.provider)) + (await earliestExecutionDelay(system));
  for (const requestId of decisions.approve) {
    const request = await readRequest(system, requestId);
    requireStatus(requestId, request, ["Pending"], "be approved");
    if (request.decisionDeadline < earliest) {
      throw new RoleError(
        "WRONG_STATE",
        `Request #${requestId} must be decided by ${formatTime(request.decisionDeadline)}, but a proposal made now executes at ${formatTime(earliest)} at the earliest; the approval would be skipped.`,
      );
    }
  }
  for (const requestId of decisions.reject) {
    requireStatus(requestId, await readRequest(system, requestId), ["Pending", "Approved"], "be rejected");
  }
  return calls.map(({ data }) => ({ target, value: 0n, data }));
}

/** The default description of a batch decision, e.g. `Approve access requests #2, #5; reject #3`. */
export function describeDecisions(decisions: Decisions): string {
  const list = (ids: readonly bigint[]) => ids.map((i) => `#${i}`).join(", ");
  const parts: string[] = [];
  if (decisions.approve.length > 0) parts.push(`approve access request(s) ${list(decisions.approve)}`);
  if (decisions.reject.length > 0) parts.push(`reject access request(s) ${list(decisions.reject)}`);
  const text = parts.join("; ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Seconds from proposing to the earliest execution: voting delay + voting period + timelock delay. */
export async function earliestExecutionDelay(system: Pick<DataCoop, "governor" | "timelock">): Promise<bigint> {
  return (
    (await system.governor.votingDelay()) +
    (await system.governor.votingPeriod()) +
    (await system.timelock.getMinDelay())
  );
}

/** Standing terms for one purpose, as `escrow.setStandingTerms` takes them. */
export interface StandingTermsInput {
  readonly enabled: boolean;
  readonly minPrice: bigint;
  readonly maxDuration: number;
  readonly objectionWindow: number;
  readonly objectionThresholdBps: number;
}

/**
 * The proposal action that sets a purpose's standing terms (requests meeting them are approved unless
 * holders object). The call is simulated as the timelock will make it, so terms the escrow refuses are
 * explained now rather than after a vote.
 * @throws RoleError with the escrow's decoded reason
 */
export async function standingTermsAction(
  system: DataCoop,
  purpose: number,
  terms: StandingTermsInput,
): Promise<ProposalAction> {
  const target = system.addresses.escrow;
  const data = system.escrow.interface.encodeFunctionData("setStandingTerms", [purpose, terms]);
  try {
    await system.provider.call({ from: system.addresses.timelock, to: target, data });
  } catch (error) {
    throw explainRevert("set these standing terms", error);
  }
  return { target, value: 0n, data };
}

/**
 * Makes a Governor proposal (simulated first: the Governor refuses a proposer below the threshold or a
 * proposal that exists already). The id is the one the simulated call returned.
 * @throws RoleError `INVALID_INPUT`, `REVERTED`
 */
export async function propose(
  system: DataCoop,
  signer: Signer,
  actions: readonly ProposalAction[],
  description: string,
): Promise<ProposalCreated> {
  if (actions.length === 0) throw new RoleError("INVALID_INPUT", "A proposal needs at least one action.");
  if (description.trim().length === 0) throw new RoleError("INVALID_INPUT", "A proposal needs a description.");
  const simulated = await simulate(
    "propose",
    system.governor.connect(signer).propose,
    actions.map((a) => a.target),
    actions.map((a) => a.value),
    actions.map((a) => a.data),
    description,
  );
  const proposalId = simulated.result;
  const receipt = await simulated.send();
  return {
    proposalId,
    snapshot: await system.governor.proposalSnapshot(proposalId),
    deadline: await system.governor.proposalDeadline(proposalId),
    description,
    txHash: receipt.hash,
  };
}

/**
 * Finds a proposal's actions and description from its `ProposalCreated` event (needed to queue and execute).
 * @throws RoleError `NOT_FOUND`
 */
export async function findProposal(system: DataCoop, proposalId: bigint): Promise<ProposalInfo> {
  const events = await scanEvents(system, "proposals", (from, to) =>
    system.governor.queryFilter(system.governor.filters.ProposalCreated(), from, to),
  );
  const event = events.find((e) => e.args.proposalId === proposalId);
  if (event === undefined) {
    throw new RoleError(
      "NOT_FOUND",
      `No proposal ${proposalId} was created on this Governor (since block ${system.fromBlock}); check the id.`,
    );
  }
  // Positional: on an ethers `Result`, `.values` is Array.prototype.values, not the event field.
  const [, proposer, targets, values, , calldatas, , , description] = event.args;
  return {
    proposalId,
    proposer,
    targets: [...targets],
    values: [...values],
    calldatas: [...calldatas],
    description,
    descriptionHash: proposalDescriptionHash(description),
  };
}

/**
 * The state of a proposal by name.
 * @throws RoleError `NOT_FOUND` if it does not exist
 */
export async function proposalState(
  system: Pick<DataCoop, "governor">,
  proposalId: bigint,
): Promise<ProposalStateName> {
  if ((await system.governor.proposalSnapshot(proposalId)) === 0n) {
    throw new RoleError("NOT_FOUND", `There is no proposal ${proposalId}; check the id printed by holder:propose.`);
  }
  const state = await system.governor.state(proposalId);
  const name = enumName(PROPOSAL_STATE, state);
  if (name === undefined) throw new RoleError("INTEGRITY", `The Governor returned an unknown proposal state ${state}.`);
  return name;
}

/**
 * Votes on an active proposal with the votes the signer had at its snapshot. The Governor refuses a vote
 * outside the voting period or a second vote (explained from the simulation); it would count a vote of
 * zero weight, which the simulated weight reveals, so that one is refused here.
 * @throws RoleError `NOT_ALLOWED` without votes, `REVERTED`
 */
export async function castVote(
  system: DataCoop,
  signer: Signer,
  proposalId: bigint,
  choice: VoteChoice,
  reason = "",
): Promise<{ weight: bigint; txHash: string }> {
  const governor = system.governor.connect(signer);
  const simulated =
    reason.length > 0
      ? await simulate("vote", governor.castVoteWithReason, proposalId, VOTE_SUPPORT[choice], reason)
      : await simulate("vote", governor.castVote, proposalId, VOTE_SUPPORT[choice]);
  const weight = simulated.result;
  if (weight === 0n) {
    const snapshot = await system.governor.proposalSnapshot(proposalId);
    throw new RoleError(
      "NOT_ALLOWED",
      `${await signer.getAddress()} had no votes at the proposal's snapshot (${formatTime(snapshot)}); only votes delegated before it count.`,
    );
  }
  const receipt = await simulated.send();
  return { weight, txHash: receipt.hash };
}

/**
 * Queues a succeeded proposal in the timelock (the Governor refuses any other state).
 * @returns when it can be executed
 */
export async function queueProposal(
  system: DataCoop,
  signer: Signer,
  proposalId: bigint,
): Promise<{ eta: bigint; txHash: string }> {
  const p = await findProposal(system, proposalId);
  const receipt = await transact(
    "queue the proposal",
    system.governor.connect(signer).queue,
    [...p.targets],
    [...p.values],
    [...p.calldatas],
    p.descriptionHash,
  );
  return { eta: await system.governor.proposalEta(proposalId), txHash: receipt.hash };
}

/**
 * Executes a queued proposal once its timelock delay has passed (anyone may; the Governor and the
 * timelock refuse it earlier, explained from the simulation).
 */
export async function executeProposal(
  system: DataCoop,
  signer: Signer,
  proposalId: bigint,
): Promise<{ txHash: string }> {
  const p = await findProposal(system, proposalId);
  const receipt = await transact(
    "execute the proposal",
    system.governor.connect(signer).execute,
    [...p.targets],
    [...p.values],
    [...p.calldatas],
    p.descriptionHash,
  );
  return { txHash: receipt.hash };
}

/** The outcome of an objection. */
export interface ObjectionResult {
  /** The objector's votes (at the request's timepoint). */
  readonly votes: bigint;
  /** All objections so far, including this one. */
  readonly totalVotes: bigint;
  /** Objections that reject the request. */
  readonly threshold: bigint;
  /** Whether this objection rejected (and refunded) the request. */
  readonly rejected: boolean;
  readonly txHash: string;
}

/**
 * Objects to an optimistic request during its objection window, with the votes the signer had just before
 * the request (the escrow refuses a request that is not optimistic or pending, a closed window, a second
 * objection and an objector without votes; explained from the simulation).
 * @throws RoleError `REVERTED`
 */
export async function objectToRequest(system: DataCoop, signer: Signer, requestId: bigint): Promise<ObjectionResult> {
  const objector = await signer.getAddress();
  const receipt = await transact(`object to request #${requestId}`, system.escrow.connect(signer).object, requestId);
  const request = await system.escrow.request(requestId);
  const votes = await system.token.getPastVotes(objector, request.requestedAt - 1n);
  const [totalVotes, threshold] = await system.escrow.objections(requestId);
  const rejected = request.status === BigInt(REQUEST_STATUS.Rejected);
  return { votes, totalVotes, threshold, rejected, txHash: receipt.hash };
}
