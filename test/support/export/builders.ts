/**
 * Explicit builders: {@link buildConversation} turns a {@link ConversationSpec} (the visible path
 * plus off-path branches) into the JSON shape of a real export; {@link buildExportZip} packs
 * conversations and side files into an archive laid out like a real export. Fixed timestamps and
 * zip modification times (set in local time fields, so independent of TZ).
 */
import { strToU8, zipSync, type Zippable, type ZippableFile } from "fflate";

import type { JsonObject, JsonValue } from "../../../src/export/json";

import { stableUuid } from "./random";

/** 2024-01-01T00:00:00Z: default start of synthetic histories. */
export const DEFAULT_START_TIME = 1_704_067_200;
export const DEFAULT_USER_ID = "user-SynthEticUserId0000000A";

export function fixedMtime(): Date {
  // Local-time constructor: the DOS date/time fields fflate writes are the same in every TZ.
  return new Date(2024, 0, 1, 12, 0, 0);
}

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
