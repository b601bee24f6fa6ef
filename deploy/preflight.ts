/**
 * Pre-flight checks of a deployment: everything that can be known wrong about a parameter file before a
 * single transaction is sent. `npx hardhat deploy:check` runs them, and so does every
 * `npx hardhat ignition deploy` (tasks/deploy.ts), so a wrong file costs no gas.
 *
 * The parameters a module reads, and their defaults, are taken from the built Ignition module itself,
 * never from a second list: a new parameter is checked (as known, and against typos) the day it is added.
 * Rules the contracts enforce in their constructors are checked here too, deliberately: Ignition sends
 * the futures one by one, so a constructor that reverts in step 4 has already cost steps 1 to 3.
 */
import type { IgnitionModule } from "@nomicfoundation/ignition-core";
import { isModuleParameterRuntimeValue } from "@nomicfoundation/ignition-core";
import { AbiCoder, type Provider, formatEther, formatUnits, getAddress, isAddress } from "ethers";

import { normalizePublicKey } from "../src/crypto/keys";

/** One thing wrong with a deployment, said so that the user can fix it. */
export interface PreflightIssue {
  /** The parameter, e.g. `validators[0]`, or the account / file concerned. */
  readonly parameter: string;
  /** What is wrong, e.g. `0x…01 is a placeholder address`. */
  readonly problem: string;
  /** What to put there instead. */
  readonly fix: string;
}

/** A parameter the module reads, with its default (if it has one). */
export interface DeclaredParameter {
  readonly name: string;
  readonly hasDefault: boolean;
  /** The default; an Ignition account runtime value (e.g. the deployer) stays as it is. */
  readonly defaultValue: unknown;
}

/** Parameter values as Ignition parses them from a file (numbers, bigints, strings, arrays). */
export type ParameterValues = Readonly<Record<string, unknown>>;

/** What the checks of the parameter file need to know. */
export interface ParameterCheckInput {
  readonly moduleId: string;
  readonly declared: ReadonlyMap<string, DeclaredParameter>;
  /** The module's entry of the parameter file (`$global` merged in), or `undefined` if it has none. */
  readonly given: ParameterValues | undefined;
  /** Whether the chain is public (any chain but the local development chain 31337). */
  readonly publicNetwork: boolean;
  /** Lowercased addresses whose private keys are public (Hardhat's default accounts). */
  readonly wellKnownAccounts: ReadonlySet<string>;
  /** Whether a compressed public key's private key is public (a local development key). */
  readonly isWellKnownPublicKey: (publicKey: string) => boolean;
  /** The launch rule to apply (see {@link LaunchRule}); `undefined` skips it. */
  readonly launchRule?: LaunchRule;
}

/** Settlement token decimals the shipped amounts and prices assume (USDC). */
export const EXPECTED_SETTLEMENT_DECIMALS = 6n;

/**
 * Gas budget of the whole `DataCoop` deployment (11 transactions: 6 contracts, the wiring and the
 * hand-over), measured at 19.1M on the Sepolia stand-in by `npm run smoke:testnet`, which fails if a
 * deployment ever uses more than this (headroom for the contracts of the review findings); the
 * deployer's balance is checked against it.
 */
export const DEPLOYMENT_GAS = 24_000_000n;

/** Address parameters: each must be a real account. */
const ADDRESS_PARAMETERS = new Set(["settlementToken", "treasury", "initialHolder"]);
/** Address list parameters: each entry must be a real, distinct account. */
const ADDRESS_LIST_PARAMETERS = new Set(["validators", "custodians"]);
/** Thresholds and the list they count into. */
const THRESHOLDS: Readonly<Record<string, string>> = {
  attestationThreshold: "validators",
  custodianThreshold: "custodians",
};
/** Parameters a public deployment must state explicitly instead of relying on a default. */
const EXPLICIT_ON_PUBLIC = [
  "validators",
  "attestationThreshold",
  "custodians",
  "custodianPublicKeys",
  "custodianThreshold",
  "treasury",
];

const ZERO_MEANS_TIMELOCK = new Set(["treasury"]);
const PLACEHOLDER = /REPLACE|TODO|CHANGE_?ME|YOUR_|<[^>]*>|XXXX|\.\.\./i;
const PUBLIC_KEY_NAME = /PublicKeys?$/;

/** What to put in each parameter; the README's table says the same at more length. */
const FIXES: Readonly<Record<string, string>> = {
  settlementToken:
    "the chain's USDC: Sepolia 0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238, Base Sepolia 0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  validators:
    "the account address of each validator (its machine's DATACOOP_VALIDATOR_PRIVATE_KEY; `npx hardhat keys:generate --out v.key` makes a key and prints its address)",
  custodians:
    "the account address of each custodian (printed by `npx hardhat keys:show --role custodian` on that custodian's machine)",
  custodianPublicKeys:
    "each custodian's public key, in the order of `custodians` (printed by `npx hardhat keys:show --role custodian` on its machine)",
  treasury:
    "the address that receives the treasury share, or 0x0000000000000000000000000000000000000000 to say explicitly: the timelock (spent by proposal)",
  attestationThreshold: "how many distinct validators must sign each attestation: from 1 to the number of validators",
  custodianThreshold: "how many custodians must deliver: from 1 to the number of custodians",
  initialHolder: "the address that receives initialSupply",
};

function fixFor(parameter: string): string {
  return FIXES[parameter.replace(/\[\d+\]$/, "")] ?? "see the parameter table in README.md (Deploy to a testnet)";
}

/**
 * The parameters a built module reads, found in its futures' arguments (`m.getParameter` values),
 * submodules included.
 * @param module the built Ignition module
 */
export function declaredParameters(module: IgnitionModule): Map<string, DeclaredParameter> {
  const found = new Map<string, DeclaredParameter>();
  const seen = new WeakSet<object>();
  const visit = (value: unknown): void => {
    if (typeof value !== "object" || value === null || seen.has(value)) return;
    seen.add(value);
    if (isModuleParameterRuntimeValue(value)) {
      if (value.moduleId === module.id && !found.has(value.name)) {
        found.set(value.name, {
          name: value.name,
          hasDefault: value.defaultValue !== undefined,
          defaultValue: value.defaultValue,
        });
      }
      return;
    }
    for (const child of value instanceof Set || Array.isArray(value) ? [...value] : Object.values(value)) visit(child);
  };
  visit(module);
  return found;
}

/** Whether `value` is a built Ignition module (what `buildModule` returns). */
export function isModule(value: unknown): value is IgnitionModule {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { id?: unknown }).id === "string" &&
    (value as { futures?: unknown }).futures instanceof Set
  );
}

/** The value a parameter will take: the file's, else the module's default. */
function effective(input: ParameterCheckInput, name: string): unknown {
  return input.given?.[name] ?? input.declared.get(name)?.defaultValue;
}

/** `0x…` shortened for messages. */
function short(value: string): string {
  return value.length > 18 ? `${value.slice(0, 8)}…${value.slice(-4)}` : value;
}

/**
 * Whether an address is one nobody controls or everybody does: the zero address and other low
 * "precompile" values such as 0x…01, burn-style patterns (0x…dEaD, 0xdead…, 0xdeadbeef…), one digit
 * repeated (0x1111…, 0xffff…).
 */
export function isDummyAddress(address: string): boolean {
  const body = address.toLowerCase().replace(/^0x/, "");
  return BigInt(`0x${body}`) <= 0xffffn || /^(?:0|dead|beef|f)+$/.test(body) || /^(.)\1+$/.test(body);
}

function checkAddress(input: ParameterCheckInput, parameter: string, value: unknown, issues: PreflightIssue[]): void {
  const base = parameter.replace(/\[\d+\]$/, "");
  if (typeof value !== "string" || !isAddress(value)) {
    issues.push({
      parameter,
      problem: `${JSON.stringify(value)} is not an address${typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value) ? " (its mixed-case checksum is wrong)" : ""}`,
      fix: fixFor(parameter),
    });
    return;
  }
  if (BigInt(value) === 0n) {
    if (!ZERO_MEANS_TIMELOCK.has(base)) {
      issues.push({ parameter, problem: "is the zero address", fix: fixFor(parameter) });
    }
    return;
  }
  if (isDummyAddress(value)) {
    issues.push({
      parameter,
      problem: `${short(value)} is a placeholder address nobody controls`,
      fix: fixFor(parameter),
    });
  } else if (input.publicNetwork && input.wellKnownAccounts.has(value.toLowerCase())) {
    issues.push({
      parameter,
      problem: `${getAddress(value)} is one of Hardhat's default accounts, whose private key is public: anyone can act as it on a public network`,
      fix: fixFor(parameter),
    });
  }
}

function checkPublicKey(input: ParameterCheckInput, parameter: string, value: unknown, issues: PreflightIssue[]): void {
  const fix = fixFor(parameter);
  // Validators' keys go to the registry, which derives each key's address from it and so needs the full
  // point (0x04 ‖ x ‖ y); custodians' keys are stored as given, compressed.
  const uncompressed = parameter.startsWith("validatorPublicKeys");
  const form = uncompressed
    ? {
        pattern: /^0x04[0-9a-fA-F]{128}$/,
        name: "an uncompressed secp256k1 public key (0x04 followed by 128 hex digits)",
      }
    : {
        pattern: /^0x(02|03)[0-9a-fA-F]{64}$/,
        name: "a compressed secp256k1 public key (0x02 or 0x03 followed by 64 hex digits)",
      };
  if (typeof value !== "string" || !form.pattern.test(value)) {
    issues.push({
      parameter,
      problem: `${typeof value === "string" ? short(value) : JSON.stringify(value)} is not ${form.name}`,
      fix,
    });
    return;
  }
  let compressed: string;
  try {
    compressed = normalizePublicKey(value);
  } catch {
    issues.push({ parameter, problem: `${short(value)} is not a point on the secp256k1 curve`, fix });
    return;
  }
  if (input.publicNetwork && input.isWellKnownPublicKey(compressed)) {
    issues.push({
      parameter,
      problem: `${short(value)} is a local development key, derived from public values: anyone could unwrap the data keys`,
      fix,
    });
  }
}

function checkPlaceholders(parameter: string, value: unknown, issues: PreflightIssue[]): boolean {
  if (typeof value === "string" && PLACEHOLDER.test(value)) {
    issues.push({ parameter, problem: `${JSON.stringify(value)} is a placeholder`, fix: fixFor(parameter) });
    return true;
  }
  if (Array.isArray(value)) {
    let any = false;
    value.forEach((item, i) => {
      any = checkPlaceholders(`${parameter}[${i}]`, item, issues) || any;
    });
    return any;
  }
  return false;
}

function asCount(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^\d+$/.test(value)) return BigInt(value);
  return undefined;
}

/** The parameters the launch rule reads (issue #10's `launchCheck` in src/protocol/launch.ts). */
export const LAUNCH_RULE_PARAMETERS = [
  "rewardRate",
  "maxUnitsPerAttestation",
  "mintBudget",
  "tokenCap",
  "initialSupply",
  "quorumPercent",
  "quorumFloor",
] as const;

/**
 * The launch rule: whether one first contribution could reach quorum alone (`capturable`), with the votes it
 * brings and the quorum after it. Defined once, as a pure function, by the findings work (issue #10).
 */
export type LaunchRule = (parameters: Record<(typeof LAUNCH_RULE_PARAMETERS)[number], bigint>) => {
  readonly firstReward: bigint;
  readonly quorum: bigint;
  readonly capturable: boolean;
};

const COOP_DECIMALS = 18;

/**
 * The governance launch rules: on a public network a non-zero proposal threshold, k ≥ 2 validators, the
 * on-chain launch check left on; and, on any network where the launch check is on, the launch rule
 * (quorum floor against the most one first contribution can mint).
 */
function launchRuleIssues(
  values: ParameterValues,
  declared: ReadonlyMap<string, DeclaredParameter>,
  publicNetwork: boolean,
  rule: LaunchRule | undefined,
): PreflightIssue[] {
  const issues: PreflightIssue[] = [];
  if (publicNetwork) {
    if (declared.has("proposalThreshold") && asCount(values.proposalThreshold) === 0n) {
      issues.push({
        parameter: "proposalThreshold",
        problem: "is 0: anyone holding a single token wei could make proposals",
        fix: "the votes (token wei) a proposer needs, e.g. 1000 COOP = 1000000000000000000000",
      });
    }
    const k = asCount(values.attestationThreshold);
    if (declared.has("attestationThreshold") && k !== undefined && k < 2n) {
      issues.push({
        parameter: "attestationThreshold",
        problem: `is ${k}: one compromised validator key alone could attest (and mint)`,
        fix: "2 or more, with at least as many validators",
      });
    }
    const custodianK = asCount(values.custodianThreshold);
    if (declared.has("custodianThreshold") && custodianK !== undefined && custodianK < 2n) {
      issues.push({
        parameter: "custodianThreshold",
        problem: `is ${custodianK}: one custodian alone could open every contribution, or withhold every sale`,
        fix: "2 or more, with more custodians than that (e.g. 2 of 3)",
      });
    }
    if (declared.has("launchCheck") && values.launchCheck === false) {
      issues.push({
        parameter: "launchCheck",
        problem: "is false: it switches off the on-chain launch check, which only local chains may do",
        fix: "remove it (default true)",
      });
    }
  }
  if (rule === undefined || values.launchCheck === false) return issues;
  const inputs: Partial<Record<(typeof LAUNCH_RULE_PARAMETERS)[number], bigint>> = {};
  for (const name of LAUNCH_RULE_PARAMETERS) {
    const value = declared.has(name) ? asCount(values[name]) : undefined;
    if (value === undefined) return issues; // a module without the rule's parameters, or a bad value reported above
    inputs[name] = value;
  }
  const verdict = rule(inputs as Record<(typeof LAUNCH_RULE_PARAMETERS)[number], bigint>);
  if (verdict.capturable) {
    issues.push({
      parameter: "quorumFloor",
      problem: `one first contribution can be rewarded ${formatUnits(verdict.firstReward, COOP_DECIMALS)} COOP, which meets the quorum of ${formatUnits(verdict.quorum, COOP_DECIMALS)} alone: the first contributor could pass any proposal`,
      fix: "a quorumFloor above that reward, or a lower mintBudget, maxUnitsPerAttestation or rewardRate",
    });
  }
  return issues;
}

/**
 * Checks a parameter file against the module it is for, without touching any chain: the module's entry,
 * unknown (mistyped) and missing parameters, placeholders, dummy and well-known addresses, public keys,
 * thresholds, what a public deployment must state explicitly, and the governance launch rules.
 * @returns every issue found, in parameter order (empty when the file is fine)
 */
export function checkParameters(input: ParameterCheckInput): PreflightIssue[] {
  const issues: PreflightIssue[] = [];
  const given = input.given ?? {};
  const known = [...input.declared.keys()];
  if (input.given === undefined) {
    issues.push({
      parameter: input.moduleId,
      problem: `the parameter file has no "${input.moduleId}" entry, so every parameter takes its default`,
      fix: `put the parameters under "${input.moduleId}": { ... } (see deploy/parameters/sepolia.json)`,
    });
  }
  for (const name of Object.keys(given)) {
    if (!input.declared.has(name)) {
      issues.push({
        parameter: name,
        problem: `is not a parameter of module ${input.moduleId} (a typo?); it would be ignored`,
        fix: `use one of: ${known.join(", ")}`,
      });
    }
  }
  for (const declared of input.declared.values()) {
    const name = declared.name;
    const present = Object.hasOwn(given, name);
    if (!present && !declared.hasDefault) {
      issues.push({ parameter: name, problem: "is missing (it has no default)", fix: fixFor(name) });
      continue;
    }
    if (!present && input.publicNetwork && EXPLICIT_ON_PUBLIC.includes(name)) {
      issues.push({
        parameter: name,
        problem: "is missing: a public deployment must state it rather than take the default",
        fix: fixFor(name),
      });
      continue;
    }
    if (!present) continue;
    const value = given[name];
    if (checkPlaceholders(name, value, issues)) continue;
    if (ADDRESS_PARAMETERS.has(name)) checkAddress(input, name, value, issues);
    if (ADDRESS_LIST_PARAMETERS.has(name)) {
      if (!Array.isArray(value)) {
        issues.push({ parameter: name, problem: "must be a list of addresses", fix: fixFor(name) });
      } else {
        value.forEach((item, i) => checkAddress(input, `${name}[${i}]`, item, issues));
        const lower = value.map((item) => String(item).toLowerCase());
        lower.forEach((item, i) => {
          if (lower.indexOf(item) !== i) {
            issues.push({
              parameter: `${name}[${i}]`,
              problem: `repeats ${name}[${lower.indexOf(item)}]`,
              fix: "list each account once",
            });
          }
        });
      }
    }
    if (PUBLIC_KEY_NAME.test(name)) {
      if (Array.isArray(value)) value.forEach((item, i) => checkPublicKey(input, `${name}[${i}]`, item, issues));
      else checkPublicKey(input, name, value, issues);
    }
  }
  for (const [threshold, list] of Object.entries(THRESHOLDS)) {
    if (!input.declared.has(threshold) || !input.declared.has(list)) continue;
    const k = asCount(effective(input, threshold));
    const members = effective(input, list);
    const n = Array.isArray(members) ? BigInt(members.length) : 0n;
    // No custodians at all: the set starts at version 0 and its threshold is not read.
    if (list === "custodians" && n === 0n) continue;
    if (k === undefined || k < 1n) {
      issues.push({
        parameter: threshold,
        problem: `${JSON.stringify(effective(input, threshold))} is not a whole number of at least 1`,
        fix: fixFor(threshold),
      });
    } else if (k > n) {
      issues.push({
        parameter: threshold,
        problem: `is ${k} but ${list} lists ${n}: no attestation could ever be accepted`,
        fix: `at most ${n}, or add ${list}`,
      });
    }
  }
  const custodians = effective(input, "custodians");
  const custodianKeys = effective(input, "custodianPublicKeys");
  if (Array.isArray(custodians) && Array.isArray(custodianKeys) && custodians.length !== custodianKeys.length) {
    issues.push({
      parameter: "custodianPublicKeys",
      problem: `lists ${custodianKeys.length} key(s) for ${custodians.length} custodian(s)`,
      fix: fixFor("custodianPublicKeys"),
    });
  }
  const values: Record<string, unknown> = {};
  for (const name of input.declared.keys()) values[name] = effective(input, name);
  // One issue per parameter: a value already reported (e.g. a missing threshold) is not reported again.
  for (const issue of launchRuleIssues(values, input.declared, input.publicNetwork, input.launchRule)) {
    if (!issues.some((other) => other.parameter === issue.parameter)) issues.push(issue);
  }
  return issues;
}

/** What the on-chain checks need: read-only access to the chain and who would deploy. */
export interface ChainCheckInput {
  readonly provider: Provider;
  readonly networkName: string;
  /** The settlement token to look at, if the module takes one as a parameter. */
  readonly settlementToken?: string;
  /** The account Ignition would send from, if one is configured. */
  readonly deployer?: string;
}

const DECIMALS_SELECTOR = "0x313ce567";

/**
 * Read-only checks on the target chain: the settlement token has code and the expected decimals, and the
 * deployer can pay for the whole deployment at the current fee. Sends nothing.
 * @returns every issue found
 */
export async function checkChain(input: ChainCheckInput): Promise<PreflightIssue[]> {
  const issues: PreflightIssue[] = [];
  const { provider, settlementToken } = input;
  if (settlementToken !== undefined && isAddress(settlementToken) && !isDummyAddress(settlementToken)) {
    if ((await provider.getCode(settlementToken)) === "0x") {
      issues.push({
        parameter: "settlementToken",
        problem: `${getAddress(settlementToken)} has no contract on ${input.networkName}`,
        fix: fixFor("settlementToken"),
      });
    } else {
      const decimals = await provider
        .call({ to: settlementToken, data: DECIMALS_SELECTOR })
        .then((data) => AbiCoder.defaultAbiCoder().decode(["uint8"], data)[0] as bigint)
        .catch(() => undefined);
      if (decimals !== EXPECTED_SETTLEMENT_DECIMALS) {
        issues.push({
          parameter: "settlementToken",
          problem:
            decimals === undefined
              ? `${getAddress(settlementToken)} does not answer decimals(): it is not an ERC-20 token`
              : `${getAddress(settlementToken)} has ${decimals} decimals, but prices and fees are set for a ${EXPECTED_SETTLEMENT_DECIMALS}-decimal token (USDC)`,
          fix: fixFor("settlementToken"),
        });
      }
    }
  }
  if (input.deployer !== undefined) {
    const [balance, fees] = await Promise.all([provider.getBalance(input.deployer), provider.getFeeData()]);
    const price = fees.maxFeePerGas ?? fees.gasPrice ?? 0n;
    const needed = DEPLOYMENT_GAS * price;
    if (balance < needed) {
      issues.push({
        parameter: `deployer ${getAddress(input.deployer)}`,
        problem: `holds ${formatEther(balance)} ETH, but the deployment (about ${DEPLOYMENT_GAS / 1_000_000n}M gas at ${formatUnits(price, "gwei")} gwei) needs ${formatEther(needed)} ETH`,
        fix: "send it test ETH (a Sepolia faucet) before deploying, or wait for lower fees",
      });
    }
  }
  return issues;
}

/** The report of a refused deployment: every issue on its own line, with its fix. */
export function formatIssues(issues: readonly PreflightIssue[], what: string): string {
  return [
    `${what}: ${issues.length} problem${issues.length === 1 ? "" : "s"}; nothing was sent.`,
    ...issues.map((issue) => `  - ${issue.parameter}: ${issue.problem}.\n      Put: ${issue.fix}.`),
  ].join("\n");
}

/** Journal messages that start a future which sends transactions. */
const ONCHAIN_STARTS = new Set([
  "DEPLOYMENT_EXECUTION_STATE_INITIALIZE",
  "CALL_EXECUTION_STATE_INITIALIZE",
  "SEND_DATA_EXECUTION_STATE_INITIALIZE",
]);

/**
 * The futures an interrupted Ignition deployment started but recorded nothing else for: killed between
 * writing "started" and writing its first network interaction, so no transaction was sent for it.
 * Ignition 0.15.x cannot resume from there (`IGN1 … Unable to find network interaction`); dropping
 * these lines returns the journal to the state before the future started.
 * @param journal the text of `journal.jsonl` (one JSON message per line)
 * @returns the 0-based line numbers to drop and their future ids
 */
export function danglingJournalLines(journal: string): { line: number; futureId: string }[] {
  const lines = journal.split("\n");
  const messages = lines.map((text) => {
    try {
      const parsed: unknown = text.trim() === "" ? undefined : JSON.parse(text);
      return typeof parsed === "object" && parsed !== null
        ? (parsed as { type?: unknown; futureId?: unknown })
        : undefined;
    } catch {
      return undefined;
    }
  });
  const dangling: { line: number; futureId: string }[] = [];
  messages.forEach((message, line) => {
    if (message === undefined || typeof message.futureId !== "string" || !ONCHAIN_STARTS.has(String(message.type)))
      return;
    const futureId = message.futureId;
    if (!messages.slice(line + 1).some((later) => later?.futureId === futureId)) dangling.push({ line, futureId });
  });
  return dangling;
}
