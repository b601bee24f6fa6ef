/**
 * Builds `docs/governance.md`: every function of a deployed DataCoop contract that only governance can
 * call, in one table, generated from the compiler output so that it cannot drift from the code.
 *
 * - Who may call a function is read from the implementation's AST, OpenZeppelin bases included:
 *   `onlyRole(DEFAULT_ADMIN_ROLE)`, `onlyRole(getRoleAdmin(role))`, `onlyGovernance`, `onlyTimelock` (the
 *   CustodianSet, whose only admin is the timelock it was deployed with), or a body that
 *   reverts unless `msg.sender == address(this)` (the timelock's own `updateDelay`).
 * - What it changes and its bounds come from the NatSpec of its declaration in the `I<Name>` interface:
 *   `/// @custom:governance <parameter>` and `/// @custom:bounds <text>`. OpenZeppelin functions we do not
 *   declare are described once, in `INHERITED` below.
 *
 * Fails (listing every problem) when a governance-gated function has no description, or when a function is
 * tagged `@custom:governance` but anyone may call it.
 *
 *   npx ts-node scripts/package/governance-table.ts            # prints the table
 *   npx ts-node scripts/package/docs.ts                        # writes it with the API reference
 */
import { Interface } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { DEPLOYABLE_CONTRACTS } from "./contracts";
import { PackageBuildError } from "./errors";
import { type AstNode, type Compilation, type ContractDef, loadCompilation, walk } from "./solc-output";

/** Who may call a governance function, as read from the code. */
type Gate = "admin" | "roleAdmin" | "governance" | "timelock" | "self";

const CALLER: Record<Gate, string> = {
  admin: "timelock (`onlyRole(DEFAULT_ADMIN_ROLE)`)",
  roleAdmin: "timelock, the admin of every role (`onlyRole(getRoleAdmin(role))`)",
  governance: "timelock, executing a passed proposal (`onlyGovernance`)",
  timelock: "timelock (`onlyTimelock`)",
  self: "timelock, calling itself in a passed proposal (`msg.sender == address(this)`)",
};

interface Description {
  readonly parameter: string;
  readonly bounds: string;
}

/**
 * OpenZeppelin functions that DataCoop contracts inherit without declaring them in an interface. `{roles}`
 * is replaced by the roles the contract defines (its `*_ROLE` constants).
 */
const INHERITED: Readonly<Record<string, Description>> = {
  "grantRole(bytes32,address)": {
    parameter: "role members: grants one of {roles}",
    bounds: "any account; `DEFAULT_ADMIN_ROLE` would share every power the timelock holds here",
  },
  "revokeRole(bytes32,address)": {
    parameter: "role members: revokes one of {roles}",
    bounds: "any member; revoking the timelock's `DEFAULT_ADMIN_ROLE` freezes every parameter for good",
  },
  "setVotingDelay(uint48)": {
    parameter: "`votingDelay`: seconds from a proposal to the start of its vote",
    bounds: "any `uint48`",
  },
  "setVotingPeriod(uint32)": {
    parameter: "`votingPeriod`: seconds a vote lasts",
    bounds: "`> 0` (`GovernorInvalidVotingPeriod`), any `uint32`",
  },
  "setProposalThreshold(uint256)": {
    parameter: "`proposalThreshold`: votes an account needs to propose",
    bounds: "any `uint256`",
  },
  "updateQuorumNumerator(uint256)": {
    parameter: "`quorumNumerator`: quorum, in percent of the total supply at the vote's start",
    bounds: "`<= quorumDenominator()` = 100 (`GovernorInvalidQuorumFraction`)",
  },
  "setLateQuorumVoteExtension(uint48)": {
    parameter: "`lateQuorumVoteExtension`: seconds a vote is extended when quorum is reached late",
    bounds: "any `uint48`",
  },
  "updateTimelock(address)": {
    parameter: "`timelock`: the TimelockController that executes passed proposals",
    bounds: "any address; a wrong one strands governance",
  },
  "relay(address,uint256,bytes)": {
    parameter: "none: an arbitrary call made by the Governor (e.g. to recover tokens sent to it)",
    bounds: "any call",
  },
  "updateDelay(uint256)": {
    parameter: "`getMinDelay()`: seconds between queueing and executing a proposal",
    bounds: "any `uint256`",
  },
};

/** One row of the table. */
export interface GovernanceFunction {
  readonly contract: string;
  readonly signature: string;
  /** The OpenZeppelin contract it is inherited from, if it is not ours. */
  readonly inheritedFrom?: string;
  readonly gate: Gate;
  readonly parameter: string;
  readonly bounds: string;
}

function mentions(node: unknown, predicate: (n: AstNode) => boolean): boolean {
  let found = false;
  walk(node, (n) => {
    if (!found && predicate(n)) found = true;
  });
  return found;
}

const isMsgSender = (n: AstNode) =>
  n.nodeType === "MemberAccess" &&
  n.memberName === "sender" &&
  (n.expression as AstNode | undefined)?.nodeType === "Identifier" &&
  (n.expression as AstNode).name === "msg";

/** How `fn` restricts its caller to governance, if it does. */
function gateOf(fn: AstNode): Gate | undefined {
  for (const modifier of fn.modifiers ?? []) {
    const name = modifier.modifierName?.name;
    if (name === "onlyGovernance") return "governance";
    // The CustodianSet's gate: its one admin is the timelock.
    if (name === "onlyTimelock") return "timelock";
    if (name === "onlyRole") {
      const args = modifier.arguments ?? [];
      if (mentions(args, (n) => n.nodeType === "Identifier" && n.name === "DEFAULT_ADMIN_ROLE")) return "admin";
      if (mentions(args, (n) => n.nodeType === "Identifier" && n.name === "getRoleAdmin")) return "roleAdmin";
    }
  }
  const selfCheck = mentions(
    fn.body,
    (n) =>
      n.nodeType === "BinaryOperation" &&
      (n.operator === "!=" || n.operator === "==") &&
      mentions(n, isMsgSender) &&
      mentions(n, (m) => m.nodeType === "Identifier" && m.name === "this"),
  );
  return selfCheck ? "self" : undefined;
}

/** The externally callable, state-changing functions of a contract, each from its most derived definition. */
function callableFunctions(compilation: Compilation): { fn: AstNode; def: ContractDef }[] {
  const seen = new Set<string>();
  const result: { fn: AstNode; def: ContractDef }[] = [];
  for (const def of compilation.linearized) {
    for (const fn of def.node.nodes ?? []) {
      if (fn.nodeType !== "FunctionDefinition" || fn.kind !== "function" || !fn.functionSelector) continue;
      if (fn.visibility !== "external" && fn.visibility !== "public") continue;
      if (seen.has(fn.functionSelector)) continue;
      seen.add(fn.functionSelector);
      if (!fn.implemented || fn.stateMutability === "view" || fn.stateMutability === "pure") continue;
      result.push({ fn, def });
    }
  }
  return result;
}

function tag(doc: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = doc?.[`custom:${name}`];
  return typeof value === "string" ? value.replace(/\s+/g, " ").trim() : undefined;
}

/** Reads the governance functions of every deployable contract; throws listing every inconsistency. */
export async function readGovernanceFunctions(hre: HardhatRuntimeEnvironment): Promise<GovernanceFunction[]> {
  const rows: GovernanceFunction[] = [];
  const problems: string[] = [];
  for (const contract of DEPLOYABLE_CONTRACTS) {
    const compilation = await loadCompilation(hre, `${contract.source}:${contract.name}`);
    const artifact = await hre.artifacts.readArtifact(`${contract.source}:${contract.name}`);
    const iface = new Interface(artifact.abi);
    const roles: string[] = [];
    iface.forEachFunction((f) => {
      if (f.name.endsWith("_ROLE") && f.inputs.length === 0) roles.push(`\`${f.name}\``);
    });
    roles.sort();
    for (const { fn, def } of callableFunctions(compilation)) {
      const fragment = iface.getFunction(`0x${fn.functionSelector}`);
      if (!fragment) continue;
      const signature = fragment.format("sighash");
      const where = `${contract.name}.${signature}`;
      let tagged: Description | undefined;
      for (const base of compilation.linearized) {
        const method = compilation.docs(base).devdoc.methods?.[signature];
        const parameter = tag(method, "governance");
        if (parameter === undefined) continue;
        const bounds = tag(method, "bounds");
        if (bounds === undefined)
          problems.push(`${where}: @custom:governance without @custom:bounds in ${base.node.name}`);
        tagged = { parameter, bounds: bounds ?? "" };
        break;
      }
      const gate = gateOf(fn);
      if (gate === undefined) {
        if (tagged) problems.push(`${where} is tagged @custom:governance but is not restricted to governance`);
        continue;
      }
      const inherited = def.source.startsWith("@openzeppelin/") ? def.node.name : undefined;
      const fallback = inherited !== undefined ? INHERITED[signature] : undefined;
      const description = tagged ?? fallback;
      if (!description) {
        problems.push(
          `${where} is callable by governance only but undocumented: add \`/// @custom:governance <parameter>\` ` +
            `and \`/// @custom:bounds <text>\` to its declaration in I${contract.name}`,
        );
        continue;
      }
      const parameter = description.parameter.replace("{roles}", roles.join(", ") || "its roles");
      rows.push({
        contract: contract.name,
        signature,
        inheritedFrom: inherited,
        gate,
        parameter,
        bounds: description.bounds,
      });
    }
  }
  if (problems.length > 0) throw new PackageBuildError(`Governance table:\n- ${problems.join("\n- ")}`);
  return rows;
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

/** The Markdown page `docs/governance.md`. */
export function renderGovernanceTable(rows: readonly GovernanceFunction[]): string {
  const lines = [
    "# Governance-callable functions",
    "",
    "<!-- Generated by scripts/package/governance-table.ts from the compiler output. Do not edit: run `npx ts-node scripts/package/docs.ts`. -->",
    "",
    "Every function of a deployed DataCoop contract that only governance can call. The deployment gives",
    "`DEFAULT_ADMIN_ROLE` of every contract to the timelock alone and makes the Governor the timelock's only",
    "proposer and canceller, so each of these runs only as part of a passed, queued and executed proposal.",
    "The timelock's own `schedule`, `execute` and `cancel` are that process and are not listed.",
    "",
    "Who may call each function is read from the code (its modifiers, OpenZeppelin bases included); what",
    "it changes and its bounds come from the `@custom:governance` and `@custom:bounds` NatSpec tags of its",
    "declaration in the contract's interface.",
    "",
    "| contract | function | who may call it | parameter it changes | bounds |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map((row) => {
      const fn = `\`${row.signature}\`${row.inheritedFrom ? ` (OpenZeppelin \`${row.inheritedFrom}\`)` : ""}`;
      return `| ${row.contract} | ${cell(fn)} | ${cell(CALLER[row.gate])} | ${cell(row.parameter)} | ${cell(row.bounds)} |`;
    }),
    "",
  ];
  return lines.join("\n");
}

async function main(): Promise<void> {
  const hre = (await import("hardhat")).default;
  await hre.run("compile", { quiet: true });
  console.log(renderGovernanceTable(await readGovernanceFunctions(hre)));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof PackageBuildError ? `error: ${error.message}` : error);
    process.exitCode = 1;
  });
}
