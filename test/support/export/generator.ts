/**
 * {@link generateSyntheticExport}: a seeded, realistic random export (edits/regenerations,
 * multimodal parts, code and execution output, browsing and tool messages, reasoning, hidden
 * system/context messages, unknown content types, uploads and DALL·E images, feedback, ...)
 * together with the facts it was built from (`facts`), so tests can check the reader against the
 * construction. {@link buildSyntheticExport} returns the bytes only. A pure function of its
 * options (seeded PRNG, no `Math.random`).
 */
import type { JsonObject } from "../../../src/export/json";

import {
  buildConversation,
  buildExportZip,
  defaultUser,
  DEFAULT_START_TIME,
  DEFAULT_USER_ID,
  type BranchSpec,
  type ConversationSpec,
  type MessageSpec,
} from "./builders";
import { Prng } from "./random";

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
  /** Explicit conversations appended after the random ones (not counted in the facts), e.g. planted secrets. */
  readonly extraConversations?: readonly ConversationSpec[];
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

export function words(prng: Prng, min: number, max: number): string {
  const n = prng.int(min, max);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(prng.pick(WORDS));
  return out.join(" ");
}

export function sentence(prng: Prng, min: number, max: number): string {
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
  for (const spec of options.extraConversations ?? []) conversations.push(buildConversation(spec));
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
