import * as zlib from "node:zlib";

import { expect } from "chai";
import fc from "fast-check";

import { Crc32, crc32, NATIVE_CRC32 } from "../../src/export/crc32";
import { ExportError } from "../../src/export";
import type { JsonValue } from "../../src/export/json";
import { compileSelection, type SelectionSink } from "../../src/export/json-select";
import { JsonItemStream, ValueBudget, type JsonReadLimits, type TopLevel } from "../../src/export/json-stream";
import { writeInPieces } from "../support/export/stream";

const LIMITS: JsonReadLimits = { maxDepth: 64, maxStringBytes: 1 << 20, maxItemBytes: 1 << 22, maxItemValues: 1 << 20 };

interface Read {
  readonly kind: TopLevel;
  readonly items: JsonValue[];
}

/** Feeds `bytes` cut at `cuts` (sorted offsets) and collects what the stream reports. */
function read(bytes: Uint8Array, cuts: readonly number[] = [], limits: JsonReadLimits = LIMITS): Read {
  const items: JsonValue[] = [];
  const stream = new JsonItemStream("test.json", limits, new ValueBudget(1e9), (value) => items.push(value));
  const kind = writeInPieces(stream, bytes, cuts);
  return { kind, items };
}

function code(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ExportError) return error.code;
    throw error;
  }
  return "accepted";
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("export reader: streaming JSON", () => {
  it("yields the items of a top-level array as JSON.parse would, however the bytes are cut", () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ maxDepth: 5 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.constantFrom("", " ", "\n\t "),
        (values, cuts, space) => {
          const text = JSON.stringify(values, null, space.length > 0 ? space : undefined);
          const bytes = utf8(text);
          const sorted = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
          const result = read(bytes, sorted);
          return result.kind === "array" && JSON.stringify(result.items) === JSON.stringify(JSON.parse(text));
        },
      ),
      { numRuns: 300, seed: 14 },
    );
  });

  it("reads every byte-by-byte cut of escapes, surrogate pairs, BOM and bare items", () => {
    const text = '\uFEFF [ "a\\"b\\\\", "\\u00e9\\ud83d\\ude00 é 😀", -1.5e3, true, null, {"k": ["\\\\\\""]} ] ';
    const bytes = utf8(text);
    const expected = JSON.stringify(JSON.parse(text.slice(1)));
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(JSON.stringify(read(bytes, [cut]).items), `cut at ${cut}`).to.equal(expected);
    }
    expect(
      JSON.stringify(
        read(
          bytes,
          Array.from({ length: bytes.length }, (_, i) => i),
        ).items,
      ),
    ).to.equal(expected);
  });

  it("gives a document that is not an array whole, with index -1", () => {
    const indexes: number[] = [];
    const stream = new JsonItemStream("user.json", LIMITS, new ValueBudget(100), (_, index) => indexes.push(index));
    stream.write(utf8('{"id": "user-x", "n": [1, 2]}'));
    expect(stream.end()).to.equal("value");
    expect(indexes).to.deep.equal([-1]);
    expect(read(utf8("42")).items).to.deep.equal([42]);
    expect(read(utf8('"s"')).items).to.deep.equal(["s"]);
  });

  it("keeps __proto__ an own property and lone surrogate escapes as JSON.parse does", () => {
    const [item] = read(utf8('[{"__proto__": {"polluted": true}, "s": "\\ud800"}]')).items as Record<string, unknown>[];
    expect(Object.getPrototypeOf(item)).to.equal(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(item, "__proto__")).to.equal(true);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(item.s).to.equal("\ud800");
  });

  it("rejects invalid UTF-8: stray bytes, overlong forms, encoded surrogates, beyond U+10FFFF", () => {
    for (const bad of [
      [0xff],
      [0xc0, 0xaf], // overlong "/"
      [0xe0, 0x80, 0xaf], // overlong "/" in three bytes
      [0xed, 0xa0, 0x80], // U+D800 encoded directly
      [0xf4, 0x90, 0x80, 0x80], // U+110000
      [0xe2, 0x82], // truncated
    ]) {
      const bytes = new Uint8Array([...utf8('["'), ...bad, ...utf8('"]')]);
      expect(
        code(() => read(bytes)),
        bad.join(","),
      ).to.equal("MALFORMED_JSON");
      // Also when the bad sequence is cut across chunks.
      expect(code(() => read(bytes, [3]))).to.equal("MALFORMED_JSON");
    }
  });

  it("rejects malformed and truncated documents", () => {
    for (const bad of [
      "",
      "[",
      "[1,",
      "[1 2]",
      "[1,]",
      "[01]",
      "[1] x",
      '["a]',
      "[{]}",
      "]",
      "{",
      "[tru]",
      "[1]]",
      "nul",
    ]) {
      expect(
        code(() => read(utf8(bad))),
        JSON.stringify(bad),
      ).to.equal("MALFORMED_JSON");
    }
  });

  it("enforces depth, string length, item size and value limits as bytes arrive", () => {
    const limits: JsonReadLimits = { maxDepth: 4, maxStringBytes: 8, maxItemBytes: 64, maxItemValues: 10 };
    expect(code(() => read(utf8("[[[[1]]]]"), [], limits))).to.equal("accepted");
    expect(code(() => read(utf8("[[[[[1]]]]]"), [], limits))).to.equal("JSON_TOO_DEEP");
    expect(code(() => read(utf8('["12345678"]'), [], limits))).to.equal("accepted");
    expect(code(() => read(utf8('["123456789"]'), [5], limits))).to.equal("JSON_STRING_TOO_LONG");
    expect(code(() => read(utf8(`["${"a".repeat(7)}", [${"1,".repeat(30)}1]]`), [], limits))).to.equal(
      "JSON_VALUE_TOO_LARGE",
    );
    expect(code(() => read(utf8(`[[${"0,".repeat(11)}0]]`), [], { ...limits, maxItemBytes: 1000 }))).to.equal(
      "JSON_VALUE_TOO_LARGE",
    );
    // The budget counts across items and entries.
    const budget = new ValueBudget(5);
    const stream = new JsonItemStream("x.json", LIMITS, budget, () => undefined);
    expect(code(() => stream.write(utf8("[[1,2],[3,4],[5,6]]")))).to.equal("JSON_TOO_MANY_VALUES");
  });

  it("reads selected items carried over one or more chunk ends, with the codes of the scanning path", () => {
    // A selected item the chunk ends in is parsed again on its bytes joined to the next chunk; one
    // still unfinished (or at the end of the entry) is scanned and held as before, so these codes hold for every cut.
    const limits: JsonReadLimits = { maxDepth: 4, maxStringBytes: 8, maxItemBytes: 64, maxItemValues: 10 };
    const selection = compileSelection({ slot: 0 });
    const sink: SelectionSink = { value: () => undefined, key: () => undefined };
    const selected = (text: string, cuts: readonly number[]): string => {
      let items = 0;
      const stream = new JsonItemStream("s.json", limits, new ValueBudget(1e9), () => undefined, undefined, {
        selection,
        sink,
        onItem: () => items++,
      });
      return code(() => {
        writeInPieces(stream, utf8(text), cuts);
        if (items !== 3) throw new Error(`read ${items} items`);
      });
    };
    const cases: [string, string][] = [
      ['[{"a":"1234"},[1,[2]],"12345678"]', "accepted"],
      ['[{"a":"1234"},[1,[2]],"123456789', "JSON_STRING_TOO_LONG"],
      ['[{"a":"1234"},[1,[2]],[1,1,1,1,1,1,1,1,1,1,1', "JSON_VALUE_TOO_LARGE"],
      ['[{"a":"1234"},[1,[2]],[[[[1', "JSON_TOO_DEEP"],
      ['[{"a":"1234"},[1,[2]],[1,2', "MALFORMED_JSON"],
    ];
    for (const [text, expected] of cases) {
      for (let first = 1; first < text.length; first++) {
        for (let second = first; second <= text.length; second += 3) {
          expect(selected(text, [first, second]), `${text} cut at ${first}, ${second}`).to.equal(expected);
        }
      }
    }
  });
});

describe("export reader: CRC-32", () => {
  it("computes the same checksum natively and portably, in any chunking", () => {
    expect(crc32(utf8("123456789"))).to.equal(0xcbf43926);
    expect(crc32(utf8("123456789"), true)).to.equal(0xcbf43926);
    expect(NATIVE_CRC32).to.equal(typeof (zlib as { crc32?: unknown }).crc32 === "function");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 300 }), (data, cut) => {
        const a = new Crc32(true);
        a.update(data.subarray(0, cut));
        a.update(data.subarray(cut));
        const b = new Crc32();
        b.update(data.subarray(0, cut));
        b.update(data.subarray(cut));
        return a.digest() === b.digest() && b.digest() === crc32(data);
      }),
      { numRuns: 200, seed: 32 },
    );
  });
});
