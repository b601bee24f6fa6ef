/**
 * `export:refine`: shows a contributor exactly what would be sealed from an export (the refined,
 * de-identified dataset, see docs/dataset.md), written to a file, with a report of what was redacted
 * and excluded. Nothing leaves the machine.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import type { RefinementReport } from "../src/refine";
import { type DeploymentArgs, type JsonArgs, action, loadRoles, PLUGIN, report, roleTask } from "./common";

interface RefineArgs extends DeploymentArgs, JsonArgs {
  export: string;
  out: string;
  exclude?: string;
  salt?: string;
  preciseTimes: boolean;
  branches: boolean;
}

/** The deployment's source-account salt: `--salt`, else derived from `--registry` or the Ignition deployment. */
async function saltFor(hre: HardhatRuntimeEnvironment, args: RefineArgs): Promise<string> {
  if (args.salt !== undefined) return args.salt;
  const roles = await loadRoles();
  const { chainId } = await hre.ethers.provider.getNetwork();
  let registry = args.registry;
  if (registry === undefined) {
    const deployments = path.join(hre.config.paths.ignition, "deployments");
    const deployment = await roles.readIgnitionDeployment(
      deployments,
      args.deploymentId ?? roles.defaultDeploymentId(chainId),
      chainId,
    );
    registry = deployment.deployment.contracts.ContributionRegistry;
  }
  try {
    return roles.deploymentSalt(chainId, registry);
  } catch {
    throw new roles.RoleError("INVALID_INPUT", `--registry ${registry} is not an address.`);
  }
}

function counts(record: Readonly<Record<string, number>>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? "none" : entries.map(([name, n]) => `${name} ${n}`).join(", ");
}

function reportLines(result: RefinementReport, out: string): string[] {
  const excluded =
    result.excludedConversations === 0
      ? "none"
      : `${result.excludedConversations} (${result.excludedBy.map((e) => `${e.rule}: ${e.conversations}`).join("; ")})`;
  return [
    `Refined ${result.refinedConversations} of ${result.conversations} conversations into ${out}: exactly the plaintext that would be sealed (${result.format}).`,
    `  payload:     ${result.payloadBytes} bytes gzip (${result.plaintextBytes} bytes of JSON lines); read it with: gunzip -c ${out} | less`,
    `  units:       ${result.units} refined messages (${counts(result.messagesByRole)})`,
    `  excluded:    ${excluded}`,
    `  empty:       ${result.emptyConversations} conversations with nothing left to keep`,
    `  redactions:  ${counts(result.redactions)}`,
    `  left out:    ${counts(result.skippedContentTypes)} (content types never included)`,
    `  feedback:    ${result.feedbackRecords} records kept`,
  ];
}

roleTask(
  "export:refine",
  "Writes exactly what would be sealed from a ChatGPT export (the refined, de-identified dataset: no user.json, no attachments, personal data and secrets replaced by placeholders) and reports redactions, exclusions and units. Nothing is uploaded",
  { account: false, json: true },
)
  .addParam("export", "The ChatGPT export .zip", undefined, types.string)
  .addParam(
    "out",
    "Where to write the refined payload (gzip of JSON lines, e.g. refined.jsonl.gz)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "exclude",
    "Conversations to leave out, comma-separated: a conversation id (export or refined c_...), title:/regex/flags, date:YYYY-MM-DD..YYYY-MM-DD (either end may be open)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "salt",
    "The deployment's source-account salt (0x + 64 hex); default: derived from --registry or the Ignition deployment of --network",
    undefined,
    types.string,
  )
  .addFlag("preciseTimes", "Keep timestamps to the second (default: the day only)")
  .addFlag("branches", "Include edited and regenerated branches (default: the visible conversation only)")
  .setAction(
    action<RefineArgs>(async (args, hre) => {
      const { sealedPayloadOf, RefineError } = await import("../src/refine");
      try {
        const { payload, report: result } = sealedPayloadOf(new Uint8Array(await readFile(args.export)), {
          salt: await saltFor(hre, args),
          exclude: args.exclude === undefined ? [] : [args.exclude],
          preciseTimes: args.preciseTimes,
          branches: args.branches,
        });
        await writeFile(args.out, payload);
        report(args.json, { out: args.out, ...result }, () => reportLines(result, args.out));
      } catch (error) {
        // RefineError messages are written for the contributor and never quote their data.
        if (error instanceof RefineError) throw new HardhatPluginError(PLUGIN, error.message, error);
        throw error;
      }
    }),
  );
