/**
 * The generated documentation in `docs/`, so that it cannot drift from the code:
 *
 * - `docs/api/`: the API reference rendered from NatSpec by solidity-docgen (configured by the `docgen`
 *   block of hardhat.config.ts), formatted with Prettier;
 * - `docs/governance.md`: every governance-callable function in one table (see `governance-table.ts`).
 *
 * Before rendering, it checks that every function, event and error declared in `contracts/interfaces/`
 * has a `@notice`, and every function a `@param` for each parameter and a `@return` for each value.
 *
 *   npx ts-node scripts/package/docs.ts           # (re)writes docs/api and docs/governance.md
 *   npx ts-node scripts/package/docs.ts --check   # fails if docs/ differs from what the code generates
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Interface } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import * as prettier from "prettier";
import { docgen } from "solidity-docgen";

import { PackageBuildError } from "./errors";
import { REPO_ROOT } from "./generate";
import { readGovernanceFunctions, renderGovernanceTable } from "./governance-table";
import { type AstNode, loadCompilation } from "./solc-output";

const API_DIR = "docs/api";
const GOVERNANCE_PAGE = "docs/governance.md";

async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(full)));
    else files.push(full);
  }
  return files;
}

async function format(relativePath: string, text: string): Promise<string> {
  const file = path.join(REPO_ROOT, relativePath);
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}

/** Problems with the NatSpec of the interfaces in `contracts/interfaces/`. */
async function checkInterfaceNatSpec(hre: HardhatRuntimeEnvironment): Promise<string[]> {
  const problems: string[] = [];
  const names = (await hre.artifacts.getAllFullyQualifiedNames()).filter((n) => n.startsWith("contracts/interfaces/"));
  for (const fqn of names) {
    const compilation = await loadCompilation(hre, fqn);
    const { devdoc, userdoc } = compilation.docs(compilation.contract);
    const iface = new Interface((await hre.artifacts.readArtifact(fqn)).abi);
    const contract = compilation.contract.node.name ?? fqn;
    for (const node of compilation.contract.node.nodes ?? []) {
      let signature: string | undefined;
      let notice: unknown;
      if (node.nodeType === "FunctionDefinition" && node.functionSelector) {
        const fragment = iface.getFunction(`0x${node.functionSelector}`);
        if (!fragment) continue;
        signature = fragment.format("sighash");
        notice = userdoc.methods?.[signature]?.notice;
        const dev = devdoc.methods?.[signature] ?? {};
        const params = (dev.params ?? {}) as Record<string, unknown>;
        const returns = (dev.returns ?? {}) as Record<string, unknown>;
        for (const input of fragment.inputs) {
          if (!(input.name in params)) problems.push(`${contract}.${signature}: no @param ${input.name}`);
        }
        fragment.outputs.forEach((output, i) => {
          const key = output.name || `_${i}`;
          if (!(key in returns))
            problems.push(`${contract}.${signature}: no @return for ${output.name || `value ${i}`}`);
        });
      } else if (node.nodeType === "EventDefinition" && node.eventSelector) {
        signature = iface.getEvent(`0x${node.eventSelector}`)?.format("sighash");
        notice = signature === undefined ? undefined : userdoc.events?.[signature]?.notice;
      } else if (node.nodeType === "ErrorDefinition" && node.errorSelector) {
        signature = iface.getError(`0x${node.errorSelector}`)?.format("sighash");
        notice = signature === undefined ? undefined : userdoc.errors?.[signature]?.[0]?.notice;
      } else {
        continue;
      }
      if (typeof notice !== "string" || notice.trim() === "") {
        problems.push(`${contract}.${signature ?? (node as AstNode).name}: no @notice`);
      }
    }
  }
  return problems;
}

/** Renders the API reference with solidity-docgen into a temporary directory; returns path → content. */
async function renderApiReference(hre: HardhatRuntimeEnvironment): Promise<Map<string, string>> {
  const builds = await Promise.all(
    (await hre.artifacts.getBuildInfoPaths()).map(async (file) => ({
      mtime: (await stat(file)).mtimeMs,
      data: JSON.parse(await readFile(file, "utf8")) as Parameters<typeof docgen>[0][number],
    })),
  );
  // Most recent first, as `hardhat docgen` does: a source in several builds is documented from the newest.
  builds.sort((a, b) => b.mtime - a.mtime);
  const outputDir = await mkdtemp(path.join(tmpdir(), "datacoop-docs-"));
  try {
    await docgen(
      builds.map((b) => b.data),
      { ...hre.config.docgen, outputDir },
    );
    const pages = new Map<string, string>();
    for (const file of (await listFiles(outputDir)).sort()) {
      const relative = path.posix.join(API_DIR, path.relative(outputDir, file).split(path.sep).join("/"));
      pages.set(relative, await format(relative, await readFile(file, "utf8")));
    }
    return pages;
  } finally {
    await rm(outputDir, { recursive: true, force: true });
  }
}

/** Every generated page, path (relative to the repository) → content. */
async function renderDocs(hre: HardhatRuntimeEnvironment): Promise<Map<string, string>> {
  const pages = await renderApiReference(hre);
  pages.set(GOVERNANCE_PAGE, await format(GOVERNANCE_PAGE, renderGovernanceTable(await readGovernanceFunctions(hre))));
  return pages;
}

/** The generated pages on disk, path → content. */
async function readDocs(): Promise<Map<string, string>> {
  const pages = new Map<string, string>();
  const files = await listFiles(path.join(REPO_ROOT, API_DIR));
  if (existsSync(path.join(REPO_ROOT, GOVERNANCE_PAGE))) files.push(path.join(REPO_ROOT, GOVERNANCE_PAGE));
  for (const file of files) {
    pages.set(path.relative(REPO_ROOT, file).split(path.sep).join("/"), await readFile(file, "utf8"));
  }
  return pages;
}

async function main(): Promise<void> {
  const check = process.argv.includes("--check");
  const hre = (await import("hardhat")).default;
  await hre.run("compile", { quiet: true });

  const natspec = await checkInterfaceNatSpec(hre);
  if (natspec.length > 0) {
    throw new PackageBuildError(`NatSpec is missing in contracts/interfaces/:\n- ${natspec.join("\n- ")}`);
  }
  const expected = await renderDocs(hre);

  if (check) {
    const actual = await readDocs();
    const drift: string[] = [];
    for (const [file, content] of expected) {
      if (!actual.has(file)) drift.push(`${file} is missing`);
      else if (actual.get(file) !== content) drift.push(`${file} differs from the code`);
    }
    for (const file of actual.keys()) if (!expected.has(file)) drift.push(`${file} is stale (no longer generated)`);
    if (drift.length > 0) {
      throw new PackageBuildError(
        `docs/ is out of date:\n- ${drift.join("\n- ")}\n` +
          "Run `npx ts-node scripts/package/docs.ts` and commit docs/.",
      );
    }
    console.log(`docs/ is up to date (${expected.size} generated pages; NatSpec complete in contracts/interfaces/).`);
    return;
  }

  await rm(path.join(REPO_ROOT, API_DIR), { recursive: true, force: true });
  for (const [file, content] of expected) {
    await mkdir(path.dirname(path.join(REPO_ROOT, file)), { recursive: true });
    await writeFile(path.join(REPO_ROOT, file), content);
  }
  console.log(`Wrote ${expected.size} pages: ${API_DIR}/ and ${GOVERNANCE_PAGE}.`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof PackageBuildError ? `error: ${error.message}` : error);
    process.exitCode = 1;
  });
}
