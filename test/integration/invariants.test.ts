import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { stepArbitrary } from "./model/commands";
import { checkInvariants } from "./model/invariants";
import { Model, World, invariantFixture } from "./model/world";

/**
 * Seeded, replayable stateful property test of the whole protocol. The Foundry suites (`test/fuzz/`, `npm run
 * test:fuzz`) run the same rules at scale (100,000+ calls per run), but they approve and reject through a
 * timelock prank; this test stays for what they cannot check: decisions through the real Governor (propose,
 * vote with delegated past votes, queue, execute) and the TypeScript model the off-chain code shares. So its
 * default is one short session. Each run starts from the deployed system
 * (`loadFixture`) and drives random sequences of every public action by six contributors, three buyers, an
 * outsider and the deployer through the registry, distributor, escrow, token and governance, comparing the
 * chain with a TypeScript model (`./model`) after every step.
 *
 * Environment:
 * - `INVARIANT_SEED`  seed (default below); `INVARIANT_PATH` replays one failing run (printed on failure);
 * - `INVARIANT_RUNS`, `INVARIANT_STEPS`  sequences and steps per sequence (default 1 × 150; 1 × 50 under
 *   `hardhat coverage`, whose traced EVM is about eight times slower and which the unit specs already saturate);
 * - `INVARIANT_SHRINK=1`  shrink a failing sequence (slow: every attempt replays it on-chain).
 */
const DEFAULT_SEED = 3;
const underCoverage = "__SOLIDITY_COVERAGE_RUNNING" in hre;
const seed = Number(process.env.INVARIANT_SEED ?? DEFAULT_SEED);
const runs = Number(process.env.INVARIANT_RUNS ?? 1);
const steps = Number(process.env.INVARIANT_STEPS ?? (underCoverage ? 50 : 150));
const defaults =
  process.env.INVARIANT_SEED === undefined &&
  process.env.INVARIANT_RUNS === undefined &&
  process.env.INVARIANT_STEPS === undefined &&
  process.env.INVARIANT_PATH === undefined &&
  !underCoverage;
const path = process.env.INVARIANT_PATH;
const shrink = process.env.INVARIANT_SHRINK === "1";

/**
 * Transitions a default session must have gone through successfully (not only as refused steps): those on the
 * way to and from a real proposal and the votes behind it. Every other transition is exercised at scale, with
 * its refusals, by the Foundry suites (`test/fuzz/`).
 */
const REQUIRED = [
  "contribute",
  "delegate",
  "transfer",
  "request (proposal)",
  "object",
  "rejected by objections",
  "deliver",
  "claim",
];

describe("Invariants: the protocol under random sessions (stateful, model-based)", function () {
  it(`keeps the model and every conservation law after each step (seed ${seed}, ${runs} × ${steps} steps)`, async function () {
    this.timeout(Math.max(120_000, runs * steps * 2_000));
    let executed = 0;
    const successes = new Map<string, number>();
    const refusals = new Map<string, number>();

    const property = fc.asyncProperty(
      fc.array(stepArbitrary, { minLength: steps, maxLength: steps }),
      async (sequence) => {
        const deployment = await loadFixture(invariantFixture);
        const world = new World(deployment);
        const model = new Model(world, BigInt(await time.latest()));
        try {
          await checkInvariants(model, world, true);
          await fc.asyncModelRun(() => ({ model, real: world }), sequence);
          await checkInvariants(model, world, true);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          const recent = world.trace.slice(-15).map((s, i) => `    ${world.trace.length - 15 + i + 1}. ${s}`);
          throw new Error(
            `after step ${world.trace.length} (${world.trace.at(-1) ?? "setup"}): ${message}\n  last steps:\n${recent.join("\n")}`,
          );
        } finally {
          executed += world.trace.length;
          for (const [kind, n] of model.successes) successes.set(kind, (successes.get(kind) ?? 0) + n);
          for (const [error, n] of world.refusals) refusals.set(error, (refusals.get(error) ?? 0) + n);
        }
      },
    );
    // A replay (`INVARIANT_PATH`) runs the one sequence the path names.
    const details = await fc.check(property, {
      seed,
      numRuns: path === undefined ? runs : 1,
      endOnFailure: !shrink,
      path,
    });
    if (details.failed) {
      const cause =
        details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(
        `${cause}\n\nReplay this run alone with:\n  INVARIANT_SEED=${details.seed} INVARIANT_PATH=${details.counterexamplePath} ` +
          `INVARIANT_RUNS=${runs} INVARIANT_STEPS=${steps} npx hardhat test test/integration/invariants.test.ts\n\n` +
          fc.defaultReportMessage(details),
      );
    }

    const table = (counts: Map<string, number>) =>
      [...counts.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, n]) => `${k} ${n}`)
        .join(", ");
    console.log(`      invariants: ${executed} steps in ${details.numRuns} runs, seed ${seed}`);
    console.log(`      successful transitions: ${table(successes)}`);
    console.log(`      refused as predicted: ${table(refusals)}`);
    expect(executed).to.equal(details.numRuns * steps);
    if (defaults) {
      for (const kind of REQUIRED) expect(successes.get(kind) ?? 0, `successful ${kind} steps`).to.be.greaterThan(0);
      expect(
        (successes.get("proposal (approve)") ?? 0) + (successes.get("proposal (reject)") ?? 0),
        "decisions executed through a real proposal",
      ).to.be.greaterThan(0);
    }
  });
});
