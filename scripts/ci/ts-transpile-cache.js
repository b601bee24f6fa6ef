/**
 * ts-node's own TypeScript transpilation (transpile-only mode), with its output kept on disk.
 *
 * Every `npx hardhat ...`, `hardhat run` and `ts-node --transpile-only` process transpiles the same files
 * again: the config, the tasks and what they import, about a second of CPU per process, and the smokes run
 * fifty-odd such processes. This transpiler (tsconfig.json, "ts-node".transpiler) produces exactly what
 * ts-node would (the same function of ts-node, the same TypeScript, the same compiler options) and stores
 * it in `cache/ts-node/`, keyed by a hash of all of them and the file's name and text, so a cached result
 * can never be stale: a changed file, option or TypeScript version is a new key.
 *
 * ts-node allows a custom transpiler only in transpile-only mode, so tsconfig.json makes every ts-node run
 * transpile-only: type errors are `npm run typecheck`'s (tsc --noEmit over every file ts-node runs), which
 * `npm test` runs, instead of each script's first start.
 */
"use strict";
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const path = require("node:path");

const CACHE = path.join(__dirname, "..", "..", "cache", "ts-node");

exports.create = function create({ service, nodeModuleEmitKind }) {
  const ts = service.projectLocalResolveHelper("typescript", true);
  const typescript = require(ts);
  // ts-node's internal module (not in its "exports"): the function its transpile-only mode calls.
  const tsNode = path.dirname(require.resolve("ts-node"));
  const { createTsTranspileModule } = require(path.join(tsNode, "ts-transpile-module.js"));
  const compilerOptions = service.config.options;
  const transpileModule = createTsTranspileModule(typescript, { compilerOptions, reportDiagnostics: true });
  const packageJsonType = nodeModuleEmitKind === "nodeesm" ? "module" : "commonjs";
  const salt = JSON.stringify([typescript.version, require(path.join(tsNode, "..", "package.json")).version, compilerOptions, packageJsonType]);
  let cacheUsable = true;
  try {
    mkdirSync(CACHE, { recursive: true });
  } catch {
    cacheUsable = false; // A read-only checkout: transpile as usual.
  }

  return {
    transpile(input, { fileName }) {
      const key = createHash("sha256").update(salt).update("\0").update(fileName).update("\0").update(input).digest("hex");
      const file = path.join(CACHE, `${key}.json`);
      if (cacheUsable) {
        try {
          return JSON.parse(readFileSync(file, "utf8"));
        } catch {
          // Not cached yet (or unreadable): transpile.
        }
      }
      const result = transpileModule(input, { fileName }, packageJsonType);
      if (cacheUsable && (result.diagnostics ?? []).length === 0) {
        // Written aside and renamed: processes running side by side never read half a file.
        const temporary = `${file}.${process.pid}.tmp`;
        try {
          writeFileSync(temporary, JSON.stringify({ outputText: result.outputText, sourceMapText: result.sourceMapText }));
          renameSync(temporary, file);
        } catch {
          // The cache is an optimisation only.
        }
      }
      return result;
    },
  };
};
