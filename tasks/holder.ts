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

interface ProposeTermsArgs extends DeploymentArgs, AccountArgs, JsonArgs {
  purpose: string;
  minPrice: string;
  maxDuration: string;
  objectionWindow: string;
  objectionThresholdBps: string;
  disable: boolean;
  description?: string;
}

roleTask(
  "holder:propose-terms",
  "Proposes standing terms for a purpose (escrow.setStandingTerms, executed by the timelock): a request paying at least the minimum price for at most the maximum duration is then approved unless holders object within the window. The call is simulated as the timelock first",
  { json: true },
)
  .addParam("purpose", "Purpose name or id, e.g. AI_TRAINING", undefined, types.string)
  .addOptionalParam("minPrice", "Minimum fee, in whole settlement tokens (e.g. 100)", "0", types.string)
  .addOptionalParam("maxDuration", "Longest access granted, e.g. 30d", "30d", types.string)
  .addOptionalParam("objectionWindow", "How long holders may object, e.g. 2d", "2d", types.string)
  .addOptionalParam(
    "objectionThresholdBps",
    "Objections (in bps of the votes at the request) that reject it",
    "1000",
    types.string,
  )
  .addFlag("disable", "Propose to switch standing terms off for the purpose instead")
  .addOptionalParam("description", "Proposal description (default: generated from the terms)", undefined, types.string)
  .setAction(
    action<ProposeTermsArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const coop = await connect(hre, args);
      const purposes = await roles.readPurposes(coop.registry);
      const purpose = roles.parsePurpose(args.purpose, purposes);
      const decimals = Number(await coop.settlementToken.decimals());
      const thresholdBps = Number(args.objectionThresholdBps);
      if (!Number.isInteger(thresholdBps) || thresholdBps < 0 || thresholdBps > 10_000) {
        throw new roles.RoleError(
          "INVALID_INPUT",
          `--objection-threshold-bps must be a whole number from 0 to 10000; got ${JSON.stringify(args.objectionThresholdBps)}.`,
        );
      }
      const terms = {
        enabled: !args.disable,
        minPrice: roles.parseTokenAmount(args.minPrice, decimals, "--min-price"),
        maxDuration: roles.parseDuration(args.maxDuration, "--max-duration"),
        objectionWindow: roles.parseDuration(args.objectionWindow, "--objection-window"),
        objectionThresholdBps: thresholdBps,
      };
      const name = roles.purposeName(purpose, purposes);
      const description =
        args.description ??
        (terms.enabled
          ? `Standing terms for ${name}: at least ${args.minPrice} per request, at most ${args.maxDuration}, objections within ${args.objectionWindow} at ${thresholdBps} bps reject`
          : `Standing terms for ${name}: off`);
      const action = await roles.standingTermsAction(coop, purpose, terms);
      const created = await roles.propose(coop, await signerFor(hre, args.account), [action], description);
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
