/**
 * Builds the `@datacoop/protocol` package into `dist/` (run after `npx hardhat compile`):
 *
 * 1. writes the generated modules (ABIs, TypeChain re-exports, deployed addresses; see `generate.ts`);
 * 2. bundles every entry of `tsup.config.ts` as CommonJS and ESM with type declarations;
 * 3. checks what came out: every entry in both formats, imports limited to `ethers`, the runtime
 *    dependencies and Node built-ins, no factory or name of a contract outside the package (mocks,
 *    OpenZeppelin internals), no Hardhat.
 *
 *   npx ts-node scripts/package/build.ts
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { builtinModules } from "node:module";
import path from "node:path";

import { PACKAGE_ENTRIES } from "../../tsup.config";
import { DEPLOYABLE_CONTRACTS, INTERFACE_CONTRACTS } from "./contracts";
import { PackageBuildError } from "./errors";
import { REPO_ROOT, generate } from "./generate";

const DIST = path.join(REPO_ROOT, "dist");
/** What the bundle may import at run time besides Node built-ins. */
const ALLOWED_IMPORTS = new Set(["ethers", "fflate", "@noble/curves", "secp256k1", "shamir-secret-sharing"]);
const ENTRY_FILES = (entry: string) => [`${entry}.js`, `${entry}.mjs`, `${entry}.d.ts`, `${entry}.d.mts`];

function isAllowedImport(specifier: string): boolean {
  if (specifier.startsWith(".")) return true;
  const bare = specifier.replace(/^node:/, "");
  if (builtinModules.includes(bare) || builtinModules.includes(bare.split("/")[0])) return true;
  const pkg = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
  return ALLOWED_IMPORTS.has(pkg);
}

/** Names of the Solidity contracts that must never reach the package (mocks). */
async function forbiddenContractNames(): Promise<string[]> {
  const mocks = path.join(REPO_ROOT, "contracts", "mocks");
  if (!existsSync(mocks)) return [];
  return (await readdir(mocks)).filter((f) => f.endsWith(".sol")).map((f) => path.basename(f, ".sol"));
}

/** Checks the built files; returns the problems found. */
export async function checkDist(): Promise<string[]> {
  const problems: string[] = [];
  const files = existsSync(DIST) ? await readdir(DIST) : [];
  for (const entry of Object.keys(PACKAGE_ENTRIES)) {
    for (const file of ENTRY_FILES(entry)) if (!files.includes(file)) problems.push(`dist/${file} is missing`);
  }
  const packaged = new Set([...DEPLOYABLE_CONTRACTS, ...INTERFACE_CONTRACTS].map((c) => c.name));
  const forbidden = await forbiddenContractNames();
  const importPattern = /(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)(["'])([^"'\n]+)\1/g;
  for (const file of files) {
    if (!/\.(c|m)?js$|\.d\.(m|c)?ts$/.test(file)) {
      problems.push(`dist/${file} is neither code nor a type declaration`);
      continue;
    }
    const text = await readFile(path.join(DIST, file), "utf8");
    for (const [, , specifier] of text.matchAll(importPattern)) {
      if (!isAllowedImport(specifier)) problems.push(`dist/${file} imports ${specifier}`);
    }
    for (const [, name] of text.matchAll(/\b(\w+)__factory\b/g)) {
      if (!packaged.has(name))
        problems.push(`dist/${file} contains ${name}__factory, which is not a packaged contract`);
    }
    for (const name of forbidden) {
      if (text.includes(name)) problems.push(`dist/${file} mentions ${name} (contracts/mocks)`);
    }
    if (/hardhat/i.test(text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, ""))) problems.push(`dist/${file} refers to Hardhat`);
  }
  return [...new Set(problems)];
}

async function main(): Promise<void> {
  const chains = await generate();
  console.log(`Generated modules (deployments: ${chains.length > 0 ? chains.join(", ") : "none"}).`);
  try {
    execFileSync("npx", ["--no-install", "tsup", "--silent"], { cwd: REPO_ROOT, stdio: "inherit" });
  } catch (error) {
    throw new PackageBuildError("tsup failed (its errors are above); fix them and run the build again.", {
      cause: error,
    });
  }
  const problems = await checkDist();
  if (problems.length > 0) {
    throw new PackageBuildError(`dist/ failed its checks:\n- ${problems.join("\n- ")}`);
  }
  const count = (await readdir(DIST)).length;
  console.log(`Built dist/ (${count} files, ${Object.keys(PACKAGE_ENTRIES).length} entries, CJS + ESM + types).`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof PackageBuildError ? `error: ${error.message}` : error);
    process.exitCode = 1;
  });
}
