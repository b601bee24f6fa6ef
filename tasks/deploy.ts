/**
 * Deployment guards: `deploy:check` runs the pre-flight checks of deploy/preflight.ts, and
 * `ignition deploy` is wrapped to run the same checks, on the same parsed parameter file, before
 * Ignition sends anything (an Ignition module cannot read parameter values while it is built, so the
 * module itself cannot refuse). `deploy:repair` drops the journal lines Ignition 0.15.x cannot resume from.
 */
import { copyFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { HDNodeWallet, computeAddress } from "ethers";
import { scope, task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import type { LaunchRule } from "../deploy/preflight";
import { launchCheck } from "../src/protocol/launch";
import { ACCOUNT_KEY_VARS, roleAccountKey } from "./accounts";
import { PLUGIN, note } from "./common";

/** The governance launch rule (finding 6): the same function the tests and `LaunchCheck` follow. */
const LAUNCH_RULE: LaunchRule = launchCheck;

/** Hardhat's default mnemonic: every `hardhat node` prints its accounts' private keys. */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
const WELL_KNOWN_COUNT = 20;
const LOCAL_CHAIN_ID = 31337n;

/** The addresses whose keys are public: Hardhat's default accounts and the in-process network's. */
function wellKnownAccounts(hre: HardhatRuntimeEnvironment): Set<string> {
  const addresses = new Set<string>();
  const derive = (mnemonic: string, base: string, passphrase: string, count: number) => {
    const root = HDNodeWallet.fromPhrase(mnemonic, passphrase, base);
    for (let i = 0; i < count; i++) addresses.add(root.deriveChild(i).address.toLowerCase());
  };
  derive(HARDHAT_MNEMONIC, "m/44'/60'/0'/0", "", WELL_KNOWN_COUNT);
  const configured = hre.config.networks.hardhat.accounts;
  if (Array.isArray(configured)) {
    for (const account of configured) addresses.add(computeAddress(account.privateKey).toLowerCase());
  } else if (configured.mnemonic !== HARDHAT_MNEMONIC) {
    derive(configured.mnemonic, configured.path, configured.passphrase, configured.count);
  }
  return addresses;
}

/**
 * The public keys of the custodians' local development ECIES keys of those accounts (src/roles/keys.ts),
 * the ones a local parameter file holds.
 */
async function wellKnownPublicKeys(accounts: Iterable<string>): Promise<Set<string>> {
  const roles = await import("../src/roles");
  const keys = new Set<string>();
  for (const account of accounts) keys.add(roles.localDevelopmentKey("custodian", account).publicKey.toLowerCase());
  return keys;
}

interface PreflightArgs {
  modulePath: string;
  parameters?: string;
  defaultSender?: string;
}

/**
 * Runs every pre-flight check for deploying `modulePath` with `parameters` (a file, or a JSON string, as
 * `ignition deploy --parameters` takes it) to the selected network.
 * @returns the issues found, and a description of what was checked
 */
async function preflight(
  hre: HardhatRuntimeEnvironment,
  args: PreflightArgs,
): Promise<{ issues: import("../deploy/preflight").PreflightIssue[]; what: string }> {
  const checks = await import("../deploy/preflight");
  // Ignition's own parameter reader, so the checks see exactly the values Ignition would deploy.
  const { readDeploymentParameters } = await import("@nomicfoundation/hardhat-ignition/helpers");
  const { isModule } = await import("../deploy/preflight");

  const loaded: unknown = await import(path.resolve(args.modulePath)).catch((cause: unknown) => {
    throw new HardhatPluginError(PLUGIN, `Cannot load the Ignition module ${args.modulePath}.`, cause as Error);
  });
  const module = (loaded as { default?: unknown }).default;
  if (!isModule(module)) {
    throw new HardhatPluginError(
      PLUGIN,
      `${args.modulePath} does not export an Ignition module (buildModule) as default.`,
    );
  }
  let file: Record<string, Record<string, unknown> | undefined> = {};
  if (args.parameters !== undefined) {
    file = (
      /\.json5?$/.test(args.parameters)
        ? await readDeploymentParameters(path.resolve(args.parameters))
        : JSON.parse(args.parameters, (_key, value: unknown) =>
            typeof value === "string" && /^\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value,
          )
    ) as typeof file;
  }
  const moduleEntry = file[module.id];
  const given =
    moduleEntry === undefined && file.$global === undefined ? undefined : { ...file.$global, ...moduleEntry };

  // The slow local work (key derivations) comes first and the chain reads in one burst after it: a
  // long pause between two requests can meet a node that has just closed the idle connection.
  const accounts = wellKnownAccounts(hre);
  const publicKeys = await wellKnownPublicKeys(accounts);
  const declared = checks.declaredParameters(module);
  const settlementToken = declared.has("settlementToken") ? given?.settlementToken : undefined;

  const chainId = BigInt((await hre.network.provider.request({ method: "eth_chainId" })) as string);
  const publicNetwork = chainId !== LOCAL_CHAIN_ID;
  const signers = (await hre.network.provider.request({ method: "eth_accounts" })) as string[];
  const deployer = args.defaultSender ?? signers[0];
  const chainIssues = await checks.checkChain({
    provider: new (await import("ethers")).BrowserProvider(hre.network.provider),
    networkName: hre.network.name,
    settlementToken: typeof settlementToken === "string" ? settlementToken : undefined,
    deployer: publicNetwork ? deployer : undefined,
  });

  const issues = checks.checkParameters({
    moduleId: module.id,
    declared,
    given: moduleEntry === undefined ? undefined : given,
    publicNetwork,
    wellKnownAccounts: accounts,
    isWellKnownPublicKey: (key) => publicKeys.has(key.toLowerCase()),
    launchRule: LAUNCH_RULE,
  });
  if (publicNetwork) {
    const deployerKey = roleAccountKey("deployer");
    if (deployerKey === undefined) {
      issues.push({
        parameter: `account of network ${hre.network.name}`,
        problem: `${ACCOUNT_KEY_VARS.deployer} is not set, so Ignition would deploy from ${deployer === undefined ? "no account" : `${deployer}, the key of another role`}`,
        fix: `the deployer's key: \`npx hardhat vars set ${ACCOUNT_KEY_VARS.deployer}\``,
      });
    } else if (accounts.has(deployerKey.address.toLowerCase())) {
      issues.push({
        parameter: ACCOUNT_KEY_VARS.deployer,
        problem: `is the key of Hardhat's default account ${deployerKey.address}, which is public`,
        fix: "a key of your own (`npx hardhat keys:generate --out deployer.key`), funded with test ETH",
      });
    }
  }
  issues.push(...chainIssues);
  const what = `${args.parameters ?? "no parameter file"} for module ${module.id} on ${hre.network.name} (chain ${chainId})`;
  return { issues, what };
}

/** Throws the report of every issue, or returns when there are none. */
async function refuseOnIssues(result: { issues: import("../deploy/preflight").PreflightIssue[]; what: string }) {
  const { formatIssues } = await import("../deploy/preflight");
  if (result.issues.length > 0) throw new HardhatPluginError(PLUGIN, formatIssues(result.issues, result.what));
}

task(
  "deploy:check",
  "Checks a deployment before any gas is spent: the parameter file against the Ignition module (unknown, missing and placeholder values, dummy or well-known addresses, public keys, thresholds, governance launch rules), the settlement token on the chain (code, decimals) and the deployer's key and balance. Sends nothing. `ignition deploy` runs the same checks",
)
  .addOptionalParam(
    "parameters",
    "The parameter file (or JSON string) to check, as for ignition deploy",
    undefined,
    types.string,
  )
  .addOptionalParam("module", "The Ignition module file", "deploy/modules/DataCoop.ts", types.string)
  .addOptionalParam(
    "defaultSender",
    "The account Ignition would deploy from (default: the first)",
    undefined,
    types.string,
  )
  .setAction(async (args: { parameters?: string; module: string; defaultSender?: string }, hre) => {
    const result = await preflight(hre, {
      modulePath: args.module,
      parameters: args.parameters,
      defaultSender: args.defaultSender,
    });
    await refuseOnIssues(result);
    console.log(`deploy:check passed: ${result.what}.`);
  });

interface IgnitionDeployArgs extends Record<string, unknown> {
  modulePath: string;
  parameters?: string;
  deploymentId?: string;
  defaultSender?: string;
}

scope("ignition")
  .task("deploy")
  .setAction(async (args: IgnitionDeployArgs, hre, runSuper) => {
    await refuseOnIssues(await preflight(hre, args));
    const chainId = BigInt((await hre.network.provider.request({ method: "eth_chainId" })) as string);
    if (chainId !== LOCAL_CHAIN_ID) {
      if (process.env.HARDHAT_IGNITION_CONFIRM_DEPLOYMENT === undefined && process.stdin.isTTY !== true) {
        // Without a terminal Ignition's confirm prompt cancels and exits with status 0, silently.
        throw new HardhatPluginError(
          PLUGIN,
          `Ignition asks "Confirm deploy to network ${hre.network.name}?" and there is no terminal to answer it: set HARDHAT_IGNITION_CONFIRM_DEPLOYMENT=1 to confirm.`,
        );
      }
      await refuseDanglingJournal(hre, args.deploymentId ?? `chain-${chainId}`);
    }
    return runSuper(args);
  });

async function journalPath(hre: HardhatRuntimeEnvironment, deploymentId: string): Promise<string> {
  return path.join(hre.config.paths.ignition, "deployments", deploymentId, "journal.jsonl");
}

async function refuseDanglingJournal(hre: HardhatRuntimeEnvironment, deploymentId: string): Promise<void> {
  const { danglingJournalLines } = await import("../deploy/preflight");
  const file = await journalPath(hre, deploymentId);
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return;
  const dangling = danglingJournalLines(text);
  if (dangling.length === 0) return;
  throw new HardhatPluginError(
    PLUGIN,
    `The deployment ${deploymentId} was interrupted between two journal writes: ${dangling.map((d) => d.futureId).join(", ")} started but nothing was sent for it, and Ignition 0.15 cannot resume from there (IGN1 … Unable to find network interaction). Run \`npx hardhat deploy:repair --network ${hre.network.name} --deployment-id ${deploymentId}\` (it drops those lines, keeping a backup), then the same deploy command again.`,
  );
}

task(
  "deploy:repair",
  "Makes an interrupted Ignition deployment resumable: drops the journal lines of futures that started but sent nothing (Ignition 0.15's IGN1 'Unable to find network interaction'), keeping journal.jsonl.bak",
)
  .addOptionalParam("deploymentId", "The deployment (default: chain-<chainId>)", undefined, types.string)
  .setAction(async (args: { deploymentId?: string }, hre) => {
    const { danglingJournalLines } = await import("../deploy/preflight");
    const chainId = BigInt((await hre.network.provider.request({ method: "eth_chainId" })) as string);
    const file = await journalPath(hre, args.deploymentId ?? `chain-${chainId}`);
    const text = await readFile(file, "utf8").catch(() => {
      throw new HardhatPluginError(PLUGIN, `No journal at ${file}.`);
    });
    const dangling = danglingJournalLines(text);
    if (dangling.length === 0) {
      console.log(`${file} has no dangling line; nothing changed.`);
      return;
    }
    await copyFile(file, `${file}.bak`);
    const drop = new Set(dangling.map((d) => d.line));
    await writeFile(
      file,
      text
        .split("\n")
        .filter((_line, i) => !drop.has(i))
        .join("\n"),
    );
    note(`kept the previous journal as ${file}.bak`);
    console.log(
      `Dropped ${dangling.length} line(s) (${dangling.map((d) => d.futureId).join(", ")}); run the deploy command again.`,
    );
  });
