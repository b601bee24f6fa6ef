/**
 * Hostile export archives for the reader's tests, one builder per failure of issue #14, each
 * small enough for `npm test`: where the real attack is huge, the fixture is small and the
 * test lowers the matching limit (`limits`), which exercises the same check.
 *
 * Everything is deterministic (fixed ids and times; fflate's fixed-mtime zips).
 */
import { deflateRawSync } from "node:zlib";

import { strToU8, Zip, ZipDeflate } from "fflate";

import {
  buildConversation,
  buildExportFiles,
  DEFAULT_START_TIME,
  DEFAULT_USER_ID,
  zipFiles,
  type ConversationSpec,
  type MessageSpec,
} from "./builders";
import { crc32 } from "../../../src/export/crc32";
import type { JsonObject, JsonValue } from "../../../src/export/json";
import type { ExportErrorCode, ExportLimits } from "../../../src/export";

export interface HostileExport {
  readonly bytes: Uint8Array;
  /** Lowered limits that make the small fixture show the problem. */
  readonly limits?: Partial<ExportLimits>;
  /** The error the reader must raise. */
  readonly code: ExportErrorCode;
}

const DAY = 86_400;
/** Personal data planted in fixtures; no error message or stat may contain it. */
export const PLANTED_EMAIL = "planted.person@example.org";
export const PLANTED_PHONE = "+15550001234";

/** A small valid conversation (`i` varies ids and text). */
export function plainConversation(i: number, extra: Partial<ConversationSpec> = {}): JsonObject {
  return buildConversation({
    id: `hostile-${i}`,
    title: `Hostile ${i}`,
    createTime: DEFAULT_START_TIME + i * DAY,
    model: "gpt-4o",
    messages: [
      { role: "user", text: `How do I repot plant number ${i} without hurting its roots?` },
      { role: "assistant", text: `Water it the day before, then lift it gently (${i}).`, model: "gpt-4o" },
    ],
    ...extra,
  });
}

function exportZip(conversations: readonly JsonValue[], extra: Record<string, Uint8Array | string> = {}): Uint8Array {
  return zipFiles({ ...buildExportFiles({ conversations, chatHtml: null }), ...extra });
}

/** One conversation whose skipped `moderation_results` holds `count` empty objects. */
function tinyValuesConversation(i: number, count: number): JsonObject {
  const conversation = plainConversation(i);
  conversation.moderation_results = Array.from({ length: count }, () => ({}));
  return conversation;
}

/** Nodes in a chain: root → n1 → n2 → ... (each a user message), with `current_node` at the end. */
function chainConversation(length: number): JsonObject {
  const messages: MessageSpec[] = [];
  for (let k = 0; k < length; k++) messages.push({ role: k % 2 === 0 ? "user" : "assistant", text: `m${k}` });
  return buildConversation({ id: "chain", createTime: DEFAULT_START_TIME, messages });
}

function mappingOf(conversation: JsonObject): Record<string, JsonObject> {
  return conversation.mapping as Record<string, JsonObject>;
}

function rootId(conversation: JsonObject): string {
  const mapping = mappingOf(conversation);
  return Object.keys(mapping).find((id) => mapping[id].parent === null) as string;
}

/** Adds two off-path nodes that point at each other: unreachable from the root, a cycle. */
function withDetachedCycle(conversation: JsonObject): JsonObject {
  const mapping = mappingOf(conversation);
  const message = (id: string): JsonObject => ({
    id,
    author: { role: "user", name: null, metadata: {} },
    create_time: null,
    content: { content_type: "text", parts: ["loop"] },
    metadata: {},
  });
  mapping["cycle-a"] = { id: "cycle-a", message: message("cycle-a"), parent: "cycle-b", children: ["cycle-b"] };
  mapping["cycle-b"] = { id: "cycle-b", message: message("cycle-b"), parent: "cycle-a", children: ["cycle-a"] };
  return conversation;
}

// ---------------------------------------------------------------------------------------------
// Raw zips: entries laid out byte by byte, for hidden-byte fixtures.
// ---------------------------------------------------------------------------------------------

interface RawEntry {
  readonly name: string;
  /** Exactly the bytes stored as the entry's data. */
  readonly data: Uint8Array;
  readonly method: 0 | 8;
  readonly crc: number;
  readonly size: number;
}

const LOCAL_HEADER_BYTES = 30;

function le(bytes: number, value: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < bytes; k++) out.push((value >>> (8 * k)) & 0xff);
  return out;
}

/** A zip of `entries`, with optional bytes before the first entry, after each entry, and before the end record. */
export function rawZip(
  entries: readonly RawEntry[],
  options: { prefix?: Uint8Array; gapAfter?: Record<string, Uint8Array>; beforeEnd?: Uint8Array } = {},
): Uint8Array {
  // Parts, not one array of numbers: entry data can be megabytes (too many arguments for `push`).
  const body: Uint8Array[] = [options.prefix ?? new Uint8Array(0)];
  let bodyLength = body[0].length;
  const central: number[] = [];
  for (const e of entries) {
    const name = strToU8(e.name);
    const offset = bodyLength;
    const common = [...le(2, 20), ...le(2, 0), ...le(2, e.method), ...le(4, 0), ...le(4, e.crc)];
    const sizes = [...le(4, e.data.length), ...le(4, e.size), ...le(2, name.length), ...le(2, 0)];
    const gap = options.gapAfter?.[e.name] ?? new Uint8Array(0);
    body.push(new Uint8Array([...le(4, 0x04034b50), ...common, ...sizes, ...name]), e.data, gap);
    bodyLength += LOCAL_HEADER_BYTES + name.length + e.data.length + gap.length;
    central.push(...le(4, 0x02014b50), ...le(2, 20), ...common, ...sizes);
    central.push(...le(2, 0), ...le(2, 0), ...le(2, 0), ...le(4, 0), ...le(4, offset), ...name);
  }
  const cdOffset = bodyLength;
  const tail = [...(options.beforeEnd ?? [])];
  const end = [
    ...le(4, 0x06054b50),
    ...le(2, 0),
    ...le(2, 0),
    ...le(2, entries.length),
    ...le(2, entries.length),
    ...le(4, central.length),
    ...le(4, cdOffset),
    ...le(2, 0),
  ];
  return Buffer.concat([...body, new Uint8Array([...central, ...tail, ...end])]);
}

/** The core files of a small valid export as deflated raw entries. */
function rawExportEntries(): RawEntry[] {
  const files = buildExportFiles({ conversations: [plainConversation(0), plainConversation(1)], chatHtml: null });
  return Object.entries(files).map(([name, data]) => {
    const bytes = typeof data === "string" ? strToU8(data) : data;
    return { name, data: deflateRawSync(bytes), method: 8, crc: crc32(bytes), size: bytes.length };
  });
}

/** A valid export written by fflate's streaming writer: every entry followed by a data descriptor. */
export function streamedExport(): Uint8Array {
  const chunks: Uint8Array[] = [];
  const zip = new Zip((error, chunk) => {
    if (error !== null) throw error;
    chunks.push(chunk);
  });
  const files = buildExportFiles({ conversations: [plainConversation(0), plainConversation(1)], chatHtml: null });
  for (const [name, data] of Object.entries(files)) {
    const file = new ZipDeflate(name, { level: 6 });
    zip.add(file);
    file.push(typeof data === "string" ? strToU8(data) : data, true);
  }
  zip.end();
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The catalogue
// ---------------------------------------------------------------------------------------------

/** Every hostile fixture by name, with the error it must raise. */
export const HOSTILE: Readonly<Record<string, () => HostileExport>> = {
  // 1. Memory bounded by what parsing builds.
  "tiny-values-in-one-conversation": () => ({
    // The 400 MiB of tiny objects, scaled down: 20,000 `{}` in one conversation.
    bytes: exportZip([tinyValuesConversation(0, 20_000)]),
    limits: { maxConversationValues: 10_000 },
    code: "JSON_VALUE_TOO_LARGE",
  }),
  "tiny-values-across-conversations": () => ({
    bytes: exportZip(Array.from({ length: 20 }, (_, i) => tinyValuesConversation(i, 1_000))),
    limits: { maxConversationValues: 10_000, maxJsonValues: 10_000 },
    code: "JSON_TOO_MANY_VALUES",
  }),
  "conversation-too-large": () => {
    const conversation = plainConversation(0);
    conversation.safe_urls = [`https://example.org/${"a".repeat(200_000)}`];
    return {
      bytes: exportZip([conversation]),
      limits: { maxConversationBytes: 100_000 },
      code: "JSON_VALUE_TOO_LARGE",
    };
  },
  "string-too-long": () => {
    const conversation = plainConversation(0);
    conversation.title = "t".repeat(5_000);
    return { bytes: exportZip([conversation]), limits: { maxJsonStringBytes: 4_096 }, code: "JSON_STRING_TOO_LONG" };
  },
  "too-deep": () => {
    const conversation = plainConversation(0);
    let deep: JsonValue = 0;
    for (let k = 0; k < 100; k++) deep = [deep];
    conversation.plugin_ids = deep;
    return { bytes: exportZip([conversation]), code: "JSON_TOO_DEEP" };
  },
  "too-many-nodes": () => ({
    bytes: exportZip([chainConversation(300)]),
    limits: { maxConversationNodes: 200 },
    code: "TOO_MANY_NODES",
  }),
  "deep-user-json": () => {
    let deep: JsonValue = DEFAULT_USER_ID;
    for (let k = 0; k < 100; k++) deep = { id: deep };
    return {
      bytes: zipFiles(buildExportFiles({ conversations: [], user: deep, chatHtml: null })),
      code: "JSON_TOO_DEEP",
    };
  },
  // 2. A crash that quoted personal data.
  "lone-surrogate-user-id": () => {
    // `\ud800` is valid JSON but not text: hashing it used to throw a TypeError quoting the id.
    const user = `{"id": "user-Lone\\ud800Surrogate", "email": "${PLANTED_EMAIL}", "phone_number": "${PLANTED_PHONE}"}`;
    return { bytes: exportZip([plainConversation(0)], { "user.json": user }), code: "FAKE_EXPORT" };
  },
  // 4. CPU amplification.
  "small-entries-bomb": () => {
    // Each entry is under the grace size, together they inflate far beyond the ratio.
    const files: Record<string, Uint8Array | string> = {};
    for (let k = 0; k < 40; k++) files[`file-bomb${String(k).padStart(2, "0")}.png`] = new Uint8Array(60_000);
    return {
      bytes: zipFiles({ ...buildExportFiles({ conversations: [plainConversation(0)], chatHtml: null }), ...files }, 9),
      limits: { compressionRatioGraceBytes: 64 * 1024 },
      code: "COMPRESSION_RATIO",
    };
  },
  // 5. Hidden bytes.
  "trailing-bytes-after-deflate": () => {
    const entries = rawExportEntries().map((e) =>
      e.name === "conversations.json"
        ? { ...e, data: new Uint8Array([...e.data, ...strToU8("HIDDEN PAYLOAD NOBODY SCORED")]) }
        : e,
    );
    return { bytes: rawZip(entries), code: "TRAILING_BYTES" };
  },
  "gap-between-entries": () => ({
    bytes: rawZip(rawExportEntries(), { gapAfter: { "conversations.json": strToU8("HIDDEN PAYLOAD") } }),
    code: "UNLISTED_BYTES",
  }),
  "bytes-before-first-entry": () => ({
    bytes: rawZip(rawExportEntries(), { prefix: strToU8("HIDDEN PAYLOAD") }),
    code: "UNLISTED_BYTES",
  }),
  "bytes-before-end-record": () => ({
    bytes: rawZip(rawExportEntries(), { beforeEnd: strToU8("HIDDEN PAYLOAD") }),
    code: "UNLISTED_BYTES",
  }),
  // 6. Whole-mapping integrity.
  "detached-cycle": () => ({ bytes: exportZip([withDetachedCycle(plainConversation(0))]), code: "FAKE_EXPORT" }),
  "child-with-other-parent": () => {
    const conversation = plainConversation(0);
    const mapping = mappingOf(conversation);
    const leaf = conversation.current_node as string;
    mapping[leaf].parent = rootId(conversation);
    // The root does not list the leaf; its real parent does.
    return { bytes: exportZip([conversation]), code: "FAKE_EXPORT" };
  },
  "orphan-node": () => {
    const conversation = plainConversation(0);
    const mapping = mappingOf(conversation);
    const root = rootId(conversation);
    mapping.orphan = { id: "orphan", message: null, parent: root, children: [] };
    return { bytes: exportZip([conversation]), code: "FAKE_EXPORT" };
  },
  "child-listed-twice": () => {
    const conversation = plainConversation(0);
    const mapping = mappingOf(conversation);
    const root = mapping[rootId(conversation)];
    root.children = [...(root.children as string[]), ...(root.children as string[])];
    return { bytes: exportZip([conversation]), code: "FAKE_EXPORT" };
  },
  "second-root": () => {
    const conversation = plainConversation(0);
    mappingOf(conversation).stray = { id: "stray", message: null, parent: null, children: [] };
    return { bytes: exportZip([conversation]), code: "FAKE_EXPORT" };
  },
};

/** Conversations from one template with a counter, dressed to max every other signal. */
export function templatedSpamExport(count = 500): Uint8Array {
  const models = ["gpt-4o", "gpt-4o-mini", "o1"];
  const conversations: JsonObject[] = [];
  for (let i = 0; i < count; i++) {
    const model = models[i % models.length];
    const messages: MessageSpec[] = [];
    for (let turn = 0; turn < 4; turn++) {
      messages.push({
        role: "user",
        text:
          `Write blog post number ${i * 4 + turn} about saving money on groceries for my website, ` +
          `with an introduction, three sections and a short conclusion for the readers.`,
      });
      messages.push({
        role: "assistant",
        model,
        text:
          `Here is blog post number ${i * 4 + turn}: shop with a list, buy seasonal produce, cook in batches. ` +
          "```python\nprint('budget')\n```",
      });
    }
    conversations.push(
      buildConversation({
        id: `spam-${i}`,
        title: `Post ${i}`,
        createTime: DEFAULT_START_TIME + (i % 90) * DAY,
        model,
        messages,
      }),
    );
  }
  const feedback = Array.from({ length: 20 }, (_, k) => ({
    id: `fb-${k}`,
    conversation_id: `spam-${k}`,
    rating: "thumbsUp",
  }));
  return zipFiles(buildExportFiles({ conversations, feedback, chatHtml: null }));
}

/** An export whose unknown content types and model slugs carry personal data, and too many names. */
export function leakyNamesExport(): Uint8Array {
  const messages: MessageSpec[] = [{ role: "user", text: "Hello there, how are you today?" }];
  for (let k = 0; k < 20; k++) {
    messages.push({ role: "tool", contentType: `widget_v${k}`, text: "x" });
    messages.push({ role: "assistant", text: `Answer ${k}`, model: `custom-model-${k}` });
  }
  messages.push({ role: "tool", contentType: PLANTED_EMAIL, text: "x" });
  messages.push({ role: "assistant", text: "Final answer", model: PLANTED_EMAIL });
  messages.push({ role: "assistant", text: "Another answer", model: PLANTED_PHONE });
  const conversation = buildConversation({ id: "leaky", createTime: DEFAULT_START_TIME, messages });
  return exportZip([conversation]);
}
