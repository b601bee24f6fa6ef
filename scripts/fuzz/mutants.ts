/**
 * Planted bugs: proof that the fuzz suites catch what they claim to.
 *
 * Copies `contracts/`, `test/fuzz/`, the solc shim and `foundry.toml` to a scratch directory, checks that the
 * unmutated suites pass there, then applies each planted bug below (one textual patch against a contract
 * source) one at a time, runs the default fuzz profile until the first failing invariant, and prints a table:
 * mutant | caught | invariant | calls until caught. Exits non-zero if a mutant survives or if a patch's target
 * text is missing (so a change to the contracts that moves a target is noticed, not silently skipped).
 *
 * Usage: `npm run test:mutants [-- --out test/fuzz/MUTANTS.md] [--only <id>] [--no-baseline]` (`--no-baseline`
 * skips the unmutated run when `npm run test:fuzz` just passed on the same sources).
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

interface Mutant {
  id: string;
  bug: string;
  file: string;
  find: string;
  replace: string;
  /** Why the bug is planted where it is, printed under the table. */
  note?: string;
}

const MUTANTS: Mutant[] = [
  {
    id: "settle-skipped",
    bug: "pending weight folded without settling: it earns the revenue from before it joined",
    file: "RevenueDistributor.sol",
    find: "a.debt = uint192(uint256(a.weight) * acc) - earned;",
    replace: "a.debt = uint192(uint256(a.weight - entry.weight) * acc) - earned;",
  },
  {
    id: "acc-off-by-one",
    bug: "accumulator rounds up by one unit per deposit",
    file: "RevenueDistributor.sol",
    find: "acc = ledger.acc + uint192(increment);",
    replace: "acc = ledger.acc + uint192(increment + 1);",
  },
  {
    id: "carry-dropped",
    bug: "rounding remainder dropped instead of carried",
    file: "RevenueDistributor.sol",
    find: "_carry[purpose] = remainder;",
    replace: "_carry[purpose] = 0;",
  },
  {
    id: "claim-not-settled",
    bug: "claim pays without settling the debt (claim twice)",
    file: "RevenueDistributor.sol",
    find: "a.debt += earnedA;",
    replace: "",
  },
  {
    id: "cancel-any-status",
    bug: "cancel skips its status check (refund after an end)",
    file: "AccessEscrow.sol",
    find: "_requireStatus(requestId, r, Status.Pending);\n        address buyer = r.buyer;",
    replace: "address buyer = r.buyer;",
  },
  {
    id: "cancel-by-anyone",
    bug: "cancel skips its buyer check",
    file: "AccessEscrow.sol",
    find: "if (msg.sender != buyer) revert EscrowNotBuyer(requestId, msg.sender, buyer);",
    replace: "",
  },
  {
    id: "refund-twice",
    bug: "reject refunds an already rejected request again",
    file: "AccessEscrow.sol",
    find: "if (status != Status.Pending && status != Status.Approved) {",
    replace: "if (status != Status.Pending && status != Status.Approved && status != Status.Rejected) {",
  },
  {
    id: "held-not-released",
    bug: "deliver releases the fee but keeps counting it in heldFees",
    file: "AccessEscrow.sol",
    find: "uint256 amount = r.amount;\n        _heldFees -= uint128(amount);",
    replace: "uint256 amount = r.amount;",
  },
  {
    id: "objection-half-threshold",
    bug: "objections reject at half the threshold",
    file: "AccessEscrow.sol",
    find: "if (totalVotes >= _objectionThreshold(timepoint, r.objectionThresholdBps)) {",
    replace: "if (totalVotes * 2 >= _objectionThreshold(timepoint, r.objectionThresholdBps)) {",
  },
  {
    id: "deliver-late",
    bug: "deliver accepted after the delivery deadline",
    file: "AccessEscrow.sol",
    find: "if (now_ > deadline) revert EscrowDeliveryDeadlinePassed(requestId, deadline);",
    replace: "",
  },
  {
    id: "expire-early",
    bug: "expire accepted before the decision deadline",
    file: "AccessEscrow.sol",
    find: "if (Time.timestamp() <= deadline) revert EscrowDecisionDeadlineNotPassed(requestId, deadline);",
    replace: "",
  },
  {
    id: "approve-after-deadline",
    bug: "governance approval ignores the decision deadline",
    file: "AccessEscrow.sol",
    find: "if (status != Status.Pending || now_ > deadline || _distributor.totalWeight(r.purpose) == 0) {",
    replace: "if (status != Status.Pending || _distributor.totalWeight(r.purpose) == 0) {",
  },
  {
    id: "revoke-keeps-weight",
    bug: "consent check removed: a revoked contribution keeps earning",
    file: "ContributionRegistry.sol",
    find: "_distributor.onConsentChange(msg.sender, purposes, _consent[contentHash], packed.weight(), 0, 0);",
    replace: "",
  },
  {
    id: "threshold-not-enforced",
    bug: "attestation threshold k not enforced",
    file: "ContributionRegistry.sol",
    find: "if (signatures.length < threshold) revert RegistryBelowThreshold(signatures.length, threshold);",
    replace: "",
  },
  {
    id: "source-not-bound",
    bug: "a source account is not bound to its first wallet",
    file: "ContributionRegistry.sol",
    find: "if (packed.owner() != msg.sender) revert RegistrySourceBoundToOther(a.sourceHash, packed.owner());",
    replace: "",
  },
  {
    id: "growth-paid-twice",
    bug: "a re-upload is paid for all its units, not only the growth",
    file: "ContributionRegistry.sol",
    find: "uint256 wanted = uint256(a.units - paidBefore);",
    replace: "uint256 wanted = uint256(a.units);",
  },
  {
    id: "budget-not-enforced",
    bug: "mint budget per window not enforced (finding 2)",
    file: "ContributionRegistry.sol",
    find: "uint256 allowed = params.mintBudget > minted ? params.mintBudget - minted : 0;",
    replace: "uint256 allowed = type(uint256).max;",
  },
  {
    id: "pending-counted-at-once",
    bug: "consent given is counted at once by deposits, not from the next epoch (finding 1)",
    file: "RevenueDistributor.sol",
    find: "if (pending.weight == 0 || pending.epoch >= epoch) return;",
    replace: "if (pending.weight == 0) return;",
  },
  {
    id: "stale-manifest-accepted",
    bug: "deliver accepts a manifest built for an earlier epoch (finding 1)",
    file: "AccessEscrow.sol",
    find: "if (epoch != current) revert EscrowStaleEpoch(requestId, epoch, current);",
    replace: "",
  },
  {
    id: "cap-not-enforced",
    bug: "reward not cut to the room under the token cap",
    file: "ContributionRegistry.sol",
    find: "if (capLeft < allowed) allowed = capLeft;",
    replace: "",
    note:
      "The cap is enforced where the reward is computed: the registry cuts each reward to the room under the cap, in " +
      "whole units, and records only those units as paid (finding 7). `CoopToken.mint`'s own clamp is a second line " +
      "the registry never reaches, so a bug planted there is an equivalent mutant; this one removes the registry's cut.",
  },
];

interface Outcome {
  caught: boolean;
  invariant: string;
  calls: string;
  seconds: number;
}

const root = path.resolve(__dirname, "..", "..");
/** Our wrapper, which (unlike the npm one) exits with forge's status. */
const forge = path.join(root, "scripts", "fuzz", "forge.js");

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

/** Fails before any run if a patch target is missing or ambiguous. */
function checkTargets(mutants: Mutant[]): void {
  const problems: string[] = [];
  for (const m of mutants) {
    const source = fs.readFileSync(path.join(root, "contracts", m.file), "utf8");
    const count = source.split(m.find).length - 1;
    if (count !== 1) problems.push(`${m.id}: target text found ${count} times in contracts/${m.file}: ${m.find}`);
  }
  if (problems.length !== 0) {
    throw new Error(
      `planted-bug patches no longer match the contracts; update scripts/fuzz/mutants.ts:\n${problems.join("\n")}`,
    );
  }
}

function copyScratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "datacoop-mutants-"));
  for (const entry of ["contracts", "test/fuzz", "scripts/fuzz/solc.js", "scripts/fuzz/forge.js", "foundry.toml"]) {
    fs.cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/** Runs the default profile in `dir`, stopping at the first failing invariant. */
function runFuzz(dir: string): Outcome {
  // A failure persisted by the previous mutant would be replayed first: start each run clean.
  fs.rmSync(path.join(dir, "cache_forge", "invariant"), { recursive: true, force: true });
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [path.join(dir, "scripts", "fuzz", "forge.js"), "test", "--fail-fast", "-j", "1"],
    {
      cwd: dir,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      // Shrinking only shortens the printed sequence; the table needs the first failure, fast.
      // The optimizer is off in the scratch copy: each mutant recompiles most sources, and a planted bug does not
      // depend on optimization (the baseline run checks the unmutated sources pass with the same settings).
      env: {
        ...process.env,
        FOUNDRY_PROFILE: "default",
        FOUNDRY_INVARIANT_SHRINK_RUN_LIMIT: "0",
        FOUNDRY_OPTIMIZER: "false",
      },
    },
  );
  const seconds = Math.round((Date.now() - started) / 1000);
  const output = `${result.stdout}\n${result.stderr}`;
  if (/Compiler run failed|Error: Compil/.test(output))
    throw new Error(`compilation failed in ${dir}:\n${output.slice(-3000)}`);
  const failure =
    /\[FAIL: ([^\]]*)\][\s\S]*?\[Sequence\] \(original: (\d+)[\s\S]*?\n\s*(invariant_\w+)\(\) \(runs: (\d+), calls: (\d+)/.exec(
      output,
    );
  if (result.status === 0) return { caught: false, invariant: "-", calls: "-", seconds };
  if (!failure) throw new Error(`forge failed without an invariant failure:\n${output.slice(-3000)}`);
  const [, reason, sequence, invariant, runs] = failure;
  const depth = Number(/^depth = (\d+)/m.exec(fs.readFileSync(path.join(dir, "foundry.toml"), "utf8"))?.[1] ?? "0");
  // Calls before the failing run (runs completed × depth) plus the failing sequence itself.
  const calls = Number(runs) * depth + Number(sequence);
  return {
    caught: true,
    invariant: `${invariant} (${reason.replace(/\|/g, "/").slice(0, 90)})`,
    calls: String(calls),
    seconds,
  };
}

function main(): void {
  const only = argument("--only");
  const out = argument("--out");
  const mutants = only ? MUTANTS.filter((m) => m.id === only) : MUTANTS;
  if (mutants.length === 0) throw new Error(`no mutant named ${only}`);
  checkTargets(mutants);

  const dir = copyScratch();
  console.log(`scratch copy: ${dir}`);
  if (!process.argv.includes("--no-baseline")) {
    const baseline = runFuzz(dir);
    if (baseline.caught) throw new Error(`the unmutated suites fail in the scratch copy: ${baseline.invariant}`);
    console.log(`baseline passes (${baseline.seconds} s)`);
  }

  const rows: string[] = [];
  let survivors = 0;
  for (const m of mutants) {
    const file = path.join(dir, "contracts", m.file);
    const original = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, original.replace(m.find, m.replace));
    try {
      const o = runFuzz(dir);
      if (!o.caught) ++survivors;
      const row = `| ${m.id} | ${m.bug} | ${o.caught ? "yes" : "**NO**"} | ${o.calls} | ${o.invariant} |`;
      rows.push(row);
      console.log(`${row} ${o.seconds} s`);
    } finally {
      fs.writeFileSync(file, original);
    }
  }

  const forgeVersion = execFileSync(process.execPath, [forge, "--version"], { encoding: "utf8" }).split("\n")[0];
  const table = [
    `Planted bugs, each applied alone to a scratch copy and fuzzed with the default profile (${forgeVersion}).`,
    "",
    "| mutant | planted bug | caught | calls until caught | first invariant broken |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    `${mutants.length - survivors} of ${mutants.length} caught.`,
    ...mutants.filter((m) => m.note).map((m) => `\n\`${m.id}\`: ${m.note}`),
  ].join("\n");
  console.log(`\n${table}`);
  if (out) fs.writeFileSync(path.resolve(out), `# Planted bugs (\`npm run test:mutants\`)\n\n${table}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  if (survivors !== 0) process.exitCode = 1;
}

main();
