import { expect } from "chai";
import { takeSnapshot, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";

import { runDemo } from "../../scripts/demo";

describe("integration: npm run demo", function () {
  let snapshot: SnapshotRestorer;

  // The demo deploys and moves the clock: leave the chain as other suites found it.
  before(async function () {
    snapshot = await takeSnapshot();
  });

  after(async function () {
    await snapshot.restore();
  });

  it("plays the whole lifecycle and every number it prints matches the chain", async function () {
    const lines: string[] = [];
    const result = await runDemo({ out: (line) => lines.push(line) });

    // runDemo throws DemoCheckError on any mismatch; these assert the story's key facts on top.
    expect(result.checks.length).to.be.greaterThan(30);
    const [alice, bob, carol, dave] = result.rows;
    expect(bob.consents).not.to.contain("AI_TRAINING");
    expect(dave.active).to.equal(false);
    expect(dave.usdc).to.equal(0n);
    for (const row of [alice, bob, carol]) expect(row.usdc > 0n, `${row.name} earned USDC`).to.equal(true);
    const [training, commercial] = [...result.manifests.values()];
    expect(training).to.have.length(2);
    expect(commercial).to.have.length(3);
    expect(lines.join("\n")).to.contain("checks against the chain passed");
  });
});
