import { expect } from "chai";
import fc from "fast-check";

import { ExportError } from "../../src/export";
import { CONVERSATION_SELECTION } from "../../src/export/conversations";
import type { JsonValue } from "../../src/export/json";
import {
  compileSelection,
  INCOMPLETE,
  isIndexKey,
  MALFORMED,
  NUMBER,
  OBJECT,
  ARRAY,
  PARSE_PADDING,
  SelectiveParser,
  STRING,
  STRING_TOO_LONG,
  TOO_DEEP,
  TRUE,
  FALSE,
  type Selection,
  type SelectionSink,
} from "../../src/export/json-select";
import { JsonItemStream, ValueBudget, type JsonReadLimits } from "../../src/export/json-stream";
import { plainConversation } from "../support/export/hostile";
import { writeInPieces } from "../support/export/stream";

const utf8 = (text: string): Buffer => Buffer.from(text, "utf8");

/** What the selection keeps of a `JSON.parse` value, in a plain comparable form (see json-select.ts). */
function project(value: JsonValue, selection: Selection | undefined): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return selection?.items === undefined ? [] : value.map((v) => project(v, selection.items));
  if (selection?.every !== undefined) {
    return { map: Object.keys(value).map((key) => [key, project(value[key], selection.every)]) };
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(selection?.fields ?? {}).sort()) {
    if (Object.prototype.hasOwnProperty.call(value, key)) out[key] = project(value[key], selection?.fields?.[key]);
  }
  return out;
}

/** Where a slot's values go: the member name in its parent object, or the parent's `every` / `items`. */
interface SlotInfo {
  readonly parent: number;
  readonly name: string | undefined;
  readonly selection: Selection;
}

/** `selection` with a slot on every position (the test sink builds every selected value). */
function withSlots(selection: Selection, info: SlotInfo[], parent = -1, name?: string): Selection {
  const slot = info.length;
  const out: { slot: number; fields?: Record<string, Selection>; every?: Selection; items?: Selection } = { slot };
  info.push({ parent, name, selection });
  if (selection.fields !== undefined) {
    out.fields = {};
    for (const key of Object.keys(selection.fields))
      out.fields[key] = withSlots(selection.fields[key], info, slot, key);
  }
  if (selection.every !== undefined) out.every = withSlots(selection.every, info, slot);
  if (selection.items !== undefined) out.items = withSlots(selection.items, info, slot);
  return out;
}

type Built = null | boolean | number | string | Built[] | { [key: string]: Built } | Map<string, Built>;

/**
 * Builds values from the parser's events the way the module doc describes: the latest container
 * opened at a slot's parent holds its values, duplicate keys keep the last value.
 */
class TreeSink implements SelectionSink {
  root: Built | undefined;
  private readonly open: Built[] = [];
  private readonly keys: string[] = [];
  constructor(private readonly info: readonly SlotInfo[]) {}

  value(slot: number, kind: number, parser: SelectiveParser): void {
    const { selection } = this.info[slot];
    let value: Built;
    if (kind === OBJECT) value = selection.every !== undefined ? new Map<string, Built>() : {};
    else if (kind === ARRAY) value = [];
    else if (kind === STRING) value = parser.lastText();
    else if (kind === NUMBER) value = parser.num;
    else value = kind === TRUE ? true : kind === FALSE ? false : null;
    this.open[slot] = value;
    const { parent, name } = this.info[slot];
    if (parent < 0) {
      this.root = value;
      return;
    }
    const holder = this.open[parent];
    if (holder instanceof Map) holder.set(this.keys[parent], value);
    else if (Array.isArray(holder)) {
      if (this.info[parent].selection.items !== undefined) holder.push(value);
    } else if (typeof holder === "object" && holder !== null && name !== undefined) {
      if (this.info[parent].selection.fields !== undefined) holder[name] = value;
    }
  }

  key(slot: number, parser: SelectiveParser): void {
    this.keys[slot] = parser.lastText();
  }
}

/** The built value in the form of {@link project}; a map's keys in `JSON.parse` order (indices first). */
function plain(value: Built | undefined): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) {
    const keys = [...value.keys()];
    const ordered = [
      ...keys.filter(isIndexKey).sort((a, b) => Number(a) - Number(b)),
      ...keys.filter((key) => !isIndexKey(key)),
    ];
    return { map: ordered.map((key) => [key, plain(value.get(key))]) };
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = plain(value[key]);
  return out;
}

/** `text` with one character edited at `at`: deleted (`edit` 0), `c` inserted (1) or put in its place (2). */
function edited(text: string, at: number, edit: number, c: string): string {
  if (edit === 0) return text.slice(0, at) + text.slice(at + 1);
  return text.slice(0, at) + c + text.slice(edit === 1 ? at : at + 1);
}

function jsonParse(text: string): JsonValue | "rejected" {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return "rejected";
  }
}

/** How a parse ended, when it failed: the parser's symbol by name. */
const FAILURES = new Map<unknown, string>([
  [INCOMPLETE, "incomplete"],
  [MALFORMED, "malformed"],
  [TOO_DEEP, "too deep"],
  [STRING_TOO_LONG, "string too long"],
]);

/**
 * Reads documents one after another with one parser and one compiled selection, as a stream reads
 * the items of an entry: each object's keys and skipped values are then guessed from the last
 * object read at the same selection (`Guesses` in json-select.ts).
 */
class Sequence {
  readonly parser: SelectiveParser;
  private readonly info: SlotInfo[] = [];
  readonly compiled: ReturnType<typeof compileSelection>;
  /** Tokens of the last document read. */
  tokens = 0;
  /** What the last document's events built. */
  private sink = new TreeSink(this.info);

  constructor(selection: Selection, maxDepth = 64, maxStringBytes = 1 << 20, shared?: Sequence) {
    this.parser = new SelectiveParser(maxDepth, maxStringBytes);
    if (shared !== undefined) {
      this.info = shared.info;
      this.compiled = shared.compiled;
    } else {
      this.compiled = compileSelection(withSlots(selection, this.info));
    }
  }

  /** The projected value, or "rejected" (grammar, limits, or more than whitespace after the value). */
  read(text: string): unknown {
    const outcome = this.outcome(text);
    return outcome === "accepted" ? plain(this.sink.root) : "rejected";
  }

  /**
   * "accepted", "trailing bytes" or how the parser failed (see {@link FAILURES}). A string is
   * read with a space after it: a number that ends the input could go on in a next chunk.
   */
  outcome(text: string | Buffer, root = this.compiled): string {
    const bytes = typeof text === "string" ? utf8(`${text} `) : text;
    const padded = Buffer.alloc(bytes.length + PARSE_PADDING);
    bytes.copy(padded);
    this.sink = new TreeSink(this.info);
    try {
      this.parser.parse(padded, 0, bytes.length, root, this.sink);
    } catch (error) {
      const failure = FAILURES.get(error);
      if (failure === undefined) throw error;
      return failure;
    }
    this.tokens = this.parser.tokens;
    // Only whitespace may follow, as for JSON.parse (the parser reads one value).
    return bytes.subarray(this.parser.end).toString().trim().length > 0 ? "trailing bytes" : "accepted";
  }
}

/** `text` read as `JSON.parse` reads it, restricted to the selection (see {@link project}), or "rejected". */
function parse(text: string, selection: Selection): unknown {
  return new Sequence(selection).read(text);
}

/**
 * Documents that are arrays of objects of one kind: each object is the same template of members
 * with a few edits (a key, a value or the spacing changed, a member dropped or added), so keys and
 * skipped values repeat at the same positions, or nearly, as in an export.
 */
function similarObjects(): fc.Arbitrary<string[]> {
  const key = fc.constantFrom("a", "b", "c", "status", "weight", "", "0", "é", "\\u0061", "a\\b", "ab", "ba");
  const value = fc.constantFrom(
    "null",
    "nul",
    "1",
    "10",
    "1.5",
    "true",
    '"x"',
    '"finished_successfully"',
    '"finished_successfullx"',
    '"a\\\\"',
    '"\\u00e9"',
    '"é"',
    "[]",
    "{}",
    "[ ]",
    '{"c":1}',
    '["x"]',
    '"0123456789012345678901234567890123456789"',
  );
  const space = fc.constantFrom("", "", "", " ", "\n");
  const member = fc.tuple(key, space, value).map(([k, w, v]) => ({ k, w, v }));
  type Member = { k: string; w: string; v: string };
  const edit = fc.tuple(fc.nat(3), fc.nat(7), member);
  const write = (members: Member[]): string => `{${members.map(({ k, w, v }) => `"${k}"${w}:${w}${v}`).join(",")}}`;
  return fc
    .tuple(
      fc.array(member, { minLength: 1, maxLength: 7 }),
      fc.array(fc.array(edit, { maxLength: 2 }), { minLength: 2, maxLength: 12 }),
    )
    .map(([template, objects]) =>
      objects.map((edits) => {
        const members = [...template];
        for (const [kind, at, change] of edits) {
          const k = at % (members.length + 1);
          if (kind === 0) members.splice(k, 1);
          else if (kind === 1) members.splice(k, 0, change);
          else if (k < members.length)
            members[k] = kind === 2 ? { ...members[k], v: change.v } : { ...members[k], k: change.k };
        }
        return write(members);
      }),
    )
    .map((objects) => {
      // Documents of one to three objects each.
      const documents: string[] = [];
      for (let k = 0; k < objects.length; k += 1 + (k % 3))
        documents.push(`[${objects.slice(k, k + 1 + (k % 3)).join(",")}]`);
      return documents;
    });
}

const SELECTIONS: readonly Selection[] = [
  {},
  { items: {} },
  { every: { items: { fields: { a: {}, b: { every: {} } } } } },
  { fields: { a: { items: {} }, "": {}, b: { fields: { c: {} } } } },
  CONVERSATION_SELECTION,
];

describe("export reader: selective JSON parsing", () => {
  it("builds what JSON.parse builds, restricted to the selection, on random documents", () => {
    const key = fc.constantFrom("a", "b", "c", "", "0", "12", "__proto__", "é", 'a"b');
    const doc = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.jsonValue({ maxDepth: 1 }),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(key, tie("value"), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(
      fc.property(doc, fc.constantFrom(...SELECTIONS), fc.constantFrom(undefined, 1), (value, selection, space) => {
        const text = JSON.stringify(value, null, space);
        const got = parse(text, selection);
        expect(got).to.not.equal("rejected");
        expect(got).to.deep.equal(project(JSON.parse(text) as JsonValue, selection));
      }),
      { numRuns: 150, seed: 17 },
    );
  });

  it("accepts exactly what JSON.parse accepts, on damaged documents", () => {
    const alphabet = fc.constantFrom(...'{}[]",:\\ 0123456789.eE+-tfnulrsa\u0001\u00e9'.split(""));
    const base = JSON.stringify({ a: [1, -2.5e3, "x\\y\u00e9", true, null, false], b: { c: "\u0000" }, "0": [] });
    fc.assert(
      fc.property(fc.nat(base.length), fc.nat(2), alphabet, (at, edit, c) => {
        const text = edited(base, at, edit, c);
        const expected = jsonParse(text);
        const got = parse(text, { every: { items: {} } });
        expect(got === "rejected", JSON.stringify(text)).to.equal(expected === "rejected");
      }),
      { numRuns: 600, seed: 18 },
    );
    for (const bad of [
      "01",
      "1.",
      ".5",
      "-",
      "1e",
      "[1,]",
      '{"a":1,}',
      '"\\x"',
      '"\\u12g4"',
      "tru",
      '"a\tb"',
      "[1 2]",
    ]) {
      expect(parse(bad, {}), bad).to.equal("rejected");
    }
  });

  it("reads each document as JSON.parse does when keys and skipped values are guessed from the documents before", () => {
    const selections: Selection[] = [
      { items: { fields: { a: {}, b: { fields: { c: {} } }, "": {} } } },
      { items: { fields: { status: {} } } },
      { items: {} },
    ];
    for (const selection of selections) {
      fc.assert(
        fc.property(similarObjects(), (documents) => {
          const sequence = new Sequence(selection);
          for (const text of documents) {
            const expected = jsonParse(text);
            const got = sequence.read(text);
            if (expected === "rejected") expect(got, text).to.equal("rejected");
            else expect(got, text).to.deep.equal(project(expected, selection));
            // The tokens counted are those of a parser that guesses nothing.
            if (expected !== "rejected") {
              const fresh = new Sequence(selection);
              fresh.read(text);
              expect(sequence.tokens, text).to.equal(fresh.tokens);
            }
          }
        }),
        { numRuns: 60, seed: 21 },
      );
    }
  });

  it("rejects a damaged or cut document after the documents that made its guesses, as a fresh parser does", () => {
    const selection: Selection = { items: { fields: { a: {}, b: {} } } };
    const base =
      '[{"a":1,"status":"finished_successfully","c":null,"e":[],"b":{}},{"a":2,"status":"done","c":7,"b":[]}]';
    const primed = (): Sequence => {
      const sequence = new Sequence(selection);
      expect(sequence.read(base)).to.not.equal("rejected");
      return sequence;
    };
    const alphabet = fc.constantFrom(...'{}[]",:\\ 01.etfnulsa\u0001'.split(""));
    const sequence = primed();
    fc.assert(
      fc.property(fc.nat(base.length), fc.nat(2), alphabet, (at, edit, c) => {
        const text = edited(base, at, edit, c);
        const expected = jsonParse(text);
        const got = sequence.read(text);
        if (expected === "rejected") expect(got, text).to.equal("rejected");
        else expect(got, text).to.deep.equal(project(expected, selection));
        // Read the base again so that the next edit meets the same guesses.
        sequence.read(base);
      }),
      { numRuns: 600, seed: 22 },
    );
    // Cut anywhere (no space after it), the document ends inside its value: incomplete, never accepted or malformed.
    for (let cut = 1; cut < base.length; cut++) {
      const bytes = utf8(base.slice(0, cut));
      const fresh = new Sequence(selection).outcome(bytes);
      const reader = primed();
      expect(reader.outcome(bytes), base.slice(0, cut)).to.equal(fresh);
      expect(fresh, base.slice(0, cut)).to.equal("incomplete");
    }
  });

  it("takes no guess made by a parser with other limits, even on the same compiled selection", () => {
    const selection: Selection = { items: { fields: { a: {} } } };
    const text = '[{"a":1,"e":[],"s":"abcdefgh","f":0},{"a":2,"e":[],"s":"abcdefgh","f":0}]';
    const wide = new Sequence(selection);
    expect(wide.read(text)).to.deep.equal([{ a: 1 }, { a: 2 }]);
    // The same compiled selection, guesses made, read by parsers whose limits the skipped values break.
    const shallow = new Sequence(selection, 2, 1 << 20, wide);
    expect(shallow.outcome(text)).to.equal("too deep"); // `[]` two levels below the document
    const short = new Sequence(selection, 64, 4, wide);
    expect(short.outcome(text)).to.equal("string too long");
    expect(wide.read(text)).to.deep.equal([{ a: 1 }, { a: 2 }]);
    // One parser, the objects' selection read first as the root (one level up), then inside the array.
    const nested = new Sequence(selection, 2);
    const object = '{"a":1,"e":[],"s":"abcdefgh","f":0}';
    expect(nested.outcome(object, nested.compiled.items as ReturnType<typeof compileSelection>)).to.equal("accepted");
    expect(nested.outcome(`[${object}]`)).to.equal("too deep");
  });

  it("finds the end of a string at every byte offset, four bytes at a time or one", () => {
    // The string scan reads words of four bytes: put each kind of byte that ends or marks a
    // plain run (quote, backslash escapes, control characters, bytes above 0x7f) at every offset.
    const specials = [
      '\\"',
      "\\\\",
      "\\u00e9",
      "\u0001",
      "\u001f",
      "\t",
      "\u00e9",
      "\u007f",
      "\u20ac",
      "\ud83d\ude00",
      " ",
    ];
    for (let before = 0; before < 9; before++) {
      for (const special of specials) {
        for (const after of [0, 1, 3, 6]) {
          const text = `["${"a".repeat(before)}${special}${"b".repeat(after)}", {"k${"c".repeat(before)}": 1}]`;
          const expected = jsonParse(text);
          const got = parse(text, { items: {} });
          if (expected === "rejected") expect(got, text).to.equal("rejected");
          else expect(got, text).to.deep.equal([(expected as JsonValue[])[0], {}]);
        }
      }
    }
  });

  it("reads numbers exactly as JSON.parse does, on the fast path and off it", () => {
    for (const text of [
      "0",
      "-0",
      "1641000742.325553",
      "0.1",
      "123456789012345678",
      "9007199254740993",
      "1e3",
      "-1.5E-7",
      "2.2250738585072014e-308",
      "0.30000000000000004",
    ]) {
      const got = parse(text, {});
      expect(Object.is(got, JSON.parse(text)), text).to.equal(true);
    }
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = JSON.stringify(x);
        return Object.is(parse(text, {}), JSON.parse(text));
      }),
      { numRuns: 1000, seed: 19 },
    );
  });

  it("gives the same conversations through the stream however the bytes are cut", () => {
    const conversations = [plainConversation(0), plainConversation(1), plainConversation(2)];
    const text = JSON.stringify(conversations);
    const limits: JsonReadLimits = {
      maxDepth: 64,
      maxStringBytes: 1 << 20,
      maxItemBytes: 1 << 22,
      maxItemValues: 1 << 20,
    };
    const read = (cuts: number[]): unknown[] => {
      const items: unknown[] = [];
      const info: SlotInfo[] = [];
      const sink = new TreeSink(info);
      const stream = new JsonItemStream("c.json", limits, new ValueBudget(1e9), () => undefined, undefined, {
        selection: compileSelection(withSlots(CONVERSATION_SELECTION, info)),
        sink,
        onItem: () => items.push(plain(sink.root)),
      });
      writeInPieces(stream, utf8(text), cuts);
      return items;
    };
    const expected = (JSON.parse(text) as JsonValue[]).map((c) => project(c, CONVERSATION_SELECTION));
    expect(read([])).to.deep.equal(expected);
    fc.assert(
      fc.property(fc.array(fc.nat(text.length), { maxLength: 6 }), (cuts) => {
        expect(read([...new Set(cuts)].sort((a, b) => a - b))).to.deep.equal(expected);
      }),
      { numRuns: 15, seed: 20 },
    );
  });

  it("enforces the limits on the fast path, with the codes of the scanning path", () => {
    const code = (text: string | Buffer, limits: JsonReadLimits): string => {
      const info: SlotInfo[] = [];
      const stream = new JsonItemStream("c.json", limits, new ValueBudget(1e9), () => undefined, undefined, {
        selection: compileSelection(withSlots(CONVERSATION_SELECTION, info)),
        sink: new TreeSink(info),
        onItem: () => undefined,
      });
      try {
        stream.write(typeof text === "string" ? utf8(text) : text);
        stream.end();
      } catch (error) {
        if (error instanceof ExportError) return error.code;
        throw error;
      }
      return "accepted";
    };
    const limits: JsonReadLimits = { maxDepth: 4, maxStringBytes: 8, maxItemBytes: 64, maxItemValues: 10 };
    expect(code("[[[[1]]]]", limits)).to.equal("accepted");
    expect(code("[[[[[1]]]]]", limits)).to.equal("JSON_TOO_DEEP");
    expect(code('["123456789"]', limits)).to.equal("JSON_STRING_TOO_LONG");
    expect(code(`[[${"1,".repeat(30)}1]]`, limits)).to.equal("JSON_VALUE_TOO_LARGE");
    expect(code(`[[${"0,".repeat(11)}0]]`, { ...limits, maxItemBytes: 1000 })).to.equal("JSON_VALUE_TOO_LARGE");
    expect(code('[{"a": 1 2}]', limits)).to.equal("MALFORMED_JSON");
    expect(code('["\u00e9', limits)).to.equal("MALFORMED_JSON");
    const badUtf8 = Buffer.concat([utf8('[{"x": "'), Buffer.from([0xc0, 0xaf]), utf8('"}]')]);
    expect(code(badUtf8, limits)).to.equal("MALFORMED_JSON");
  });
});
