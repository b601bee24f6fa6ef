/**
 * Refinement benchmark: refines the large synthetic export (and a copy with personal data and secrets
 * planted in one conversation in ten), prints a table and writes `bench/refine.json`, committed so a
 * change in speed or in what the rules catch shows up in review.
 *
 *   npm run bench:refine            (BENCH_REFINE_CONVERSATIONS=20000 by default)
 *
 * Speed is the median of five runs after a warm-up, in conversations per second of CPU time of this (single-threaded) process, so a busy machine
 * does not halve the figure; wall-clock figures are printed too. "core" is the refinement of parsed
 * conversations (what runs right after the reader); "end to end" adds unzip, JSON parsing and gzip.
 * Target: at least 10,000 conversations per second on one core (core).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { isObject, own, type JsonValue } from "../../src/export/json";
import { PayloadWriter, readExportSource, refineExport, Refiner, type RefinementReport } from "../../src/refine";
import { generateSyntheticExport } from "../lib/synthetic-export";

const CONVERSATIONS = Number(process.env.BENCH_REFINE_CONVERSATIONS ?? 20_000);
const RUNS = 5;
const SALT = `0x${"be".repeat(32)}`;
const TARGET = 10_000;

/** One planted sentence per class, appended to the first user prompt of every tenth conversation. */
const PLANTED =
  " Mail jane.roe@example.com or call +1 (415) 555-2671; card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00," +
  " server 203.0.113.9, key AKIA" +
  "IOSFODNN7EXAMPLE, token ghp_" +
  "B3nchB3nch".repeat(4) +
  ", db postgres://app:Pa55word@db.example.com/app.";

function plant(conversations: JsonValue[]): void {
  conversations.forEach((conversation, i) => {
    if (i % 10 !== 0 || !isObject(conversation)) return;
    const mapping = own(conversation, "mapping");
    if (!isObject(mapping)) return;
    for (const node of Object.values(mapping)) {
      const message = isObject(node) ? own(node, "message") : undefined;
      const author = isObject(message) ? own(message, "author") : undefined;
      const content = isObject(message) ? own(message, "content") : undefined;
      const parts = isObject(content) ? own(content, "parts") : undefined;
      if (isObject(author) && own(author, "role") === "user" && Array.isArray(parts) && typeof parts[0] === "string") {
        parts[0] = `${parts[0]}${PLANTED}`;
        return;
      }
    }
  });
}

interface Timing {
  readonly cpuPerSecond: number;
  readonly wallPerSecond: number;
  readonly report: RefinementReport;
}

/** Refines parsed conversations `RUNS` times after a warm-up; the median run by CPU time. */
function core(source: ReturnType<typeof readExportSource>, conversations: readonly JsonValue[]): Timing {
  const runs: { cpu: number; wall: number; report: RefinementReport }[] = [];
  // Run 0 warms the JIT up: the first pass over a few thousand conversations runs at a third of the speed.
  for (let run = 0; run <= RUNS; run++) {
    const refiner = new Refiner(source, { salt: SALT });
    const writer = new PayloadWriter(() => undefined);
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    conversations.forEach((conversation, i) => {
      const line = refiner.refine(conversation, i);
      if (line !== undefined) writer.writeLine(line);
    });
    writer.finish();
    const cpu = process.cpuUsage(cpu0);
    const wall = (performance.now() - wall0) / 1e3;
    if (run > 0) runs.push({ cpu: (cpu.user + cpu.system) / 1e6, wall, report: refiner.report(writer) });
  }
  runs.sort((a, b) => a.cpu - b.cpu);
  const median = runs[Math.floor(RUNS / 2)];
  return {
    cpuPerSecond: Math.round(conversations.length / median.cpu),
    wallPerSecond: Math.round(conversations.length / median.wall),
    report: median.report,
  };
}

function main(): void {
  console.log(`Generating the large synthetic export (${CONVERSATIONS} conversations, split layout)...`);
  const { zip } = generateSyntheticExport({ seed: 1, conversations: CONVERSATIONS, layout: "split" });
  const source = readExportSource(zip);
  const conversations = [...source.conversations];

  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const whole = refineExport(zip, { salt: SALT });
  const cpu = process.cpuUsage(cpu0);
  const endToEnd = {
    cpuPerSecond: Math.round(CONVERSATIONS / ((cpu.user + cpu.system) / 1e6)),
    wallPerSecond: Math.round(CONVERSATIONS / ((performance.now() - wall0) / 1e3)),
  };

  const clean = core(source, conversations);
  plant(conversations);
  const planted = core(source, conversations);

  const result = {
    fixture: {
      generator: "scripts/lib/synthetic-export.ts",
      seed: 1,
      conversations: CONVERSATIONS,
      layout: "split",
      zipBytes: zip.length,
    },
    target: TARGET,
    conversationsPerSecond: clean.cpuPerSecond,
    core: { cpuPerSecond: clean.cpuPerSecond, wallPerSecond: clean.wallPerSecond },
    endToEnd,
    planted: {
      cpuPerSecond: planted.cpuPerSecond,
      wallPerSecond: planted.wallPerSecond,
      redactions: planted.report.redactions,
    },
    redactions: whole.report.redactions,
    units: whole.report.units,
    refinedConversations: whole.report.refinedConversations,
    plaintextBytes: whole.report.plaintextBytes,
    payloadBytes: whole.report.payloadBytes,
  };

  const rows: [string, string][] = [
    ["fixture", `${CONVERSATIONS} conversations, ${(zip.length / 2 ** 20).toFixed(1)} MiB zip`],
    ["core conversations/s (CPU)", `${clean.cpuPerSecond} (target ≥ ${TARGET})`],
    ["core conversations/s (wall)", String(clean.wallPerSecond)],
    ["end to end conversations/s (CPU / wall)", `${endToEnd.cpuPerSecond} / ${endToEnd.wallPerSecond}`],
    ["planted 1 in 10: conversations/s (CPU)", String(planted.cpuPerSecond)],
    ["units (refined messages)", String(whole.report.units)],
    ["payload", `${whole.report.payloadBytes} bytes gzip of ${whole.report.plaintextBytes}`],
    ["redactions, fixture as generated", JSON.stringify(whole.report.redactions)],
    ["redactions, planted copy", JSON.stringify(planted.report.redactions)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);

  const out = path.join(__dirname, "..", "..", "bench", "refine.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`Wrote ${path.relative(process.cwd(), out)}`);
  if (clean.cpuPerSecond < TARGET) {
    console.error(`Below target: ${clean.cpuPerSecond} < ${TARGET} conversations/s.`);
    process.exitCode = 1;
  }
}

main();
