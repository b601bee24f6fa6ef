/**
 * The conversation checks and counts of `conversations.ts`, written the plain way: over the value
 * `JSON.parse` gives, with own-property lookups. The reader keeps what it reads in typed arrays
 * and decodes strings lazily (for speed); the tests run both on the same conversations, damaged
 * in many ways, and require the same totals and the same first error, message included.
 */
import { isKnownContentType } from "../../../src/export/content";
import { ExportFormatError } from "../../../src/export/errors";
import { finite, isObject, own, type JsonObject, type JsonValue } from "../../../src/export/json";
import { MessageKeys, NearDuplicateIndex } from "../../../src/export/similarity";

const MAX_TIME = 32_503_680_000;
const MAX_NAME = 100;
const MAX_ID = 256;
const MAX_LISTED = 16;
const MAX_MODELS = 64;
const SAFE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function listName(set: Set<string>, name: string): void {
  if (set.size < MAX_LISTED && SAFE_NAME.test(name)) set.add(name);
}

function partsText(parts: JsonValue[], assets: string[] | undefined): string {
  let text = "";
  for (const part of parts) {
    if (typeof part === "string") {
      text = text.length === 0 ? part : `${text}\n${part}`;
    } else if (assets !== undefined && isObject(part)) {
      const kind = own(part, "content_type");
      const transcript = kind === "audio_transcription" ? own(part, "text") : undefined;
      if (typeof transcript === "string") {
        text = text.length === 0 ? transcript : `${text}\n${transcript}`;
        continue;
      }
      const pointer = own(part, "asset_pointer");
      assets.push(typeof pointer === "string" ? pointer : typeof kind === "string" ? kind : "object");
    }
  }
  return text;
}

function readContent(content: JsonObject, type: string): { countable: boolean; text: string; assets: string[] } {
  const assets: string[] = [];
  const parts = own(content, "parts");
  let text: string;
  if (type === "text") text = Array.isArray(parts) ? partsText(parts, undefined) : "";
  else if (type === "multimodal_text") text = Array.isArray(parts) ? partsText(parts, assets) : "";
  else if (type === "code") {
    const code = own(content, "text");
    text = typeof code === "string" ? code : "";
  } else return { countable: false, text: "", assets };
  return { countable: true, text: text.trim(), assets };
}

/** The totals of `ExportTally` that the stats and the score are made of. */
export class ReferenceTally {
  conversations = 0;
  conversationsWithUnits = 0;
  nodes = 0;
  messages = 0;
  visibleMessages = 0;
  hiddenMessages = 0;
  branchNodes = 0;
  readonly roles = { user: 0, assistant: 0, system: 0, tool: 0, other: 0 };
  readonly contentTypes = new Map<string, number>();
  otherContentTypes = 0;
  readonly unknownContentTypes = new Set<string>();
  userUnits = 0;
  assistantUnits = 0;
  duplicates = 0;
  nearDuplicates = 0;
  userChars = 0;
  codeUnits = 0;
  readonly models = new Set<string>();
  readonly listedModels = new Set<string>();
  readonly activeDays = new Set<number>();
  firstTime: number | undefined;
  lastTime: number | undefined;
  private readonly seen = new MessageKeys();
  private readonly ids = new Set<string>();
  private readonly prompts = new NearDuplicateIndex();

  constructor(private readonly maxNodes: number) {}

  add(raw: JsonValue, file: string, index: number): void {
    const where = `Conversation #${index} of "${file}"`;
    const fake = (problem: string): ExportFormatError =>
      new ExportFormatError(
        "FAKE_EXPORT",
        `${where} ${problem}; real ChatGPT exports never look like this.`,
        file,
        "This does not look like an unmodified export; upload the .zip exactly as OpenAI sent it.",
      );
    if (!isObject(raw)) throw fake("is not an object");
    const id = own(raw, "id") ?? own(raw, "conversation_id");
    if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID) throw fake("has no valid id");
    if (this.ids.has(id)) {
      throw new ExportFormatError(
        "FAKE_EXPORT",
        `${where} repeats the id of an earlier conversation (copied content).`,
        file,
      );
    }
    this.ids.add(id);
    const title = own(raw, "title");
    if (title !== null && typeof title !== "string") throw fake("has no title field");
    const created = finite(own(raw, "create_time"));
    if (created === undefined || created < 0 || created > MAX_TIME) throw fake("has no valid create_time");
    const updatedRaw = own(raw, "update_time");
    const updated = finite(updatedRaw);
    if (updatedRaw !== null && (updated === undefined || updated < 0 || updated > MAX_TIME)) {
      throw fake("has no valid update_time");
    }
    const mapping = own(raw, "mapping");
    if (!isObject(mapping)) throw fake("has no mapping (message tree)");
    const current = own(raw, "current_node");
    if (typeof current !== "string" || !isObject(own(mapping, current)))
      throw fake("has no current_node in its mapping");
    const keys = Object.keys(mapping);
    if (keys.length > this.maxNodes) {
      throw new ExportFormatError(
        "TOO_MANY_NODES",
        `${where} has ${keys.length} message nodes, above the limit of ${this.maxNodes}.`,
        file,
      );
    }
    for (const key of keys) this.addNode(own(mapping, key), key, fake);
    const path: JsonObject[] = [];
    let cursor: JsonValue | undefined = current;
    while (cursor !== null) {
      const node: JsonValue | undefined = typeof cursor === "string" ? own(mapping, cursor) : undefined;
      if (!isObject(node)) throw fake("has no root node (a parent link leads outside the mapping)");
      if (path.length === keys.length) throw fake("has no root node (its parent links form a cycle)");
      path.push(node);
      cursor = own(node, "parent");
    }
    const root = path[path.length - 1];
    const visited = new Set<string>([own(root, "id") as string]);
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop() as JsonObject;
      for (const child of own(node, "children") as JsonValue[]) {
        const next = typeof child === "string" ? own(mapping, child) : undefined;
        if (!isObject(next)) throw fake("has a child link leading outside the mapping");
        if (own(next, "parent") !== own(node, "id")) throw fake("has a child whose parent link points elsewhere");
        if (visited.has(child as string)) throw fake("reaches a mapping node twice (a cycle or a shared child)");
        visited.add(child as string);
        stack.push(next);
      }
    }
    if (visited.size !== keys.length) throw fake("has mapping nodes not reachable from its root");

    this.conversations++;
    this.nodes += keys.length;
    this.branchNodes += keys.length - path.length;
    const last = Math.max(created, updated ?? created);
    this.firstTime = this.firstTime === undefined ? created : Math.min(this.firstTime, created);
    this.lastTime = this.lastTime === undefined ? last : Math.max(this.lastTime, last);
    const defaultModel = own(raw, "default_model_slug");
    const before = this.userUnits + this.assistantUnits;
    for (let i = path.length - 1; i >= 0; i--) {
      this.addVisible(path[i], created, typeof defaultModel === "string" ? defaultModel : undefined);
    }
    if (this.userUnits + this.assistantUnits > before) this.conversationsWithUnits++;
  }

  private addNode(node: JsonValue | undefined, key: string, fake: (problem: string) => ExportFormatError): void {
    if (!isObject(node) || own(node, "id") !== key) throw fake("has a mapping node without a matching id");
    const parent = own(node, "parent");
    if (!Array.isArray(own(node, "children")) || (parent !== null && typeof parent !== "string")) {
      throw fake("has a mapping node without parent/children links");
    }
    const message = own(node, "message");
    if (message === null) return;
    if (!isObject(message)) throw fake("has a mapping node without a message field");
    const author = own(message, "author");
    const role = isObject(author) ? own(author, "role") : undefined;
    if (typeof role !== "string" || role.length === 0) throw fake("has a message without an author role");
    const content = own(message, "content");
    const type = isObject(content) ? own(content, "content_type") : undefined;
    if (typeof type !== "string" || type.length === 0 || type.length > MAX_NAME) {
      throw fake("has a message without a valid content type");
    }
    this.messages++;
    if (role === "user" || role === "assistant" || role === "system" || role === "tool") this.roles[role]++;
    else this.roles.other++;
    if (isKnownContentType(type)) this.contentTypes.set(type, (this.contentTypes.get(type) ?? 0) + 1);
    else {
      this.otherContentTypes++;
      listName(this.unknownContentTypes, type);
    }
  }

  private addVisible(node: JsonObject, conversationTime: number, defaultModel: string | undefined): void {
    const message = own(node, "message");
    if (!isObject(message)) return;
    this.visibleMessages++;
    const metadata = own(message, "metadata");
    if (isObject(metadata) && own(metadata, "is_visually_hidden_from_conversation") === true) {
      this.hiddenMessages++;
      return;
    }
    const author = own(message, "author");
    const role = isObject(author) ? own(author, "role") : undefined;
    if (role !== "user" && role !== "assistant") return;
    const content = own(message, "content") as JsonObject;
    const reading = readContent(content, own(content, "content_type") as string);
    if (!reading.countable || (reading.text.length === 0 && reading.assets.length === 0)) return;
    if (!this.seen.add(role, reading.text, reading.assets)) {
      this.duplicates++;
      return;
    }
    if (reading.text.includes("```") || own(content, "content_type") === "code") this.codeUnits++;
    if (role === "user") {
      this.userUnits++;
      this.userChars += reading.text.length;
      if (reading.text.length > 0 && this.prompts.add(reading.text)) this.nearDuplicates++;
      const sent = finite(own(message, "create_time"));
      const time = sent !== undefined && sent >= 0 && sent <= MAX_TIME ? sent : conversationTime;
      this.activeDays.add(Math.floor(time / 86_400));
    } else {
      this.assistantUnits++;
      const slug = isObject(metadata) ? own(metadata, "model_slug") : undefined;
      const model = typeof slug === "string" && slug.length > 0 ? slug : defaultModel;
      if (model !== undefined && model.length > 0 && model.length <= MAX_NAME) {
        if (this.models.size < MAX_MODELS) this.models.add(model);
        listName(this.listedModels, model);
      }
    }
  }
}
