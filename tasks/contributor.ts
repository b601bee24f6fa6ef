/** Contributor tasks: contribute an export, change consent, revoke, claim revenue, show status. */
import { stat } from "node:fs/promises";
import { types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import type * as Roles from "../src/roles";
import {
  type AccountArgs,
  type DeploymentArgs,
  type JsonArgs,
  type KeyArgs,
  action,
  connect,
  eciesKeyFor,
  isLocal,
  loadRoles,
  note,
  report,
  roleTask,
  signerFor,
  storeFor,
} from "./common";

const EXCLUDE_HELP =
  "Conversations to leave out of what is sealed, comma-separated: a conversation id (export or refined c_...), title:/regex/flags, date:YYYY-MM-DD..YYYY-MM-DD (either end open). Preview with export:refine";

/** The refinement choices of the command line. */
function choicesOf(args: RefinementArgs): Roles.RefinementChoices {
  return {
    exclude: args.exclude === undefined ? [] : [args.exclude],
    preciseTimes: args.preciseTimes,
    branches: args.branches,
  };
}

interface RefinementArgs {
  exclude?: string;
  preciseTimes: boolean;
  branches: boolean;
}

/** Counts per redaction class, e.g. `email 2, secret:openai-key 1`. */
function redactionLine(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? "none" : entries.map(([name, n]) => `${name} ${n}`).join(", ");
}

const PURPOSES_HELP =
  'Consent: the purposes the data may be used for, comma-separated names or ids (e.g. RESEARCH,AI_TRAINING), "all" or "none". Leave out AI_TRAINING to say "do not train on my data"';

interface ContributeArgs extends DeploymentArgs, AccountArgs, KeyArgs, JsonArgs, RefinementArgs {
  export?: string;
  sealed?: string;
  purposes: string;
  attestation?: string;
  store?: string;
}

roleTask(
  "contributor:contribute",
  "Contributes a ChatGPT export: scores it, refines it into the de-identified dataset (docs/dataset.md; preview with export:refine), encrypts that (data key split among the custodians and wrapped to yours), stores the ciphertext and its descriptor in the blob store, gets it attested and registers it. Everything is checked and the transaction simulated before anything is uploaded or sent",
  { key: "contributor", json: true },
)
  .addOptionalParam("export", "The ChatGPT export .zip to contribute (encrypted now)", undefined, types.string)
  .addOptionalParam(
    "sealed",
    "Instead of --export: a sealed-contribution file from contributor:seal, to register with --attestation",
    undefined,
    types.string,
  )
  .addParam("purposes", PURPOSES_HELP, undefined, types.string)
  .addOptionalParam(
    "attestation",
    "Attestation file(s) from validator:attest, comma-separated for k-of-n (required with --sealed). Omitted with --export on a local network: the local validator accounts sign",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "store",
    "Blob store: a directory or an http(s) URL (default: .datacoop/blobs)",
    undefined,
    types.string,
  )
  .addOptionalParam("exclude", `With --export: ${EXCLUDE_HELP}`, undefined, types.string)
  .addFlag("preciseTimes", "With --export: keep timestamps to the second (default: the day only)")
  .addFlag("branches", "With --export: include edited and regenerated branches")
  .setAction(
    action<ContributeArgs>(async (args, hre) => {
      const roles = await loadRoles();
      if ((args.export === undefined) === (args.sealed === undefined)) {
        throw new roles.RoleError("INVALID_INPUT", "Give exactly one of --export <zip> or --sealed <file>.");
      }
      if (args.export !== undefined && args.attestation !== undefined) {
        throw new roles.RoleError(
          "INVALID_INPUT",
          "An attestation signs the hash of one ciphertext, and encrypting the export again gives a new one. With external validators: run contributor:seal, have them run validator:attest on the sealed file, then contributor:contribute --sealed <file> --attestation <files>.",
        );
      }
      if (args.sealed !== undefined && (args.exclude !== undefined || args.preciseTimes || args.branches)) {
        throw new roles.RoleError(
          "INVALID_INPUT",
          "--exclude, --precise-times and --branches shape what is sealed: give them to contributor:seal, not with --sealed.",
        );
      }
      if (args.sealed !== undefined && args.attestation === undefined) {
        throw new roles.RoleError(
          "INVALID_INPUT",
          "--sealed needs --attestation with the validators' attestation file(s).",
        );
      }
      const coop = await connect(hre, args);
      const mask = roles.parsePurposeMask(args.purposes, await roles.readPurposes(coop.registry));
      const signer = await signerFor(hre, args.account);
      let result: Roles.RegisteredContribution & { refinement?: Roles.PreparedContribution["refinement"] };
      if (args.export !== undefined) {
        if (!(await isLocal(hre))) {
          throw new roles.RoleError(
            "INVALID_INPUT",
            `On ${hre.network.name} validators attest contributions: run contributor:seal --export ${args.export} --out sealed.json, have validators run validator:attest --sealed sealed.json, then contributor:contribute --sealed sealed.json --attestation <their files>.`,
          );
        }
        const exportBytes = await roles.readInputFile(args.export, "the export archive");
        const key = await eciesKeyFor(hre, "contributor", signer.address, args);
        const validators = await roles.localValidators(coop, await hre.ethers.getSigners());
        result = await roles.contributeExport(coop, signer, {
          exportBytes,
          purposes: mask,
          contributorPublicKey: key.publicKey,
          store: await storeFor(hre, args.store),
          refinement: choicesOf(args),
          attest: (request) => roles.signAttestationFile(coop, validators, request),
        });
      } else {
        const sealed = roles.parseSealedFile(
          new TextDecoder().decode(await roles.readInputFile(args.sealed ?? "", "the sealed-contribution file")),
          args.sealed ?? "",
        );
        const attestation = await readAttestations(args.attestation ?? "");
        result = await roles.contributeSealed(
          coop,
          signer,
          sealed,
          attestation,
          mask,
          args.store === undefined ? undefined : await storeFor(hre, args.store),
        );
      }
      const purposes = await roles.readPurposes(coop.registry);
      report(args.json, result, () => [
        `Registered contribution ${result.contentHash}`,
        `  owner       ${result.owner}`,
        `  units       ${result.units} refined messages, quality ${(result.quality / 100).toFixed(2)}%, weight ${result.weight}`,
        ...(result.refinement === undefined
          ? []
          : [
              `  sealed      ${result.refinement.refinedConversations} of ${result.refinement.conversations} conversations (${result.refinement.excludedConversations} excluded)`,
              `  redactions  ${redactionLine(result.refinement.redactions)}`,
            ]),
        `  consents    ${roles.describePurposeMask(result.purposes, purposes)}`,
        `  reward      ${roles.formatTokenAmount(result.reward, 18)} COOP`,
        `  descriptor  ${result.uri}`,
        ...(result.superseded === undefined ? [] : [`  supersedes  ${result.superseded} (same account, older export)`]),
        `  tx          ${result.txHash}`,
      ]);
    }),
  );

async function readAttestations(list: string): Promise<Roles.AttestationFile> {
  const roles = await loadRoles();
  const paths = list
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const files = [];
  for (const where of paths) {
    const text = new TextDecoder().decode(await roles.readInputFile(where, "the attestation file"));
    files.push({ file: roles.parseAttestationFile(text, where), where });
  }
  return roles.mergeAttestationFiles(files);
}

interface SealArgs extends DeploymentArgs, AccountArgs, KeyArgs, RefinementArgs {
  export: string;
  out: string;
  store?: string;
}

roleTask(
  "contributor:seal",
  "Refines a ChatGPT export into the de-identified dataset, encrypts and uploads it for attestation by external validators, and writes a sealed-contribution file (no secrets) to hand to them. Register it afterwards with contributor:contribute --sealed",
  { key: "contributor" },
)
  .addParam("export", "The ChatGPT export .zip", undefined, types.string)
  .addParam("out", "Where to write the sealed-contribution file (must not exist)", undefined, types.string)
  .addOptionalParam(
    "store",
    "Blob store: a directory or an http(s) URL (default: .datacoop/blobs)",
    undefined,
    types.string,
  )
  .addOptionalParam("exclude", EXCLUDE_HELP, undefined, types.string)
  .addFlag("preciseTimes", "Keep timestamps to the second (default: the day only)")
  .addFlag("branches", "Include edited and regenerated branches")
  .setAction(
    action<SealArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const coop = await connect(hre, args);
      const signer = await signerFor(hre, args.account);
      const exportBytes = await roles.readInputFile(args.export, "the export archive");
      const key = await eciesKeyFor(hre, "contributor", signer.address, args);
      // Refuse an existing output before uploading anything.
      if (await exists(args.out))
        throw new roles.RoleError("INVALID_INPUT", `${args.out} already exists; choose another --out.`);
      const sealed = await roles.sealExport(
        coop,
        signer.address,
        exportBytes,
        key.publicKey,
        await storeFor(hre, args.store),
        choicesOf(args),
      );
      await roles.writeJsonAtomic(args.out, sealed, { overwrite: false });
      console.log(
        `Sealed ${sealed.contentHash} (${sealed.units} refined messages, quality ${(sealed.quality / 100).toFixed(2)}%) → ${args.out}`,
      );
      console.log(`  redactions: ${redactionLine(sealed.redactions)}`);
      console.log(
        `Next: validators run \`npx hardhat validator:attest --export <the zip> --sealed ${args.out} --out att.json\`;`,
      );
      console.log(
        `then: \`npx hardhat contributor:contribute --sealed ${args.out} --attestation att.json --purposes <...>\`.`,
      );
    }),
  );

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined)) !== undefined;
}

interface SetPurposesArgs extends DeploymentArgs, AccountArgs {
  contentHash: string;
  purposes: string;
}

roleTask(
  "contributor:set-purposes",
  "Changes the consent of one of your active contributions (it governs future revenue only)",
)
  .addParam("contentHash", "The contribution's content hash (see contributor:status)", undefined, types.string)
  .addParam("purposes", PURPOSES_HELP, undefined, types.string)
  .setAction(
    action<SetPurposesArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const coop = await connect(hre, args);
      const purposes = await roles.readPurposes(coop.registry);
      const mask = roles.parsePurposeMask(args.purposes, purposes);
      const result = await roles.setPurposes(coop, await signerFor(hre, args.account), args.contentHash, mask);
      console.log(
        result.changed
          ? `Consent of ${args.contentHash}: ${roles.describePurposeMask(result.previous, purposes)} → ${roles.describePurposeMask(mask, purposes)} (tx ${result.txHash})`
          : `Consent of ${args.contentHash} is already ${roles.describePurposeMask(mask, purposes)}; nothing sent.`,
      );
    }),
  );

interface RevokeArgs extends DeploymentArgs, AccountArgs {
  contentHash: string;
}

roleTask(
  "contributor:revoke",
  'Revokes one of your contributions ("delete my data"): its weight leaves every purpose at once and the custodian never releases its key again. Revenue already earned stays claimable',
)
  .addParam("contentHash", "The contribution's content hash (see contributor:status)", undefined, types.string)
  .setAction(
    action<RevokeArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const coop = await connect(hre, args);
      const result = await roles.revokeContribution(coop, await signerFor(hre, args.account), args.contentHash);
      console.log(`Revoked ${args.contentHash} (tx ${result.txHash}). Revenue already earned stays claimable.`);
    }),
  );

interface ClaimArgs extends DeploymentArgs, AccountArgs {
  to?: string;
}

roleTask("contributor:claim", "Claims your revenue over every purpose you hold (distributor.purposesHeld, then claim)")
  .addOptionalParam("to", "Pay this address instead of your account", undefined, types.string)
  .setAction(
    action<ClaimArgs>(async (args, hre) => {
      const roles = await loadRoles();
      const coop = await connect(hre, args);
      const decimals = Number(await coop.settlementToken.decimals());
      const symbol = await coop.settlementToken.symbol();
      const result = await roles.claimRevenue(coop, await signerFor(hre, args.account), args.to);
      if (result.txHash === undefined) {
        console.log("Nothing to claim yet; nothing sent.");
        return;
      }
      console.log(`Claimed ${roles.formatTokenAmount(result.amount, decimals)} ${symbol} (tx ${result.txHash}).`);
    }),
  );

interface StatusArgs extends DeploymentArgs, AccountArgs, JsonArgs {}

roleTask(
  "contributor:status",
  "Shows an account's contributions (status, consent, units, quality), tokens, votes and claimable revenue",
  { json: true },
).setAction(
  action<StatusArgs>(async (args, hre) => {
    const roles = await loadRoles();
    const coop = await connect(hre, args);
    const account = await accountAddress(hre, args.account);
    const status = await roles.contributorStatus(coop, account);
    const purposes = await roles.readPurposes(coop.registry);
    const decimals = Number(await coop.settlementToken.decimals());
    const symbol = await coop.settlementToken.symbol();
    report(args.json, status, () => [
      `Account ${status.account}`,
      `  COOP        ${roles.formatTokenAmount(status.tokenBalance, 18)} (votes ${roles.formatTokenAmount(status.votes, 18)}, delegate ${status.delegate})`,
      `  claimable   ${roles.formatTokenAmount(status.claimable, decimals)} ${symbol}${status.claimableByPurpose.length === 0 ? "" : ` (${status.claimableByPurpose.map((c) => `${roles.purposeName(c.purpose, purposes)} ${roles.formatTokenAmount(c.amount, decimals)}`).join(", ")})`}`,
      `  ${symbol.padEnd(12)}${roles.formatTokenAmount(status.settlementBalance, decimals)}`,
      `  contributions: ${status.contributions.length}`,
      ...status.contributions.flatMap((c) => [
        `  - ${c.contentHash} ${c.status}`,
        `      ${c.units} units, quality ${(c.quality / 100).toFixed(2)}%, consents ${roles.describePurposeMask(c.purposes, purposes)}, reward ${roles.formatTokenAmount(c.reward, 18)} COOP`,
      ]),
    ]);
    if (!args.json && status.contributions.length === 0) note("(no contributions from this account)");
  }),
);

async function accountAddress(hre: HardhatRuntimeEnvironment, account: string | undefined): Promise<string> {
  if (account !== undefined && /^0x[0-9a-fA-F]{40}$/.test(account)) return account;
  return (await signerFor(hre, account)).address;
}
