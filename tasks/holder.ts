/** Token holder tasks: delegate, propose batch decisions on access requests, vote, queue, execute, object. */
import { types } from "hardhat/config";

import {
  type AccountArgs,
  type DeploymentArgs,
  type JsonArgs,
  action,
  connect,
  loadRoles,
  parseId,
  parseIds,
  report,
  roleTask,
  signerFor,
} from "./common";

interface DelegateArgs extends DeploymentArgs, AccountArgs {
  to?: string;
}

roleTask(
  "holder:delegate",
  "Delegates your COOP votes (to yourself by default). Contributors are self-delegated automatically when first rewarded",
)
  .addOptionalParam("to", "The delegate's address (default: your own account)", undefined, types.string)
  .setAction(
    action<DelegateArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const coop = await connect(hre, args);
      const result = await roles.delegateVotes(coop, await signerFor(hre, args.account), args.to);
      console.log(
        result.txHash === undefined
          ? `Votes are already delegated to ${result.delegatee}; nothing sent.`
          : `Delegated votes to ${result.delegatee} (tx ${result.txHash}).`,
      );
    }),
  );

interface ProposeArgs extends DeploymentArgs, AccountArgs, JsonArgs {
  approve?: string;
  reject?: string;
  description?: string;
}

roleTask(
  "holder:propose",
  "Proposes to approve and/or reject a batch of access requests in one Governor proposal (escrow.approve / escrow.reject, executed by the timelock). Every request is checked first",
  { json: true },
)
  .addOptionalParam("approve", "Request ids to approve, comma-separated (e.g. 2,5)", undefined, types.string)
  .addOptionalParam("reject", "Request ids to reject and refund, comma-separated", undefined, types.string)
  .addOptionalParam("description", "Proposal description (default: generated from the ids)", undefined, types.string)
  .setAction(
    action<ProposeArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const decisions = {
        approve: await parseIds(args.approve, "approve"),
        reject: await parseIds(args.reject, "reject"),
      };
      const coop = await connect(hre, args);
      const actions = await roles.decisionActions(coop, decisions);
      const description = args.description ?? roles.describeDecisions(decisions);
      const created = await roles.propose(coop, await signerFor(hre, args.account), actions, description);
      report(args.json, created, () => [
        `Proposed: ${description}`,
        `  proposal id  ${created.proposalId}`,
        `  voting       from ${roles.formatTime(created.snapshot + 1n)} to ${roles.formatTime(created.deadline)}`,
        `  next         npx hardhat holder:vote --proposal ${created.proposalId} --support for`,
      ]);
    }),
  );

interface ProposalArgs extends DeploymentArgs, AccountArgs {
  proposal: string;
}

interface VoteArgs extends ProposalArgs {
  support: string;
  reason?: string;
}

roleTask("holder:vote", "Votes on an active proposal with the votes you had at its snapshot")
  .addParam("proposal", "The proposal id (printed by holder:propose)", undefined, types.string)
  .addOptionalParam("support", "for, against or abstain", "for", types.string)
  .addOptionalParam("reason", "A reason, recorded on-chain with the vote", undefined, types.string)
  .setAction(
    action<VoteArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const support = args.support.toLowerCase();
      if (!(support in roles.VOTE_SUPPORT)) {
        throw new roles.RoleError(
          "INVALID_INPUT",
          `--support must be for, against or abstain; got ${JSON.stringify(args.support)}.`,
        );
      }
      const proposalId = await parseId(args.proposal, "proposal");
      const coop = await connect(hre, args);
      const result = await roles.castVote(
        coop,
        await signerFor(hre, args.account),
        proposalId,
        support as keyof typeof roles.VOTE_SUPPORT,
        args.reason,
      );
      console.log(
        `Voted ${support} on ${proposalId} with ${roles.formatTokenAmount(result.weight, 18)} votes (tx ${result.txHash}).`,
      );
    }),
  );

roleTask("holder:queue", "Queues a succeeded proposal in the timelock (anyone may)")
  .addParam("proposal", "The proposal id", undefined, types.string)
  .setAction(
    action<ProposalArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const proposalId = await parseId(args.proposal, "proposal");
      const coop = await connect(hre, args);
      const result = await roles.queueProposal(coop, await signerFor(hre, args.account), proposalId);
      console.log(`Queued ${proposalId}; executable from ${roles.formatTime(result.eta)} (tx ${result.txHash}).`);
    }),
  );

roleTask("holder:execute", "Executes a queued proposal once its timelock delay has passed (anyone may)")
  .addParam("proposal", "The proposal id", undefined, types.string)
  .setAction(
    action<ProposalArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const proposalId = await parseId(args.proposal, "proposal");
      const coop = await connect(hre, args);
      const result = await roles.executeProposal(coop, await signerFor(hre, args.account), proposalId);
      console.log(`Executed ${proposalId} (tx ${result.txHash}).`);
    }),
  );

interface ObjectArgs extends DeploymentArgs, AccountArgs {
  request: string;
}

roleTask(
  "holder:object",
  "Objects to an access request approved under standing terms, during its objection window, with the votes you had just before the request. Enough objections reject it",
)
  .addParam("request", "The request id", undefined, types.string)
  .setAction(
    action<ObjectArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const requestId = await parseId(args.request, "request");
      const coop = await connect(hre, args);
      const result = await roles.objectToRequest(coop, await signerFor(hre, args.account), requestId);
      const show = (v: bigint) => roles.formatTokenAmount(v, 18);
      console.log(
        `Objected to #${requestId} with ${show(result.votes)} votes: ${show(result.totalVotes)} of ${show(result.threshold)} needed → ${result.rejected ? "rejected and refunded" : "still standing"} (tx ${result.txHash}).`,
      );
    }),
  );
