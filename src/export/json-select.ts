/**
 * Selective JSON parsing: validates a whole value as `JSON.parse` would, but builds only the parts a
 * {@link Selection} names; every other member is checked and skipped without creating a string,
 * number or object for it.
 *
 * Why: the scorer reads a few dozen bytes of each message (role, content type, text, a few ids and
 * times) out of several hundred (moderation results, metadata, status, weights, ...). Building
 * everything with `JSON.parse` cost more than inflating the archive; building only what is read
 * makes the reader faster than a plain `JSON.parse` of the same file, and what a hostile item can
 * make the reader allocate is at most what it selects.
 *
 * Equivalence with `JSON.parse`, for bytes that are valid UTF-8 (the caller checks that on the
 * whole item, `isUtf8`): the same inputs are accepted (RFC 8259 grammar: no trailing commas, no
 * leading zeros, escapes and control characters checked in skipped strings too), and a selected
 * value reads as the value `JSON.parse` gives, with these representations (tests compare both on
 * random documents):
 * - an object with `fields` has exactly those properties, in that order, `undefined` when absent
 *   (so "absent" and "undefined" read the same: no JSON value is `undefined`); one not selected
 *   into is `{}`, an array not selected into `[]`;
 * - an object with `every` is a `Map`, in the order `JSON.parse` gives its keys (array-index keys
 *   first in numeric order, then the rest as written): V8 objects with thousands of distinct
 *   keys (mapping node ids) cost several times more to build, and `__proto__` is just a key;
 * - duplicate keys keep the last value, as with `JSON.parse`.
 *
 * Limits are enforced as in `json-stream.ts`: nesting depth, string length (bytes as written) and
 * the token count (`{`, `[`, `,`, `:`), which the caller checks against its limit.
 */
/** What {@link SelectiveParser.parse} builds (see the module doc). */
export type Selected = null | boolean | number | string | Selected[] | SelectedObject | SelectedMap;
export interface SelectedObject {
  readonly [key: string]: Selected | undefined;
}
export type SelectedMap = ReadonlyMap<string, Selected>;

/** An object read with `fields` (not an array, not a map). */
export function isSelectedObject(value: Selected | undefined): value is SelectedObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Map);
}

/** Which parts of a value to build (see the module doc). Strings, numbers and literals are always built. */
export interface Selection {
  /** For an object: the members to build, each with its own selection. */
  readonly fields?: Readonly<Record<string, Selection>>;
  /** For an object: every member, each with this selection (a map such as `mapping`). */
  readonly every?: Selection;
  /** For an array: every element, with this selection. */
  readonly items?: Selection;
}

interface KeyEntry {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly selection: Compiled;
}

/** A selection prepared for matching keys by their bytes. */
export class Compiled {
  readonly fields: ReadonlyMap<string, Compiled> | undefined;
  /** Keys by byte length, for matching without decoding. */
  readonly byLength: (KeyEntry[] | undefined)[] = [];
  readonly every: Compiled | undefined;
  readonly items: Compiled | undefined;
  /** Every field `undefined`: objects are copies of it, so they all share one shape (fast stores and reads). */
  readonly template: Record<string, undefined> = {};

  constructor(selection: Selection) {
    const fields = selection.fields;
    if (fields !== undefined) {
      const map = new Map<string, Compiled>();
      for (const name of Object.keys(fields)) {
        if (name === "__proto__") throw new Error("a selection cannot name __proto__");
        const compiled = new Compiled(fields[name]);
        map.set(name, compiled);
        this.template[name] = undefined;
        const bytes = Buffer.from(name, "utf8");
        (this.byLength[bytes.length] ??= []).push({ name, bytes, selection: compiled });
      }
      this.fields = map;
    }
    this.every = selection.every === undefined ? undefined : new Compiled(selection.every);
    this.items = selection.items === undefined ? undefined : new Compiled(selection.items);
  }
}

/** Prepares a selection once, for {@link SelectiveParser.parse}. */
export function compileSelection(selection: Selection): Compiled {
  return new Compiled(selection);
}

/** Zero bytes a buffer given to {@link SelectiveParser.parse} must have after the input. */
export const PARSE_PADDING = 8;

/** Thrown when the bytes end inside the value: more input may complete it. */
export const INCOMPLETE = Symbol("incomplete JSON value");
/** Thrown on a grammar error inside the bytes. */
export const MALFORMED = Symbol("malformed JSON value");
export const TOO_DEEP = Symbol("JSON nested too deep");
export const STRING_TOO_LONG = Symbol("JSON string too long");

/** Bytes that end the plain run of a string: `"`, `\` and the control characters (invalid in JSON strings). */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[0x22] = 1;
STRING_STOP[0x5c] = 1;
/** Bytes allowed after a backslash, other than `u`. */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of "0123456789abcdefABCDEF") HEX[c.charCodeAt(0)] = 1;
/** Exact powers of ten (up to 10^22 every one is a double), for the number fast path. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** ASCII strings up to this length are looked up in the {@link SelectiveParser} string cache. */
const CACHED_STRING = 48;
const CACHE_SLOTS = 4096;

interface SliceableBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** One parser per stream; {@link parse} reads one value. Not reentrant. */
export class SelectiveParser {
  private b: SliceableBuffer = Buffer.alloc(0) as SliceableBuffer;
  private i = 0;
  private n = 0;
  /** `{`, `[`, `,` and `:` read by the last {@link parse}. */
  tokens = 0;
  /** Where the last string read began and ended (content, without the quotes), and whether it had escapes / non-ASCII bytes. */
  private s0 = 0;
  private s1 = 0;
  private escaped = false;
  private wide = false;
  /**
   * Short strings recently built, by a hash of their bytes: ids, roles and content types repeat
   * (a node id is written four times), and a lookup costs a fraction of making a string.
   */
  private readonly cache: (string | undefined)[] = new Array<string | undefined>(CACHE_SLOTS).fill(undefined);
  /** The bytes of each cached string (compared as bytes: cheaper than reading the string back). */
  private readonly cacheBytes = new Uint8Array(CACHE_SLOTS * CACHED_STRING);

  /**
   * @param maxDepth deepest nesting of arrays and objects inside a parsed value (1 = no container inside a container)
   * @param maxStringBytes longest string, in bytes as written
   */
  constructor(
    private readonly maxDepth: number,
    private readonly maxStringBytes: number,
  ) {}

  /**
   * Parses the value starting at `start` (leading whitespace allowed) in `b[0, end)`; returns it
   * and leaves {@link end} just past it. `b` must hold at least {@link PARSE_PADDING} zero bytes
   * after `end`: the parser then never reads outside `b` (a read past the end of a typed array
   * makes V8 slow down every later read at that place) and stops at the zeros. Throws
   * {@link INCOMPLETE}, {@link MALFORMED}, {@link TOO_DEEP} or {@link STRING_TOO_LONG}.
   */
  parse(b: Buffer, start: number, end: number, selection: Compiled): Selected {
    this.b = b as SliceableBuffer;
    this.i = start;
    this.n = end;
    this.tokens = 0;
    return this.value(selection, 0) as Selected;
  }

  /** Index just past the value read by the last {@link parse}. */
  get end(): number {
    return this.i;
  }

  private fail(): symbol {
    return this.i >= this.n ? INCOMPLETE : MALFORMED;
  }

  private skipWhitespace(): number {
    const b = this.b;
    let i = this.i;
    let c = b[i];
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i];
    this.i = i;
    return i < this.n ? c : -1;
  }

  /** A value; with `selection` undefined it is only checked (returns undefined). */
  private value(selection: Compiled | undefined, depth: number): Selected | undefined {
    const c = this.skipWhitespace();
    switch (c) {
      case 0x7b:
        return this.object(selection, depth + 1);
      case 0x5b:
        return this.array(selection, depth + 1);
      case 0x22:
        this.string();
        return selection === undefined ? undefined : this.stringValue();
      case 0x74:
        return this.literal(0x72, 0x75, 0x65, -1, true);
      case 0x66:
        return this.literal(0x61, 0x6c, 0x73, 0x65, false);
      case 0x6e:
        return this.literal(0x75, 0x6c, 0x6c, -1, null);
      default:
        if (c === 0x2d || isDigit(c)) return this.number(selection !== undefined);
        throw this.fail();
    }
  }

  private literal(c1: number, c2: number, c3: number, c4: number, value: boolean | null): boolean | null {
    const b = this.b;
    let i = this.i + 1;
    if (b[i] !== c1) return this.failAt(i);
    if (b[++i] !== c2) return this.failAt(i);
    if (b[++i] !== c3) return this.failAt(i);
    if (c4 >= 0 && b[++i] !== c4) return this.failAt(i);
    this.i = i + 1;
    return value;
  }

  private failAt(i: number): never {
    this.i = i;
    throw this.fail();
  }

  private number(build: boolean): number | undefined {
    const b = this.b;
    const start = this.i;
    let i = start;
    if (b[i] === 0x2d) i++;
    // The digits as an integer: exact while below 2^53 (each step is smaller than the last).
    let mantissa = 0;
    let c = b[i];
    if (c === 0x30) c = b[++i];
    else if (c >= 0x31 && c <= 0x39) {
      do {
        mantissa = mantissa * 10 + (c - 0x30);
        c = b[++i];
      } while (c >= 0x30 && c <= 0x39);
    } else return this.failAt(i);
    let fraction = 0;
    if (c === 0x2e) {
      c = b[++i];
      if (!(c >= 0x30 && c <= 0x39)) return this.failAt(i);
      const from = i;
      do {
        mantissa = mantissa * 10 + (c - 0x30);
        c = b[++i];
      } while (c >= 0x30 && c <= 0x39);
      fraction = i - from;
    }
    let exact = true;
    if (c === 0x65 || c === 0x45) {
      exact = false;
      c = b[++i];
      if (c === 0x2b || c === 0x2d) c = b[++i];
      if (!(c >= 0x30 && c <= 0x39)) return this.failAt(i);
      do c = b[++i];
      while (c >= 0x30 && c <= 0x39);
    }
    // A number that reaches the end of the bytes may go on in the next chunk.
    if (i >= this.n) return this.failAt(i);
    this.i = i;
    if (!build) return undefined;
    // Clinger's fast path: an integer below 2^53 divided by an exact power of ten is correctly
    // rounded, i.e. exactly what `Number` (and `JSON.parse`) give; anything else goes through `Number`.
    if (exact && fraction <= 22 && mantissa < 2 ** 53) {
      const value = fraction === 0 ? mantissa : mantissa / POW10[fraction];
      return b[start] === 0x2d ? -value : value;
    }
    return Number(b.latin1Slice(start, i));
  }

  /** Reads a string (at its opening quote); its content is `b[s0, s1)`. */
  private string(): void {
    const b = this.b;
    let i = this.i + 1;
    const start = i;
    let escaped = false;
    let wide = 0;
    for (;;) {
      let c = b[i];
      while (STRING_STOP[c] === 0) {
        wide |= c;
        c = b[++i];
      }
      if (c === 0x22) break;
      if (c !== 0x5c) return this.failAt(i);
      escaped = true;
      c = b[++i];
      if (SIMPLE_ESCAPE[c] === 1) {
        i++;
      } else if (c === 0x75) {
        if (HEX[b[i + 1]] !== 1 || HEX[b[i + 2]] !== 1 || HEX[b[i + 3]] !== 1 || HEX[b[i + 4]] !== 1) {
          // Point at the first non-hex byte, so the end of the bytes reads as incomplete.
          let k = i + 1;
          while (k < i + 5 && HEX[b[k]] === 1) k++;
          return this.failAt(k);
        }
        i += 5;
      } else return this.failAt(i);
    }
    if (i - start > this.maxStringBytes) throw STRING_TOO_LONG;
    this.s0 = start;
    this.s1 = i;
    this.escaped = escaped;
    this.wide = wide >= 0x80;
    this.i = i + 1;
  }

  /** The last string read, decoded exactly as `JSON.parse` decodes it. */
  private stringValue(): string {
    const b = this.b;
    const s0 = this.s0;
    const s1 = this.s1;
    if (this.escaped) return JSON.parse(b.utf8Slice(s0 - 1, s1 + 1)) as string;
    if (this.wide) return b.utf8Slice(s0, s1);
    const length = s1 - s0;
    if (length > CACHED_STRING) return b.latin1Slice(s0, s1);
    // The slot: the length, the first two and the last six bytes (ids differ there; a clash only
    // costs a miss). The cached bytes are compared byte for byte, so a hit is always exact.
    let h = Math.imul(length, 0x9e3779b1) ^ b[s0] ^ (b[s0 + 1] << 8);
    for (let k = Math.max(s0 + 2, s1 - 6); k < s1; k++) h = Math.imul(h ^ b[k], 0x01000193);
    const slot = (h ^ (h >>> 15)) & (CACHE_SLOTS - 1);
    const cached = this.cache[slot];
    const pool = this.cacheBytes;
    const base = slot * CACHED_STRING;
    if (cached !== undefined && cached.length === length) {
      let k = 0;
      while (k < length && pool[base + k] === b[s0 + k]) k++;
      if (k === length) return cached;
    }
    const text = b.latin1Slice(s0, s1);
    this.cache[slot] = text;
    for (let k = 0; k < length; k++) pool[base + k] = b[s0 + k];
    return text;
  }

  /** The field whose key was just read, or undefined to skip the member. */
  private member(fields: Compiled): KeyEntry | undefined {
    if (this.escaped) {
      const name = this.stringValue();
      const selection = fields.fields?.get(name);
      return selection === undefined ? undefined : { name, bytes: new Uint8Array(0), selection };
    }
    const candidates = fields.byLength[this.s1 - this.s0];
    if (candidates === undefined) return undefined;
    const b = this.b;
    const s0 = this.s0;
    for (let e = 0; e < candidates.length; e++) {
      const entry = candidates[e];
      const bytes = entry.bytes;
      let k = 0;
      while (k < bytes.length && b[s0 + k] === bytes[k]) k++;
      if (k === bytes.length) return entry;
    }
    return undefined;
  }

  /** Whether the key just read is an array index (`0` or no leading zero, below 2^32 − 1). */
  private isIndexKey(): boolean {
    const b = this.b;
    const s0 = this.s0;
    const length = this.s1 - s0;
    if (this.escaped || length === 0 || length > 10 || (b[s0] === 0x30 && length > 1)) return false;
    let value = 0;
    for (let k = s0; k < this.s1; k++) {
      const c = b[k];
      if (c < 0x30 || c > 0x39) return false;
      value = value * 10 + (c - 0x30);
    }
    return value < 0xffffffff;
  }

  private object(selection: Compiled | undefined, depth: number): SelectedObject | SelectedMap | undefined {
    if (depth > this.maxDepth) throw TOO_DEEP;
    this.tokens++;
    this.i++;
    const every = selection?.every;
    const fields = selection?.fields === undefined ? undefined : selection;
    const map = every === undefined ? undefined : new Map<string, Selected>();
    const out: Record<string, Selected | undefined> | undefined =
      selection === undefined || map !== undefined ? undefined : { ...selection.template };
    let indexKeys = false;
    let c = this.skipWhitespace();
    if (c === 0x7d) {
      this.i++;
      return map ?? out;
    }
    for (;;) {
      if (c !== 0x22) throw this.fail();
      this.string();
      let key: string | undefined;
      let child: Compiled | undefined;
      if (every !== undefined) {
        if (!indexKeys && this.isIndexKey()) indexKeys = true;
        key = this.stringValue();
        child = every;
      } else if (fields !== undefined) {
        const field = this.member(fields);
        if (field !== undefined) {
          key = field.name;
          child = field.selection;
        }
      }
      if (this.skipWhitespace() !== 0x3a) throw this.fail();
      this.tokens++;
      this.i++;
      const value = this.value(child, depth);
      if (key !== undefined) {
        if (map !== undefined) map.set(key, value as Selected);
        else if (out !== undefined) out[key] = value;
      }
      c = this.skipWhitespace();
      if (c === 0x2c) {
        this.tokens++;
        this.i++;
        c = this.skipWhitespace();
        continue;
      }
      if (c === 0x7d) {
        this.i++;
        return map === undefined ? out : indexKeys ? inPropertyOrder(map) : map;
      }
      throw this.fail();
    }
  }

  private array(selection: Compiled | undefined, depth: number): Selected[] | undefined {
    if (depth > this.maxDepth) throw TOO_DEEP;
    this.tokens++;
    this.i++;
    const out: Selected[] | undefined = selection === undefined ? undefined : [];
    const items = selection?.items;
    let c = this.skipWhitespace();
    if (c === 0x5d) {
      this.i++;
      return out;
    }
    for (;;) {
      const value = this.value(items, depth);
      if (items !== undefined && out !== undefined) out.push(value as Selected);
      c = this.skipWhitespace();
      if (c === 0x2c) {
        this.tokens++;
        this.i++;
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        return out;
      }
      throw this.fail();
    }
  }
}

function isIndex(key: string): boolean {
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 0xffffffff;
}

/** The map's entries in the order of an object's own keys: array indices ascending, then the rest as inserted. */
function inPropertyOrder(map: Map<string, Selected>): SelectedMap {
  const indices = [...map.keys()].filter(isIndex).sort((a, b) => Number(a) - Number(b));
  const ordered = new Map<string, Selected>();
  for (const key of indices) ordered.set(key, map.get(key) as Selected);
  for (const [key, value] of map) if (!isIndex(key)) ordered.set(key, value);
  return ordered;
}
