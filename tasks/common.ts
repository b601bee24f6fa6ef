/**
 * What every role task shares: deployment flags, account and key selection, progress display, output,
 * and turning library errors into Hardhat errors with their actionable message (no stack trace).
 *
 * The role library (and the TypeChain bindings it needs) is loaded lazily, inside task actions, so that
 * loading `hardhat.config.ts` never needs compiled artifacts (a fresh clone can still run `hardhat compile`).
 */
import path from "node:path";
import { getAddress } from "ethers";
import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { ActionType, ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { DeploymentError } from "../src/deployments/errors";
import type * as Roles from "../src/roles";
import {
  ACCOUNT_KEY_VARS,
  ACCOUNT_ROLES,
  type AccountRole,
  configVar,
  isAccountRole,
  roleAccountKey,
} from "./accounts";

/** Name shown in errors: "Error in plugin DataCoop: ...". */
export const PLUGIN = "DataCoop";

/** Where writers put blobs on a local network unless `--store` says otherwise (relative to the project root). */
export const DEFAULT_STORE = ".datacoop/blobs";

/** Configuration variable with the blob store URL every role of a public deployment shares (`--store` default). */
export const STORE_VAR = "DATACOOP_STORE_URL";

/** Configuration variable (or environment variable) with the HTTP blob store's write token. */
export const STORE_TOKEN_VAR = "DATACOOP_STORE_TOKEN";

/** Hardhat configuration variables that hold each role's ECIES private key. */
export const KEY_VARS: Record<Roles.KeyRole, string> = {
  contributor: "DATACOOP_CONTRIBUTOR_KEY",
  buyer: "DATACOOP_BUYER_KEY",
  custodian: "DATACOOP_CUSTODIAN_KEY",
};

/** The role library, loaded on first use. */
export async function loadRoles(): Promise<typeof Roles> {
  return import("../src/roles");
}

/** Flags every task that talks to a deployment accepts. */
export interface DeploymentArgs {
  deploymentId?: string;
  registry?: string;
  escrow?: string;
  governor?: string;
  fromBlock?: number;
}

/** Adds the deployment flags to a task. */
export function withDeployment(task: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return task
    .addOptionalParam(
      "deploymentId",
      "Hardhat Ignition deployment id to read the addresses from (default: chain-<chainId>, in deploy/deployments)",
      undefined,
      types.string,
    )
    .addOptionalParam("registry", "ContributionRegistry address (overrides the deployment)", undefined, types.string)
    .addOptionalParam("escrow", "AccessEscrow address (overrides the deployment)", undefined, types.string)
    .addOptionalParam("governor", "CoopGovernor address (overrides the deployment)", undefined, types.string)
    .addOptionalParam(
      "fromBlock",
      "First block to scan for events (default: the deployment's first block)",
      undefined,
      types.int,
    );
}

/** Flags of tasks that act as one account. */
export interface AccountArgs {
  account?: string;
}

/**
 * Adds `--account` to a task. With a `role`, the default is that role's own key (its configuration
 * variable); on a local network without it, `fallback`.
 */
export function withAccount(
  task: ConfigurableTaskDefinition,
  role?: AccountRole,
  fallback = "the first configured account",
): ConfigurableTaskDefinition {
  const roles = ACCOUNT_ROLES.join(", ");
  const defaultText =
    role === undefined
      ? fallback
      : `${role}, the account of ${ACCOUNT_KEY_VARS[role]}; on a local network without it, ${fallback}`;
  return task.addOptionalParam(
    "account",
    `Account to act as: a role (${roles}: the account of that role's key variable, e.g. ${ACCOUNT_KEY_VARS.validator}), an index into the network's accounts or an address (default: ${defaultText})`,
    role,
    types.string,
  );
}

/** Flags of tasks that need an ECIES key. */
export interface KeyArgs {
  keyFile?: string;
  keyVar?: string;
}

/** Adds `--key-file` and `--key-var` to a task for `role` (or for the role given by `--role`). */
export function withKey(task: ConfigurableTaskDefinition, role?: Roles.KeyRole): ConfigurableTaskDefinition {
  const whose = role === undefined ? "role's" : `${role}'s`;
  const variable = role === undefined ? "DATACOOP_<ROLE>_KEY" : KEY_VARS[role];
  return task
    .addOptionalParam(
      "keyFile",
      `File holding the ${whose} ECIES private key (64 hex digits); local networks only. Create one with keys:generate`,
      undefined,
      types.string,
    )
    .addOptionalParam(
      "keyVar",
      `Hardhat configuration variable holding the ${whose} ECIES private key (default: ${variable}; set it with \`npx hardhat vars set ${variable}\`). On a local network without one, a well-known development key is used`,
      undefined,
      types.string,
    );
}

/** Flags of tasks that can print JSON. */
export interface JsonArgs {
  json: boolean;
}

/** Adds `--json` to a task. */
export function withJson(task: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return task.addFlag("json", "Print the result as one JSON object on stdout instead of text");
}

/** The shared flags a role task takes besides the deployment's. */
export interface RoleTaskOptions {
  /** Whose key `--account` defaults to (see {@link withAccount}); default: the task name's prefix if it is a role. */
  role?: AccountRole;
  /** `--account` (default true); a string names what it falls back to on a local network. */
  account?: boolean | string;
  /** `--key-file` / `--key-var` for this role's ECIES key. */
  key?: Roles.KeyRole;
  /** `--json`. */
  json?: boolean;
}

/** Declares a task that works on a DataCoop deployment, with the shared flags `options` asks for. */
export function roleTask(name: string, description: string, options: RoleTaskOptions = {}): ConfigurableTaskDefinition {
  let definition = withDeployment(task(name, description));
  const { account = true } = options;
  // A task named `<role>:...` acts as that role's own account by default.
  const prefix = name.split(":")[0];
  const role = options.role ?? (isAccountRole(prefix) ? prefix : undefined);
  if (account !== false) definition = withAccount(definition, role, typeof account === "string" ? account : undefined);
  if (options.key !== undefined) definition = withKey(definition, options.key);
  if (options.json === true) definition = withJson(definition);
  return definition;
}

/** Whether the network is a local development chain (the in-process network or `npx hardhat node`). */
export async function isLocal(hre: HardhatRuntimeEnvironment): Promise<boolean> {
  const roles = await loadRoles();
  return (await hre.ethers.provider.getNetwork()).chainId === roles.LOCAL_CHAIN_ID;
}

/**
 * Connects to the deployment named by the flags: the three addresses if all are given, else the Ignition
 * deployment file (with any given address overriding it).
 */
export async function connect(hre: HardhatRuntimeEnvironment, args: DeploymentArgs): Promise<Roles.DataCoop> {
  const roles = await loadRoles();
  const { chainId } = await hre.ethers.provider.getNetwork();
  const progress = progressPrinter();
  let addresses: Roles.DataCoopAddresses;
  let fromBlock = args.fromBlock ?? 0;
  if (args.registry !== undefined && args.escrow !== undefined && args.governor !== undefined) {
    addresses = { registry: args.registry, escrow: args.escrow, governor: args.governor };
  } else {
    const deploymentsDir = path.join(hre.config.paths.ignition, "deployments");
    let deployment: Roles.IgnitionDeployment;
    try {
      deployment = await roles.readIgnitionDeployment(
        deploymentsDir,
        args.deploymentId ?? roles.defaultDeploymentId(chainId),
        chainId,
      );
    } catch (error) {
      if (!(error instanceof DeploymentError)) throw error;
      const local =
        hre.network.name === "hardhat" && error.code === "NOT_DEPLOYED"
          ? ` Note: the in-process "hardhat" network starts empty for every command; run a node (\`npx hardhat node\`), deploy to it and pass --network localhost.`
          : "";
      throw new roles.RoleError(
        error.code === "NOT_DEPLOYED" ? "NOT_FOUND" : "CONFIG",
        `${error.message} (Flags: --deployment-id, or --registry, --escrow and --governor.)${local}`,
        { cause: error },
      );
    }
    const found = roles.addressesOf(deployment.deployment);
    addresses = {
      registry: args.registry ?? found.registry,
      escrow: args.escrow ?? found.escrow,
      governor: args.governor ?? found.governor,
    };
    fromBlock = args.fromBlock ?? deployment.fromBlock;
  }
  return roles.connectDataCoop(addresses, hre.ethers.provider, { fromBlock, progress });
}

/**
 * The signer for `--account`: a role (the account of its key variable), an index or an address; or the
 * first configured account. On a local network a role whose key is not configured falls back to
 * `fallback` (or the first account); on a public network it is refused, so no task silently acts as
 * the deployer.
 * @param fallback picks the default among the signers (e.g. the one holding a role)
 */
export async function signerFor(
  hre: HardhatRuntimeEnvironment,
  account: string | undefined,
  fallback?: (signers: HardhatEthersSigner[]) => Promise<HardhatEthersSigner | undefined>,
): Promise<HardhatEthersSigner> {
  const roles = await loadRoles();
  const signers = await hre.ethers.getSigners();
  if (signers.length === 0) {
    throw new roles.RoleError(
      "CONFIG",
      `No account is configured for network ${hre.network.name}; set the key of the role this machine plays, e.g. \`npx hardhat vars set ${ACCOUNT_KEY_VARS.contributor}\`.`,
    );
  }
  if (account !== undefined && isAccountRole(account.toLowerCase())) {
    const role = account.toLowerCase() as AccountRole;
    const key = roleAccountKey(role);
    const found = key && signers.find((s) => s.address === key.address);
    if (found !== undefined) return found;
    if (!(await isLocal(hre))) {
      throw new roles.RoleError(
        "CONFIG",
        `No ${role} key on this machine for ${hre.network.name}: set it with \`npx hardhat vars set ${ACCOUNT_KEY_VARS[role]}\` (or HARDHAT_VAR_${ACCOUNT_KEY_VARS[role]} in the environment), or pass --account with the index or address of a configured account.`,
      );
    }
    account = undefined;
  }
  if (account === undefined) {
    if (fallback !== undefined) {
      const chosen = await fallback(signers);
      if (chosen !== undefined) return chosen;
    }
    return signers[0];
  }
  if (/^\d+$/.test(account)) {
    const signer = signers[Number(account)];
    if (signer === undefined) {
      throw new roles.RoleError(
        "INVALID_INPUT",
        `--account ${account} is out of range: network ${hre.network.name} has ${signers.length} account(s) (0..${signers.length - 1}).`,
      );
    }
    return signer;
  }
  const found = signers.find((s) => s.address.toLowerCase() === account.toLowerCase());
  if (found === undefined) {
    throw new roles.RoleError(
      "INVALID_INPUT",
      `--account ${account} is not one of the accounts configured for network ${hre.network.name}; give an index or one of: ${signers
        .slice(0, 5)
        .map((s) => s.address)
        .join(", ")}${signers.length > 5 ? ", ..." : ""}.`,
    );
  }
  return found;
}

/**
 * The ECIES key of `role` for `account`: from `--key-file` (local networks only), else the Hardhat
 * configuration variable (`--key-var`, default per role), else on a local network the well-known
 * development key of that account. Never prints the private key.
 */
export async function eciesKeyFor(
  hre: HardhatRuntimeEnvironment,
  role: Roles.KeyRole,
  account: string,
  args: KeyArgs,
): Promise<Roles.EciesKey> {
  const roles = await loadRoles();
  const local = await isLocal(hre);
  const variable = args.keyVar ?? KEY_VARS[role];
  const accountKey = roleAccountKey(role);
  if (args.keyFile !== undefined) {
    if (!local) {
      throw new roles.RoleError(
        "CONFIG",
        `--key-file is for local networks only; on ${hre.network.name} keep the ${role} key in a Hardhat configuration variable: \`npx hardhat vars set ${variable}\`.`,
      );
    }
    const warning = await roles.keyFilePermissionWarning(args.keyFile);
    if (warning !== undefined) note(`warning: ${warning}`);
    return roles.readKeyFile(args.keyFile);
  }
  const explicit = configVar(variable);
  if (explicit !== undefined) return roles.eciesKeyFromPrivate(explicit, `configuration variable ${variable}`);
  if (args.keyVar !== undefined) {
    throw new roles.RoleError(
      "CONFIG",
      `The Hardhat configuration variable ${variable} is not set; set it with \`npx hardhat vars set ${variable}\`.`,
    );
  }
  // One key per role: the role's account key is its ECIES key too, for the account it controls.
  if (accountKey !== undefined && accountKey.address === getAddress(account)) {
    return roles.eciesKeyFromPrivate(accountKey.privateKey, `configuration variable ${accountKey.variable}`);
  }
  if (local) {
    const key = roles.localDevelopmentKey(role, account);
    note(`using ${key.source} (well known: local networks only; set ${variable} or pass --key-file for your own)`);
    return key;
  }
  throw new roles.RoleError(
    "CONFIG",
    `No ${role} key for ${account} on ${hre.network.name}: set the ${role}'s key with \`npx hardhat vars set ${ACCOUNT_KEY_VARS[role]}\` (its account and its ECIES key), or a separate ECIES key with \`npx hardhat vars set ${variable}\` (generate one with \`npx hardhat keys:generate --out <file>\`), or name another variable with --key-var.`,
  );
}

/**
 * Opens `--store`, defaulting to `DATACOOP_STORE_URL`, else (local networks) the project's `.datacoop/blobs`.
 * On a public network a local directory is refused: the URIs written on-chain must be readable by the
 * validators, custodians and buyers on their own machines, so blobs go to an http(s) store.
 */
export async function storeFor(hre: HardhatRuntimeEnvironment, store: string | undefined): Promise<Roles.NamedStore> {
  const roles = await loadRoles();
  const spec = store ?? configVar(STORE_VAR);
  if (!/^https?:\/\//i.test(spec ?? "") && !(await isLocal(hre))) {
    throw new roles.RoleError(
      "CONFIG",
      `On ${hre.network.name} blobs must go to an http(s) blob store that every role can reach, not ${spec === undefined ? "the local directory " + DEFAULT_STORE : JSON.stringify(spec)}: pass --store https://<your store> or set it once with \`npx hardhat vars set ${STORE_VAR}\` (\`npx hardhat store:serve\` runs the reference server).`,
    );
  }
  return roles.openStore(spec ?? path.join(hre.config.paths.root, DEFAULT_STORE), {
    token: configVar(STORE_TOKEN_VAR),
  });
}

/** Parses a decimal id flag (a request or proposal id). */
export async function parseId(value: string, flag: string): Promise<bigint> {
  const roles = await loadRoles();
  if (!/^\d+$/.test(value.trim())) {
    throw new roles.RoleError("INVALID_INPUT", `--${flag} must be a whole number; got ${JSON.stringify(value)}.`);
  }
  return BigInt(value.trim());
}

/** Parses a comma-separated list of ids (may be empty). */
export async function parseIds(value: string | undefined, flag: string): Promise<bigint[]> {
  if (value === undefined || value.trim() === "") return [];
  return Promise.all(value.split(",").map((item) => parseId(item, flag)));
}

/** A line for the user that is not the result (progress, notes): goes to stderr. */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Prints a result: JSON (bigints as strings) with `--json`, else the text lines. */
export function report(json: boolean, data: object, lines: () => string[]): void {
  if (json) {
    console.log(
      JSON.stringify(data, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value), 2),
    );
  } else {
    for (const line of lines()) console.log(line);
  }
}

/** Shows progress on stderr: every step once, counted steps at most every 10 %. */
export function progressPrinter(): Roles.ProgressListener {
  let lastStep = "";
  let lastShare = -1;
  return (event) => {
    if (event.total === undefined || event.done === undefined) {
      note(`… ${event.step}`);
      return;
    }
    if (event.step !== lastStep) {
      lastStep = event.step;
      lastShare = -1;
    }
    const share = Math.floor((event.done * 10) / Math.max(1, event.total));
    if (share > lastShare) {
      lastShare = share;
      note(`… ${event.step}: ${event.done}/${event.total}`);
    }
  };
}

const USER_ERRORS = new Set([
  "RoleError",
  "DeploymentError",
  "EnvelopeError",
  "ManifestError",
  "BlobStoreError",
  "BlobNotFoundError",
  "BlobIntegrityError",
  "BlobStoreRequestError",
  "ExportArchiveError",
  "ExportFormatError",
  "ExportOptionsError",
]);

/**
 * Wraps a task action so that errors the user can act on are shown as their message alone (Hardhat prints
 * "Error in plugin DataCoop: ..."), while unexpected errors keep their stack.
 */
export function action<A extends object>(
  run: (args: A, hre: HardhatRuntimeEnvironment) => Promise<void>,
): ActionType<A> {
  return async (args, hre) => {
    try {
      await run(args, hre);
    } catch (error) {
      if (error instanceof Error && USER_ERRORS.has(error.name))
        throw new HardhatPluginError(PLUGIN, error.message, error);
      throw error;
    }
  };
}
