/**
 * Read-only access to what the compiler produced for one contract: its AST (and those of every contract it
 * inherits from), its ABI, and the NatSpec of each contract (`devdoc`/`userdoc`, from the metadata).
 * Shared by the governance table and the NatSpec check.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { PackageBuildError } from "./errors";

/** The few AST fields these scripts read. */
export interface AstNode {
  id: number;
  nodeType: string;
  name?: string;
  kind?: string;
  visibility?: string;
  stateMutability?: string;
  /** The declaration an identifier or member access refers to. */
  referencedDeclaration?: number;
  implemented?: boolean;
  functionSelector?: string;
  eventSelector?: string;
  errorSelector?: string;
  linearizedBaseContracts?: number[];
  nodes?: AstNode[];
  modifiers?: AstNode[];
  modifierName?: AstNode;
  arguments?: AstNode[] | null;
  body?: AstNode | null;
  [key: string]: unknown;
}

/** NatSpec as solc emits it in the metadata (`output.devdoc` and `output.userdoc`). */
export interface NatSpecDoc {
  methods?: Record<string, Record<string, unknown>>;
  events?: Record<string, Record<string, unknown>>;
  errors?: Record<string, Record<string, unknown>[]>;
  [key: string]: unknown;
}

/** A contract definition and the source file it is in. */
export interface ContractDef {
  readonly node: AstNode;
  readonly source: string;
}

/** One contract's compilation, with every contract of the same compiler run. */
export interface Compilation {
  /** The contract asked for. */
  readonly contract: ContractDef;
  /** The contract and its bases, most derived first (Solidity's linearization). */
  readonly linearized: readonly ContractDef[];
  /** NatSpec of any contract of the compiler run. */
  docs(def: ContractDef): { devdoc: NatSpecDoc; userdoc: NatSpecDoc };
}

/** Calls `visit` on every AST node under `node`. */
export function walk(node: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
  } else if (node !== null && typeof node === "object") {
    const n = node as AstNode;
    if (typeof n.nodeType === "string") visit(n);
    for (const value of Object.values(n)) if (value !== null && typeof value === "object") walk(value, visit);
  }
}

/** Loads the compilation of `fullyQualifiedName` (`contracts/X.sol:X`); run `hardhat compile` first. */
export async function loadCompilation(
  hre: HardhatRuntimeEnvironment,
  fullyQualifiedName: string,
): Promise<Compilation> {
  const buildInfo = await hre.artifacts.getBuildInfo(fullyQualifiedName);
  if (!buildInfo) {
    throw new PackageBuildError(`No build info for ${fullyQualifiedName}: run \`npx hardhat compile\` first.`);
  }
  const byId = new Map<number, ContractDef>();
  for (const [source, output] of Object.entries(buildInfo.output.sources)) {
    walk(output.ast, (n) => {
      if (n.nodeType === "ContractDefinition") byId.set(n.id, { node: n, source });
    });
  }
  const [sourcePath, name] = fullyQualifiedName.split(":");
  const contract = [...byId.values()].find((d) => d.source === sourcePath && d.node.name === name);
  if (!contract) throw new PackageBuildError(`${fullyQualifiedName} is not in its build info; recompile.`);
  const linearized = (contract.node.linearizedBaseContracts ?? []).map((id) => {
    const base = byId.get(id);
    if (!base) throw new PackageBuildError(`Base contract #${id} of ${fullyQualifiedName} is missing; recompile.`);
    return base;
  });
  const docs = (def: ContractDef) => {
    // Hardhat selects `metadata` in every compilation; its type just does not declare it.
    const output = buildInfo.output.contracts[def.source]?.[def.node.name ?? ""] as { metadata?: string } | undefined;
    if (!output?.metadata) throw new PackageBuildError(`No metadata for ${def.source}:${def.node.name}; recompile.`);
    const metadata = JSON.parse(output.metadata) as { output: { devdoc: NatSpecDoc; userdoc: NatSpecDoc } };
    return metadata.output;
  };
  return { contract, linearized, docs };
}
