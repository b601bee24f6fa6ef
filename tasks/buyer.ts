/** Buyer tasks: request access, cancel, finalize, show a request, fetch and decrypt a delivered grant. */
import { types } from "hardhat/config";

import {
  type AccountArgs,
  type DeploymentArgs,
  type JsonArgs,
  type KeyArgs,
  action,
  connect,
  eciesKeyFor,
  loadRoles,
  parseId,
  report,
  roleTask,
  signerFor,
  storeFor,
} from "./common";

interface RequestArgs extends DeploymentArgs, AccountArgs, KeyArgs, JsonArgs {
  purpose: string;
  amount: string;
  duration: string;
  terms?: string;
  termsHash?: string;
  termsUri?: string;
}

roleTask(
  "buyer:request",
  "Requests access to the pooled data for a purpose and duration, paying the fee into escrow (approves exactly the fee first if needed). A request that meets the purpose's standing terms is approved unless holders object; any other waits for a Governor proposal",
  { key: "buyer", json: true },
)
  .addParam("purpose", "Purpose name or id, e.g. AI_TRAINING", undefined, types.string)
  .addParam("amount", "Fee in whole settlement tokens, e.g. 1000 or 12.5 (USDC)", undefined, types.string)
  .addParam("duration", "Grant length from delivery: seconds or e.g. 12h, 30d, 1y", undefined, types.string)
  .addOptionalParam("terms", "The terms document you accept; its keccak256 is the terms hash", undefined, types.string)
  .addOptionalParam("termsHash", "Instead of --terms: the terms hash (bytes32)", undefined, types.string)
  .addOptionalParam(
    "termsUri",
    "Where the terms document lives (default: urn:datacoop:terms:<hash>)",
    undefined,
    types.string,
  )
  .setAction(
    action<RequestArgs>(async (args, hre) => {
      const roles = await loadRoles();
      if ((args.terms === undefined) === (args.termsHash === undefined)) {
        throw new roles.RoleError("INVALID_INPUT", "Give exactly one of --terms <file> or --terms-hash <bytes32>.");
      }
      const termsHash =
        args.terms !== undefined
          ? roles.termsHashOf(await roles.readInputFile(args.terms, "the terms document"))
          : (args.termsHash ?? "");
      const duration = roles.parseDuration(args.duration, "--duration");
      const coop = await connect(hre, args);
      const purpose = roles.parsePurpose(args.purpose, await roles.readPurposes(coop.registry));
      const decimals = Number(await coop.settlementToken.decimals());
      const symbol = await coop.settlementToken.symbol();
      const amount = roles.parseTokenAmount(args.amount, decimals, "--amount");
      const signer = await signerFor(hre, args.account);
      const key = await eciesKeyFor(hre, "buyer", signer.address, args);
      const result = await roles.requestAccess(coop, signer, {
        purpose,
        amount,
        duration,
        termsHash,
        termsURI: args.termsUri ?? `urn:datacoop:terms:${termsHash.toLowerCase()}`,
        buyerPublicKey: key.publicKey,
      });
      report(args.json, { ...result, buyerPublicKey: key.publicKey }, () => [
        `Request #${result.requestId}: ${args.purpose} for ${roles.formatDuration(duration)}, ${roles.formatTokenAmount(amount, decimals)} ${symbol} in escrow (tx ${result.txHash})`,
        result.optimistic
          ? `  meets standing terms: approved unless holders object by ${roles.formatTime(result.objectionDeadline)}; then anyone runs buyer:finalize --request ${result.requestId}`
          : `  waits for a Governor proposal (holder:propose --approve ${result.requestId}) by ${roles.formatTime(result.decisionDeadline)}`,
        `  data keys will be wrapped to ${key.publicKey} (${key.source})`,
      ]);
    }),
  );

interface RequestIdArgs extends DeploymentArgs, AccountArgs {
  request: string;
}

roleTask("buyer:cancel", "Cancels your pending request; the fee is refunded in full")
  .addParam("request", "The request id", undefined, types.string)
  .setAction(
    action<RequestIdArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const requestId = await parseId(args.request, "request");
      const coop = await connect(hre, args);
      const result = await roles.cancelRequest(coop, await signerFor(hre, args.account), requestId);
      const decimals = Number(await coop.settlementToken.decimals());
      console.log(
        `Cancelled #${requestId}; ${roles.formatTokenAmount(result.refunded, decimals)} refunded (tx ${result.txHash}).`,
      );
    }),
  );

roleTask("buyer:finalize", "Approves a standing-terms request once its objection window has closed (anyone may)")
  .addParam("request", "The request id", undefined, types.string)
  .setAction(
    action<RequestIdArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const requestId = await parseId(args.request, "request");
      const coop = await connect(hre, args);
      const result = await roles.finalizeRequest(coop, await signerFor(hre, args.account), requestId);
      console.log(`Finalized #${requestId}: approved, waiting for the custodian's delivery (tx ${result.txHash}).`);
    }),
  );

interface StatusArgs extends DeploymentArgs, JsonArgs {
  request: string;
}

roleTask("buyer:status", "Shows an access request: status, purpose, fee, deadlines, objections and grant", {
  account: false,
  json: true,
})
  .addParam("request", "The request id", undefined, types.string)
  .setAction(
    action<StatusArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const requestId = await parseId(args.request, "request");
      const coop = await connect(hre, args);
      const request = await roles.readRequest(coop, requestId);
      const grant = await coop.escrow.grant(requestId);
      const [objections, threshold] = await coop.escrow.objections(requestId);
      const purposes = await roles.readPurposes(coop.registry);
      const decimals = Number(await coop.settlementToken.decimals());
      const symbol = await coop.settlementToken.symbol();
      const time = (t: bigint) => (t === 0n ? "-" : roles.formatTime(t));
      report(
        args.json,
        {
          requestId,
          ...request,
          objections,
          objectionThreshold: threshold,
          grantActive: grant.active,
          grantExpiry: grant.expiry,
        },
        () => [
          `Request #${requestId}: ${request.statusName}`,
          `  buyer        ${request.buyer}`,
          `  purpose      ${roles.purposeName(request.purpose, purposes)}, ${roles.formatDuration(request.duration)}, ${roles.formatTokenAmount(request.amount, decimals)} ${symbol}`,
          `  decide by    ${time(request.decisionDeadline)}${request.objectionDeadline === 0n ? " (by proposal)" : `; objections until ${time(request.objectionDeadline)}: ${roles.formatTokenAmount(objections, 18)} of ${roles.formatTokenAmount(threshold, 18)}`}`,
          `  deliver by   ${time(request.deliveryDeadline)}`,
          `  grant        ${request.deliveredAt === 0n ? "not delivered" : `${time(grant.start)} → ${time(grant.expiry)} (${grant.active ? "active" : "expired"}), set ${request.setHash}`}`,
        ],
      );
    }),
  );

interface FetchArgs extends DeploymentArgs, AccountArgs, KeyArgs, JsonArgs {
  request: string;
  out: string;
  store?: string;
  format: string;
}

roleTask(
  "buyer:fetch",
  "After delivery: fetches the share manifests the custodians posted for the delivered set, combines k shares of each data key with your key and checks it against its commitment, fetches every ciphertext, verifies its content hash, decrypts it and streams the refined conversations into one dataset directory (all or nothing): conversations.jsonl (each line with its contribution's content hash), dataset.json (the card), each custodian's manifest-<custodian>.json, and with --format chat conversations.chat.jsonl",
  { key: "buyer", json: true },
)
  .addParam("request", "The delivered request id", undefined, types.string)
  .addParam("out", "A new (or empty) directory for the dataset", undefined, types.string)
  .addOptionalParam(
    "format",
    'jsonl (refined lines only) or chat (also the chat fine-tuning JSONL, {"messages":[{"role","content"}]})',
    "jsonl",
    types.string,
  )
  .addOptionalParam(
    "store",
    "Blob store to read from: a directory or an http(s) URL (default: the store the manifest URI points into)",
    undefined,
    types.string,
  )
  .setAction(
    action<FetchArgs>(async (args, hre) => {
      const roles = await loadRoles();
      if (args.format !== "jsonl" && args.format !== "chat") {
        throw new roles.RoleError(
          "INVALID_INPUT",
          `--format must be jsonl or chat; got ${JSON.stringify(args.format)}.`,
        );
      }
      const requestId = await parseId(args.request, "request");
      const coop = await connect(hre, args);
      const signer = await signerFor(hre, args.account);
      const key = await eciesKeyFor(hre, "buyer", signer.address, args);
      const result = await roles.fetchGrant(coop, requestId, key, {
        outDir: args.out,
        store: args.store === undefined ? undefined : await storeFor(hre, args.store),
        format: args.format,
      });
      const { card } = result;
      const redactions = Object.entries(card.redactions);
      report(args.json, result, () => [
        `Fetched request #${requestId}: ${card.contributions} contribution(s), every content hash verified, ${card.conversations} conversations (${card.messages} messages) → ${result.outDir}`,
        `  set      ${result.setHash}, combined from ${result.manifests.length} custodian manifest(s)`,
        `  schema   ${card.schema}; redactions ${redactions.length === 0 ? "none" : redactions.map(([name, n]) => `${name} ${n}`).join(", ")}`,
        ...result.files.map((file) => `  ${file}`),
        result.active
          ? `  the grant runs until ${roles.formatTime(result.expiry)}`
          : `  warning: the grant expired at ${roles.formatTime(result.expiry)}; the terms you accepted bind any further use`,
      ]);
    }),
  );
