/**
 * Deterministic synthetic ChatGPT exports, for tests, benchmarks and the demo. The code lives in
 * `test/support/export/`, split by job; this module re-exports it for existing importers:
 * - `random.ts`: the seeded PRNG and stable ids;
 * - `builders.ts`: explicit conversations and export archives;
 * - `generator.ts`: realistic random exports with the facts they were built from;
 * - `zip-patch.ts`: header edits (sizes, checksums, flags, names);
 * - `broken.ts`: unsafe, damaged and fake archives, one per kind.
 */
export * from "../../test/support/export/broken";
export * from "../../test/support/export/builders";
export * from "../../test/support/export/generator";
export * from "../../test/support/export/random";
export * from "../../test/support/export/zip-patch";
