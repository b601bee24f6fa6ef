#!/usr/bin/env node
/**
 * A native-solc command line for forge, on top of the pinned npm `solc` package (the compiler Hardhat
 * uses), so both toolchains build with the same compiler and forge never downloads one.
 *
 * forge calls `solc --version` and then `solc --allow-paths <dirs> --base-path <root> --standard-json`
 * with the Standard JSON input on stdin (sources inlined as `content`). Only those two forms are spoken.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const solc = require("solc");

const args = process.argv.slice(2);

function option(name) {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

if (args.includes("--version")) {
  // forge parses the `Version: x.y.z+commit.hash` line; drop the Emscripten suffix like a native build.
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version().replace(".Emscripten.clang", "")}\n`);
  process.exit(0);
}

if (!args.includes("--standard-json")) {
  process.stderr.write(`scripts/fuzz/solc.js: only --version and --standard-json are supported (got: ${args.join(" ")})\n`);
  process.exit(2);
}

const basePath = path.resolve(option("--base-path") ?? process.cwd());
const allowed = [basePath, ...(option("--allow-paths") ?? "").split(",").filter(Boolean).map((p) => path.resolve(p))];

/** Import callback for sources forge did not inline: read them under the base or an allowed path only. */
function findImports(importPath) {
  const file = path.resolve(basePath, importPath);
  if (!allowed.some((dir) => file === dir || file.startsWith(dir + path.sep))) {
    return { error: `${importPath} is outside the allowed paths` };
  }
  try {
    return { contents: fs.readFileSync(file, "utf8") };
  } catch {
    return { error: `${importPath} not found` };
  }
}

process.stdout.write(solc.compile(fs.readFileSync(0, "utf8"), { import: findImports }));
