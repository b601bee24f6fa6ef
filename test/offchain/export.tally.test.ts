import { expect } from "chai";
import fc from "fast-check";

import { CONVERSATION_FIELDS, ConversationBuilder, ExportTally } from "../../src/export/conversations";
import { ExportError } from "../../src/export/errors";
import type { JsonObject, JsonValue } from "../../src/export/json";
import { JsonItemStream, ValueBudget } from "../../src/export/json-stream";
import { buildConversation, DEFAULT_START_TIME, type MessageSpec } from "../support/export/builders";
import { plainConversation } from "../support/export/hostile";
import { Prng } from "../support/export/random";
import { ReferenceTally } from "../support/export/reference-tally";

const LIMITS = { maxDepth: 64, maxStringBytes: 1 << 20, maxItemBytes: 1 << 22, maxItemValues: 1 << 20 };

/** Conversations with every content type, branches, hidden and tool messages, attachments and transcripts. */
function richConversation(i: number): JsonObject {
  const messages: MessageSpec[] = [
    { role: "system", text: "", hidden: true },
    {
      role: "user",
      contentType: "multimodal_text",
      parts: [
        { content_type: "image_asset_pointer", asset_pointer: `file-service://file-${i}` },
        { content_type: "audio_transcription", text: `Transcript ${i}` },
        { content_type: "audio_asset_pointer" },
        {},
        `Describe picture ${i}, please.`,
      ],
    },
    { role: "tool", name: "browser", contentType: "tether_quote", text: "quoted" },
    { role: "assistant", contentType: "code", text: "```js\nx()\n```", model: "gpt-4o" },
    { role: "assistant", text: `Answer ${i % 3}`, model: i % 2 === 0 ? "o1-mini" : "Bad Slug@x" },
    { role: "user", contentType: `new_type_${i % 2}`, text: "unknown" },
    { role: "critic", text: "odd role" },
    { role: "user", text: `Repeat ${i % 2}`, time: null },
  ];
  return buildConversation({
    id: `rich-${i}`,
    title: i % 2 === 0 ? null : `Rich ${i}`,
    createTime: DEFAULT_START_TIME + i * 86_400,
    model: i % 3 === 0 ? null : "gpt-4o-mini",
    messages,
    branches: [{ from: 1, messages: [{ role: "assistant", text: "Discarded draft" }] }],
  });
}

/**
 * JSON text of `value` that `JSON.parse` reads back as `damage` changed it, written in ways
 * `JSON.stringify` never uses: duplicate keys (the earlier or the later one holding the value),
 * escaped characters, members in another order.
 */
function write(value: JsonValue, prng: Prng): string {
  if (typeof value === "string") {
    if (prng.u32() % 8 !== 0) return JSON.stringify(value);
    let out = '"';
    for (const ch of value) {
      const code = ch.charCodeAt(0);
      out +=
        ch.length === 1 && prng.u32() % 3 === 0
          ? `\\u${code.toString(16).padStart(4, "0")}`
          : JSON.stringify(ch).slice(1, -1);
    }
    return `${out}"`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => write(v, prng)).join(", ")}]`;
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const members: string[] = [];
  for (const key of Object.keys(value)) {
    const member = `${write(key, prng)}:${write(value[key], prng)}`;
    const roll = prng.u32() % 16;
    const decoy = `${JSON.stringify(key)}:${JSON.stringify(DECOYS[prng.u32() % DECOYS.length])}`;
    if (roll === 0) members.push(decoy, member);
    else if (roll === 1) members.push(member, decoy);
    else members.push(member);
  }
  // Members in another order now and then (JSON.parse still puts index keys first).
  if (prng.u32() % 6 === 0) members.reverse();
  return `{${members.join(",")}}`;
}

const DECOYS: readonly JsonValue[] = [null, 0, "x", "", [], {}, true, "user", "text", 1e400 === Infinity ? 5e-324 : 0];

/** Replaces, deletes or retypes one value somewhere in `value` (chosen by `prng`). */
function damage(value: JsonObject, prng: Prng, ids: readonly string[]): JsonObject {
  const copy = JSON.parse(JSON.stringify(value)) as JsonObject;
  const holders: (JsonObject | JsonValue[])[] = [];
  const walk = (v: JsonValue): void => {
    if (Array.isArray(v)) {
      holders.push(v);
      v.forEach(walk);
    } else if (v !== null && typeof v === "object") {
      holders.push(v);
      Object.values(v).forEach(walk);
    }
  };
  walk(copy);
  const mapping = copy.mapping;
  if (prng.u32() % 6 === 0 && mapping !== null && typeof mapping === "object" && !Array.isArray(mapping)) {
    // Keys that are array indices come first in JSON.parse's order, whatever their place in the text.
    mapping[String(prng.u32() % 20)] = { id: "elsewhere", parent: null, children: [], message: null };
    mapping.zz = { id: "zz", parent: null, children: [], message: 5 };
  }
  const holder = holders[prng.u32() % holders.length];
  const replacements: JsonValue[] = [
    ...DECOYS,
    ...ids,
    "assistant",
    "code",
    "multimodal_text",
    -1,
    4e10,
    { content_type: "audio_transcription", text: "t" },
  ];
  const pick = replacements[prng.u32() % replacements.length];
  if (Array.isArray(holder)) {
    if (holder.length > 0 && prng.u32() % 2 === 0) holder.splice(prng.u32() % holder.length, 1);
    else holder.push(pick);
  } else {
    const keys = Object.keys(holder);
    if (keys.length === 0) return copy;
    const key = keys[prng.u32() % keys.length];
    const roll = prng.u32() % 4;
    if (roll === 0) delete holder[key];
    else if (roll === 1 && ids.length > 0)
      holder[ids[prng.u32() % ids.length]] = { id: key, parent: null, children: [], message: null };
    else holder[key] = pick;
  }
  return copy;
}

interface Outcome {
  readonly errors: string[];
  readonly totals: unknown;
}

function totals(t: ExportTally | ReferenceTally): unknown {
  return {
    counts: [
      t.conversations,
      t.conversationsWithUnits,
      t.nodes,
      t.messages,
      t.visibleMessages,
      t.hiddenMessages,
      t.branchNodes,
    ],
    units: [t.userUnits, t.assistantUnits, t.duplicates, t.nearDuplicates, t.userChars, t.codeUnits],
    roles: t.roles,
    types: [...t.contentTypes].sort(),
    other: [t.otherContentTypes, [...t.unknownContentTypes]],
    models: [[...t.models], [...t.listedModels]],
    days: [...t.activeDays],
    range: [t.firstTime, t.lastTime],
  };
}

/** "ok", or the code and message of the `ExportError` thrown by `add`. */
function attempt(add: () => void): string {
  try {
    add();
    return "ok";
  } catch (error) {
    if (!(error instanceof ExportError)) throw error;
    return `${error.code}: ${error.message}`;
  }
}

/** Every conversation of `text` through the reader's stream and tally, one error per rejected one. */
function readerOutcome(text: string, maxNodes: number): Outcome {
  const tally = new ExportTally(maxNodes);
  const builder = new ConversationBuilder();
  const errors: string[] = [];
  const stream = new JsonItemStream("c.json", LIMITS, new ValueBudget(1e9), () => undefined, undefined, {
    selection: CONVERSATION_FIELDS,
    sink: builder,
    onItem: (index) => errors.push(attempt(() => tally.add(builder, "c.json", index))),
  });
  const bytes = Buffer.from(text, "utf8");
  // Two cuts: items inside one chunk and items across chunks both occur.
  const third = Math.floor(bytes.length / 3);
  stream.write(bytes.subarray(0, third));
  stream.write(bytes.subarray(third, 2 * third));
  stream.write(bytes.subarray(2 * third));
  stream.end();
  return { errors, totals: totals(tally) };
}

function referenceOutcome(text: string, maxNodes: number): Outcome {
  const tally = new ReferenceTally(maxNodes);
  const errors = (JSON.parse(text) as JsonValue[]).map((conversation, index) =>
    attempt(() => tally.add(conversation, "c.json", index)),
  );
  return { errors, totals: totals(tally) };
}

function idsOf(conversation: JsonObject): string[] {
  return Object.keys(conversation.mapping as JsonObject);
}

describe("export reader: conversation tally against a plain walk over JSON.parse", () => {
  it("counts real-shaped conversations of every content type exactly as the plain walk", () => {
    const conversations = [...Array.from({ length: 6 }, (_, i) => richConversation(i)), plainConversation(1)];
    const text = JSON.stringify(conversations);
    const got = readerOutcome(text, 1000);
    expect(got.errors).to.deep.equal(conversations.map(() => "ok"));
    expect(got).to.deep.equal(referenceOutcome(text, 1000));
  });

  it("gives the same totals and the same first error on damaged, re-keyed and re-spelled conversations", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 3 }), (seed, edits) => {
        const prng = new Prng(seed);
        const conversations: JsonValue[] = [];
        for (let i = 0; i < 4; i++) {
          let conversation = i % 2 === 0 ? richConversation(i) : plainConversation(i);
          const ids = idsOf(conversation);
          for (let e = 0; e < edits; e++) conversation = damage(conversation, prng, ids);
          conversations.push(conversation);
        }
        // Index-like keys reorder the mapping in JSON.parse.
        if (prng.u32() % 4 === 0) conversations.push(plainConversation(9, { id: "12" }));
        const text = `[${conversations.map((c) => write(c, prng)).join(",\n")}]`;
        const maxNodes = prng.u32() % 5 === 0 ? 3 : 1000;
        expect(readerOutcome(text, maxNodes)).to.deep.equal(referenceOutcome(text, maxNodes));
      }),
      { numRuns: 120, seed: 41 },
    );
  });

  it("forgets what an earlier conversation held at the same node and part numbers", () => {
    // The builder reuses its records from one conversation to the next: a member missing from a
    // later conversation must read as absent, not as what the earlier one had there.
    const first = richConversation(0);
    const paths: string[][] = [];
    const collect = (value: JsonValue, path: string[]): void => {
      if (value === null || typeof value !== "object") return;
      for (const [key, child] of Object.entries(value)) {
        paths.push([...path, key]);
        collect(child, [...path, key]);
      }
    };
    collect(first.mapping as JsonObject, ["mapping"]);
    expect(paths.length).to.be.greaterThan(100);
    for (const path of paths) {
      const second = JSON.parse(JSON.stringify(first)) as JsonObject;
      second.id = "second";
      let holder = second as JsonValue;
      for (const key of path.slice(0, -1)) holder = (holder as JsonObject)[key];
      if (Array.isArray(holder)) holder.splice(Number(path[path.length - 1]), 1);
      else delete (holder as JsonObject)[path[path.length - 1]];
      const text = JSON.stringify([first, second]);
      expect(readerOutcome(text, 1000), path.join(".")).to.deep.equal(referenceOutcome(text, 1000));
    }
  });

  it("numbers node ids by their text, however they are spelled, with many ids sharing a hash", () => {
    // Ids equal as strings but written differently (escapes), ids that differ only in the middle
    // (same length, first and last bytes: one hash slot), index-like keys, and __proto__.
    const middle = Array.from({ length: 100 }, (_, k) => `node-${String(k).padStart(3, "0")}-suffix00`);
    const ids = ["__proto__", "7", "0", "caf\u00e9", ...middle];
    const mapping: JsonObject = {};
    mapping.root = { id: "root", message: null, parent: null, children: [ids[0]] };
    ids.forEach((id, k) => {
      // defineProperty: assigning `__proto__` would set the prototype instead.
      Object.defineProperty(mapping, id, {
        enumerable: true,
        writable: true,
        configurable: true,
        value: {
          id,
          parent: k === 0 ? "root" : ids[k - 1],
          children: k + 1 < ids.length ? [ids[k + 1]] : [],
          message: {
            author: { role: k % 2 === 0 ? "user" : "assistant" },
            content: { content_type: "text", parts: [`m ${k}`] },
          },
        },
      });
    });
    const conversation = {
      id: "ids",
      title: null,
      create_time: DEFAULT_START_TIME,
      update_time: null,
      mapping,
      current_node: ids[ids.length - 1],
    };
    const plain = JSON.stringify([conversation]);
    const escaped = plain.replace(
      /"(caf\u00e9|__proto__|node-0\d\d-suffix00)"/g,
      (_, id: string) => `"${[...id].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"`,
    );
    for (const text of [plain, escaped]) {
      const got = readerOutcome(text, 1000);
      expect(got.errors).to.deep.equal(["ok"]);
      expect(got).to.deep.equal(referenceOutcome(text, 1000));
    }
  });
});
