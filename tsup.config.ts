import { defineConfig } from "tsup";

/**
 * The `@datacoop/protocol` package: one entry per public subpath, each as CommonJS (`.js`, `.d.ts`) and
 * ESM (`.mjs`, `.d.mts`). Run through `scripts/package/build.ts`, which first writes the generated modules
 * (`src/abi`, `src/typechain`, `src/testing/mockUsdc.ts`, `src/deployments/addresses.ts`) that these
 * entries import. Every entry but the client adapters is the core: it imports neither ethers nor viem
 * (`CORE_ENTRIES`, checked by the build).
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
  testing: "src/testing/index.ts",
  ethers: "src/ethers/index.ts",
  viem: "src/viem/index.ts",
} as const;

/** The entries that may import a client library, and which one. */
export const ADAPTER_ENTRIES: Readonly<Partial<Record<keyof typeof PACKAGE_ENTRIES, "ethers" | "viem">>> = {
  contracts: "ethers",
  ethers: "ethers",
  viem: "viem",
};

/** Runtime dependencies and optional peers: imported by the bundle, never bundled. */
export const PACKAGE_EXTERNALS = [
  "ethers",
  "viem",
  "fflate",
  "@noble/hashes",
  "@noble/curves",
  "secp256k1",
  "shamir-secret-sharing",
] as const;

export default defineConfig({
  entry: PACKAGE_ENTRIES,
  outDir: "dist",
  format: ["cjs", "esm"],
  platform: "node",
  target: "node20",
  dts: { compilerOptions: { composite: false, incremental: false } },
  // Peers (ethers, viem) and runtime dependencies stay imports; everything else of ours is bundled.
  external: [...PACKAGE_EXTERNALS, /^@noble\/hashes\//, /^@noble\/curves\//],
  // The crypto module loads the native secp256k1 binding through `createRequire(__filename)`; the shim
  // gives ESM output a `__filename`.
  shims: true,
  clean: true,
  sourcemap: false,
  splitting: true,
  treeshake: true,
  tsconfig: "tsconfig.json",
});
