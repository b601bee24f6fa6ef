/**
 * One raw conversation → one refined conversation (see `docs/dataset.md` for the format).
 *
 * The visible conversation is the path from `current_node` up to the root, read root first. On it,
 * a message is kept when it is not hidden (`metadata.is_visually_hidden_from_conversation`) and has
 * at least one part after refinement; every text it carries goes through the {@link Redactor}.
 * Content types become typed parts; `user_editable_context` (the account's "about me" profile and
 * custom instructions), `reasoning_recap` (a UI line) and unknown types are left out and counted.
 *
 * Every object below is built with its keys in ascending order and `undefined` for absent members,
 * so `JSON.stringify` (native, fast) writes exactly the canonical JSON of `canonical.ts`; the tests
 * check that each line reads back to itself through `canonicalJson`.
 */
import { isKnownContentType } from "../export/content";
import { isObject, own, type JsonObject, type JsonValue } from "../export/json";
import { RefineError } from "./errors";
import type { Redactor } from "./redact";

/** A typed part of a refined message. */
export type RefinedPart =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "code"; readonly language?: string; readonly text: string }
  | { readonly type: "tool_output"; readonly text: string }
  | { readonly type: "browse"; readonly text: string }
  | { readonly type: "quote"; readonly title?: string; readonly url?: string; readonly text: string }
  | { readonly type: "reasoning"; readonly text: string }
  | { readonly type: "error"; readonly text: string }
  | { readonly type: "attachment"; readonly kind: "image" | "audio" | "video" | "file" };

export type RefinedFeedback = {
  readonly rating: "up" | "down";
  readonly tags?: readonly string[];
  readonly text?: string;
};

export type RefinedMessage = {
  readonly role: string;
  /** The export's `content_type` (one of those refined into parts). */
  readonly type: string;
  readonly parts: readonly RefinedPart[];
  /** Assistant model slug, e.g. `gpt-4o`. */
  readonly model?: string;
  /** Tool name (`python`, `browser`, `dalle.text2im`). */
  readonly name?: string;
  /** Who the message was addressed to when not everyone (`python`: a tool call). */
  readonly recipient?: string;
  /** `YYYY-MM-DDTHH:MM:SSZ`, only with precise times. */
  readonly time?: string;
  readonly feedback?: readonly RefinedFeedback[];
};

export type RefinedBranch = {
  /** Index in `messages` of the message the branch hangs below; -1 = before the first. */
  readonly from: number;
  readonly messages: readonly RefinedMessage[];
};

export type RefinedConversation = {
  readonly v: number;
  readonly id: string;
  readonly title: string | null;
  readonly created: string;
  readonly updated: string;
  readonly messages: readonly RefinedMessage[];
  readonly branches?: readonly RefinedBranch[];
  /** Feedback records that name no message of the conversation. */
  readonly feedback?: readonly RefinedFeedback[];
};

/** Feedback records of one conversation, by message id (`""` for records without one). */
export type ConversationFeedback = ReadonlyMap<string, readonly RefinedFeedback[]>;

/** One conversation's feedback and the message ids it was attached to so far. */
interface FeedbackState {
  readonly byMessage: ConversationFeedback;
  readonly attached: Set<string>;
}

export interface ConversationContext {
  readonly redactor: Redactor;
  readonly preciseTimes: boolean;
  readonly branches: boolean;
  /** Counts of content types left out (known names, `other` for the rest). */
  readonly skipped: Map<string, number>;
}

/** Model slugs, tool names, languages: kept only when they look like one (a slug could carry an e-mail). */
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9._+#-]{0,63}$/;
const MAX_TIME = 32_503_680_000;

function token(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" && TOKEN.test(value) ? value : undefined;
}

/** `YYYY-MM-DD` or, precise, `YYYY-MM-DDTHH:MM:SSZ` (UTC, seconds truncated). */
export function formatTime(seconds: number, precise: boolean): string {
  if (!precise) return formatDay(Math.floor(seconds / 86_400));
  return `${new Date(Math.floor(seconds) * 1000).toISOString().slice(0, 19)}Z`;
}

let lastDay = NaN;
let lastDayText = "";

/** A UTC day number as `YYYY-MM-DD`; conversations come in date order, so the last answer is usually it. */
function formatDay(day: number): string {
  if (day !== lastDay) {
    lastDayText = new Date(day * 86_400_000).toISOString().slice(0, 10);
    lastDay = day;
  }
  return lastDayText;
}

function time(value: JsonValue | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= MAX_TIME ? value : undefined;
}

function malformed(index: number, problem: string): RefineError {
  return new RefineError("MALFORMED_CONVERSATION", `Conversation #${index} ${problem}; it cannot be refined.`);
}

function skip(context: ConversationContext, type: string): void {
  // Unknown names are not repeated: a content type is export data and could carry anything.
  const name = isKnownContentType(type) ? type : "other";
  context.skipped.set(name, (context.skipped.get(name) ?? 0) + 1);
}

function attachmentKind(part: JsonObject): "image" | "audio" | "video" | "file" {
  const type = own(part, "content_type");
  if (typeof type !== "string") return "file";
  if (type.startsWith("image")) return "image";
  if (type.startsWith("audio")) return "audio";
  if (type.startsWith("video")) return "video";
  return "file";
}

function textPart(context: ConversationContext, text: string): RefinedPart | undefined {
  return text.trim().length === 0 ? undefined : { text: context.redactor.redact(text), type: "text" };
}

/** `value` when it is a string with something other than white space in it, else `undefined`. */
function nonBlank(value: JsonValue | undefined): string | undefined {
  if (typeof value !== "string" || value.length === 0) return undefined;
  // Printable ASCII (33-126) is never white space; anything else (U+00A0, U+3000, ...) is left to `trim`.
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  const edge = (first > 32 && first < 127) || (last > 32 && last < 127);
  return edge || value.trim().length > 0 ? value : undefined;
}

/** The parts of one message's content; empty when nothing is kept. */
function refineParts(context: ConversationContext, content: JsonObject, type: string): RefinedPart[] {
  const { redactor } = context;
  const parts: RefinedPart[] = [];
  const push = (part: RefinedPart | undefined): void => {
    if (part !== undefined) parts.push(part);
  };
  const field = (name: string): string | undefined => nonBlank(own(content, name));
  switch (type) {
    case "text":
    case "multimodal_text": {
      const raw = own(content, "parts");
      if (!Array.isArray(raw)) break;
      for (const part of raw) {
        // Plain text, nearly every part: straight to `parts`, no closure call.
        if (typeof part === "string") {
          if (nonBlank(part) !== undefined) parts.push({ text: redactor.redact(part), type: "text" });
        } else if (isObject(part)) {
          const transcript = own(part, "content_type") === "audio_transcription" ? own(part, "text") : undefined;
          // Attachments are never included, only marked: images and files can carry faces and documents.
          push(
            typeof transcript === "string"
              ? textPart(context, transcript)
              : { kind: attachmentKind(part), type: "attachment" },
          );
        }
      }
      break;
    }
    case "code": {
      const text = field("text");
      const language = token(own(content, "language"));
      if (text !== undefined) {
        push({ language: language === "unknown" ? undefined : language, text: redactor.redact(text), type: "code" });
      }
      break;
    }
    case "execution_output": {
      const text = field("text");
      if (text !== undefined) push({ text: redactor.redact(text), type: "tool_output" });
      break;
    }
    case "tether_browsing_display": {
      const text = field("result") ?? field("summary");
      if (text !== undefined) push({ text: redactor.redact(text), type: "browse" });
      break;
    }
    case "tether_quote": {
      const text = field("text");
      const title = field("title");
      const url = field("url");
      if (text !== undefined) {
        push({
          text: redactor.redact(text),
          title: title === undefined ? undefined : redactor.redact(title),
          type: "quote",
          url: url === undefined ? undefined : redactor.redact(url),
        });
      }
      break;
    }
    case "thoughts": {
      const thoughts = own(content, "thoughts");
      for (const thought of Array.isArray(thoughts) ? thoughts : []) {
        const text = isObject(thought) ? own(thought, "content") : undefined;
        if (typeof text === "string" && text.trim().length > 0)
          push({ text: redactor.redact(text), type: "reasoning" });
      }
      break;
    }
    case "system_error": {
      const text = field("text");
      if (text !== undefined) push({ text: redactor.redact(text), type: "error" });
      break;
    }
    default:
      skip(context, type);
  }
  return parts;
}

/** A refined message, or `undefined` when the node has none to keep. */
function refineMessage(
  context: ConversationContext,
  node: JsonObject,
  feedback: FeedbackState,
): RefinedMessage | undefined {
  const message = own(node, "message");
  if (!isObject(message)) return undefined;
  const metadata = own(message, "metadata");
  if (isObject(metadata) && own(metadata, "is_visually_hidden_from_conversation") === true) return undefined;
  const author = own(message, "author");
  const role = isObject(author) ? token(own(author, "role")) : undefined;
  const content = own(message, "content");
  const type = isObject(content) ? own(content, "content_type") : undefined;
  if (role === undefined || !isObject(content) || typeof type !== "string") return undefined;
  const parts = refineParts(context, content, type);
  if (parts.length === 0) return undefined;
  const id = own(message, "id");
  const sent = time(own(message, "create_time"));
  const rated = typeof id === "string" ? feedback.byMessage.get(id) : undefined;
  if (rated !== undefined) feedback.attached.add(id as string);
  const recipient = token(own(message, "recipient"));
  return {
    feedback: rated,
    model: role === "assistant" && isObject(metadata) ? token(own(metadata, "model_slug")) : undefined,
    name: role === "tool" && isObject(author) ? token(own(author, "name")) : undefined,
    parts,
    recipient: recipient === "all" ? undefined : recipient,
    role,
    time: context.preciseTimes && sent !== undefined ? formatTime(sent, true) : undefined,
    // Only the content types handled in `refineParts` yield parts, so `type` is one of those names.
    type,
  };
}

function nodeAt(mapping: JsonObject, id: JsonValue | undefined): JsonObject | undefined {
  if (typeof id !== "string") return undefined;
  const node = own(mapping, id);
  return isObject(node) ? node : undefined;
}

/**
 * Off-path branches: for each visible node, every child not on the path starts a branch that follows
 * the most recent (last) child down to a leaf. Alternatives below a branch's own forks are left out.
 */
function refineBranches(
  context: ConversationContext,
  mapping: JsonObject,
  path: readonly JsonObject[],
  indexOf: readonly number[],
  feedback: FeedbackState,
  size: number,
): RefinedBranch[] {
  const onPath = new Set<JsonObject>(path);
  const branches: RefinedBranch[] = [];
  path.forEach((node, position) => {
    const children = own(node, "children");
    for (const childId of Array.isArray(children) ? children : []) {
      let cursor = nodeAt(mapping, childId);
      if (cursor === undefined || onPath.has(cursor)) continue;
      const messages: RefinedMessage[] = [];
      for (let steps = 0; cursor !== undefined && steps < size; steps++) {
        const message = refineMessage(context, cursor, feedback);
        if (message !== undefined) messages.push(message);
        const next: JsonValue | undefined = own(cursor, "children");
        cursor = Array.isArray(next) && next.length > 0 ? nodeAt(mapping, next[next.length - 1]) : undefined;
      }
      if (messages.length > 0) branches.push({ from: indexOf[position], messages });
    }
  });
  return branches;
}

/** The salted id, title, day and raw id a conversation is matched and named by. */
export interface ConversationHead {
  readonly id: string;
  readonly title: string;
  readonly created: number;
  readonly updated: number;
}

/** Reads the head fields of a raw conversation. @throws RefineError `MALFORMED_CONVERSATION` */
export function conversationHead(raw: JsonValue, index: number): ConversationHead & { readonly raw: JsonObject } {
  if (!isObject(raw)) throw malformed(index, "is not an object");
  // The reader's order (`id`, then `conversation_id`): real exports carry both, equal.
  const id = own(raw, "id") ?? own(raw, "conversation_id");
  if (typeof id !== "string" || id.length === 0) throw malformed(index, "has no id");
  const created = time(own(raw, "create_time"));
  if (created === undefined) throw malformed(index, "has no valid create_time");
  const title = own(raw, "title");
  return {
    raw,
    id,
    title: typeof title === "string" ? title : "",
    created,
    updated: time(own(raw, "update_time")) ?? created,
  };
}

/** Refines the body of a conversation whose head was read. @throws RefineError `MALFORMED_CONVERSATION` */
export function refineConversation(
  context: ConversationContext,
  head: ConversationHead & { readonly raw: JsonObject },
  refinedId: string,
  version: number,
  byMessage: ConversationFeedback,
  index: number,
): RefinedConversation {
  const feedback: FeedbackState = { byMessage, attached: new Set() };
  const mapping = own(head.raw, "mapping");
  if (!isObject(mapping)) throw malformed(index, "has no mapping");
  const size = Object.keys(mapping).length;
  const path: JsonObject[] = [];
  let cursor = nodeAt(mapping, own(head.raw, "current_node"));
  if (cursor === undefined) throw malformed(index, "has no current_node in its mapping");
  while (cursor !== undefined) {
    if (path.length === size) throw malformed(index, "has a cycle in its message tree");
    path.push(cursor);
    const parent: JsonValue | undefined = own(cursor, "parent");
    if (parent === null) break;
    cursor = nodeAt(mapping, parent);
    if (cursor === undefined) throw malformed(index, "has a parent link outside its mapping");
  }
  path.reverse();
  const messages: RefinedMessage[] = [];
  // For branches: the index of the last kept message at or before each path position.
  const indexOf: number[] = [];
  for (const node of path) {
    const message = refineMessage(context, node, feedback);
    if (message !== undefined) messages.push(message);
    indexOf.push(messages.length - 1);
  }
  const branches = context.branches ? refineBranches(context, mapping, path, indexOf, feedback, size) : [];
  // Records naming no kept message stay with the conversation, so no rating is lost.
  const loose = [...byMessage].filter(([id]) => !feedback.attached.has(id)).flatMap(([, records]) => records);
  const title = head.title.trim().length > 0 ? context.redactor.redact(head.title) : null;
  return {
    branches: branches.length > 0 ? branches : undefined,
    created: formatTime(head.created, context.preciseTimes),
    feedback: loose.length > 0 ? loose : undefined,
    id: refinedId,
    messages,
    title,
    updated: formatTime(head.updated, context.preciseTimes),
    v: version,
  };
}
