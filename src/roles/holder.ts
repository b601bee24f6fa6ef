import { getAddress, id, type Signer } from "ethers";

import { chainTime, formatTime } from "./chain";
import type { DataCoop } from "./contracts";
import { RoleError } from "./errors";
import { decodeLog } from "./logs";
import { scanEvents } from "./events";
import { readRequest, requireStatus } from "./requests";
import { explainRevert, transact } from "./revert";

/** OpenZeppelin's `ProposalState`, by name. */
export const PROPOSAL_STATE = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;
export type ProposalStateName = (typeof PROPOSAL_STATE)[number];

/** Vote support values of `GovernorCountingSimple`. */
export const VOTE_SUPPORT = { against: 0, for: 1, abstain: 2 } as const;
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
 * Checks a batch of decisions and turns it into proposal actions (`escrow.approve(ids)` and/or
 * `escrow.reject(ids)`). Every id must exist; approved ones must be pending, have consenting weight, and a
 * decision deadline the proposal can still meet; rejected ones must be pending or approved.
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
  const earliest = (await chainTime(system.provider)) + (await earliestExecutionDelay(system));
  for (const requestId of decisions.approve) {
    const request = await readRequest(system, requestId);
    requireStatus(requestId, request, ["Pending"], "be approved");
    if ((await system.distributor.totalWeight(request.purpose)) === 0n) {
      throw new RoleError(
        "WRONG_STATE",
        `No contribution consents to the purpose of request #${requestId}; it cannot be approved.`,
      );
    }
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
  const actions: ProposalAction[] = [];
  const target = system.addresses.escrow;
  if (decisions.approve.length > 0) {
    actions.push({
      target,
      value: 0n,
      data: system.escrow.interface.encodeFunctionData("approve", [[...decisions.approve]]),
    });
  }
  if (decisions.reject.length > 0) {
    actions.push({
      target,
      value: 0n,
      data: system.escrow.interface.encodeFunctionData("reject", [[...decisions.reject]]),
    });
  }
  return actions;
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
 * Makes a Governor proposal. Checks the proposer's votes against the proposal threshold and that the same
 * proposal does not exist yet.
 * @throws RoleError `NOT_ALLOWED`, `WRONG_STATE`
 */
export async function propose(
  system: DataCoop,
  signer: Signer,
  actions: readonly ProposalAction[],
  description: string,
): Promise<ProposalCreated> {
  if (actions.length === 0) throw new RoleError("INVALID_INPUT", "A proposal needs at least one action.");
  if (description.trim().length === 0) throw new RoleError("INVALID_INPUT", "A proposal needs a description.");
  const proposer = await signer.getAddress();
  const targets = actions.map((a) => a.target);
  const values = actions.map((a) => a.value);
  const calldatas = actions.map((a) => a.data);
  const proposalId = await system.governor.hashProposal(targets, values, calldatas, id(description));
  if ((await system.governor.proposalSnapshot(proposalId)) !== 0n) {
    throw new RoleError(
      "WRONG_STATE",
      `The same proposal already exists (id ${proposalId}); vote on it, or change the description to propose again.`,
    );
  }
  const threshold = await system.governor.proposalThreshold();
  if (threshold > 0n) {
    const votes = await system.governor.getVotes(proposer, (await system.governor.clock()) - 1n);
    if (votes < threshold) {
      throw new RoleError(
        "NOT_ALLOWED",
        `${proposer} had ${votes} votes a second ago; proposing needs ${threshold}. Delegate votes to this account first (holder:delegate).`,
      );
    }
  }
  const receipt = await transact(
    "propose",
    system.governor.connect(signer).propose,
    targets,
    values,
    calldatas,
    description,
  );
  for (const log of receipt.logs) {
    const parsed = decodeLog(system.governor.interface, log);
    if (parsed?.name !== "ProposalCreated") continue;
    return {
      proposalId: BigInt(parsed.args.proposalId),
      snapshot: await system.governor.proposalSnapshot(proposalId),
      deadline: await system.governor.proposalDeadline(proposalId),
      description,
      txHash: receipt.hash,
    };
  }
  throw new RoleError("REVERTED", `Transaction ${receipt.hash} created no proposal.`);
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
    descriptionHash: id(description),
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
  return PROPOSAL_STATE[Number(await system.governor.state(proposalId))];
}

/**
 * Votes on an active proposal with the votes the signer had at its snapshot.
 * @throws RoleError `WRONG_STATE` (saying when voting opens or that it closed), `NOT_ALLOWED` without votes
 */
export async function castVote(
  system: DataCoop,
  signer: Signer,
  proposalId: bigint,
  choice: VoteChoice,
  reason = "",
): Promise<{ weight: bigint; txHash: string }> {
  const state = await proposalState(system, proposalId);
  const snapshot = await system.governor.proposalSnapshot(proposalId);
  if (state === "Pending") {
    throw new RoleError(
      "WRONG_STATE",
      `Voting on proposal ${proposalId} opens after ${formatTime(snapshot)}; vote then.`,
    );
  }
  if (state !== "Active") throw new RoleError("WRONG_STATE", `Proposal ${proposalId} is ${state}; voting is closed.`);
  const voter = await signer.getAddress();
  if (await system.governor.hasVoted(proposalId, voter)) {
    throw new RoleError("WRONG_STATE", `${voter} has already voted on proposal ${proposalId}.`);
  }
  const weight = await system.governor.getVotes(voter, snapshot);
  if (weight === 0n) {
    throw new RoleError(
      "NOT_ALLOWED",
      `${voter} had no votes at the proposal's snapshot (${formatTime(snapshot)}); only votes delegated before it count.`,
    );
  }
  const governor = system.governor.connect(signer);
  const receipt =
    reason.length > 0
      ? await transact("vote", governor.castVoteWithReason, proposalId, VOTE_SUPPORT[choice], reason)
      : await transact("vote", governor.castVote, proposalId, VOTE_SUPPORT[choice]);
  return { weight, txHash: receipt.hash };
}

/**
 * Queues a succeeded proposal in the timelock.
 * @returns when it can be executed
 */
export async function queueProposal(
  system: DataCoop,
  signer: Signer,
  proposalId: bigint,
): Promise<{ eta: bigint; txHash: string }> {
  const state = await proposalState(system, proposalId);
  if (state === "Active" || state === "Pending") {
    const deadline = await system.governor.proposalDeadline(proposalId);
    throw new RoleError(
      "WRONG_STATE",
      `Proposal ${proposalId} is ${state}; voting ends at ${formatTime(deadline)}, queue after that.`,
    );
  }
  if (state !== "Succeeded") {
    throw new RoleError("WRONG_STATE", `Proposal ${proposalId} is ${state}; only a succeeded proposal can be queued.`);
  }
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
 * Executes a queued proposal once its timelock delay has passed (anyone may).
 * @throws RoleError `WRONG_STATE` with the time to wait for
 */
export async function executeProposal(
  system: DataCoop,
  signer: Signer,
  proposalId: bigint,
): Promise<{ txHash: string }> {
  const state = await proposalState(system, proposalId);
  if (state !== "Queued") {
    throw new RoleError(
      "WRONG_STATE",
      `Proposal ${proposalId} is ${state}; only a queued proposal can be executed (queue it with holder:queue).`,
    );
  }
  const eta = await system.governor.proposalEta(proposalId);
  const now = await chainTime(system.provider);
  if (now < eta) {
    throw new RoleError(
      "WRONG_STATE",
      `Proposal ${proposalId} can be executed from ${formatTime(eta)} (chain time ${formatTime(now)}).`,
    );
  }
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
 * the request.
 * @throws RoleError `WRONG_STATE` (not optimistic, window closed, already objected), `NOT_ALLOWED` (no votes)
 */
export async function objectToRequest(system: DataCoop, signer: Signer, requestId: bigint): Promise<ObjectionResult> {
  const request = await readRequest(system, requestId);
  requireStatus(requestId, request, ["Pending"], "be objected to");
  if (request.objectionDeadline === 0n) {
    throw new RoleError(
      "WRONG_STATE",
      `Request #${requestId} did not meet standing terms: it waits for a proposal; vote against that instead.`,
    );
  }
  const now = await chainTime(system.provider);
  if (now > request.objectionDeadline) {
    throw new RoleError(
      "WRONG_STATE",
      `The objection window of request #${requestId} closed at ${formatTime(request.objectionDeadline)}.`,
    );
  }
  const objector = await signer.getAddress();
  if (await system.escrow.hasObjected(requestId, objector)) {
    throw new RoleError("WRONG_STATE", `${objector} has already objected to request #${requestId}.`);
  }
  const timepoint = request.requestedAt - 1n;
  const votes = await system.token.getPastVotes(objector, timepoint);
  if (votes === 0n) {
    throw new RoleError(
      "NOT_ALLOWED",
      `${objector} had no votes just before request #${requestId} (${formatTime(timepoint)}); only votes delegated before a request count against it.`,
    );
  }
  const receipt = await transact(`object to request #${requestId}`, system.escrow.connect(signer).object, requestId);
  const [totalVotes, threshold] = await system.escrow.objections(requestId);
  const after = await system.escrow.request(requestId);
  return { votes, totalVotes, threshold, rejected: after.status === 4n, txHash: receipt.hash };
}
