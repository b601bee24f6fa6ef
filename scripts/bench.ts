/**
 * Gas benchmark: deploys the system on the in-process network, measures each operation at 10 and at
 * 10,000 existing contributors, prints a table and writes `bench/gas.json`
 * (`{ "<operation>": { "<contributors>": gasUsed } }`), which is committed so cost changes show in review.
 *
 *   npm run bench
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ethers } from "hardhat";
import type { Signer } from "ethers";
import { deploySystem, timelockSigner, type System } from "../test/support/system";
import { attest } from "../test/support/contribute";
import { freshAccount, gasOf, populate, type Recorder } from "./bench/setup";
import { benchEscrow, benchFirstRelease } from "./bench/escrow";
import { nextEpoch } from "../test/support/epoch";

const SIZES = (process.env.BENCH_SIZES ?? "10,10000").split(",").map(Number);
/**
 * Which parts to measure (`BENCH_PARTS=escrow` for the escrow rows only; the state is built in full either way):
 * `first` (the first contribution ever), `core` (contribute, deposit, claim), `escrow` (requests and delivery).
 * Rows of parts not measured are kept from the committed `bench/gas.json`.
 */
const PARTS = new Set((process.env.BENCH_PARTS ?? "first,core,escrow").split(","));
const TWO_PURPOSES = 0b101; // RESEARCH + AI_TRAINING
/** Operations the design requires to cost the same at every number of contributors. */
const MUST_BE_FLAT = new Set([
  "contribute",
  "deposit",
  "claim",
  "deliver",
  "deliverFirstInEpoch",
  "requestAccess+finalize",
]);
const TARGETS: Record<string, number> = {
  contribute: 340_000,
  deposit: 120_000,
  claim: 90_000,
  "requestAccess+finalize": 300_000,
  deliver: 160_000,
  deliverFirstInEpoch: 160_000,
};

type Table = Record<string, Record<string, number>>;

async function benchCore(system: System, depositor: Signer, record: Recorder, n: number) {
  // The consent of the contributors just populated is pending: the first deposit of each purpose in the next
  // epoch makes it effective (the once-per-epoch roll), recorded apart from the steady `deposit`.
  // The first deposit the distributor ever receives also creates its settlement balance and the purpose's
  // carry slot (a one-off); it is recorded apart.
  await nextEpoch(system);
  const firstDeposit = gasOf(system.distributor.connect(depositor).deposit(2, 1_000n * 10n ** 6n + 1n));
  if (n === SIZES[0]) record("firstDepositEver", n, await firstDeposit);
  else await firstDeposit;
  await system.distributor.connect(depositor).deposit(0, 1_000n * 10n ** 6n);

  // contribute: a new account, one attestation, two purposes, reward minted.
  const alice = await freshAccount();
  const one = await attest(system, alice);
  record(
    "contribute",
    n,
    await gasOf(
      system.registry.connect(alice).contribute(one.attestation, one.signatures, TWO_PURPOSES, "bench://blob"),
    ),
  );

  // contribute2of3: three validators, threshold two.
  const timelock = await timelockSigner(system);
  await system.registry.connect(timelock).setAttestationThreshold(2);
  const bob = await freshAccount();
  const two = await attest(system, bob, { signers: system.validators.slice(0, 2) });
  record(
    "contribute2of3",
    n,
    await gasOf(system.registry.connect(bob).contribute(two.attestation, two.signatures, TWO_PURPOSES, "bench://blob")),
  );
  await system.registry.connect(timelock).setAttestationThreshold(1);

  // deposit: one fee released to every contributor consenting to a purpose, O(1). Alice's and bob's consent
  // becomes effective in the next epoch; its first deposit rolls it in, the next one is the steady state.
  await nextEpoch(system);
  record("depositFirstInEpoch", n, await gasOf(system.distributor.connect(depositor).deposit(2, 1_000n * 10n ** 6n)));
  await system.distributor.connect(depositor).deposit(0, 1_000n * 10n ** 6n);
  record("deposit", n, await gasOf(system.distributor.connect(depositor).deposit(2, 1_000n * 10n ** 6n)));

  // claim: two purposes, first claim (the recipient's settlement balance goes from zero).
  record("claim", n, await gasOf(system.distributor.connect(alice).claim(TWO_PURPOSES)));
}

/**
 * One-offs on a fresh deployment, so they measure the same whatever else runs: the first contribution (every
 * slot it writes is new: the purpose buckets, the mint window, the token's total-supply checkpoints), then,
 * once the first column's number of contributors is registered, the first release (see `benchFirstRelease`).
 */
async function benchFirstEver(record: Recorder) {
  // Recorded in the first column: the deployment has no contributor at all.
  const system = await deploySystem();
  const first = await freshAccount();
  const { attestation, signatures } = await attest(system, first);
  record(
    "contributeFirstEver",
    SIZES[0],
    await gasOf(system.registry.connect(first).contribute(attestation, signatures, TWO_PURPOSES, "bench://blob")),
  );
  await populate(system, SIZES[0] - 1, TWO_PURPOSES, () => undefined);
  record("deliverFirstEver", SIZES[0], await benchFirstRelease(system));
}

async function main() {
  const started = Date.now();
  const log = (m: string) => console.log(m);
  const table: Table = {};
  const record: Recorder = (operation, contributors, gas) => {
    (table[operation] ??= {})[String(contributors)] = Number(gas);
  };

  if (PARTS.has("first")) await benchFirstEver(record);
  const system = await deploySystem();
  const depositor = await freshAccount();
  await system.distributor
    .connect(await timelockSigner(system))
    .grantRole(await system.distributor.DEPOSITOR_ROLE(), depositor);
  await system.usdc.mint(depositor, 10n ** 15n);
  await system.usdc.connect(depositor).approve(system.distributor, ethers.MaxUint256);

  let contributors = 0;
  for (const size of SIZES) {
    log(`Building state: ${size} contributors`);
    await populate(system, size - contributors, TWO_PURPOSES, log);
    contributors = size;
    if (PARTS.has("core")) await benchCore(system, depositor, record, size);
    if (PARTS.has("escrow")) await benchEscrow(record, system, size);
    // The operations above added contributors of their own; they are few and count toward the next size.
  }

  // Derived row: the optimistic path in all.
  for (const size of SIZES) {
    const request = table.requestAccess?.[String(size)];
    const finalize = table.finalize?.[String(size)];
    if (request !== undefined && finalize !== undefined)
      record("requestAccess+finalize", size, BigInt(request + finalize));
  }

  const out = path.join(__dirname, "..", "bench", "gas.json");
  if (PARTS.size < 3 && existsSync(out)) {
    const kept = JSON.parse(readFileSync(out, "utf8")) as Table;
    for (const [operation, bySize] of Object.entries(kept)) table[operation] ??= bySize;
  }
  printTable(table);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(table, null, 2) + "\n");
  log(`\nWrote ${path.relative(process.cwd(), out)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function printTable(table: Table) {
  const header = [
    "operation",
    ...SIZES.map((s) => `${s.toLocaleString("en-US")} contributors`),
    "target",
    "flat (±5%)",
    "ok",
  ];
  const rows = Object.entries(table).map(([op, bySize]) => {
    const values = SIZES.map((s) => bySize[String(s)]).filter((v): v is number => v !== undefined);
    const target = TARGETS[op];
    const min = Math.min(...values);
    const max = Math.max(...values);
    const flat = (max - min) / min <= 0.05;
    const ok = (target === undefined || max <= target) && (flat || !MUST_BE_FLAT.has(op));
    return [
      op,
      ...SIZES.map((s) => bySize[String(s)]?.toLocaleString("en-US") ?? "—"),
      target ? `≤ ${target.toLocaleString("en-US")}` : "",
      MUST_BE_FLAT.has(op) ? (flat ? "yes" : "NO") : flat ? "(yes)" : "(no: O(log n))",
      ok ? "✔" : "✘",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  console.log("\n" + line(header));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of rows) console.log(line(r));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
