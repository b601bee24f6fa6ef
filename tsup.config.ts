import { defineConfig } from "tsup";

/**
 * The `@datacoop/protocol` package: one entry per public subpath, each as CommonJS (`.js`, `.d.ts`) and
 * ESM (`.mjs`, `.d.mts`). Run through `scripts/package/build.ts`, which first writes the generated modules
 * (`src/abi`, `src/typechain`, `src/deployments/addresses.ts`) that these entries import.
 */
export const PACKAGE_ENTRIES = {
  index: "src/index.ts",
  abi: "src/abi/index.ts",
  contracts: "src/typechain/index.ts",
  deployments: "src/deployments/index.ts",
  errors: "src/errors/index.ts",
  attestation: "src/protocol/attestation.ts",
  crypto: "src/crypto/index.ts",
  export: "src/export/index.ts",
  manifest: "src/manifest/index.ts",
  store: "src/store/index.ts",
} as const;

export default defineConfig({
  entry: PACKAGE_ENTRIES,
  outDir: "dist",
  format: ["cjs", "esm"],
  platform: "node",
  target: "node20",
  dts: { compilerOptions: { composite: false, incremental: false } },
  // Peer (ethers) and runtime dependencies stay imports; everything else of ours is bundled.
  external: ["ethers", "fflate", "@noble/curves", "secp256k1", "shamir-secret-sharing"],
  // The crypto module loads the native secp256k1 binding through `createRequire(__filename)`; the shim
  // gives ESM output a `__filename`.
  shims: true,
  clean: true,
  sourcemap: false,
  splitting: true,
  treeshake: true,
  tsconfig: "tsconfig.json",
});
