import { expect } from "chai";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import hre from "hardhat";
import { HardhatPluginError } from "hardhat/plugins";

import { generateSyntheticExport } from "../support/export";
import { sealedPayloadOf } from "../../src/refine";
import { deploymentSalt } from "../../src/roles";
import { removeDir, tempDir } from "../roles/fixture";

const SALT = `0x${"5e".repeat(32)}`;
const REGISTRY = "0x00000000000000000000000000000000000000aa";

/** Runs a task in-process and returns what it printed on stdout. */
async function run(args: Record<string, unknown>): Promise<string> {
  const printed: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => void printed.push(parts.map(String).join(" "));
  try {
    await hre.run("export:refine", args);
  } finally {
    console.log = log;
  }
  return printed.join("\n");
}

describe("task export:refine", () => {
  let dir: string;
  let zipFile: string;
  const zip = generateSyntheticExport({ seed: 5, conversations: 20 }).zip;

  before(async () => {
    dir = await tempDir("refine");
    zipFile = path.join(dir, "export.zip");
    await writeFile(zipFile, zip);
  });
  after(() => removeDir(dir));

  it("writes exactly the refinement and reports redactions, exclusions and units", async () => {
    const out = path.join(dir, "refined.jsonl.gz");
    const exclude = "title:/^[a-f]/i,date:..2024-01-02";
    const printed = await run({ export: zipFile, out, salt: SALT, exclude, json: false });
    const expected = sealedPayloadOf(zip, { salt: SALT, exclude: [exclude] });
    expect(new Uint8Array(await readFile(out))).to.deep.equal(expected.payload);
    expect(expected.report.excludedConversations).to.be.greaterThan(0);
    expect(printed).to.include(`Refined ${expected.report.refinedConversations} of 20 conversations into ${out}`);
    expect(printed).to.include(`units:       ${expected.report.units} refined messages`);
    expect(printed).to.include(`excluded:    ${expected.report.excludedConversations} (title:/^[a-f]/i: `);
  });

  it("derives the salt from the deployment's registry on the network's chain, and prints JSON", async () => {
    const out = path.join(dir, "by-registry.jsonl.gz");
    const printed = await run({ export: zipFile, out, registry: REGISTRY, json: true });
    const expected = sealedPayloadOf(zip, { salt: deploymentSalt(31337, REGISTRY) });
    expect(new Uint8Array(await readFile(out))).to.deep.equal(expected.payload);
    expect(JSON.parse(printed)).to.deep.equal({ out, ...expected.report });
  });

  it("explains an invalid exclusion as a plugin error", async () => {
    const error = await run({ export: zipFile, out: path.join(dir, "x"), salt: SALT, exclude: "date:2024-13-01" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(HardhatPluginError.isHardhatPluginError(error)).to.equal(true);
    expect((error as Error).message).to.include("invalid date");
  });
});
