/**
 * Writes a deterministic synthetic ChatGPT export (a `.zip`) for the localhost smoke test:
 *
 *   npx ts-node --transpile-only scripts/ci/write-synthetic-export.ts <out.zip> <seed> <user-id> [conversations]
 */
import { writeFileSync } from "node:fs";

import { buildSyntheticExport } from "../../test/support/export";

function main(argv: readonly string[]): void {
  const [out, seed, userId, conversations] = argv;
  if (out === undefined || seed === undefined || userId === undefined || !/^\d+$/.test(seed)) {
    throw new Error("usage: write-synthetic-export.ts <out.zip> <seed> <user-id> [conversations]");
  }
  const zip = buildSyntheticExport({
    seed: Number(seed),
    userId,
    conversations: conversations === undefined ? 12 : Number(conversations),
  });
  writeFileSync(out, zip);
}

main(process.argv.slice(2));
