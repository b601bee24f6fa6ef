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
 * Reading: the parser reports the selected values of a conversation ({@link CONVERSATION_SELECTION})
 * to a {@link ConversationBuilder}, which keeps them in typed arrays reused from one conversation to
 * the next (node ids numbered by their bytes, `node-ids.ts`; strings as byte ranges of the item);
 * {@link ExportTally.add} then checks and counts it, decoding only the strings it needs (roles,
 * content types, the text of counted messages, model slugs). The checks, their order and their
 * messages are those of a walk over the `JSON.parse` value of the conversation; the tests run such a
 * walk (`test/support/export/reference-tally.ts`) on damaged conversations and require the same
 * result. The builder's arrays grow with the largest conversation (bounded by the token limit) and
 * are dropped after one above a few thousand nodes.
 *
 * Memory: the tally keeps counters, a 52-bit hash per counted message, a MinHash signature per
 * user prompt and the conversation ids; names reported in the stats are capped in number and
 * restricted to safe characters (a model slug or content type could otherwise carry personal data).
 */
import { isKnownContentType, KNOWN_CONTENT_TYPES, readContent, type ContentSource } from "./content";
import { ExportFormatError } from "./errors";
import {
  ARRAY,
  compileSelection,
  ESCAPED,
  isIndexKey,
  NULL,
  NUMBER,
  OBJECT,
  STRING,
  TRUE,
  type SelectionSink,
  type Selection,
  type SelectiveParser,
} from "./json-select";
import { NodeIds } from "./node-ids";
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

/** The positions of a conversation the tally reads ({@link CONVERSATION_SELECTION}), as event slots. */
const enum Slot {
  Conversation,
  Id,
  ConversationId,
  Title,
  CreateTime,
  UpdateTime,
  CurrentNode,
  DefaultModel,
  Mapping,
  Node,
  NodeId,
  Parent,
  Children,
  Child,
  Message,
  Author,
  Role,
  MessageTime,
  Metadata,
  Hidden,
  ModelSlug,
  Content,
  ContentType,
  ContentText,
  Parts,
  Part,
  PartType,
  PartText,
  PartAsset,
  Count,
}

/**
 * Every member {@link ExportTally.add} and `readContent` read, and nothing else: the reader is told
 * only these (`json-select.ts`), and an absent member reads as absent. A member read there but
 * missing here would always read as absent, so the two change together.
 */
export const CONVERSATION_SELECTION: Selection = {
  slot: Slot.Conversation,
  fields: {
    id: { slot: Slot.Id },
    conversation_id: { slot: Slot.ConversationId },
    title: { slot: Slot.Title },
    create_time: { slot: Slot.CreateTime },
    update_time: { slot: Slot.UpdateTime },
    current_node: { slot: Slot.CurrentNode },
    default_model_slug: { slot: Slot.DefaultModel },
    mapping: {
      slot: Slot.Mapping,
      every: {
        slot: Slot.Node,
        fields: {
          id: { slot: Slot.NodeId },
          parent: { slot: Slot.Parent },
          children: { slot: Slot.Children, items: { slot: Slot.Child } },
          message: {
            slot: Slot.Message,
            fields: {
              author: { slot: Slot.Author, fields: { role: { slot: Slot.Role } } },
              create_time: { slot: Slot.MessageTime },
              metadata: {
                slot: Slot.Metadata,
                fields: {
                  is_visually_hidden_from_conversation: { slot: Slot.Hidden },
                  model_slug: { slot: Slot.ModelSlug },
                },
              },
              content: {
                slot: Slot.Content,
                fields: {
                  content_type: { slot: Slot.ContentType },
                  text: { slot: Slot.ContentText },
                  parts: {
                    slot: Slot.Parts,
                    items: {
                      slot: Slot.Part,
                      fields: {
                        content_type: { slot: Slot.PartType },
                        text: { slot: Slot.PartText },
                        asset_pointer: { slot: Slot.PartAsset },
                      },
                    },
                  },
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

/*
 * Node records: NODE_STRIDE int32s per node id met in the mapping (as a key, an `id`, a `parent`
 * or a child), indexed by the id's number. A string field takes four: its kind (0 = absent, else
 * the `json-select.ts` kind), then, for a string, where it starts and ends in the item's bytes and
 * its flags. Containers keep only their kind; a container's fields are reset when it opens, so a
 * duplicate key keeps the last value, as with `JSON.parse`. A field inside a container is read
 * only when the container's kind says it was opened, so opening one resets only the kinds of its
 * own fields (a message: its author, metadata and content; these then reset theirs).
 */
const N_KIND = 0;
/** 1 once the id is a key of the mapping. */
const N_MEMBER = 1;
/** Number of the `id` string, or {@link REF_OTHER} / {@link REF_ABSENT}. */
const N_ID = 2;
/** Number of the `parent` string, or {@link REF_NULL} / {@link REF_OTHER} / {@link REF_ABSENT}. */
const N_PARENT = 3;
const N_CHILDREN = 4;
/** Where the node's children start in the child list, and how many. */
const N_CHILD_START = 5;
const N_CHILD_COUNT = 6;
const N_MESSAGE = 7;
const N_AUTHOR = 8;
const N_ROLE = 9;
const N_METADATA = 13;
/** 1 when `is_visually_hidden_from_conversation` is `true`. */
const N_HIDDEN = 14;
const N_SLUG = 15;
const N_CONTENT = 19;
const N_TYPE = 20;
const N_TEXT = 24;
const N_PARTS = 28;
const N_PART_START = 29;
const N_PART_COUNT = 30;
/** Codes of the role and the content type when they are known names (see {@link nameCode}), else 0. */
const N_ROLE_CODE = 31;
const N_TYPE_CODE = 32;
const NODE_STRIDE = 33;

/** Roles and content types the tally compares, by code (0: another name, decoded when read). */
const ROLE_NAMES = ["", "user", "assistant", "system", "tool"] as const;
const TYPE_NAMES = ["", ...KNOWN_CONTENT_TYPES] as const;
const ROLE_BYTES = ROLE_NAMES.map((name) => Buffer.from(name, "latin1"));
const TYPE_BYTES = TYPE_NAMES.map((name) => Buffer.from(name, "latin1"));

/**
 * The code of the string just read among `names` (their bytes), or 0. Only a plain string (no
 * escape, ASCII) is matched: it is then exactly the name, and the tally uses the constant instead
 * of decoding the same few names for every message. Any other spelling is decoded as before.
 */
function nameCode(parser: SelectiveParser, names: readonly Uint8Array[]): number {
  if (parser.flags !== 0) return 0;
  const b = parser.input;
  const s0 = parser.s0;
  const length = parser.s1 - s0;
  for (let code = 1; code < names.length; code++) {
    const name = names[code];
    if (name.length !== length) continue;
    let k = 0;
    while (k < length && b[s0 + k] === name[k]) k++;
    if (k === length) return code;
  }
  return 0;
}

/** Part records: the part itself as a string field, then its `content_type`, `text`, `asset_pointer`. */
const P_SELF = 0;
const P_TYPE = 4;
const P_TEXT = 8;
const P_ASSET = 12;
const PART_STRIDE = 16;

const REF_NULL = -1;
const REF_OTHER = -2;
const REF_ABSENT = -3;

/** Ids compared by their bytes before a lookup by hash (see `ConversationBuilder.intern`). */
const RECENT = 4;

/**
 * Makes node record `base` a fresh one: every field absent. The message's fields are read only
 * once a message object has opened, which resets them (see the node records above).
 */
function freshNode(nodes: Int32Array, base: number): void {
  // Plain stores: several times cheaper than `fill`, which calls into the runtime.
  for (let k = base; k < base + N_AUTHOR; k++) nodes[k] = 0;
  nodes[base + N_ID] = REF_ABSENT;
  nodes[base + N_PARENT] = REF_ABSENT;
}
/** Node ids kept in capacity between conversations; a larger conversation's arrays are dropped after it. */
const KEPT_NODES = 1 << 14;

/** Whether the key just read can be an array index (digits only, at most 10): a cheap test before decoding it. */
function mayBeIndex(parser: SelectiveParser): boolean {
  if ((parser.flags & ESCAPED) !== 0) return true;
  const length = parser.s1 - parser.s0;
  if (length === 0 || length > 10) return false;
  const b = parser.input;
  for (let k = parser.s0; k < parser.s1; k++) if (b[k] < 0x30 || b[k] > 0x39) return false;
  return true;
}

function grown(array: Int32Array, needed: number): Int32Array {
  if (needed <= array.length) return array;
  const bigger = new Int32Array(Math.max(needed, array.length * 2));
  bigger.set(array);
  return bigger;
}

/**
 * The selected values of one conversation, kept as the parser reports them (a
 * {@link SelectionSink}): scalars at the top, node records, a child list and a part list, all in
 * typed arrays reused from conversation to conversation. Node ids are numbered in the order they
 * are met (one `Map` lookup per id string); strings are kept as byte ranges and decoded on demand
 * ({@link text}) while the parser still holds the item.
 */
export class ConversationBuilder implements SelectionSink, ContentSource {
  private parser: SelectiveParser | undefined;
  /** Top-level fields by slot: kind, string range and flags, number. */
  readonly topKind = new Int32Array(Slot.Count);
  private readonly topS0 = new Int32Array(Slot.Count);
  private readonly topS1 = new Int32Array(Slot.Count);
  private readonly topFlags = new Int32Array(Slot.Count);
  readonly topNumber = new Float64Array(Slot.Count);
  /** Node id → number, for this mapping. */
  private readonly ids = new NodeIds();
  nodes: Int32Array = new Int32Array(KEPT_NODES * NODE_STRIDE);
  /** Message `create_time` by node number: a finite number, else NaN. */
  times: Float64Array = new Float64Array(KEPT_NODES);
  nodeCount = 0;
  /** Numbers of the mapping's keys, in the order of first appearance. */
  order: Int32Array = new Int32Array(KEPT_NODES);
  orderCount = 0;
  /** Whether a key is an array index (`JSON.parse` then orders keys differently, see {@link members}). */
  private indexKeys = false;
  /** Children of every node: a node number, or {@link REF_OTHER} for a child that is not a string. */
  children: Int32Array = new Int32Array(KEPT_NODES);
  childCount = 0;
  parts: Int32Array = new Int32Array(KEPT_NODES * PART_STRIDE);
  partCount = 0;
  /** The last {@link RECENT} ids looked up by hash: where they are in the item, and their numbers (−1: none). */
  private readonly recent = new Int32Array(RECENT * 3).fill(-1);
  private recentNext = 0;
  /** The node whose value is being read, and the part. */
  private node = 0;
  private part = 0;
  /** The node {@link ContentSource} reads (see `content.ts`). */
  private contentNode = 0;

  value(slot: number, kind: number, parser: SelectiveParser): void {
    const base = this.node * NODE_STRIDE;
    const nodes = this.nodes;
    switch (slot) {
      case Slot.Conversation:
        this.parser = parser;
        this.topKind.fill(0);
        this.topKind[Slot.Conversation] = kind;
        this.clearMapping();
        return;
      case Slot.Id:
      case Slot.ConversationId:
      case Slot.CurrentNode:
      case Slot.DefaultModel:
      case Slot.Title:
        this.topKind[slot] = kind;
        if (kind === STRING) {
          this.topS0[slot] = parser.s0;
          this.topS1[slot] = parser.s1;
          this.topFlags[slot] = parser.flags;
        }
        return;
      case Slot.CreateTime:
      case Slot.UpdateTime:
        this.topKind[slot] = kind;
        this.topNumber[slot] = kind === NUMBER ? parser.num : NaN;
        return;
      case Slot.Mapping:
        this.topKind[slot] = kind;
        this.clearMapping();
        return;
      case Slot.Node:
        if (kind === OBJECT) {
          freshNode(nodes, base);
          nodes[base + N_MEMBER] = 1;
          this.times[this.node] = NaN;
        }
        nodes[base + N_KIND] = kind;
        return;
      case Slot.NodeId: {
        // `intern` may grow the arrays: write after it.
        const id = kind === STRING ? this.intern(parser) : REF_OTHER;
        this.nodes[base + N_ID] = id;
        return;
      }
      case Slot.Parent: {
        const parent = kind === STRING ? this.intern(parser) : kind === NULL ? REF_NULL : REF_OTHER;
        this.nodes[base + N_PARENT] = parent;
        return;
      }
      case Slot.Children:
        nodes[base + N_CHILDREN] = kind;
        nodes[base + N_CHILD_START] = this.childCount;
        nodes[base + N_CHILD_COUNT] = 0;
        return;
      case Slot.Child: {
        const child = kind === STRING ? this.intern(parser) : REF_OTHER;
        this.children = grown(this.children, this.childCount + 1);
        this.children[this.childCount++] = child;
        this.nodes[this.node * NODE_STRIDE + N_CHILD_COUNT]++;
        return;
      }
      case Slot.Message:
        nodes[base + N_MESSAGE] = kind;
        if (kind === OBJECT) {
          nodes[base + N_AUTHOR] = 0;
          nodes[base + N_METADATA] = 0;
          nodes[base + N_CONTENT] = 0;
          this.times[this.node] = NaN;
        }
        return;
      case Slot.Author:
        nodes[base + N_AUTHOR] = kind;
        nodes[base + N_ROLE] = 0;
        nodes[base + N_ROLE_CODE] = 0;
        return;
      case Slot.Role:
        this.setString(nodes, base + N_ROLE, kind, parser);
        nodes[base + N_ROLE_CODE] = kind === STRING ? nameCode(parser, ROLE_BYTES) : 0;
        return;
      case Slot.MessageTime:
        this.times[this.node] = kind === NUMBER && Number.isFinite(parser.num) ? parser.num : NaN;
        return;
      case Slot.Metadata:
        nodes[base + N_METADATA] = kind;
        nodes[base + N_HIDDEN] = 0;
        nodes[base + N_SLUG] = 0;
        return;
      case Slot.Hidden:
        nodes[base + N_HIDDEN] = kind === TRUE ? 1 : 0;
        return;
      case Slot.ModelSlug:
        this.setString(nodes, base + N_SLUG, kind, parser);
        return;
      case Slot.Content:
        nodes[base + N_CONTENT] = kind;
        nodes[base + N_TYPE] = 0;
        nodes[base + N_TYPE_CODE] = 0;
        nodes[base + N_TEXT] = 0;
        nodes[base + N_PARTS] = 0;
        nodes[base + N_PART_COUNT] = 0;
        return;
      case Slot.ContentType:
        this.setString(nodes, base + N_TYPE, kind, parser);
        nodes[base + N_TYPE_CODE] = kind === STRING ? nameCode(parser, TYPE_BYTES) : 0;
        return;
      case Slot.ContentText:
        this.setString(nodes, base + N_TEXT, kind, parser);
        return;
      case Slot.Parts:
        nodes[base + N_PARTS] = kind;
        nodes[base + N_PART_START] = this.partCount;
        nodes[base + N_PART_COUNT] = 0;
        return;
      case Slot.Part: {
        const part = this.partCount++;
        const parts = (this.parts = grown(this.parts, this.partCount * PART_STRIDE));
        const at = part * PART_STRIDE;
        parts[at + P_TYPE] = 0;
        parts[at + P_TEXT] = 0;
        parts[at + P_ASSET] = 0;
        this.setString(parts, at + P_SELF, kind, parser);
        this.part = part;
        nodes[base + N_PART_COUNT]++;
        return;
      }
      case Slot.PartType:
        this.setString(this.parts, this.part * PART_STRIDE + P_TYPE, kind, parser);
        return;
      case Slot.PartText:
        this.setString(this.parts, this.part * PART_STRIDE + P_TEXT, kind, parser);
        return;
      case Slot.PartAsset:
        this.setString(this.parts, this.part * PART_STRIDE + P_ASSET, kind, parser);
        return;
    }
  }

  key(_slot: number, parser: SelectiveParser): void {
    const node = this.intern(parser);
    const at = node * NODE_STRIDE + N_MEMBER;
    if (this.nodes[at] === 0) {
      this.nodes[at] = 1;
      this.order = grown(this.order, this.orderCount + 1);
      this.order[this.orderCount++] = node;
      if (!this.indexKeys && mayBeIndex(parser) && isIndexKey(parser.lastText())) this.indexKeys = true;
    }
    this.node = node;
  }

  private setString(array: Int32Array, at: number, kind: number, parser: SelectiveParser): void {
    array[at] = kind;
    if (kind === STRING) {
      array[at + 1] = parser.s0;
      array[at + 2] = parser.s1;
      array[at + 3] = parser.flags;
    }
  }

  private clearMapping(): void {
    this.ids.reset();
    this.recent.fill(-1);
    this.nodeCount = 0;
    this.orderCount = 0;
    this.childCount = 0;
    this.partCount = 0;
    this.indexKeys = false;
    if (this.order.length > KEPT_NODES) {
      // A huge conversation came before: do not keep its arrays for the rest of the export.
      this.nodes = new Int32Array(KEPT_NODES * NODE_STRIDE);
      this.times = new Float64Array(KEPT_NODES);
      this.order = new Int32Array(KEPT_NODES);
    }
    if (this.children.length > KEPT_NODES * 4) this.children = new Int32Array(KEPT_NODES);
    if (this.parts.length > KEPT_NODES * PART_STRIDE * 4) this.parts = new Int32Array(KEPT_NODES * PART_STRIDE);
  }

  /**
   * The number of the node id just read, numbering it (as not yet a key) when new. The last few
   * ids met are compared first, by their bytes: a node's key is usually its parent's last child,
   * its `id` is its key, and its `parent` the key before it, so most occurrences skip the hash.
   */
  private intern(parser: SelectiveParser): number {
    const s0 = parser.s0;
    const s1 = parser.s1;
    const plain = (parser.flags & ESCAPED) === 0;
    if (plain) {
      const recent = this.recent;
      const length = s1 - s0;
      // Newest first: a node's `id` is the key just read.
      for (let k = 1; k <= RECENT; k++) {
        const r = (this.recentNext + 3 * (RECENT - k)) % (3 * RECENT);
        const at = recent[r];
        if (at >= 0 && recent[r + 1] - at === length && parser.sameBytes(at, s0, length)) return recent[r + 2];
      }
    }
    const node = this.ids.lookup(parser, parser.input, s0, s1, parser.flags, true);
    if (plain) {
      const r = this.recentNext;
      this.recent[r] = s0;
      this.recent[r + 1] = s1;
      this.recent[r + 2] = node;
      this.recentNext = r + 3 === RECENT * 3 ? 0 : r + 3;
    }
    if (node < this.nodeCount) return node;
    this.nodeCount++;
    if (node >= this.order.length) {
      const capacity = this.order.length * 2;
      const nodes = new Int32Array(capacity * NODE_STRIDE);
      nodes.set(this.nodes);
      this.nodes = nodes;
      const times = new Float64Array(capacity);
      times.set(this.times);
      this.times = times;
      const order = new Int32Array(capacity);
      order.set(this.order);
      this.order = order;
    }
    freshNode(this.nodes, node * NODE_STRIDE);
    return node;
  }

  /** The number of the top-level string field `slot` as a node id, or undefined when it is not a string or not an id met. */
  topNode(slot: number): number | undefined {
    if (this.topKind[slot] !== STRING) return undefined;
    const parser = this.parser as SelectiveParser;
    const node = this.ids.lookup(parser, parser.input, this.topS0[slot], this.topS1[slot], this.topFlags[slot], false);
    return node < 0 ? undefined : node;
  }

  /** The string at `array[at]` (a string field), decoded; undefined when it is not a string. */
  stringAt(array: Int32Array, at: number): string | undefined {
    if (array[at] !== STRING) return undefined;
    return (this.parser as SelectiveParser).text(array[at + 1], array[at + 2], array[at + 3]);
  }

  /** Node `node`'s author role, when its author is an object (the constant name when it is a known one). */
  roleOf(node: number): string | undefined {
    const base = node * NODE_STRIDE;
    if (this.nodes[base + N_AUTHOR] !== OBJECT) return undefined;
    const code = this.nodes[base + N_ROLE_CODE];
    return code > 0 ? ROLE_NAMES[code] : this.stringAt(this.nodes, base + N_ROLE);
  }

  /** Node `node`'s content type, when its content is an object (the constant name when it is a known one). */
  typeOf(node: number): string | undefined {
    const base = node * NODE_STRIDE;
    if (this.nodes[base + N_CONTENT] !== OBJECT) return undefined;
    const code = this.nodes[base + N_TYPE_CODE];
    return code > 0 ? TYPE_NAMES[code] : this.stringAt(this.nodes, base + N_TYPE);
  }

  /** A top-level string field. */
  topString(slot: number): string | undefined {
    if (this.topKind[slot] !== STRING) return undefined;
    return (this.parser as SelectiveParser).text(this.topS0[slot], this.topS1[slot], this.topFlags[slot]);
  }

  /** The mapping's keys (node numbers) in the order `JSON.parse` gives them. */
  members(): Int32Array {
    const order = this.order.subarray(0, this.orderCount);
    if (!this.indexKeys) return order;
    const parser = this.parser as SelectiveParser;
    const names = [...order].map((n) => this.ids.text(parser, n));
    const at = [...order.keys()];
    const indices = at.filter((k) => isIndexKey(names[k])).sort((a, b) => Number(names[a]) - Number(names[b]));
    const rest = at.filter((k) => !isIndexKey(names[k]));
    return Int32Array.from([...indices, ...rest], (k) => order[k]);
  }

  // ContentSource (`content.ts`), for the node set by `readContentOf`.

  /** Reads node `node`'s content (see `content.ts`); `type` is its validated content type. */
  readContentOf(node: number, type: string): ReturnType<typeof readContent> {
    this.contentNode = node;
    return readContent(this, type);
  }

  partsLength(): number {
    const base = this.contentNode * NODE_STRIDE;
    return this.nodes[base + N_PARTS] === ARRAY ? this.nodes[base + N_PART_COUNT] : -1;
  }

  private partAt(i: number): number {
    return (this.nodes[this.contentNode * NODE_STRIDE + N_PART_START] + i) * PART_STRIDE;
  }

  partString(i: number): string | undefined {
    return this.stringAt(this.parts, this.partAt(i) + P_SELF);
  }

  partIsObject(i: number): boolean {
    return this.parts[this.partAt(i) + P_SELF] === OBJECT;
  }

  partType(i: number): string | undefined {
    return this.stringAt(this.parts, this.partAt(i) + P_TYPE);
  }

  partText(i: number): string | undefined {
    return this.stringAt(this.parts, this.partAt(i) + P_TEXT);
  }

  partAsset(i: number): string | undefined {
    return this.stringAt(this.parts, this.partAt(i) + P_ASSET);
  }

  codeText(): string | undefined {
    return this.stringAt(this.nodes, this.contentNode * NODE_STRIDE + N_TEXT);
  }
}

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
  /** The visible path being walked (node numbers, leaf first), and the tree walk's stack and marks. */
  private path: Int32Array = new Int32Array(1024);
  private stack: Int32Array = new Int32Array(1024);
  private visited = new Uint8Array(1024);

  /** `maxNodes`: most mapping nodes in one conversation. */
  constructor(private readonly maxNodes: number = Number.MAX_SAFE_INTEGER) {}

  get units(): number {
    return this.userUnits + this.assistantUnits;
  }

  /**
   * Validates the conversation held by `conversation` and adds it to the totals. `file`/`index`
   * locate it in errors. The checks and their order are those of a walk over the `JSON.parse`
   * value (the tests hold a reference that does exactly that).
   */
  add(conversation: ConversationBuilder, file: string, index: number): void {
    const where = `Conversation #${index} of "${file}"`;
    const fake = (problem: string): ExportFormatError =>
      new ExportFormatError(
        "FAKE_EXPORT",
        `${where} ${problem}; real ChatGPT exports never look like this.`,
        file,
        "This does not look like an unmodified export; upload the .zip exactly as OpenAI sent it.",
      );
    const c = conversation;
    const top = c.topKind;
    if (top[Slot.Conversation] !== OBJECT) throw fake("is not an object");
    // `id ?? conversation_id`: an absent or null id falls back.
    const idSlot = top[Slot.Id] === 0 || top[Slot.Id] === NULL ? Slot.ConversationId : Slot.Id;
    const id = c.topString(idSlot);
    if (id === undefined || id.length === 0 || id.length > MAX_ID) throw fake("has no valid id");
    if (this.conversationIds.has(id)) {
      throw new ExportFormatError(
        "FAKE_EXPORT",
        `${where} repeats the id of an earlier conversation (copied content).`,
        file,
      );
    }
    this.conversationIds.add(id);
    if (top[Slot.Title] !== NULL && top[Slot.Title] !== STRING) throw fake("has no title field");
    const created = c.topNumber[Slot.CreateTime];
    // NaN (not a number) fails every comparison: `!(x >= 0)` rejects it.
    if (top[Slot.CreateTime] !== NUMBER || !(created >= 0 && created <= MAX_TIME)) {
      throw fake("has no valid create_time");
    }
    const updatedRaw = top[Slot.UpdateTime];
    const updatedTime = c.topNumber[Slot.UpdateTime];
    if (updatedRaw !== NULL && (updatedRaw !== NUMBER || !(updatedTime >= 0 && updatedTime <= MAX_TIME))) {
      throw fake("has no valid update_time");
    }
    const updated = updatedRaw === NUMBER ? updatedTime : undefined;
    if (top[Slot.Mapping] !== OBJECT) throw fake("has no mapping (message tree)");
    const current = c.topNode(Slot.CurrentNode);
    if (current === undefined || !this.isObjectMember(c, current)) throw fake("has no current_node in its mapping");

    const members = c.members();
    const size = members.length;
    if (size > this.maxNodes) {
      throw new ExportFormatError(
        "TOO_MANY_NODES",
        `${where} has ${size} message nodes, above the limit of ${this.maxNodes}.`,
        file,
      );
    }
    for (let k = 0; k < size; k++) this.addNode(c, members[k], fake);
    const pathLength = this.visiblePath(c, current, size, fake);
    const path = this.path;
    this.checkTree(c, path[pathLength - 1], size, fake);

    this.conversations++;
    this.nodes += size;
    this.branchNodes += size - pathLength;
    const last = Math.max(created, updated ?? created);
    this.firstTime = this.firstTime === undefined ? created : Math.min(this.firstTime, created);
    this.lastTime = this.lastTime === undefined ? last : Math.max(this.lastTime, last);

    const defaultModel = c.topString(Slot.DefaultModel);
    const unitsBefore = this.units;
    for (let i = pathLength - 1; i >= 0; i--) this.addVisible(c, path[i], created, defaultModel);
    if (this.units > unitsBefore) this.conversationsWithUnits++;
  }

  /** Whether node number `node` is a key of the mapping whose value is an object. */
  private isObjectMember(c: ConversationBuilder, node: number): boolean {
    const base = node * NODE_STRIDE;
    return c.nodes[base + N_MEMBER] === 1 && c.nodes[base + N_KIND] === OBJECT;
  }

  /** Checks a node's shape and counts its message (role, content type). */
  private addNode(c: ConversationBuilder, node: number, fake: (problem: string) => ExportFormatError): void {
    const nodes = c.nodes;
    const base = node * NODE_STRIDE;
    if (nodes[base + N_KIND] !== OBJECT || nodes[base + N_ID] !== node) {
      throw fake("has a mapping node without a matching id");
    }
    const parent = nodes[base + N_PARENT];
    if (nodes[base + N_CHILDREN] !== ARRAY || parent === REF_OTHER || parent === REF_ABSENT) {
      throw fake("has a mapping node without parent/children links");
    }
    const message = nodes[base + N_MESSAGE];
    if (message === NULL) return;
    if (message !== OBJECT) throw fake("has a mapping node without a message field");
    const role = c.roleOf(node);
    if (role === undefined || role.length === 0) throw fake("has a message without an author role");
    const type = c.typeOf(node);
    if (type === undefined || type.length === 0 || type.length > MAX_NAME) {
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

  /** Walks from `current` up to the root into {@link path} (leaf first); fails on a dangling parent or a cycle. */
  private visiblePath(
    c: ConversationBuilder,
    current: number,
    size: number,
    fake: (problem: string) => ExportFormatError,
  ): number {
    let length = 0;
    let cursor = current;
    while (cursor !== REF_NULL) {
      // Every key's value is an object with a string or null parent by now (`addNode`).
      if (cursor < 0 || c.nodes[cursor * NODE_STRIDE + N_MEMBER] !== 1) {
        throw fake("has no root node (a parent link leads outside the mapping)");
      }
      if (length === size) throw fake("has no root node (its parent links form a cycle)");
      if (length === this.path.length) this.path = grownBytes32(this.path);
      this.path[length++] = cursor;
      cursor = c.nodes[cursor * NODE_STRIDE + N_PARENT];
    }
    return length;
  }

  /**
   * Whole-mapping integrity: walking `children` from the root reaches every node exactly once, and
   * every child names its parent. Iterative, so a deep chain cannot overflow the stack.
   */
  private checkTree(
    c: ConversationBuilder,
    root: number,
    size: number,
    fake: (problem: string) => ExportFormatError,
  ): void {
    const nodes = c.nodes;
    if (this.visited.length < c.nodeCount)
      this.visited = new Uint8Array(Math.max(c.nodeCount, 2 * this.visited.length));
    const visited = this.visited;
    visited.fill(0, 0, c.nodeCount);
    let stack = this.stack;
    let depth = 0;
    stack[depth++] = root;
    visited[root] = 1;
    let reached = 1;
    while (depth > 0) {
      const node = stack[--depth];
      const base = node * NODE_STRIDE;
      // The node's `id` is its own number (`addNode`), so "points back" is `parent === node`.
      const start = nodes[base + N_CHILD_START];
      const end = start + nodes[base + N_CHILD_COUNT];
      for (let k = start; k < end; k++) {
        const child = c.children[k];
        if (child < 0 || nodes[child * NODE_STRIDE + N_MEMBER] !== 1) {
          throw fake("has a child link leading outside the mapping");
        }
        if (nodes[child * NODE_STRIDE + N_PARENT] !== node)
          throw fake("has a child whose parent link points elsewhere");
        if (visited[child] === 1) throw fake("reaches a mapping node twice (a cycle or a shared child)");
        visited[child] = 1;
        reached++;
        if (depth === stack.length) stack = this.stack = grownBytes32(stack);
        stack[depth++] = child;
      }
    }
    if (reached !== size) throw fake("has mapping nodes not reachable from its root");
  }

  /** Counts one visible node's message toward volume and the quality signals. */
  private addVisible(
    c: ConversationBuilder,
    node: number,
    conversationTime: number,
    defaultModel: string | undefined,
  ): void {
    const nodes = c.nodes;
    const base = node * NODE_STRIDE;
    if (nodes[base + N_MESSAGE] !== OBJECT) return;
    this.visibleMessages++;
    const metadata = nodes[base + N_METADATA] === OBJECT;
    if (metadata && nodes[base + N_HIDDEN] === 1) {
      this.hiddenMessages++;
      return;
    }
    const role = c.roleOf(node);
    if (role !== "user" && role !== "assistant") return;
    const type = c.typeOf(node);
    if (type === undefined) return;
    const reading = c.readContentOf(node, type);
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
      const sent = c.times[node];
      const time = sent >= 0 && sent <= MAX_TIME ? sent : conversationTime;
      this.activeDays.add(Math.floor(time / SECONDS_PER_DAY));
    } else {
      this.assistantUnits++;
      const slug = metadata ? c.stringAt(nodes, base + N_SLUG) : undefined;
      const model = slug !== undefined && slug.length > 0 ? slug : defaultModel;
      if (model !== undefined && model.length > 0 && model.length <= MAX_NAME) {
        if (this.models.size < MAX_MODELS) this.models.add(model);
        listName(this.listedModels, model, MAX_LISTED_NAMES);
      }
    }
  }
}

function grownBytes32(array: Int32Array): Int32Array {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
