/**
 * One key per role. On a public network each machine holds the key of the role it plays (a validator's
 * machine the validator key, the custodian's the custodian key, ...), in a Hardhat configuration
 * variable (`npx hardhat vars set NAME`, or `HARDHAT_VAR_NAME` / `NAME` in the environment for CI).
 * The role's account key is also its ECIES key unless `DATACOOP_<ROLE>_KEY` names a separate one, so
 * the custodian's address and the `custodianPublicKey` it publishes come from the same secret.
 *
 * This file is loaded by `hardhat.config.ts`: it reads variables and derives addresses, nothing more.
 */
import { computeAddress } from "ethers";
import { vars } from "hardhat/config";

/** The roles a machine can play, each with its own account. */
export const ACCOUNT_ROLES = ["deployer", "contributor", "validator", "custodian", "buyer", "holder"] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

/** The configuration variable holding each role's account private key. */
export const ACCOUNT_KEY_VARS: Record<AccountRole, string> = {
  deployer: "DEPLOYER_PRIVATE_KEY",
  contributor: "DATACOOP_CONTRIBUTOR_PRIVATE_KEY",
  validator: "DATACOOP_VALIDATOR_PRIVATE_KEY",
  custodian: "DATACOOP_CUSTODIAN_PRIVATE_KEY",
  buyer: "DATACOOP_BUYER_PRIVATE_KEY",
  holder: "DATACOOP_HOLDER_PRIVATE_KEY",
};

/** Whether `value` names a role (as `--account` accepts it). */
export function isAccountRole(value: string): value is AccountRole {
  return (ACCOUNT_ROLES as readonly string[]).includes(value);
}

/**
 * A configuration variable: Hardhat's store (which also reads `HARDHAT_VAR_<NAME>`), else the plain
 * environment variable, so CI can pass secrets either way. Empty values count as unset.
 */
export function configVar(name: string): string | undefined {
  const value = vars.has(name) ? vars.get(name) : process.env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** A role's configured account key and its address, or `undefined` when its variable is unset. */
export interface RoleAccountKey {
  readonly role: AccountRole;
  readonly variable: string;
  /** 32-byte private key, `0x` hex. Never print or log it. */
  readonly privateKey: string;
  readonly address: string;
}

/**
 * The account key of `role`, read from its variable.
 * @throws Error naming the variable (never the value) if it is not a 32-byte hex private key
 */
export function roleAccountKey(role: AccountRole): RoleAccountKey | undefined {
  const variable = ACCOUNT_KEY_VARS[role];
  const raw = configVar(variable);
  if (raw === undefined) return undefined;
  const privateKey = raw.startsWith("0x") ? raw : `0x${raw}`;
  let address: string;
  try {
    if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) throw new Error("not 32 bytes");
    address = computeAddress(privateKey);
  } catch {
    throw new Error(
      `The configuration variable ${variable} is not a private key (64 hex digits, optionally 0x-prefixed); fix it with \`npx hardhat vars set ${variable}\`.`,
    );
  }
  return { role, variable, privateKey, address };
}

/**
 * The accounts of a public network: the deployer's key first (Ignition deploys from the first
 * account), then every other configured role key, each once.
 */
export function publicNetworkAccounts(): string[] {
  const keys: string[] = [];
  for (const role of ACCOUNT_ROLES) {
    const key = roleAccountKey(role)?.privateKey.toLowerCase();
    if (key !== undefined && !keys.includes(key)) keys.push(key);
  }
  return keys;
}
