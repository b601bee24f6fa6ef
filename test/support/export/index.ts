/**
 * Deterministic synthetic ChatGPT exports, for tests, benchmarks and the demo. The code lives in
 * `test/support/export/`, split by job; this module re-exports it for existing importers:
 * - `random.ts`: the seeded PRNG and stable ids;
 * - `builders.ts`: explicit conversations and export archives;
 * - `generator.ts`: realistic random exports with the facts they were built from;
 * - `zip-patch.ts`: header edits (sizes, checksums, flags, names);
 * - `broken.ts`: unsafe, damaged and fake archives, one per kind.
 */
export * from "./broken";
export * from "./builders";
export * from "./generator";
export * from "./random";
export * from "./zip-patch";
