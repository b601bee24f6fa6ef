/**
 * Conversation validation and tree walking.
 *
 * A conversation's `mapping` is a tree of nodes `{id, message, parent, children}`; the root's
 * parent is `null`. The visible conversation is the path from `current_node` up to the root;
 * every other node is a branch left behind by an edit or a regeneration. Each conversation is
 * checked for the fields real exports always carry, then folded into an {@link ExportTally}.
 *
 * The whole mapping must be one tree: exactly one root, every node reachable from it exactly once
 * through `children`, and every child's `parent` pointing back (no cycles, no orphans, no node
 * listed twice), as in every real export.
 *
 * A message counts toward volume (a "unit") when it is on the visible path, written by `user`
 * or `assistant`, not hidden (`metadata.is_visually_hidden_from_conversation`), of a countable
 * content type (see `content.ts`), not empty, and not identical (same role, same trimmed text,
 * same attachments) to a message already counted anywhere in the export: repeats are spam.
 * User units that are near-duplicates of an earlier prompt (see `similarity.ts`) still count as
 * units but are tallied for the quality penalty.
 *
 * Memory: the tally keeps counters, a 52-bit hash per counted message, a MinHash signature per
 * user prompt and the conversation ids; names reported in the stats are capped in number and
 * restricted to safe characters (a model slug or content type could otherwise carry personal data).
 */
import { isKnownContentType, readContent } from "./content";
import { ExportFormatError } from "./errors";
import {
  compileSelection,
  isSelectedObject as isObject,
  type Selected,
  type SelectedMap,
  type SelectedObject,
  type Selection,
} from "./json-select";
import { MessageKeys, NearDuplicateIndex } from "./similarity";

/** Latest timestamp accepted (year 3000), in Unix seconds. */
const MAX_TIME = 32_503_680_000;
const SECONDS_PER_DAY = 86_400;
/** Longest content type or model name accepted. */
const MAX_NAME = 100;
/** Longest conversation id accepted (real ones are UUIDs). */
const MAX_ID = 256;
/** Names listed in the stats at most (unknown content types, models). */
export const MAX_LISTED_NAMES = 16;
/** Distinct model slugs counted at most (the modelMix signal saturates at 3). */
const MAX_MODELS = 64;
/** What a name must look like to be listed in the stats: no `@`, `+`, spaces or upper case. */
const SAFE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A finite number, else `undefined`. */
function finite(value: Selected | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A value read only for its type (a string, or anything else): containers inside are not built. */
const SCALAR: Selection = {};

/**
 * Every member {@link ExportTally.add} and `readContent` read, and nothing else: the reader builds
 * only these (`json-select.ts`; an absent member reads as `undefined`, `mapping` is a `Map`). A
 * member read there but missing here would always read as absent, so the two change together.
 */
export const CONVERSATION_SELECTION: Selection = {
  fields: {
    id: SCALAR,
    conversation_id: SCALAR,
    title: SCALAR,
    create_time: SCALAR,
    update_time: SCALAR,
    current_node: SCALAR,
    default_model_slug: SCALAR,
    mapping: {
      every: {
        fields: {
          id: SCALAR,
          parent: SCALAR,
          children: { items: SCALAR },
          message: {
            fields: {
              author: { fields: { role: SCALAR } },
              create_time: SCALAR,
              metadata: { fields: { is_visually_hidden_from_conversation: SCALAR, model_slug: SCALAR } },
              content: {
                fields: {
                  content_type: SCALAR,
                  text: SCALAR,
                  parts: { items: { fields: { content_type: SCALAR, text: SCALAR, asset_pointer: SCALAR } } },
                },
              },
            },
          },
        },
      },
    },
  },
};

export const CONVERSATION_FIELDS = compileSelection(CONVERSATION_SELECTION);

/** Adds `name` to a sorted-on-output set of at most `cap` safe names. */
function listName(set: Set<string>, name: string, cap: number): void {
  if (set.size < cap && SAFE_NAME.test(name)) set.add(name);
}

export interface RoleCounts {
  user: number;
  assistant: number;
  system: number;
  tool: number;
  other: number;
}

/** Running totals over every conversation of an export. */
export class ExportTally {
  conversations = 0;
  conversationsWithUnits = 0;
  nodes = 0;
  messages = 0;
  visibleMessages = 0;
  hiddenMessages = 0;
  branchNodes = 0;
  readonly roles: RoleCounts = { user: 0, assistant: 0, system: 0, tool: 0, other: 0 };
  /** Messages per known content type; every other type is counted in `otherContentTypes`. */
  readonly contentTypes = new Map<string, number>();
  otherContentTypes = 0;
  /** Up to {@link MAX_LISTED_NAMES} unknown content type names (safe characters only). */
  readonly unknownContentTypes = new Set<string>();
  userUnits = 0;
  assistantUnits = 0;
  duplicates = 0;
  /** User units that are near-duplicates of an earlier user unit. */
  nearDuplicates = 0;
  userChars = 0;
  codeUnits = 0;
  /** Distinct model slugs, up to {@link MAX_MODELS}. */
  readonly models = new Set<string>();
  /** Up to {@link MAX_LISTED_NAMES} model slugs (safe characters only), for the stats. */
  readonly listedModels = new Set<string>();
  readonly activeDays = new Set<number>();
  firstTime: number | undefined;
  lastTime: number | undefined;
  private readonly seen = new MessageKeys();
  private readonly conversationIds = new Set<string>();
  private readonly prompts = new NearDuplicateIndex();

  /** `maxNodes`: most mapping nodes in one conversation. */
  constructor(private readonly maxNodes: number = Number.MAX_SAFE_INTEGER) {}

  get units(): number {
    return this.userUnits + this.assistantUnits;
  }

  /** Validates one conversation and adds it to the totals. `file`/`index` locate it in errors. */
  add(raw: Selected, file: string, index: number): void {
    const where = `Conversation #${index} of "${file}"`;
    const fake = (problem: string): ExportFormatError =>
      new ExportFormatError(
        "FAKE_EXPORT",
        `${where} ${problem}; real ChatGPT exports never look like this.`,
        file,
        "This does not look like an unmodified export; upload the .zip exactly as OpenAI sent it.",
      );
    if (!isObject(raw)) throw fake("is not an object");
    const id = raw.id ?? raw.conversation_id;
    if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID) throw fake("has no valid id");
    if (this.conversationIds.has(id)) {
      throw new ExportFormatError(
        "FAKE_EXPORT",
        `${where} repeats the id of an earlier conversation (copied content).`,
        file,
      );
    }
    this.conversationIds.add(id);
    // An absent member reads as `undefined`, which fails these checks as a wrong type does.
    const title = raw.title;
    if (title !== null && typeof title !== "string") throw fake("has no title field");
    const created = finite(raw.create_time);
    if (created === undefined || created < 0 || created > MAX_TIME) throw fake("has no valid create_time");
    const updatedRaw = raw.update_time;
    const updated = finite(updatedRaw);
    if (updatedRaw !== null && (updated === undefined || updated < 0 || updated > MAX_TIME)) {
      throw fake("has no valid update_time");
    }
    const mapping = raw.mapping;
    if (!(mapping instanceof Map)) throw fake("has no mapping (message tree)");
    const current = raw.current_node;
    if (typeof current !== "string" || !isObject(mapping.get(current)))
      throw fake("has no current_node in its mapping");

    const size = mapping.size;
    if (size > this.maxNodes) {
      throw new ExportFormatError(
        "TOO_MANY_NODES",
        `${where} has ${size} message nodes, above the limit of ${this.maxNodes}.`,
        file,
      );
    }
    for (const [key, node] of mapping) this.addNode(node, key, fake);
    const path = this.visiblePath(mapping, current, size, fake);
    checkTree(mapping, path[path.length - 1], size, fake);

    this.conversations++;
    this.nodes += size;
    this.branchNodes += size - path.length;
    const last = Math.max(created, updated ?? created);
    this.firstTime = this.firstTime === undefined ? created : Math.min(this.firstTime, created);
    this.lastTime = this.lastTime === undefined ? last : Math.max(this.lastTime, last);

    const defaultModel = raw.default_model_slug;
    const unitsBefore = this.units;
    for (let i = path.length - 1; i >= 0; i--) {
      this.addVisible(path[i], created, typeof defaultModel === "string" ? defaultModel : undefined);
    }
    if (this.units > unitsBefore) this.conversationsWithUnits++;
  }

  /** Checks a node's shape and counts its message (role, content type). */
  private addNode(node: Selected, key: string, fake: (problem: string) => ExportFormatError): void {
    if (!isObject(node) || node.id !== key) throw fake("has a mapping node without a matching id");
    const parent = node.parent;
    if (!Array.isArray(node.children) || (parent !== null && typeof parent !== "string")) {
      throw fake("has a mapping node without parent/children links");
    }
    const message = node.message;
    if (message === null) return;
    if (!isObject(message)) throw fake("has a mapping node without a message field");
    const author = message.author;
    const role = isObject(author) ? author.role : undefined;
    if (typeof role !== "string" || role.length === 0) throw fake("has a message without an author role");
    const content = message.content;
    const type = isObject(content) ? content.content_type : undefined;
    if (typeof type !== "string" || type.length === 0 || type.length > MAX_NAME) {
      throw fake("has a message without a valid content type");
    }
    this.messages++;
    if (role === "user" || role === "assistant" || role === "system" || role === "tool") this.roles[role]++;
    else this.roles.other++;
    if (isKnownContentType(type)) {
      this.contentTypes.set(type, (this.contentTypes.get(type) ?? 0) + 1);
    } else {
      this.otherContentTypes++;
      listName(this.unknownContentTypes, type, MAX_LISTED_NAMES);
    }
  }

  /** The messages from `current` up to the root (leaf first); fails on a dangling parent or a cycle. */
  private visiblePath(
    mapping: SelectedMap,
    current: string,
    size: number,
    fake: (problem: string) => ExportFormatError,
  ): SelectedObject[] {
    const path: SelectedObject[] = [];
    let cursor: Selected | undefined = current;
    while (cursor !== null) {
      const node: Selected | undefined = typeof cursor === "string" ? mapping.get(cursor) : undefined;
      if (!isObject(node)) throw fake("has no root node (a parent link leads outside the mapping)");
      if (path.length === size) throw fake("has no root node (its parent links form a cycle)");
      path.push(node);
      cursor = node.parent;
    }
    return path;
  }

  /** Counts one visible node's message toward volume and the quality signals. */
  private addVisible(node: SelectedObject, conversationTime: number, defaultModel: string | undefined): void {
    const message = node.message;
    if (!isObject(message)) return;
    this.visibleMessages++;
    const metadata = message.metadata;
    if (isObject(metadata) && metadata.is_visually_hidden_from_conversation === true) {
      this.hiddenMessages++;
      return;
    }
    const author = message.author;
    const role = isObject(author) ? author.role : undefined;
    if (role !== "user" && role !== "assistant") return;
    const content = message.content;
    const type = isObject(content) ? content.content_type : undefined;
    if (!isObject(content) || typeof type !== "string") return;
    const reading = readContent(content, type);
    if (!reading.countable || (reading.text.length === 0 && reading.assets.length === 0)) return;
    if (!this.seen.add(role, reading.text, reading.assets)) {
      this.duplicates++;
      return;
    }
    if (reading.isCode) this.codeUnits++;
    if (role === "user") {
      this.userUnits++;
      this.userChars += reading.text.length;
      if (reading.text.length > 0 && this.prompts.add(reading.text)) this.nearDuplicates++;
      const sent = finite(message.create_time);
      const time = sent !== undefined && sent >= 0 && sent <= MAX_TIME ? sent : conversationTime;
      this.activeDays.add(Math.floor(time / SECONDS_PER_DAY));
    } else {
      this.assistantUnits++;
      const slug = isObject(metadata) ? metadata.model_slug : undefined;
      const model = typeof slug === "string" && slug.length > 0 ? slug : defaultModel;
      if (model !== undefined && model.length > 0 && model.length <= MAX_NAME) {
        if (this.models.size < MAX_MODELS) this.models.add(model);
        listName(this.listedModels, model, MAX_LISTED_NAMES);
      }
    }
  }
}

/**
 * Whole-mapping integrity: walking `children` from the root reaches every node exactly once, and
 * every child names its parent. Iterative, so a deep chain cannot overflow the stack.
 */
function checkTree(
  mapping: SelectedMap,
  root: SelectedObject,
  size: number,
  fake: (problem: string) => ExportFormatError,
): void {
  const visited = new Set<string>();
  const stack: SelectedObject[] = [root];
  visited.add(root.id as string);
  while (stack.length > 0) {
    const node = stack.pop() as SelectedObject;
    const id = node.id;
    const children = node.children as Selected[];
    for (const child of children) {
      const next = typeof child === "string" ? mapping.get(child) : undefined;
      if (!isObject(next)) throw fake("has a child link leading outside the mapping");
      if (next.parent !== id) throw fake("has a child whose parent link points elsewhere");
      if (visited.has(child as string)) throw fake("reaches a mapping node twice (a cycle or a shared child)");
      visited.add(child as string);
      stack.push(next);
    }
  }
  if (visited.size !== size) throw fake("has mapping nodes not reachable from its root");
}
