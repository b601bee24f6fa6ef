#!/usr/bin/env node
/**
 * Runs the pinned forge binary (from `@foundry-rs/forge-<platform>-<arch>`) with our arguments and exits with
 * its status. The npm wrapper `@foundry-rs/forge` 1.7.1 (`bin.mjs`) exits 0 even when forge fails, which
 * would let `npm test` pass on a broken invariant.
 */
"use strict";
const { spawnSync } = require("node:child_process");

const arch = { x64: "amd64", arm64: "arm64" }[process.arch] ?? process.arch;
const binary = require.resolve(
  `@foundry-rs/forge-${process.platform}-${arch}/bin/forge${process.platform === "win32" ? ".exe" : ""}`,
);
const result = spawnSync(binary, process.argv.slice(2), { stdio: "inherit" });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
