import { deflateRawSync } from "node:zlib";

import { expect } from "chai";

import { buildBrokenExport, type BrokenKind } from "../support/export";
import { HOSTILE, rawZip } from "../support/export/hostile";
import { Prng } from "../support/export/random";
import { SafeZip, type ZipEntry } from "../../src/export/archive";
import { crc32, Crc32 } from "../../src/export/crc32";
import { ExportError } from "../../src/export/errors";
import { resolveLimits, type ExportLimits } from "../../src/export/limits";
import { acquireNativeInflater, NativeInflater, releaseNativeInflater } from "../../src/export/native-inflate";

/** Above the portable reader's 16 MiB one-shot size, so both of its ways are compared too. */
const BIG_BYTES = 17 * 1024 * 1024;

let big: Uint8Array | undefined;
/** 17 MiB of words (compresses about 4:1, within the ratio rule), built once. */
function bigText(): Uint8Array {
  if (big === undefined) {
    const words = ["the ", "plant ", "needs ", "water ", "light ", "and ", "soil ", "roots ", "grow ", "slowly. "];
    const prng = new Prng(14);
    const text = Buffer.alloc(BIG_BYTES);
    let at = 0;
    while (at < BIG_BYTES) at += text.write(words[prng.u32() % words.length], at, "latin1");
    big = text;
  }
  return big;
}

interface Raw {
  readonly name: string;
  readonly data: Uint8Array;
  readonly method: 0 | 8;
  readonly crc: number;
  readonly size: number;
}

function deflated(name: string, content: Uint8Array, edit: Partial<Raw> = {}): Raw {
  return {
    name,
    data: deflateRawSync(content, { level: 1 }),
    method: 8,
    crc: crc32(content),
    size: content.length,
    ...edit,
  };
}

/** Archives whose entries end in every way a deflate stream can, large and small. */
function edgeArchives(): Record<string, Uint8Array> {
  const text = bigText();
  // Several output chunks natively, one call for the portable reader (below 16 MiB).
  const medium = text.subarray(0, 600 * 1024);
  const small = Buffer.from("a small attachment");
  const good = deflated("big.txt", text);
  const goodMedium = deflated("medium.txt", medium);
  const goodSmall = deflated("small.txt", small);
  const empty = deflated("empty.txt", new Uint8Array(0));
  const trail = (raw: Raw): Raw => ({ ...raw, data: Buffer.concat([raw.data, Buffer.from("HIDDEN")]) });
  const cut = (raw: Raw): Raw => ({ ...raw, data: raw.data.subarray(0, raw.data.length - 100) });
  return {
    valid: rawZip([good, goodMedium, goodSmall, empty]),
    "trailing after a large stream": rawZip([trail(good), goodSmall]),
    "large stream cut short": rawZip([cut(good), goodSmall]),
    "trailing after a medium stream": rawZip([trail(goodMedium), trail(goodSmall), goodMedium]),
    "medium stream cut short": rawZip([cut(goodMedium), { ...goodSmall, data: goodSmall.data.subarray(0, 3) }]),
    "no deflate data at all": rawZip([{ ...empty, data: new Uint8Array(0) }, goodSmall]),
    "declares less than it holds": rawZip([{ ...goodMedium, size: medium.length - 1 }, goodSmall]),
    "declares more than it holds": rawZip([{ ...goodMedium, size: medium.length + 1 }, goodSmall]),
    "wrong checksum": rawZip([{ ...goodMedium, crc: (goodMedium.crc ^ 1) >>> 0 }, goodSmall]),
    "not deflate at all": rawZip([{ ...goodSmall, data: Uint8Array.of(0xff, 0xff, 0xff, 0xff) }, goodMedium]),
  };
}

/** The portable reader is synchronous underneath either way: one run of it is enough. */
type Engine = "native sync" | "native async" | "portable";
const ENGINES: readonly Engine[] = ["native sync", "native async", "portable"];

/** Per entry: the error code, or the CRC and length of what the sink received. */
async function outcome(bytes: Uint8Array, limits: ExportLimits, engine: Engine): Promise<string[]> {
  let zip: SafeZip;
  try {
    zip = SafeZip.open(bytes, limits, { portable: engine === "portable" });
  } catch (error) {
    return [`open: ${(error as ExportError).code}`];
  }
  const results: string[] = [];
  for (const entry of zip.entries) {
    const crc = new Crc32();
    let length = 0;
    const sink = (chunk: Uint8Array): void => {
      crc.update(chunk);
      length += chunk.length;
    };
    try {
      if (engine === "native async") await zip.inflateAsync(entry, sink);
      else zip.inflateSync(entry, sink);
      results.push(`${entry.name}: ${length} bytes, crc ${crc.digest()}`);
    } catch (error) {
      if (!(error instanceof ExportError)) throw error;
      results.push(`${entry.name}: ${error.code}`);
    }
  }
  return results;
}

type Fixture = [string, Uint8Array, Partial<ExportLimits> | undefined];
/** The shared fixtures whose rule is checked while inflating. */
const INFLATION_KINDS: readonly BrokenKind[] = [
  "oversize-inflated",
  "lying-ratio-bomb",
  "size-mismatch",
  "crc-mismatch",
  "lying-attachment-bomb",
  "attachment-crc-mismatch",
  "encrypted",
];
const INFLATION_HOSTILE: readonly string[] = ["small-entries-bomb", "trailing-bytes-after-deflate"];

function bigEntry(zip: SafeZip, name = "big.txt"): ZipEntry {
  return zip.get(name) as ZipEntry;
}

describe("export archive: native and portable inflation", () => {
  it("inflates natively on this Node (a Node that changes zlib's handle fails here, not just slows down)", () => {
    expect(NativeInflater.selfTest()).to.equal(true);
    const inflater = acquireNativeInflater();
    expect(inflater).to.be.instanceOf(NativeInflater);
    releaseNativeInflater(inflater as NativeInflater);
  });

  it("accepts and rejects every entry the same way, whichever inflater, synchronously or not", async function () {
    this.timeout(60_000);
    const fixtures: Fixture[] = [
      ...Object.entries(edgeArchives()).map(([name, bytes]) => [name, bytes, undefined] as Fixture),
      ...INFLATION_KINDS.map((kind) => {
        const fixture = buildBrokenExport(kind);
        return [kind, fixture.bytes, fixture.limits] as Fixture;
      }),
      ...INFLATION_HOSTILE.map((name) => {
        const fixture = HOSTILE[name]();
        return [name, fixture.bytes, fixture.limits] as Fixture;
      }),
    ];
    const codes = new Set<string>();
    for (const [name, bytes, limits] of fixtures) {
      const resolved = resolveLimits(limits);
      const [reference, ...others] = await Promise.all(ENGINES.map((engine) => outcome(bytes, resolved, engine)));
      others.forEach((other, k) => expect(other, `${name}, ${ENGINES[k + 1]}`).to.deep.equal(reference));
      for (const line of reference) codes.add(line.replace(/^.*: /, ""));
    }
    // The fixtures reach every rule enforced while inflating.
    for (const code of ["TRAILING_BYTES", "SIZE_MISMATCH", "CORRUPT_ZIP"]) expect(codes).to.include(code);
    expect([...codes].some((line) => line.startsWith(`${BIG_BYTES} bytes`))).to.equal(true);
  });

  it("stops a lying entry one byte past its declared size", async () => {
    const text = bigText();
    const lying = rawZip([deflated("big.txt", text, { size: 4096 })]);
    const limits = resolveLimits(undefined);
    const sync = SafeZip.open(lying, limits);
    expect(() => sync.inflateSync(bigEntry(sync), () => undefined)).to.throw(ExportError, /more than the 4096 bytes/);
    expect(sync.inflatedBytes).to.equal(4097);
    const async = SafeZip.open(lying, limits);
    const error = await async
      .inflateAsync(bigEntry(async), () => undefined)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((error as ExportError).code).to.equal("SIZE_MISMATCH");
    expect(async.inflatedBytes).to.equal(4097);
  });

  it("hands out chunks that a sink may keep with slice(), though the inflater reuses its memory", () => {
    const text = bigText();
    const zip = SafeZip.open(rawZip([deflated("big.txt", text)]), resolveLimits(undefined));
    const kept: Uint8Array[] = [];
    zip.inflateSync(bigEntry(zip), (chunk) => kept.push(chunk.slice()));
    expect(kept.length).to.be.above(10);
    expect(Buffer.concat(kept).equals(text)).to.equal(true);
  });

  it("lets the event loop run while it inflates a large entry asynchronously", async () => {
    const zip = SafeZip.open(rawZip([deflated("big.txt", bigText())]), resolveLimits(undefined));
    let turns = 0;
    let running = true;
    const tick = (): void => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    await zip.inflateAsync(bigEntry(zip), () => undefined);
    running = false;
    // 17 MiB of output, a turn every 4 MiB.
    expect(turns).to.be.at.least(3);
  });

  it("starts every entry afresh: after a sink that threw, after a broken stream, and side by side", async () => {
    const text = bigText();
    const other = Buffer.from(text.subarray(0, 3 * 1024 * 1024)).reverse();
    const zip = SafeZip.open(
      rawZip([
        deflated("big.txt", text),
        { ...deflated("broken.txt", Buffer.from("short")), data: Uint8Array.of(0xff, 0xff, 0xff, 0xff) },
        deflated("other.txt", other),
      ]),
      resolveLimits(undefined),
    );
    const read = async (name: string, chunked = false): Promise<Buffer> => {
      const kept: Uint8Array[] = [];
      await zip.inflateAsync(bigEntry(zip, name), (chunk) => kept.push(chunk.slice()));
      if (chunked) expect(kept.length).to.be.above(1);
      return Buffer.concat(kept);
    };
    const stop = new Error("the sink stops here");
    expect(() =>
      zip.inflateSync(bigEntry(zip), () => {
        throw stop;
      }),
    ).to.throw(stop);
    expect((await read("other.txt")).equals(other)).to.equal(true);
    expect(() => zip.inflateSync(bigEntry(zip, "broken.txt"), () => undefined)).to.throw(ExportError);
    expect((await read("other.txt")).equals(other)).to.equal(true);
    // Two entries at once (the second takes a second inflater), each read whole and right.
    const [first, second] = await Promise.all([read("big.txt", true), read("other.txt", true)]);
    expect(first.equals(text)).to.equal(true);
    expect(second.equals(other)).to.equal(true);
  });
});
