/**
 * The member app's build. `@datacoop/protocol/<part>` resolves to the repository's own `src/<part>` (the
 * app is built from the same source the package ships, no packing step). `/datacoop.json` tells the app
 * which node and deployment to talk to: it is served by both `vite` and `vite preview` from the
 * environment, so one build runs against any local stack:
 *
 *   DATACOOP_RPC_URL       the node's JSON-RPC URL (default http://127.0.0.1:8545)
 *   DATACOOP_DEPLOYMENT    an Ignition deployed_addresses.json (default deploy/deployments/chain-31337/...)
 *   DATACOOP_STORE_URL     the blob store (optional), DATACOOP_VALIDATORS comma-separated validator URLs
 *
 * On a public network the app ignores the file's addresses and uses the package's deployment for the
 * wallet's chain.
 */
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

import react from "@vitejs/plugin-react";
import { type Plugin, defineConfig } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");

function runtimeConfig(): string {
  const file = path.resolve(
    repo,
    process.env.DATACOOP_DEPLOYMENT ?? "deploy/deployments/chain-31337/deployed_addresses.json",
  );
  const deployedAddresses: unknown = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
  return JSON.stringify({
    rpcUrl: process.env.DATACOOP_RPC_URL ?? "http://127.0.0.1:8545",
    deployedAddresses,
    storeUrl: process.env.DATACOOP_STORE_URL ?? null,
    validators: (process.env.DATACOOP_VALIDATORS ?? "").split(",").filter((url) => url !== ""),
  });
}

/** Serves `/datacoop.json`, read afresh on every request (a redeploy needs no rebuild). */
function datacoopConfig(): Plugin {
  const serve = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if (req.url !== "/datacoop.json") return next();
    res.setHeader("content-type", "application/json");
    res.setHeader("cache-control", "no-store");
    res.end(runtimeConfig());
  };
  return {
    name: "datacoop-config",
    configureServer: (server) => void server.middlewares.use(serve),
    configurePreviewServer: (server) => void server.middlewares.use(serve),
  };
}

export default defineConfig({
  plugins: [react(), datacoopConfig()],
  resolve: {
    alias: [
      { find: /^@datacoop\/protocol\/(.*)$/, replacement: path.join(repo, "src/$1") },
      // The core's few Node built-ins, as small browser modules (src/shims/README.md).
      ...["zlib", "crypto", "buffer", "module", "fs", "perf_hooks"].map((name) => ({
        find: `node:${name}`,
        replacement: path.join(here, "src/shims", `${name}.ts`),
      })),
    ],
  },
  worker: { format: "es" },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 2048 },
  server: { host: "127.0.0.1", fs: { allow: [repo] } },
  preview: { host: "127.0.0.1" },
});
