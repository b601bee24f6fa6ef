/**
 * The buyer's dataset: decrypted refined payloads of a grant assembled into one directory's files.
 *
 * - `conversations.jsonl`: every refined line of every contribution, each with a `contribution`
 *   member holding that contribution's content hash (provenance: a line can be traced to the
 *   attested ciphertext it came from), canonical JSON;
 * - `conversations.chat.jsonl` (optional): the chat fine-tuning shape that training stacks read,
 *   `{"messages":[{"role":"user","content":"..."},...]}` (see {@link toChatMessages});
 * - `dataset.json`: a card ({@link DatasetCard}) with the grant, the counts and the schema version.
 *
 * Everything streams: contributions arrive one at a time from an (async) iterable, each payload is
 * inflated in slices, and lines go to the sinks as they are read, so a grant of 10,000
 * contributions never sits in memory. The functions are pure apart from the sinks.
 */
import { canonicalJson, type CanonicalObject } from "./canonical";
import type { RefinedConversation, RefinedMessage, RefinedPart } from "./conversation";
import { RefineError } from "./errors";
import { DEFAULT_PAYLOAD_LIMITS, payloadLines, type PayloadLimits } from "./payload";
import { REFINED_FORMAT, REFINED_SCHEMA_VERSION } from "./refinement";

/** Version of the dataset card. */
export const DATASET_FORMAT = "datacoop-dataset/1";

/** One decrypted contribution. */
export interface ContributionPayload {
  /** The content hash the contribution is registered under (`0x` + 64 hex digits). */
  readonly contentHash: string;
  /** Its decrypted plaintext: the refined payload (gzip of refined lines). */
  readonly payload: Uint8Array;
}

/** Receives one line (without its newline); may be asynchronous (a file stream waiting to drain). */
export type LineSink = (line: string) => void | Promise<void>;

/** Grant facts the card carries; the caller reads them from the chain. */
export interface GrantFacts {
  readonly grantId: string;
  readonly purpose: string;
  readonly termsHash: string;
  /** ISO 8601 UTC. */
  readonly expiry: string;
}

export interface DatasetCard {
  readonly format: string;
  /** The refined line format every line follows. */
  readonly schema: string;
  readonly grant: GrantFacts;
  readonly contributions: number;
  readonly conversations: number;
  readonly messages: number;
  /** Lines written to the chat file; absent without one. */
  readonly chatConversations?: number;
  /** Placeholders in the data, by class (`email`, `secret:github-token`, ...), sorted by name. */
  readonly redactions: Readonly<Record<string, number>>;
  /** The files of the dataset directory. */
  readonly files: readonly string[];
}

export const CONVERSATIONS_FILE = "conversations.jsonl";
export const CHAT_FILE = "conversations.chat.jsonl";
export const CARD_FILE = "dataset.json";

const CONTENT_HASH = /^0x[0-9a-f]{64}$/;
/** Every placeholder the refinement writes (`[USER_ID]` and `[NAME]` are the owner's own). */
const PLACEHOLDER = /\[(EMAIL|PHONE|CARD|IBAN|IP|USER_ID|NAME|SECRET:[a-z0-9-]+)\]/g;
const PLACEHOLDER_NAME: Readonly<Record<string, string>> = { USER_ID: "owner:id", NAME: "owner:name" };

/** The chat role a refined role becomes; tool messages have no place in the chat shape. */
function chatRole(role: string): "system" | "user" | "assistant" | undefined {
  return role === "system" || role === "user" || role === "assistant" ? role : undefined;
}

function partText(part: RefinedPart): string | undefined {
  switch (part.type) {
    case "text":
      return part.text;
    case "code":
      return `\`\`\`${part.language ?? ""}\n${part.text}\n\`\`\``;
    default:
      // Reasoning, tool output, browsing, quotes, errors and attachment marks are not what was said.
      return undefined;
  }
}

function messageText(message: RefinedMessage): string {
  const texts: string[] = [];
  for (const part of message.parts) {
    const text = partText(part);
    if (text !== undefined) texts.push(text);
  }
  return texts.join("\n\n");
}

/**
 * The chat fine-tuning messages of a refined conversation: system, user and assistant messages of the
 * visible path with their text and code parts (code as fenced blocks); tool messages, reasoning and
 * attachment marks are left out, and consecutive messages of one role are joined with a blank line.
 * @returns `undefined` when no user message is followed by an assistant message
 */
export function toChatMessages(
  conversation: RefinedConversation,
): { role: "system" | "user" | "assistant"; content: string }[] | undefined {
  const messages: { role: "system" | "user" | "assistant"; content: string }[] = [];
  for (const message of conversation.messages) {
    const role = chatRole(message.role);
    const content = role === undefined ? "" : messageText(message);
    if (role === undefined || content.length === 0) continue;
    const last = messages[messages.length - 1];
    if (last !== undefined && last.role === role) last.content = `${last.content}\n\n${content}`;
    else messages.push({ role, content });
  }
  const firstUser = messages.findIndex((m) => m.role === "user");
  if (firstUser < 0 || !messages.slice(firstUser).some((m) => m.role === "assistant")) return undefined;
  return messages;
}

/** One chat line, or `undefined` when the conversation has no exchange (see {@link toChatMessages}). */
export function toChatLine(conversation: RefinedConversation): string | undefined {
  const messages = toChatMessages(conversation);
  return messages === undefined ? undefined : JSON.stringify({ messages });
}

function parseLine(line: string, contribution: number): RefinedConversation {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    value = undefined;
  }
  const conversation = value as RefinedConversation | undefined;
  if (
    typeof conversation !== "object" ||
    conversation === null ||
    conversation.v !== REFINED_SCHEMA_VERSION ||
    typeof conversation.id !== "string" ||
    !Array.isArray(conversation.messages)
  ) {
    throw new RefineError(
      "MALFORMED_PAYLOAD",
      `Contribution #${contribution} holds a line that is not a ${REFINED_FORMAT} conversation.`,
    );
  }
  return conversation;
}

/** Counts placeholders in a line. */
function countPlaceholders(line: string, counts: Map<string, number>): void {
  if (!line.includes("[")) return;
  for (const match of line.matchAll(PLACEHOLDER)) {
    const name = PLACEHOLDER_NAME[match[1]] ?? match[1].toLowerCase();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
}

export interface AssembleOptions {
  readonly grant: GrantFacts;
  /** Receives the lines of `conversations.jsonl`. */
  readonly conversations: LineSink;
  /** Receives the lines of `conversations.chat.jsonl`; omit for no chat file. */
  readonly chat?: LineSink;
  readonly limits?: PayloadLimits;
}

/**
 * Assembles a grant's decrypted contributions, in the order given, into dataset lines.
 * @returns the card (`dataset.json`)
 * @throws RefineError `MALFORMED_PAYLOAD` on a payload that is not refined data
 */
export async function assembleDataset(
  contributions: AsyncIterable<ContributionPayload> | Iterable<ContributionPayload>,
  options: AssembleOptions,
): Promise<DatasetCard> {
  const redactions = new Map<string, number>();
  let count = 0;
  let conversations = 0;
  let messages = 0;
  let chatConversations = 0;
  for await (const contribution of contributions) {
    const hash = contribution.contentHash.toLowerCase();
    if (!CONTENT_HASH.test(hash)) {
      throw new RefineError("INVALID_OPTION", `Contribution #${count} has no valid content hash (0x + 64 hex digits).`);
    }
    for (const line of payloadLines(contribution.payload, options.limits ?? DEFAULT_PAYLOAD_LIMITS)) {
      const conversation = parseLine(line, count);
      countPlaceholders(line, redactions);
      conversations++;
      messages += conversation.messages.length;
      const withProvenance: CanonicalObject = { ...conversation, contribution: hash };
      await options.conversations(canonicalJson(withProvenance));
      if (options.chat !== undefined) {
        const chat = toChatLine(conversation);
        if (chat !== undefined) {
          chatConversations++;
          await options.chat(chat);
        }
      }
    }
    count++;
  }
  const sorted: Record<string, number> = {};
  for (const key of [...redactions.keys()].sort()) sorted[key] = redactions.get(key) ?? 0;
  return {
    format: DATASET_FORMAT,
    schema: REFINED_FORMAT,
    grant: options.grant,
    contributions: count,
    conversations,
    messages,
    chatConversations: options.chat === undefined ? undefined : chatConversations,
    redactions: sorted,
    files: options.chat === undefined ? [CONVERSATIONS_FILE, CARD_FILE] : [CONVERSATIONS_FILE, CHAT_FILE, CARD_FILE],
  };
}
