/**
 * Deterministic synthetic ChatGPT exports (zip bytes), for tests, benchmarks and the demo.
 *
 * Three layers:
 * 1. Explicit builders: {@link buildConversation} turns a {@link ConversationSpec} (the visible
 *    path plus off-path branches) into the JSON shape of a real export; {@link buildExportZip}
 *    packs conversations and side files into an archive laid out like a real export.
 * 2. {@link generateSyntheticExport}: a seeded, realistic random export (edits/regenerations,
 *    multimodal parts, code and execution output, browsing and tool messages, reasoning, hidden
 *    system/context messages, unknown content types, uploads and DALL·E images, feedback, ...)
 *    together with the facts it was built from (`facts`), so tests can check the reader
 *    against the construction. {@link buildSyntheticExport} returns the bytes only.
 * 3. {@link buildBrokenExport}: unsafe, damaged and fake archives, one per {@link BrokenKind}.
 *
 * Everything is a pure function of its options: a seeded PRNG (no `Math.random`), fixed
 * timestamps, fixed zip modification times (set in local time fields, so independent of TZ).
 */
import { strToU8, zipSync, type Zippable, type ZippableFile } from "fflate";

import { crc32 } from "../../src/export/crc32";
import type { JsonObject, JsonValue } from "../../src/export/json";
import type { ExportLimits } from "../../src/export/limits";

// ---------------------------------------------------------------------------------------------
// Determinism helpers
// ---------------------------------------------------------------------------------------------

/** Small seeded PRNG (sfc32, seeded through splitmix32). */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  hex(length: number): string {
    let out = "";
    while (out.length < length) out += this.u32().toString(16).padStart(8, "0");
    return out.slice(0, length);
  }

  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** A UUID-shaped id derived from a string (FNV-1a, four lanes): stable node ids for explicit specs. */
export function stableUuid(key: string): string {
  let out = "";
  for (let lane = 0; lane < 4; lane++) {
    let h = (0x811c9dc5 ^ Math.imul(lane + 1, 0x9e3779b9)) >>> 0;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    out += (h ^ (h >>> 12)).toString(16).padStart(8, "0");
  }
  return `${out.slice(0, 8)}-${out.slice(8, 12)}-4${out.slice(13, 16)}-8${out.slice(17, 20)}-${out.slice(20, 32)}`;
}

/** 2024-01-01T00:00:00Z: default start of synthetic histories. */
export const DEFAULT_START_TIME = 1_704_067_200;
export const DEFAULT_USER_ID = "user-SynthEticUserId0000000A";

function fixedMtime(): Date {
  // Local-time constructor: the DOS date/time fields fflate writes are the same in every TZ.
  return new Date(2024, 0, 1, 12, 0, 0);
}

// ---------------------------------------------------------------------------------------------
// Layer 1: explicit conversations and archives
// ---------------------------------------------------------------------------------------------

/** One message. `contentType` defaults to `text`; `content` replaces the generated content object. */
export interface MessageSpec {
  readonly role: string;
  readonly contentType?: string;
  readonly text?: string;
  /** Parts of a `multimodal_text` message (strings and objects); default `[text]`. */
  readonly parts?: readonly JsonValue[];
  readonly content?: JsonObject;
  /** `metadata.model_slug` of an assistant message. */
  readonly model?: string;
  /** `create_time`; default conversation time + 10 s per position; `null` for none. */
  readonly time?: number | null;
  /** Sets `metadata.is_visually_hidden_from_conversation`. */
  readonly hidden?: boolean;
  readonly recipient?: string;
  /** `author.name`, e.g. `python` or `browser` for tool messages. */
  readonly name?: string;
}

/** Messages left off the visible path, hanging below `from` (an index into `messages`; -1 = root). */
export interface BranchSpec {
  readonly from: number;
  readonly messages: readonly MessageSpec[];
}

export interface ConversationSpec {
  readonly id: string;
  readonly title?: string | null;
  readonly createTime: number;
  /** Default: the last message time, else `createTime`. */
  readonly updateTime?: number | null;
  readonly model?: string | null;
  /** The visible path, root side first; the last one is `current_node`. */
  readonly messages: readonly MessageSpec[];
  readonly branches?: readonly BranchSpec[];
}

function contentFor(spec: MessageSpec): JsonObject {
  if (spec.content !== undefined) return spec.content;
  const type = spec.contentType ?? "text";
  const text = spec.text ?? "";
  switch (type) {
    case "text":
      return { content_type: "text", parts: [text] };
    case "multimodal_text":
      return { content_type: "multimodal_text", parts: spec.parts !== undefined ? [...spec.parts] : [text] };
    case "code":
      return { content_type: "code", language: "unknown", response_format_name: null, text };
    case "execution_output":
      return { content_type: "execution_output", text };
    case "tether_browsing_display":
      return { content_type: "tether_browsing_display", result: text, summary: null, assets: null, tether_id: null };
    case "tether_quote":
      return {
        content_type: "tether_quote",
        url: "https://example.org/article",
        domain: "example.org",
        text,
        title: "Example article",
        tether_id: null,
      };
    case "thoughts":
      return {
        content_type: "thoughts",
        thoughts: [{ summary: "Thinking it through", content: text, chunks: [], finished: true }],
        source_analysis_msg_id: "00000000-0000-4000-8000-000000000000",
      };
    case "reasoning_recap":
      return { content_type: "reasoning_recap", content: text };
    case "user_editable_context":
      return {
        content_type: "user_editable_context",
        user_profile: "The user provided the following information about themselves: ...",
        user_instructions: text,
      };
    case "system_error":
      return { content_type: "system_error", name: "tool_error", text };
    default:
      return { content_type: type, text };
  }
}

function messageFor(spec: MessageSpec, id: string, time: number | null): JsonObject {
  const metadata: JsonObject = {};
  if (spec.hidden === true) metadata.is_visually_hidden_from_conversation = true;
  if (spec.model !== undefined) {
    metadata.model_slug = spec.model;
    metadata.default_model_slug = spec.model;
  }
  if (spec.role === "assistant" || spec.role === "tool") metadata.request_id = `req-${id.slice(0, 8)}`;
  return {
    id,
    author: { role: spec.role, name: spec.name ?? null, metadata: {} },
    create_time: time,
    update_time: null,
    content: contentFor(spec),
    status: "finished_successfully",
    end_turn: spec.role === "assistant" ? true : null,
    weight: spec.hidden === true ? 0 : 1,
    metadata,
    recipient: spec.recipient ?? "all",
    channel: null,
  };
}

interface NodeDraft {
  id: string;
  message: JsonObject | null;
  parent: string | null;
  children: string[];
}

/** The JSON of one conversation, shaped like a real export's (`mapping` tree, `current_node`, ...). */
export function buildConversation(spec: ConversationSpec): JsonObject {
  let counter = 0;
  const nodes = new Map<string, NodeDraft>();
  const add = (message: MessageSpec | null, parent: string | null, position: number, first: boolean): string => {
    const id = stableUuid(`${spec.id}/${counter++}`);
    const time = message === null ? null : message.time === undefined ? spec.createTime + 10 * position : message.time;
    nodes.set(id, { id, message: message === null ? null : messageFor(message, id, time), parent, children: [] });
    if (parent !== null) {
      const siblings = (nodes.get(parent) as NodeDraft).children;
      if (first) siblings.unshift(id);
      else siblings.push(id);
    }
    return id;
  };
  const root = add(null, null, 0, false);
  const path: string[] = [];
  let parent = root;
  spec.messages.forEach((message, i) => {
    parent = add(message, parent, i + 1, false);
    path.push(parent);
  });
  for (const branch of spec.branches ?? []) {
    const anchor = branch.from < 0 ? root : path[branch.from];
    let at = anchor;
    branch.messages.forEach((message, i) => {
      at = add(message, at, branch.from + 2 + i, at === anchor);
    });
  }
  const mapping: JsonObject = {};
  for (const node of nodes.values()) {
    mapping[node.id] = { id: node.id, message: node.message, parent: node.parent, children: node.children };
  }
  const times = spec.messages.map((m, i) => (m.time === undefined ? spec.createTime + 10 * (i + 1) : m.time));
  const lastTime = times.reduce<number>((max, t) => (t !== null && t > max ? t : max), spec.createTime);
  return {
    title: spec.title === undefined ? "Untitled" : spec.title,
    create_time: spec.createTime,
    update_time: spec.updateTime === undefined ? lastTime : spec.updateTime,
    mapping,
    moderation_results: [],
    current_node: path.length > 0 ? path[path.length - 1] : root,
    plugin_ids: null,
    conversation_id: spec.id,
    conversation_template_id: null,
    gizmo_id: null,
    gizmo_type: null,
    is_archived: false,
    is_starred: null,
    safe_urls: [],
    blocked_urls: [],
    default_model_slug: spec.model === undefined ? "auto" : spec.model,
    conversation_origin: null,
    voice: null,
    async_status: null,
    disabled_tool_ids: [],
    is_do_not_remember: false,
    memory_scope: "global_enabled",
    sugar_item_id: null,
    id: spec.id,
  };
}

/** Contents of an export archive. `null` leaves a side file out; `undefined` uses the default. */
export interface ExportFilesSpec {
  readonly conversations: readonly JsonValue[];
  readonly layout?: "single" | "split";
  /** Conversations per `conversations-NNN.json` part (split layout). Default 100. */
  readonly conversationsPerFile?: number;
  /** Write `export_manifest.json` (split layout). Default true. */
  readonly manifest?: boolean;
  readonly user?: JsonValue | null;
  readonly feedback?: readonly JsonValue[] | null;
  readonly modelComparisons?: readonly JsonValue[] | null;
  readonly sharedConversations?: readonly JsonValue[] | null;
  readonly userSettings?: JsonValue | null;
  /** `full` embeds the conversations like the real viewer page; `stub` writes a small page. */
  readonly chatHtml?: "full" | "stub" | null;
  /** Extra entries (attachments, or raw replacements of core files), written last. */
  readonly extraFiles?: Readonly<Record<string, Uint8Array | string>>;
  /** Entry names to leave out. */
  readonly omit?: readonly string[];
  /** Deflate level 0..9 (default 6). */
  readonly compressionLevel?: number;
}

export function defaultUser(userId: string = DEFAULT_USER_ID): JsonObject {
  return {
    id: userId,
    email: "synthetic.user@example.org",
    chatgpt_plus_user: true,
    birth_year: 1990,
    phone_number: null,
  };
}

function json(value: JsonValue | readonly JsonValue[]): Uint8Array {
  return strToU8(JSON.stringify(value));
}

function chatHtml(conversations: readonly JsonValue[] | null): Uint8Array {
  const data = conversations === null ? "[]" : JSON.stringify(conversations);
  return strToU8(
    `<!DOCTYPE html>\n<html>\n<head><meta charset="UTF-8"><title>ChatGPT Data Export</title></head>\n` +
      `<body><h1>ChatGPT Data Export</h1><div id="root"></div>\n<script>\nvar jsonData = ${data};\n</script>\n</body>\n</html>\n`,
  );
}

/** Packs named entries into a zip (deflate, fixed mtime), in the given order. */
export function zipFiles(files: Readonly<Record<string, Uint8Array | string>>, compressionLevel = 6): Uint8Array {
  const level = Math.max(0, Math.min(9, Math.floor(compressionLevel))) as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  const input: Zippable = {};
  for (const [name, data] of Object.entries(files)) {
    const file: ZippableFile = [typeof data === "string" ? strToU8(data) : data, { level }];
    input[name] = file;
  }
  return zipSync(input, { level, mtime: fixedMtime() });
}

/** The entries of an export archive, in the order they are zipped. */
export function buildExportFiles(spec: ExportFilesSpec): Record<string, Uint8Array | string> {
  const files: Record<string, Uint8Array | string> = {};
  const html = spec.chatHtml === undefined ? "stub" : spec.chatHtml;
  if (html !== null) files["chat.html"] = chatHtml(html === "full" ? spec.conversations : null);
  if ((spec.layout ?? "single") === "single") {
    files["conversations.json"] = json(spec.conversations);
  } else {
    const per = Math.max(1, spec.conversationsPerFile ?? 100);
    const parts = Math.max(1, Math.ceil(spec.conversations.length / per));
    const listed: JsonObject[] = [];
    for (let p = 0; p < parts; p++) {
      const name = `conversations-${String(p).padStart(3, "0")}.json`;
      const slice = spec.conversations.slice(p * per, (p + 1) * per);
      files[name] = json(slice);
      listed.push({ path: name, conversation_count: slice.length });
    }
    if (spec.manifest !== false) {
      files["export_manifest.json"] = json({ export_version: 2, created_at: "2025-01-01T00:00:00Z", files: listed });
    }
  }
  if (spec.feedback !== null) files["message_feedback.json"] = json(spec.feedback ?? []);
  if (spec.modelComparisons !== null) files["model_comparisons.json"] = json(spec.modelComparisons ?? []);
  if (spec.sharedConversations !== null) files["shared_conversations.json"] = json(spec.sharedConversations ?? []);
  if (spec.user !== null) files["user.json"] = json(spec.user ?? defaultUser());
  if (spec.userSettings !== null) {
    files["user_settings.json"] = json(
      spec.userSettings ?? { settings: { training_allowed: false, voice: "juniper" } },
    );
  }
  for (const [name, data] of Object.entries(spec.extraFiles ?? {})) files[name] = data;
  for (const name of spec.omit ?? []) delete files[name];
  return files;
}

/** An export archive from explicit contents. */
export function buildExportZip(spec: ExportFilesSpec): Uint8Array {
  return zipFiles(buildExportFiles(spec), spec.compressionLevel);
}

// ---------------------------------------------------------------------------------------------
// Layer 2: realistic random exports
// ---------------------------------------------------------------------------------------------

export interface SyntheticExportOptions {
  /** PRNG seed. Default 1. */
  readonly seed?: number;
  /** Number of conversations. Default 12. */
  readonly conversations?: number;
  /** Default `single`. */
  readonly layout?: "single" | "split";
  /** Default 100. */
  readonly conversationsPerFile?: number;
  readonly userId?: string;
  /** Unix seconds of the first conversation. Default 2024-01-01. */
  readonly startTime?: number;
  /** Most user turns per conversation (at least 1). Default 6. */
  readonly maxTurns?: number;
  /** Assistant models to draw one per conversation from (a model starting with "o" also reasons). */
  readonly models?: readonly string[];
  /** Feature switches, all on by default. */
  readonly branches?: boolean;
  readonly multimodal?: boolean;
  readonly code?: boolean;
  readonly tools?: boolean;
  readonly reasoning?: boolean;
  readonly hiddenMessages?: boolean;
  readonly unknownContentTypes?: boolean;
  readonly attachments?: boolean;
  /** Record counts; defaults scale with `conversations` (1/8, 1/40, 1/16). */
  readonly feedback?: number;
  readonly modelComparisons?: number;
  readonly sharedConversations?: number;
  /** Default `full` up to 200 conversations, else `stub`; `null` leaves chat.html out. */
  readonly chatHtml?: "full" | "stub" | null;
  readonly userSettings?: boolean;
  readonly compressionLevel?: number;
}

/** What a synthetic export contains, known from its construction. */
export interface SyntheticExportFacts {
  conversations: number;
  conversationFiles: number;
  nodes: number;
  messages: number;
  visibleMessages: number;
  hiddenMessages: number;
  branches: number;
  roles: { user: number; assistant: number; system: number; tool: number; other: number };
  userMessages: number;
  assistantMessages: number;
  units: number;
  duplicateMessages: number;
  userCharacters: number;
  codeMessages: number;
  models: string[];
  activeDays: number;
  contentTypes: Record<string, number>;
  attachments: { total: number; files: number; dalleGenerations: number; userFolders: number; other: number };
  feedbackRecords: number;
  modelComparisons: number;
  sharedConversations: number;
  firstTime: number;
  lastTime: number;
}

export interface SyntheticExport {
  readonly zip: Uint8Array;
  readonly facts: SyntheticExportFacts;
  readonly userId: string;
}

const DEFAULT_MODELS = ["gpt-4o", "gpt-4o-mini", "o1", "gpt-4", "text-davinci-002-render-sha"] as const;
const UNKNOWN_TYPES = ["computer_output", "app_pairing_content", "canvas_textdoc_v2"] as const;
const STEMS = [
  "How do I",
  "Can you explain how to",
  "What is the best way to",
  "Help me",
  "Write a short note to",
  "Why does it fail when I",
  "Give me three ideas to",
  "Summarize how to",
] as const;
const VERBS = ["configure", "measure", "compare", "refactor", "plan", "cook", "debug", "translate", "organise", "test"];
const WORDS = (
  "data cooperative token budget garden recipe schedule database index query cache latency river mountain " +
  "invoice contract lesson chapter melody rhythm bicycle engine battery network router kernel thread process " +
  "window garden tomato basil onion dough oven yeast flour training model evaluation metric baseline variance " +
  "holiday flight hotel museum ticket meeting agenda minutes summary draft letter grammar sentence paragraph " +
  "spreadsheet formula column chart pivot filter budget savings mortgage interest loan payment receipt tax"
).split(" ");
const LANGUAGES = ["python", "typescript", "sql", "bash"] as const;

function words(prng: Prng, min: number, max: number): string {
  const n = prng.int(min, max);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(prng.pick(WORDS));
  return out.join(" ");
}

function sentence(prng: Prng, min: number, max: number): string {
  const body = words(prng, min, max);
  return `${body.charAt(0).toUpperCase()}${body.slice(1)}.`;
}

function codeBlock(prng: Prng): string {
  const lang = prng.pick(LANGUAGES);
  const name = `${prng.pick(WORDS)}_${prng.pick(WORDS)}`;
  const body =
    lang === "python"
      ? `def ${name}(xs):\n    return sorted(xs)[:${prng.int(1, 9)}]`
      : lang === "typescript"
        ? `export function ${name}(xs: number[]): number {\n  return xs.reduce((a, b) => a + b, ${prng.int(0, 9)});\n}`
        : lang === "sql"
          ? `SELECT ${prng.pick(WORDS)}, COUNT(*) FROM ${name} GROUP BY 1 LIMIT ${prng.int(1, 99)};`
          : `grep -rn "${prng.pick(WORDS)}" ./${name} | head -n ${prng.int(1, 20)}`;
  return "```" + lang + "\n" + body + "\n```";
}

const COUNTABLE = new Set(["text", "multimodal_text", "code"]);

/** The text and attachment pointers of a planned message, as the export's own viewer would show them. */
function specText(m: MessageSpec): { text: string; assets: string[] } {
  if (m.contentType !== "multimodal_text") return { text: (m.text ?? "").trim(), assets: [] };
  const texts: string[] = [];
  const assets: string[] = [];
  for (const part of m.parts ?? [m.text ?? ""]) {
    if (typeof part === "string") texts.push(part);
    else if (typeof part === "object" && part !== null && !Array.isArray(part)) {
      if (part.content_type === "audio_transcription" && typeof part.text === "string") texts.push(part.text);
      else assets.push(String(part.asset_pointer ?? part.content_type));
    }
  }
  return { text: texts.join("\n").trim(), assets };
}

/** Tracks facts as messages are planned, mirroring the documented unit rule on the spec level. */
class FactsRecorder {
  readonly facts: SyntheticExportFacts;
  private readonly seen = new Set<string>();
  private readonly days = new Set<number>();
  private readonly models = new Set<string>();

  constructor() {
    this.facts = {
      conversations: 0,
      conversationFiles: 0,
      nodes: 0,
      messages: 0,
      visibleMessages: 0,
      hiddenMessages: 0,
      branches: 0,
      roles: { user: 0, assistant: 0, system: 0, tool: 0, other: 0 },
      userMessages: 0,
      assistantMessages: 0,
      units: 0,
      duplicateMessages: 0,
      userCharacters: 0,
      codeMessages: 0,
      models: [],
      activeDays: 0,
      contentTypes: {},
      attachments: { total: 0, files: 0, dalleGenerations: 0, userFolders: 0, other: 0 },
      feedbackRecords: 0,
      modelComparisons: 0,
      sharedConversations: 0,
      firstTime: Number.POSITIVE_INFINITY,
      lastTime: Number.NEGATIVE_INFINITY,
    };
  }

  private countMessage(m: MessageSpec): void {
    const f = this.facts;
    f.messages++;
    const role = m.role;
    if (role === "user" || role === "assistant" || role === "system" || role === "tool") f.roles[role]++;
    else f.roles.other++;
    const type = m.contentType ?? "text";
    f.contentTypes[type] = (f.contentTypes[type] ?? 0) + 1;
  }

  conversation(spec: ConversationSpec, defaultModel: string): void {
    const f = this.facts;
    f.conversations++;
    const offPath = (spec.branches ?? []).reduce((n, b) => n + b.messages.length, 0);
    f.nodes += 1 + spec.messages.length + offPath;
    f.branches += offPath;
    for (const b of spec.branches ?? []) b.messages.forEach((m) => this.countMessage(m));
    f.firstTime = Math.min(f.firstTime, spec.createTime);
    f.lastTime = Math.max(f.lastTime, typeof spec.updateTime === "number" ? spec.updateTime : spec.createTime);
    spec.messages.forEach((m, i) => {
      this.countMessage(m);
      f.visibleMessages++;
      if (m.hidden === true) {
        f.hiddenMessages++;
        return;
      }
      if ((m.role !== "user" && m.role !== "assistant") || !COUNTABLE.has(m.contentType ?? "text")) return;
      const { text, assets } = specText(m);
      if (text.length === 0 && assets.length === 0) return;
      const key = `${m.role}|${text}|${assets.join("|")}`;
      if (this.seen.has(key)) {
        f.duplicateMessages++;
        return;
      }
      this.seen.add(key);
      f.units++;
      if (m.contentType === "code" || text.includes("```")) f.codeMessages++;
      if (m.role === "user") {
        f.userMessages++;
        f.userCharacters += text.length;
        // No time: buildConversation's default; null: the reader falls back to the conversation's.
        const time = m.time === undefined ? spec.createTime + 10 * (i + 1) : (m.time ?? spec.createTime);
        this.days.add(Math.floor(time / 86_400));
      } else {
        f.assistantMessages++;
        this.models.add(m.model ?? defaultModel);
      }
    });
  }

  attachment(name: string): void {
    const a = this.facts.attachments;
    a.total++;
    if (name.startsWith("dalle-generations/")) a.dalleGenerations++;
    else if (name.startsWith("user-")) a.userFolders++;
    else a.files++;
  }

  finish(): SyntheticExportFacts {
    this.facts.activeDays = this.days.size;
    this.facts.models = [...this.models].sort();
    const sorted: Record<string, number> = {};
    for (const key of Object.keys(this.facts.contentTypes).sort()) sorted[key] = this.facts.contentTypes[key];
    this.facts.contentTypes = sorted;
    return this.facts;
  }
}

interface Planner {
  readonly prng: Prng;
  readonly options: Required<
    Pick<
      SyntheticExportOptions,
      | "branches"
      | "multimodal"
      | "code"
      | "tools"
      | "reasoning"
      | "hiddenMessages"
      | "unknownContentTypes"
      | "attachments"
      | "maxTurns"
    >
  >;
  readonly userId: string;
  readonly models: readonly string[];
  readonly files: Record<string, Uint8Array>;
  readonly recorder: FactsRecorder;
}

function fakeImage(prng: Prng, magic: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(64 + prng.int(0, 64));
  bytes.set(magic);
  for (let i = magic.length; i < bytes.length; i++) bytes[i] = prng.int(0, 255);
  return bytes;
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const WEBP = [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50];

function addFile(plan: Planner, name: string, data: Uint8Array): void {
  plan.files[name] = data;
  plan.recorder.attachment(name);
}

function imagePart(plan: Planner, conversationIndex: number): JsonObject {
  const fileId = `file-${plan.prng.hex(24)}`;
  if (plan.options.attachments) {
    const name =
      conversationIndex % 2 === 0
        ? `${fileId}-photo.png`
        : `${plan.userId}/${fileId.replace("file-", "file_")}-photo.png`;
    addFile(plan, name, fakeImage(plan.prng, PNG));
  }
  return {
    content_type: "image_asset_pointer",
    asset_pointer: `file-service://${fileId}`,
    size_bytes: plan.prng.int(20_000, 900_000),
    width: 1024,
    height: 768,
    fovea: null,
    metadata: null,
  };
}

/** Plans one exchange (user prompt and everything up to the assistant's final answer). */
function planTurn(plan: Planner, model: string, time: () => number, index: number): MessageSpec[] {
  const { prng, options } = plan;
  const out: MessageSpec[] = [];
  const prompt = `${prng.pick(STEMS)} ${prng.pick(VERBS)} ${words(prng, 3, 30)}?`;
  if (options.multimodal && prng.chance(0.08)) {
    out.push({ role: "user", contentType: "multimodal_text", parts: [imagePart(plan, index), prompt], time: time() });
  } else if (options.multimodal && prng.chance(0.04)) {
    const audio = `file_${prng.hex(32)}`;
    out.push({
      role: "user",
      contentType: "multimodal_text",
      parts: [
        { content_type: "audio_transcription", text: prompt, direction: "in", decoding_id: null },
        {
          content_type: "audio_asset_pointer",
          asset_pointer: `sediment://${audio}`,
          size_bytes: 48_000,
          format: "wav",
        },
      ],
      time: time(),
    });
  } else {
    out.push({ role: "user", text: prompt, time: time() });
  }
  if (options.reasoning && model.startsWith("o")) {
    out.push({ role: "assistant", contentType: "thoughts", text: sentence(prng, 8, 20), model, time: time() });
    out.push({
      role: "assistant",
      contentType: "reasoning_recap",
      text: `Thought for ${prng.int(2, 40)} seconds`,
      model,
      time: time(),
    });
  }
  if (options.tools && prng.chance(0.12)) {
    out.push({
      role: "assistant",
      contentType: "code",
      text: `import math\nprint(math.sqrt(${prng.int(2, 999)}))`,
      model,
      recipient: "python",
      time: time(),
    });
    out.push({
      role: "tool",
      name: "python",
      contentType: "execution_output",
      text: String(prng.int(1, 99)),
      time: time(),
    });
  }
  if (options.tools && prng.chance(0.08)) {
    out.push({
      role: "tool",
      name: "browser",
      contentType: "tether_browsing_display",
      text: sentence(prng, 5, 12),
      time: time(),
    });
    out.push({ role: "tool", name: "browser", contentType: "tether_quote", text: sentence(prng, 5, 12), time: time() });
  }
  if (options.tools && prng.chance(0.02)) {
    out.push({ role: "tool", name: "python", contentType: "system_error", text: "Execution timed out", time: time() });
  }
  if (options.unknownContentTypes && prng.chance(0.05)) {
    out.push({
      role: "tool",
      name: "plugin",
      contentType: prng.pick(UNKNOWN_TYPES),
      text: sentence(prng, 3, 8),
      time: time(),
    });
  }
  if (options.attachments && options.tools && prng.chance(0.03)) {
    const fileId = `file-${prng.hex(24)}`;
    addFile(plan, `dalle-generations/${fileId}-${prng.uuid()}.webp`, fakeImage(prng, WEBP));
    out.push({
      role: "tool",
      name: "dalle.text2im",
      contentType: "multimodal_text",
      parts: [
        { content_type: "image_asset_pointer", asset_pointer: `file-service://${fileId}`, width: 1024, height: 1024 },
      ],
      time: time(),
    });
  }
  const answer =
    options.code && prng.chance(0.22)
      ? `${sentence(prng, 8, 25)}\n\n${codeBlock(prng)}\n\n${sentence(prng, 5, 15)}`
      : `${sentence(prng, 10, 40)} ${sentence(prng, 6, 30)}`;
  out.push({ role: "assistant", text: answer, model, time: time() });
  return out;
}

function planConversation(plan: Planner, index: number, createTime: number): { spec: ConversationSpec; model: string } {
  const { prng, options } = plan;
  const model = prng.pick(plan.models);
  let clock = createTime;
  const time = (): number => {
    clock += prng.int(5, 240) + prng.int(0, 999) / 1000;
    return Math.round(clock * 1000) / 1000;
  };
  const messages: MessageSpec[] = [];
  const branches: BranchSpec[] = [];
  if (options.hiddenMessages && prng.chance(0.8)) messages.push({ role: "system", text: "", hidden: true, time: null });
  if (options.hiddenMessages && prng.chance(0.2)) {
    messages.push({
      role: "user",
      contentType: "user_editable_context",
      text: "Answer briefly.",
      hidden: true,
      time: null,
    });
  }
  const turns = prng.int(1, Math.max(1, options.maxTurns));
  for (let t = 0; t < turns; t++) {
    const before = messages.length;
    const turn = planTurn(plan, model, time, index);
    messages.push(...turn);
    if (options.branches && prng.chance(0.1)) {
      // An edit: the earlier prompt and its answer stay in the tree, off the visible path.
      branches.push({
        from: before - 1,
        messages: [
          { role: "user", text: `${prng.pick(STEMS)} ${words(prng, 3, 12)}?`, time: time() },
          { role: "assistant", text: sentence(prng, 8, 30), model, time: time() },
        ],
      });
    }
    if (options.branches && prng.chance(0.15)) {
      // A regeneration: an earlier answer to the same prompt, off the visible path.
      branches.push({
        from: before,
        messages: [{ role: "assistant", text: sentence(prng, 8, 30), model, time: time() }],
      });
    }
  }
  const title = words(prng, 2, 5);
  const spec: ConversationSpec = {
    id: prng.uuid(),
    title: title.charAt(0).toUpperCase() + title.slice(1),
    createTime,
    updateTime: Math.round((clock + prng.int(0, 600)) * 1000) / 1000,
    model,
    messages,
    branches,
  };
  return { spec, model };
}

function sideRecords(
  prng: Prng,
  conversationIds: readonly string[],
  count: number,
  make: (id: string, i: number) => JsonObject,
): JsonObject[] {
  const out: JsonObject[] = [];
  for (let i = 0; i < count && conversationIds.length > 0; i++) out.push(make(prng.pick(conversationIds), i));
  return out;
}

/** A realistic random export and the facts it was built from. */
export function generateSyntheticExport(options: SyntheticExportOptions = {}): SyntheticExport {
  const prng = new Prng(options.seed ?? 1);
  const count = Math.max(0, Math.floor(options.conversations ?? 12));
  const userId = options.userId ?? DEFAULT_USER_ID;
  const start = options.startTime ?? DEFAULT_START_TIME;
  const recorder = new FactsRecorder();
  const plan: Planner = {
    prng,
    userId,
    models: options.models !== undefined && options.models.length > 0 ? options.models : DEFAULT_MODELS,
    files: {},
    recorder,
    options: {
      branches: options.branches ?? true,
      multimodal: options.multimodal ?? true,
      code: options.code ?? true,
      tools: options.tools ?? true,
      reasoning: options.reasoning ?? true,
      hiddenMessages: options.hiddenMessages ?? true,
      unknownContentTypes: options.unknownContentTypes ?? true,
      attachments: options.attachments ?? true,
      maxTurns: options.maxTurns ?? 6,
    },
  };
  const conversations: JsonObject[] = [];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const createTime = start + i * 29_000 + prng.int(0, 20_000) + prng.int(0, 999_999) / 1_000_000;
    const { spec, model } = planConversation(plan, i, createTime);
    recorder.conversation(spec, model);
    conversations.push(buildConversation(spec));
    ids.push(spec.id);
  }
  const feedbackCount = options.feedback ?? Math.floor(count / 8);
  const comparisonCount = options.modelComparisons ?? Math.floor(count / 40);
  const sharedCount = options.sharedConversations ?? Math.floor(count / 16);
  const feedback = sideRecords(prng, ids, feedbackCount, (id, i) => ({
    id: prng.uuid(),
    conversation_id: id,
    user_id: userId,
    rating: i % 3 === 0 ? "thumbsDown" : "thumbsUp",
    create_time: new Date((start + i * 3_600) * 1000).toISOString(),
    workspace_id: null,
    content: "{}",
    storage_protocol: "zstd::1.5.5",
  }));
  const comparisons = sideRecords(prng, ids, comparisonCount, (id) => ({
    id: prng.uuid(),
    conversation_id: id,
    user_id: userId,
    input: { prompt: words(prng, 3, 8) },
    output: { chosen: prng.int(0, 1) },
    metadata: {},
    create_time: start,
  }));
  const shared = sideRecords(prng, ids, sharedCount, (id) => ({
    id: prng.uuid(),
    conversation_id: id,
    title: words(prng, 2, 4),
    is_anonymous: true,
  }));
  const facts = recorder.finish();
  facts.feedbackRecords = feedback.length;
  facts.modelComparisons = comparisons.length;
  facts.sharedConversations = shared.length;
  const layout = options.layout ?? "single";
  const perFile = Math.max(1, Math.floor(options.conversationsPerFile ?? 100));
  facts.conversationFiles = layout === "split" ? Math.max(1, Math.ceil(count / perFile)) : 1;
  const zip = buildExportZip({
    conversations,
    layout,
    conversationsPerFile: perFile,
    user: defaultUser(userId),
    feedback,
    modelComparisons: comparisons,
    sharedConversations: shared,
    userSettings: options.userSettings === false ? null : undefined,
    chatHtml: options.chatHtml !== undefined ? options.chatHtml : count <= 200 ? "full" : "stub",
    extraFiles: plan.files,
    compressionLevel: options.compressionLevel,
  });
  return { zip, facts, userId };
}

/** The bytes of a realistic random export (see {@link generateSyntheticExport}). */
export function buildSyntheticExport(options: SyntheticExportOptions = {}): Uint8Array {
  return generateSyntheticExport(options).zip;
}

// ---------------------------------------------------------------------------------------------
// Layer 3: broken archives and fakes
// ---------------------------------------------------------------------------------------------

/** Offsets of one entry's records in a zip. */
interface EntryRecords {
  readonly name: string;
  readonly central: number;
  readonly local: number;
}

function r16(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}

function r32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

function w16(b: Uint8Array, i: number, v: number): void {
  b[i] = v & 0xff;
  b[i + 1] = (v >>> 8) & 0xff;
}

function w32(b: Uint8Array, i: number, v: number): void {
  b[i] = v & 0xff;
  b[i + 1] = (v >>> 8) & 0xff;
  b[i + 2] = (v >>> 16) & 0xff;
  b[i + 3] = (v >>> 24) & 0xff;
}

function eocdOffset(zip: Uint8Array): number {
  for (let i = zip.length - 22; i >= 0; i--) if (r32(zip, i) === 0x06054b50) return i;
  throw new Error("no end of central directory");
}

function entryRecords(zip: Uint8Array): EntryRecords[] {
  const eocd = eocdOffset(zip);
  const out: EntryRecords[] = [];
  let p = r32(zip, eocd + 16);
  for (let k = 0; k < r16(zip, eocd + 10); k++) {
    const nameLength = r16(zip, p + 28);
    const name = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLength));
    out.push({ name, central: p, local: r32(zip, p + 42) });
    p += 46 + nameLength + r16(zip, p + 30) + r16(zip, p + 32);
  }
  return out;
}

function recordsOf(zip: Uint8Array, name: string): EntryRecords {
  const found = entryRecords(zip).find((r) => r.name === name);
  if (found === undefined) throw new Error(`no entry ${name}`);
  return found;
}

/** Rewrites the uncompressed size an entry declares (central directory and local header). */
export function patchDeclaredSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const out = zip.slice();
  const r = recordsOf(out, name);
  w32(out, r.central + 24, size);
  w32(out, r.local + 22, size);
  return out;
}

/** Rewrites the CRC-32 an entry declares. */
export function patchCrc(zip: Uint8Array, name: string, crc: number): Uint8Array {
  const out = zip.slice();
  const r = recordsOf(out, name);
  w32(out, r.central + 16, crc);
  w32(out, r.local + 14, crc);
  return out;
}

/** Sets general-purpose flag bits of an entry (bit 0: encrypted). */
export function patchFlags(zip: Uint8Array, name: string, flags: number): Uint8Array {
  const out = zip.slice();
  const r = recordsOf(out, name);
  w16(out, r.central + 8, flags);
  w16(out, r.local + 6, flags);
  return out;
}

/** Renames an entry in place; the new name must have the same byte length. */
export function patchName(zip: Uint8Array, from: string, to: string): Uint8Array {
  const bytes = strToU8(to);
  if (bytes.length !== strToU8(from).length) throw new Error("names must have the same length");
  const out = zip.slice();
  const r = recordsOf(out, from);
  out.set(bytes, r.central + 46);
  out.set(bytes, r.local + 30);
  return out;
}

/** A zip whose second entry's data lies inside the first, stored entry (the overlapping-files bomb). */
function overlappingZip(): Uint8Array {
  const innerName = strToU8("inner.txt");
  const innerData = strToU8("overlap");
  const innerCrc = crc32(innerData);
  const innerLocal = new Uint8Array(30 + innerName.length + innerData.length);
  w32(innerLocal, 0, 0x04034b50);
  w16(innerLocal, 4, 20);
  w32(innerLocal, 14, innerCrc);
  w32(innerLocal, 18, innerData.length);
  w32(innerLocal, 22, innerData.length);
  w16(innerLocal, 26, innerName.length);
  innerLocal.set(innerName, 30);
  innerLocal.set(innerData, 30 + innerName.length);

  const outerName = strToU8("outer.bin");
  const outerData = innerLocal;
  const outerLocal = new Uint8Array(30 + outerName.length);
  w32(outerLocal, 0, 0x04034b50);
  w16(outerLocal, 4, 20);
  w32(outerLocal, 14, crc32(outerData));
  w32(outerLocal, 18, outerData.length);
  w32(outerLocal, 22, outerData.length);
  w16(outerLocal, 26, outerName.length);
  outerLocal.set(outerName, 30);

  const central = (name: Uint8Array, crc: number, size: number, offset: number): Uint8Array => {
    const c = new Uint8Array(46 + name.length);
    w32(c, 0, 0x02014b50);
    w16(c, 4, 20);
    w16(c, 6, 20);
    w32(c, 16, crc);
    w32(c, 20, size);
    w32(c, 24, size);
    w16(c, 28, name.length);
    w32(c, 42, offset);
    c.set(name, 46);
    return c;
  };
  const body = new Uint8Array([...outerLocal, ...outerData]);
  const cd = new Uint8Array([
    ...central(outerName, crc32(outerData), outerData.length, 0),
    ...central(innerName, innerCrc, innerData.length, outerLocal.length),
  ]);
  const eocd = new Uint8Array(22);
  w32(eocd, 0, 0x06054b50);
  w16(eocd, 8, 2);
  w16(eocd, 10, 2);
  w32(eocd, 12, cd.length);
  w32(eocd, 16, body.length);
  return new Uint8Array([...body, ...cd, ...eocd]);
}

/** Every kind of broken or fake export {@link buildBrokenExport} can make. */
export const BROKEN_KINDS = [
  "not-a-zip",
  "truncated",
  "path-traversal",
  "path-traversal-backslash",
  "absolute-path",
  "absolute-drive-path",
  "symlink",
  "duplicate-entry",
  "overlapping-entries",
  "too-many-entries",
  "zip64",
  "encrypted",
  "oversize-declared",
  "oversize-inflated",
  "ratio-bomb",
  "lying-ratio-bomb",
  "size-mismatch",
  "crc-mismatch",
  "lying-attachment-bomb",
  "attachment-crc-mismatch",
  "missing-conversations",
  "missing-user",
  "nested-folder",
  "split-gap",
  "manifest-missing-part",
  "malformed-conversations",
  "malformed-feedback",
  "invalid-utf8",
  "conversations-not-array",
  "chat-html-not-html",
  "fake-missing-fields",
  "fake-no-mapping",
  "fake-no-root",
  "fake-parent-cycle",
  "fake-no-role",
  "fake-no-content-type",
  "fake-no-user-id",
  "fake-duplicate-conversation",
  "spam",
] as const;

export type BrokenKind = (typeof BROKEN_KINDS)[number];

export interface BrokenExport {
  readonly bytes: Uint8Array;
  /** Limits to read it with, when the defaults would not show the problem quickly. */
  readonly limits?: Partial<ExportLimits>;
}

/** A small valid export's conversations, to derive fakes from. */
function baseConversations(count = 3): JsonObject[] {
  const out: JsonObject[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      buildConversation({
        id: `base-conversation-${i}`,
        title: `Base ${i}`,
        createTime: DEFAULT_START_TIME + i * 86_400,
        model: "gpt-4o",
        messages: [
          { role: "system", text: "", hidden: true, time: null },
          { role: "user", text: `Question number ${i}: how do I water tomatoes?` },
          { role: "assistant", text: `Answer number ${i}: deeply, twice a week.`, model: "gpt-4o" },
        ],
      }),
    );
  }
  return out;
}

function baseFiles(overrides: Partial<ExportFilesSpec> = {}): Record<string, Uint8Array | string> {
  return buildExportFiles({ conversations: baseConversations(), ...overrides });
}

function firstMessageNode(conversation: JsonObject): JsonObject {
  const mapping = conversation.mapping as JsonObject;
  for (const node of Object.values(mapping)) {
    const n = node as JsonObject;
    if (n.message !== null) return n;
  }
  throw new Error("no message");
}

function fakeWith(mutate: (conversations: JsonObject[]) => void): BrokenExport {
  const conversations = baseConversations();
  mutate(conversations);
  return { bytes: buildExportZip({ conversations }) };
}

function zeros(length: number): Uint8Array {
  return new Uint8Array(length);
}

/** Builds one broken or fake export. The expected error is up to the caller (tests own expectations). */
export function buildBrokenExport(kind: BrokenKind): BrokenExport {
  switch (kind) {
    case "not-a-zip":
      return { bytes: strToU8("This is a text file, not a zip archive.\n".repeat(10)) };
    case "truncated": {
      const zip = zipFiles(baseFiles());
      return { bytes: zip.subarray(0, Math.floor(zip.length / 2)) };
    }
    case "path-traversal":
      return { bytes: zipFiles({ ...baseFiles(), "../../evil.sh": "echo pwned" }) };
    case "path-traversal-backslash":
      return { bytes: zipFiles({ ...baseFiles(), "dalle-generations\\..\\..\\evil.sh": "echo pwned" }) };
    case "absolute-path":
      return { bytes: zipFiles({ ...baseFiles(), "/etc/cron.d/evil": "* * * * * root sh" }) };
    case "absolute-drive-path":
      return { bytes: zipFiles({ ...baseFiles(), "C:/Windows/evil.dll": "MZ" }) };
    case "symlink": {
      const files: Zippable = {};
      for (const [name, data] of Object.entries(baseFiles()))
        files[name] = typeof data === "string" ? strToU8(data) : data;
      files["file-link.png"] = [strToU8("/etc/passwd"), { os: 3, attrs: (0o120777 << 16) >>> 0 }];
      return { bytes: zipSync(files, { mtime: fixedMtime() }) };
    }
    case "duplicate-entry":
      return { bytes: patchName(zipFiles({ ...baseFiles(), "user.jsox": "{}" }), "user.jsox", "user.json") };
    case "overlapping-entries":
      return { bytes: overlappingZip() };
    case "too-many-entries": {
      // One more entry than a limit of 100 (the default, 60,000, is the same check at scale).
      const files = baseFiles();
      const extra = 101 - Object.keys(files).length;
      for (let i = 0; i < extra; i++) files[`file-${String(i).padStart(5, "0")}.txt`] = "x";
      return { bytes: zipFiles(files, 0), limits: { maxEntries: 100 } };
    }
    case "zip64": {
      const zip = zipFiles(baseFiles());
      const out = zip.slice();
      const eocd = eocdOffset(out);
      w16(out, eocd + 8, 0xffff);
      w16(out, eocd + 10, 0xffff);
      return { bytes: out };
    }
    case "encrypted":
      return { bytes: patchFlags(zipFiles(baseFiles()), "user.json", 1) };
    case "oversize-declared":
      // The header claims 3 GiB: rejected before anything is inflated.
      return {
        bytes: patchDeclaredSize(zipFiles(baseFiles()), "conversations.json", 3 * 1024 * 1024 * 1024),
        limits: { maxEntryUncompressedBytes: 2 * 1024 * 1024 * 1024 },
      };
    case "oversize-inflated": {
      // A JSON string of 1.5 MiB of random letters (barely compressible) that declares 1 KiB,
      // read with a 1 MiB total limit.
      const prng = new Prng(7);
      const body = new Uint8Array(1.5 * 1024 * 1024);
      for (let i = 0; i < body.length; i++) body[i] = 0x61 + (prng.u32() % 26);
      body.set([0x5b, 0x22]);
      body.set([0x22, 0x5d], body.length - 2);
      const zip = zipFiles({ ...baseFiles(), "conversations.json": body }, 1);
      return {
        bytes: patchDeclaredSize(zip, "conversations.json", 1024),
        limits: { maxTotalUncompressedBytes: 1024 * 1024 },
      };
    }
    case "ratio-bomb":
      // An honest header: 4 MiB of zeros in ~4 KiB (ratio ~1000:1).
      return { bytes: zipFiles({ ...baseFiles(), "file-bomb.png": zeros(4 * 1024 * 1024) }, 9) };
    case "lying-ratio-bomb": {
      // Valid JSON (an array padded with 4 MiB of spaces) whose header claims 2 KiB.
      const body = new Uint8Array(4 * 1024 * 1024).fill(0x20);
      body[0] = 0x5b;
      body[body.length - 1] = 0x5d;
      const zip = zipFiles({ ...baseFiles(), "conversations.json": body }, 9);
      return { bytes: patchDeclaredSize(zip, "conversations.json", 2048) };
    }
    case "size-mismatch": {
      const zip = zipFiles(baseFiles());
      const r = recordsOf(zip, "user.json");
      return { bytes: patchDeclaredSize(zip, "user.json", r32(zip, r.central + 24) - 1) };
    }
    case "crc-mismatch": {
      const zip = zipFiles(baseFiles());
      const r = recordsOf(zip, "conversations.json");
      return { bytes: patchCrc(zip, "conversations.json", (r32(zip, r.central + 16) ^ 1) >>> 0) };
    }
    case "lying-attachment-bomb": {
      // Never parsed, but still inflated and checked: 4 MiB of zeros claiming to be a 4 KiB image.
      const zip = zipFiles({ ...baseFiles(), "file-AbCdEf-photo.png": zeros(4 * 1024 * 1024) }, 9);
      return { bytes: patchDeclaredSize(zip, "file-AbCdEf-photo.png", 4096) };
    }
    case "attachment-crc-mismatch": {
      const name = "dalle-generations/file-XyZ-00000000-0000-4000-8000-000000000000.webp";
      const zip = zipFiles({ ...baseFiles(), [name]: new Uint8Array([0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4]) });
      const r = recordsOf(zip, name);
      return { bytes: patchCrc(zip, name, (r32(zip, r.central + 16) ^ 0x80) >>> 0) };
    }
    case "missing-conversations":
      return { bytes: zipFiles(baseFiles({ omit: ["conversations.json"] })) };
    case "missing-user":
      return { bytes: zipFiles(baseFiles({ user: null })) };
    case "nested-folder": {
      const nested: Record<string, Uint8Array | string> = {};
      for (const [name, data] of Object.entries(baseFiles())) nested[`chatgpt-export/${name}`] = data;
      return { bytes: zipFiles(nested) };
    }
    case "split-gap":
      return {
        bytes: zipFiles(
          buildExportFiles({
            conversations: baseConversations(3),
            layout: "split",
            conversationsPerFile: 1,
            manifest: false,
            omit: ["conversations-001.json"],
          }),
        ),
      };
    case "manifest-missing-part": {
      const files = buildExportFiles({ conversations: baseConversations(2), layout: "split", conversationsPerFile: 1 });
      files["export_manifest.json"] = JSON.stringify({
        export_version: 2,
        files: [
          { path: "conversations-000.json" },
          { path: "conversations-001.json" },
          { path: "conversations-002.json" },
        ],
      });
      return { bytes: zipFiles(files) };
    }
    case "malformed-conversations": {
      const text = JSON.stringify(baseConversations());
      return { bytes: zipFiles({ ...baseFiles(), "conversations.json": text.slice(0, text.length - 40) }) };
    }
    case "malformed-feedback":
      return { bytes: zipFiles({ ...baseFiles(), "message_feedback.json": '[{"id": "f1", "rating": ' }) };
    case "invalid-utf8":
      return { bytes: zipFiles({ ...baseFiles(), "user.json": new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) }) };
    case "conversations-not-array":
      return { bytes: zipFiles({ ...baseFiles(), "conversations.json": '{"conversations": []}' }) };
    case "chat-html-not-html":
      return { bytes: zipFiles({ ...baseFiles(), "chat.html": "just some text" }) };
    case "fake-missing-fields":
      return fakeWith((cs) => {
        delete cs[1].create_time;
        delete cs[1].update_time;
      });
    case "fake-no-mapping":
      return fakeWith((cs) => {
        delete cs[0].mapping;
      });
    case "fake-no-root":
      return fakeWith((cs) => {
        const mapping = cs[2].mapping as JsonObject;
        const root = Object.keys(mapping).find((k) => (mapping[k] as JsonObject).parent === null) as string;
        delete mapping[root];
      });
    case "fake-parent-cycle":
      return fakeWith((cs) => {
        const mapping = cs[0].mapping as JsonObject;
        const root = Object.values(mapping).find((n) => (n as JsonObject).parent === null) as JsonObject;
        root.parent = cs[0].current_node;
      });
    case "fake-no-role":
      return fakeWith((cs) => {
        const message = firstMessageNode(cs[1]).message as JsonObject;
        delete (message.author as JsonObject).role;
      });
    case "fake-no-content-type":
      return fakeWith((cs) => {
        const message = firstMessageNode(cs[0]).message as JsonObject;
        message.content = { parts: ["no type"] };
      });
    case "fake-no-user-id":
      return { bytes: zipFiles(baseFiles({ user: { email: "someone@example.org", chatgpt_plus_user: false } })) };
    case "fake-duplicate-conversation":
      return fakeWith((cs) => {
        cs[2].id = cs[0].id;
        cs[2].conversation_id = cs[0].conversation_id;
      });
    case "spam": {
      // 30 conversations, each the same prompt and the same answer.
      const conversations: JsonObject[] = [];
      for (let i = 0; i < 30; i++) {
        conversations.push(
          buildConversation({
            id: `spam-${i}`,
            createTime: DEFAULT_START_TIME + i * 60,
            messages: [
              { role: "user", text: "Give me tokens please" },
              { role: "assistant", text: "I cannot help with that.", model: "gpt-4o" },
            ],
          }),
        );
      }
      return { bytes: buildExportZip({ conversations }) };
    }
  }
}
