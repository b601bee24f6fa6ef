/**
 * Refinement benchmark: refines the large synthetic export (and a copy with personal data and secrets
 * planted in one conversation in ten), prints a table and writes `bench/refine.json`, committed so a
 * change in speed or in what the rules catch shows up in review.
 *
 *   npm run bench:refine            (BENCH_REFINE_CONVERSATIONS=20000 by default)
 *
 * Speed is the median of three passes after a warm-up, in conversations per second of CPU time of this
 * (single-threaded) process, so a busy machine does not halve the figure; wall-clock figures are printed
 * too. "refinement" times refining parsed conversations into lines, fed in batches as a streaming reader
 * would (what runs right after the reader; reading has its own target in `bench:export`); "+ gzip" adds
 * the deterministic compression of the payload; "end to end" is `sealedPayloadOf` on the zip (unzip,
 * JSON parsing of whole files, refinement, gzip). Target (issue #17): at least 10,000 conversations per
 * second on one core for the refinement.
 *
 * Garbage is attributed to the phase that made it: the heap is collected (untimed) after each batch is
 * parsed, so the collections the timed refinement pays for are of its own garbage, not of the parser's
 * (refining parsed conversations alone measured 11-13k/s where the interleaved bench showed 9.4k).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

import { isObject, own, type JsonValue } from "../../src/export/json";
import { PayloadWriter, readExportSource, sealedPayloadOf, Refiner, type RefinementReport } from "../../src/refine";
import { generateSyntheticExport } from "../../test/support/export";

const CONVERSATIONS = Number(process.env.BENCH_REFINE_CONVERSATIONS ?? 20_000);
const RUNS = 3;
const BATCH = 500;
const SALT = `0x${"be".repeat(32)}`;
const TARGET = 10_000;

// `gc()` without a command-line flag, so `npm run bench:refine` needs no node options.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** One planted sentence per class, appended to the first user prompt of every tenth conversation. */
const PLANTED =
  " Mail jane.roe@example.com or call +1 (415) 555-2671; card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00," +
  " server 203.0.113.9, key AKIA" +
  "IOSFODNN7EXAMPLE, token ghp_" +
  "B3nchB3nch".repeat(4) +
  ", db postgres://app:Pa55word@db.example.com/app.";

function plant(conversations: JsonValue[], offset: number): void {
  conversations.forEach((conversation, i) => {
    if ((offset + i) % 10 !== 0 || !isObject(conversation)) return;
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

/**
 * One pass over the export as a streaming reader would feed it: conversations are parsed in batches
 * (untimed), the parser's garbage is collected (untimed), and only the refinement (and, with
 * `compress`, the gzip payload) is timed, so the live heap stays one batch and the figure is the
 * refinement's own, its own collections included.
 */
function pass(
  zip: Uint8Array,
  planted: boolean,
  compress: boolean,
): { cpu: number; wall: number; report: RefinementReport } {
  const source = readExportSource(zip);
  const refiner = new Refiner(source, { salt: SALT });
  const writer = new PayloadWriter(() => undefined);
  let cpu = 0;
  let wall = 0;
  let index = 0;
  let batch: JsonValue[] = [];
  const timed = (work: () => void): void => {
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    work();
    const used = process.cpuUsage(cpu0);
    cpu += (used.user + used.system) / 1e6;
    wall += (performance.now() - wall0) / 1e3;
  };
  const flush = (): void => {
    if (planted) plant(batch, index);
    collectGarbage();
    timed(() => {
      for (const conversation of batch) {
        const line = refiner.refine(conversation, index++);
        if (line !== undefined && compress) writer.writeLine(line);
      }
    });
    batch = [];
  };
  for (const conversation of source.conversations) {
    batch.push(conversation);
    if (batch.length === BATCH) flush();
  }
  flush();
  collectGarbage();
  timed(() => writer.finish());
  return { cpu, wall, report: refiner.report(writer) };
}

/** The median of `RUNS` passes by CPU time. */
function measure(zip: Uint8Array, planted: boolean, compress: boolean): Timing {
  const runs = Array.from({ length: RUNS }, () => pass(zip, planted, compress)).sort((a, b) => a.cpu - b.cpu);
  const median = runs[Math.floor(RUNS / 2)];
  return {
    cpuPerSecond: Math.round(median.report.conversations / median.cpu),
    wallPerSecond: Math.round(median.report.conversations / median.wall),
    report: median.report,
  };
}

function main(): void {
  console.log(`Generating the large synthetic export (${CONVERSATIONS} conversations, split layout)...`);
  const { zip } = generateSyntheticExport({ seed: 1, conversations: CONVERSATIONS, layout: "split" });

  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const whole = sealedPayloadOf(zip, { salt: SALT });
  const cpu = process.cpuUsage(cpu0);
  const endToEnd = {
    cpuPerSecond: Math.round(CONVERSATIONS / ((cpu.user + cpu.system) / 1e6)),
    wallPerSecond: Math.round(CONVERSATIONS / ((performance.now() - wall0) / 1e3)),
  };
  pass(zip, false, true); // warms the JIT up: a first pass runs at a third of the speed

  const refinement = measure(zip, false, false);
  const payload = measure(zip, false, true);
  const planted = measure(zip, true, false);

  const result = {
    fixture: {
      generator: "test/support/export/generator.ts",
      seed: 1,
      conversations: CONVERSATIONS,
      layout: "split",
      zipBytes: zip.length,
    },
    target: TARGET,
    conversationsPerSecond: refinement.cpuPerSecond,
    refinement: { cpuPerSecond: refinement.cpuPerSecond, wallPerSecond: refinement.wallPerSecond },
    payload: { cpuPerSecond: payload.cpuPerSecond, wallPerSecond: payload.wallPerSecond },
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
    [
      "refinement conversations/s (CPU / wall)",
      `${refinement.cpuPerSecond} / ${refinement.wallPerSecond} (target ≥ ${TARGET})`,
    ],
    ["+ gzip payload conversations/s (CPU / wall)", `${payload.cpuPerSecond} / ${payload.wallPerSecond}`],
    ["end to end, unzip and parse too (CPU / wall)", `${endToEnd.cpuPerSecond} / ${endToEnd.wallPerSecond}`],
    ["planted 1 in 10, refinement (CPU / wall)", `${planted.cpuPerSecond} / ${planted.wallPerSecond}`],
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
  if (refinement.cpuPerSecond < TARGET) {
    console.error(`Below target: ${refinement.cpuPerSecond} < ${TARGET} conversations/s.`);
    process.exitCode = 1;
  }
}

main();
