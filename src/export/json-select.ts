/**
 * Selective JSON parsing: validates a whole value as `JSON.parse` would, but reports only the
 * positions a {@link Selection} names, as events to a {@link SelectionSink}, and builds nothing
 * itself; every other member is checked and skipped without creating a string, number or object.
 *
 * Why events and not objects: the scorer reads a few dozen bytes of each message (role, content
 * type, text, a few ids and times) out of several hundred (moderation results, metadata, status,
 * weights, ...). Building even only the selected parts as objects (a node, its message, author,
 * metadata, content, parts, a `Map` per mapping: ~3 million objects for 50,000 conversations) and
 * then walking them cost more than the scan itself. With events the sink (`conversations.ts`)
 * keeps what it needs in typed arrays reused from item to item, and strings stay as byte ranges
 * of the input until it decodes the few it reads ({@link SelectiveParser.text}).
 *
 * The events, in document order:
 * - `value(slot, kind)`: a value at a position whose selection has a `slot`. Scalars are reported
 *   once read (a string's bytes are then {@link SelectiveParser.s0}..{@link SelectiveParser.s1},
 *   a number is {@link SelectiveParser.num}); objects and arrays are reported when they open,
 *   before their members, so the sink can reset what it kept from an earlier value there.
 * - `key(slot)`: a member of an object read with `every` (whose selection must have a slot),
 *   before the member's value; the key is the last string read.
 * There is no "end" event: JSON nests strictly, so the latest container opened at a selection's
 * parent slot is the one a value belongs to.
 *
 * Equivalence with `JSON.parse`, for bytes that are valid UTF-8 (the caller checks that on the
 * whole item, `isUtf8`): the same inputs are accepted (RFC 8259 grammar: no trailing commas, no
 * leading zeros, escapes and control characters checked in skipped strings too), and a sink that
 * builds values from the events builds what `JSON.parse` gives, restricted to the selection (tests
 * compare both on random documents), provided it keeps the last of duplicate keys and orders an
 * `every` object's keys as `JSON.parse` does (array-index keys first in numeric order, then the
 * rest as first written); `__proto__` is just a key. {@link isIndexKey} tells index keys.
 *
 * Limits are enforced as in `json-stream.ts`: nesting depth, string length (bytes as written) and
 * the token count (`{`, `[`, `,`, `:`), which the caller checks against its limit.
 *
 * Guessed members: an export repeats a few kinds of object (conversation, node, message, author,
 * content) hundreds of thousands of times, with their keys in the same order and many skipped
 * values alike. Each selection remembers the keys of the last object read there and the short
 * values it skipped ({@link Guesses}); the next object's member is first compared with that
 * guess, four bytes at a time, and read the ordinary way only when it differs. About 96 % of keys
 * and 58 % of skipped values are guessed on the benchmark's export; a guess is exact or not taken.
 */

/** Kinds of value reported to a {@link SelectionSink} (0 is left for "absent"). */
export const NULL = 1;
export const FALSE = 2;
export const TRUE = 3;
export const NUMBER = 4;
export const STRING = 5;
export const OBJECT = 6;
export const ARRAY = 7;

/** {@link SelectiveParser.flags} bits of the last string read. */
export const ESCAPED = 1;
/** The string has bytes above 0x7f. */
export const WIDE = 2;

/** Receives the selected values of a parse (see the module doc). */
export interface SelectionSink {
  value(slot: number, kind: number, parser: SelectiveParser): void;
  key(slot: number, parser: SelectiveParser): void;
}

/** Which positions of a value to report (see the module doc). */
export interface Selection {
  /** Report the value here under this number (a small non-negative integer chosen by the sink). */
  readonly slot?: number;
  /** For an object: the members to read, each with its own selection. */
  readonly fields?: Readonly<Record<string, Selection>>;
  /** For an object: every member, each with this selection (a map such as `mapping`); needs a `slot`. */
  readonly every?: Selection;
  /** For an array: every element, with this selection. */
  readonly items?: Selection;
}

/** Members of an object guessed (see {@link Guesses}). */
const GUESSED_MEMBERS = 48;
/** Words of a guessed span (key or value): 32 bytes. */
const GUESS_WORDS = 8;
/** `TAIL_MASK[r]`: the low `r` bytes of a word. */
const TAIL_MASK = new Int32Array([0, 0xff, 0xffff, 0xffffff]);

/**
 * The members of the last object read at one selection, by position, as the guess for the next
 * object there: objects of one kind repeat their keys in the same order, and many of the members
 * the selection skips repeat their value too (`"status":"finished_successfully",`). A guess is
 * taken only when the input's bytes are exactly the guessed ones, which were read and checked
 * the ordinary way before, at the same place in the selection, at the same depth, by the same
 * parser (so under the same limits): matching them is reading them again, with the same
 * outcome, the same member selection and the same token count. Only a cache: results never
 * depend on it, only speed.
 *
 * Per position `k`: the key's bytes and closing quote (`keyLength[k]`, 0: no guess) and, for a
 * skipped member, what follows up to and including the comma after its value (`valueLength[k]`,
 * 0: no guess yet, −1: none for this key), as little-endian words at
 * `words[(2k or 2k + 1) * GUESS_WORDS]`, and the tokens of that span.
 */
export class Guesses {
  /** The parser that made these guesses, and the depth of the objects it read here. */
  owner: SelectiveParser | undefined;
  depth = -1;
  readonly words = new Int32Array(2 * GUESSED_MEMBERS * GUESS_WORDS);
  readonly keyLength = new Int32Array(GUESSED_MEMBERS);
  readonly child: (Compiled | undefined)[] = new Array<Compiled | undefined>(GUESSED_MEMBERS).fill(undefined);
  readonly valueLength = new Int32Array(GUESSED_MEMBERS);
  readonly valueTokens = new Int32Array(GUESSED_MEMBERS);

  /** Forgets every guess: another parser, or the same at another depth, reads here now. */
  claim(owner: SelectiveParser, depth: number): void {
    this.owner = owner;
    this.depth = depth;
    this.keyLength.fill(0);
    this.valueLength.fill(0);
  }
}

/** Whether `view` holds, from `at`, the `length` bytes kept at `words[base..]`. */
function matches(view: DataView, at: number, words: Int32Array, base: number, length: number): boolean {
  const whole = length >> 2;
  for (let w = 0; w < whole; w++) if (view.getInt32(at + 4 * w, true) !== words[base + w]) return false;
  const rest = length & 3;
  return rest === 0 || (view.getInt32(at + 4 * whole, true) & TAIL_MASK[rest]) === words[base + whole];
}

/** Keeps `b[from, from + length)` (at most 4 × {@link GUESS_WORDS} bytes) at `words[base..]`, zero-filled. */
function keep(b: Uint8Array, from: number, length: number, words: Int32Array, base: number): void {
  for (let w = 0; 4 * w < length; w++) {
    let word = 0;
    for (let k = 3; k >= 0; k--) {
      const at = 4 * w + k;
      word = (word << 8) | (at < length ? b[from + at] : 0);
    }
    words[base + w] = word;
  }
}

interface KeyEntry {
  readonly bytes: Uint8Array;
  readonly selection: Compiled;
}

/** A selection prepared for matching keys by their bytes. */
export class Compiled {
  readonly slot: number;
  readonly fields: ReadonlyMap<string, Compiled> | undefined;
  /** Keys by byte length, for matching without decoding. */
  readonly byLength: (KeyEntry[] | undefined)[] = [];
  readonly every: Compiled | undefined;
  readonly items: Compiled | undefined;
  /** What the last parser to read an object here saw in it (see {@link Guesses}). */
  readonly guesses = new Guesses();

  constructor(selection: Selection) {
    this.slot = selection.slot ?? -1;
    if (!Number.isSafeInteger(this.slot) || this.slot < -1) throw new Error("a slot is a non-negative integer");
    const fields = selection.fields;
    if (fields !== undefined) {
      const map = new Map<string, Compiled>();
      for (const name of Object.keys(fields)) {
        if (name === "__proto__") throw new Error("a selection cannot name __proto__");
        const compiled = new Compiled(fields[name]);
        map.set(name, compiled);
        const bytes = Buffer.from(name, "utf8");
        (this.byLength[bytes.length] ??= []).push({ bytes, selection: compiled });
      }
      this.fields = map;
    }
    if (selection.every !== undefined && this.slot < 0) throw new Error("a selection with `every` needs a slot");
    this.every = selection.every === undefined ? undefined : new Compiled(selection.every);
    this.items = selection.items === undefined ? undefined : new Compiled(selection.items);
  }
}

/** Prepares a selection once, for {@link SelectiveParser.parse}. */
export function compileSelection(selection: Selection): Compiled {
  return new Compiled(selection);
}

/** Whether `key` is an array index (`0`, or digits without a leading zero, below 2^32 − 1): `JSON.parse` puts those first. */
export function isIndexKey(key: string): boolean {
  const length = key.length;
  if (length === 0 || length > 10 || (length > 1 && key.charCodeAt(0) === 0x30)) return false;
  let value = 0;
  for (let k = 0; k < length; k++) {
    const c = key.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return false;
    value = value * 10 + (c - 0x30);
  }
  return value < 0xffffffff;
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

const EMPTY = Buffer.alloc(0) as SliceableBuffer;
/** Inputs up to this size stay referenced after {@link SelectiveParser.release}. */
const KEEP_INPUT = 16 * 1024 * 1024 + 64;

/** One parser per stream; {@link parse} reads one value. Not reentrant. */
export class SelectiveParser {
  private b: SliceableBuffer = EMPTY;
  /** `b` read four bytes at a time (see {@link string}). */
  private view = new DataView(EMPTY.buffer, EMPTY.byteOffset, 0);
  private i = 0;
  private n = 0;
  private sink: SelectionSink | undefined;
  /** `{`, `[`, `,` and `:` read by the last {@link parse}. */
  tokens = 0;
  /** Where the last string read began and ended (content, without the quotes) and its {@link ESCAPED} / {@link WIDE} flags. */
  s0 = 0;
  s1 = 0;
  flags = 0;
  /** The last number read at a selected position. */
  num = 0;
  /**
   * Short strings recently decoded, by a hash of their bytes: ids, roles and content types repeat
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
   * Parses the value starting at `start` (leading whitespace allowed) in `b[0, end)`, reporting
   * the selected positions to `sink`, and leaves {@link end} just past it. `b` must hold at least
   * {@link PARSE_PADDING} zero bytes after `end`: the parser then never reads outside `b` (a read
   * past the end of a typed array makes V8 slow down every later read at that place) and stops at
   * the zeros. Throws {@link INCOMPLETE}, {@link MALFORMED}, {@link TOO_DEEP} or
   * {@link STRING_TOO_LONG}. `b` stays readable through {@link text} until {@link release}.
   */
  parse(b: Buffer, start: number, end: number, selection: Compiled, sink: SelectionSink): void {
    if (b !== this.b) {
      this.b = b as SliceableBuffer;
      this.view = new DataView(b.buffer, b.byteOffset, b.length);
    }
    this.i = start;
    this.n = end;
    this.tokens = 0;
    this.sink = sink;
    this.value(selection, 0);
  }

  /** The input of the last {@link parse} (until {@link release}). */
  get input(): Buffer {
    return this.b;
  }

  /** Index just past the value read by the last {@link parse}. */
  get end(): number {
    return this.i;
  }

  /** Drops the reference to the last input when it is large. */
  release(): void {
    // A buffer of ordinary size is the caller's reused one: keeping it costs nothing, and a new
    // view per item would.
    if (this.b.length <= KEEP_INPUT) return;
    this.b = EMPTY;
    this.view = new DataView(EMPTY.buffer, EMPTY.byteOffset, 0);
    this.sink = undefined;
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

  /** A value that is only checked (no selection): the hot path of the parser, kept free of selection tests. */
  private skip(depth: number): void {
    const c = this.skipWhitespace();
    switch (c) {
      case 0x7b:
        this.skipObject(depth + 1);
        return;
      case 0x5b:
        this.skipArray(depth + 1);
        return;
      case 0x22:
        this.string();
        return;
      case 0x74:
        this.literal(0x72, 0x75, 0x65, -1);
        return;
      case 0x66:
        this.literal(0x61, 0x6c, 0x73, 0x65);
        return;
      case 0x6e:
        this.literal(0x75, 0x6c, 0x6c, -1);
        return;
      default:
        if (c !== 0x2d && !isDigit(c)) throw this.fail();
        this.number(false);
    }
  }

  private skipObject(depth: number): void {
    if (depth > this.maxDepth) throw TOO_DEEP;
    this.tokens++;
    this.i++;
    let c = this.skipWhitespace();
    if (c === 0x7d) {
      this.i++;
      return;
    }
    for (;;) {
      if (c !== 0x22) throw this.fail();
      this.string();
      if (this.skipWhitespace() !== 0x3a) throw this.fail();
      this.tokens++;
      this.i++;
      this.skip(depth);
      c = this.skipWhitespace();
      if (c === 0x2c) {
        this.tokens++;
        this.i++;
        c = this.skipWhitespace();
        continue;
      }
      if (c === 0x7d) {
        this.i++;
        return;
      }
      throw this.fail();
    }
  }

  private skipArray(depth: number): void {
    if (depth > this.maxDepth) throw TOO_DEEP;
    this.tokens++;
    this.i++;
    let c = this.skipWhitespace();
    if (c === 0x5d) {
      this.i++;
      return;
    }
    for (;;) {
      this.skip(depth);
      c = this.skipWhitespace();
      if (c === 0x2c) {
        this.tokens++;
        this.i++;
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        return;
      }
      throw this.fail();
    }
  }

  /** A value; reported when `selection` has a slot, only checked when `selection` is undefined. */
  private value(selection: Compiled | undefined, depth: number): void {
    if (selection === undefined) {
      this.skip(depth);
      return;
    }
    const c = this.skipWhitespace();
    const slot = selection.slot;
    let kind: number;
    switch (c) {
      case 0x7b:
        if (slot >= 0) (this.sink as SelectionSink).value(slot, OBJECT, this);
        this.object(selection, depth + 1);
        return;
      case 0x5b:
        if (slot >= 0) (this.sink as SelectionSink).value(slot, ARRAY, this);
        this.array(selection, depth + 1);
        return;
      case 0x22:
        this.string();
        kind = STRING;
        break;
      case 0x74:
        this.literal(0x72, 0x75, 0x65, -1);
        kind = TRUE;
        break;
      case 0x66:
        this.literal(0x61, 0x6c, 0x73, 0x65);
        kind = FALSE;
        break;
      case 0x6e:
        this.literal(0x75, 0x6c, 0x6c, -1);
        kind = NULL;
        break;
      default:
        if (c !== 0x2d && !isDigit(c)) throw this.fail();
        this.number(slot >= 0);
        kind = NUMBER;
    }
    if (slot >= 0) (this.sink as SelectionSink).value(slot, kind, this);
  }

  private literal(c1: number, c2: number, c3: number, c4: number): void {
    const b = this.b;
    let i = this.i + 1;
    if (b[i] !== c1) return this.failAt(i);
    if (b[++i] !== c2) return this.failAt(i);
    if (b[++i] !== c3) return this.failAt(i);
    if (c4 >= 0 && b[++i] !== c4) return this.failAt(i);
    this.i = i + 1;
  }

  private failAt(i: number): never {
    this.i = i;
    throw this.fail();
  }

  /** Reads a number; with `build`, its value goes to {@link num}. */
  private number(build: boolean): void {
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
    if (!build) return;
    // Clinger's fast path: an integer below 2^53 divided by an exact power of ten is correctly
    // rounded, i.e. exactly what `Number` (and `JSON.parse`) give; anything else goes through `Number`.
    if (exact && fraction <= 22 && mantissa < 2 ** 53) {
      const value = fraction === 0 ? mantissa : mantissa / POW10[fraction];
      this.num = b[start] === 0x2d ? -value : value;
    } else {
      this.num = Number(b.latin1Slice(start, i));
    }
  }

  /** Reads a string (at its opening quote); its content is `b[s0, s1)`. */
  private string(): void {
    const b = this.b;
    let i = this.i + 1;
    const start = i;
    let escaped = 0;
    let wide = 0;
    const view = this.view;
    for (;;) {
      // Four bytes at a time while none ends the plain run: `stop` has a top bit set exactly when
      // one of the four is below 0x20, `"` or `\` (the zero-byte test of "Bit Twiddling Hacks";
      // the padding zeros always stop it, so the read stays inside `b`). Strings are most of the
      // bytes of an export, and this loop is about twice as fast as one byte at a time.
      let w = view.getInt32(i, true);
      while (
        (((w - 0x20202020) | ((w ^ 0x22222222) - 0x01010101) | ((w ^ 0x5c5c5c5c) - 0x01010101)) & ~w & 0x80808080) ===
        0
      ) {
        wide |= w;
        i += 4;
        w = view.getInt32(i, true);
      }
      let c = b[i];
      while (STRING_STOP[c] === 0) {
        wide |= c;
        c = b[++i];
      }
      if (c === 0x22) break;
      if (c !== 0x5c) return this.failAt(i);
      escaped = ESCAPED;
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
    this.flags = escaped | ((wide & 0x80808080) !== 0 ? WIDE : 0);
    this.i = i + 1;
  }

  /** Whether bytes `[a, a + length)` and `[c, c + length)` of the last input are equal (both ranges within it). */
  sameBytes(a: number, c: number, length: number): boolean {
    const view = this.view;
    let k = 0;
    // Four bytes at a time: a word read past a range's end stays within the padding.
    for (; k + 4 <= length; k += 4) if (view.getInt32(a + k, true) !== view.getInt32(c + k, true)) return false;
    const b = this.b;
    for (; k < length; k++) if (b[a + k] !== b[c + k]) return false;
    return true;
  }

  /** The last string read, decoded. */
  lastText(): string {
    return this.text(this.s0, this.s1, this.flags);
  }

  /**
   * The string whose content is `[s0, s1)` of the last input, with its `flags` as reported,
   * decoded exactly as `JSON.parse` decodes it.
   */
  text(s0: number, s1: number, flags: number): string {
    const b = this.b;
    if ((flags & ESCAPED) !== 0) return JSON.parse(b.utf8Slice(s0 - 1, s1 + 1)) as string;
    if ((flags & WIDE) !== 0) return b.utf8Slice(s0, s1);
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

  /** The member selection for the key just read, or undefined to skip the member. */
  private member(fields: Compiled): Compiled | undefined {
    if ((this.flags & ESCAPED) !== 0) return fields.fields?.get(this.lastText());
    const candidates = fields.byLength[this.s1 - this.s0];
    if (candidates === undefined) return undefined;
    const b = this.b;
    const s0 = this.s0;
    for (let e = 0; e < candidates.length; e++) {
      const entry = candidates[e];
      const bytes = entry.bytes;
      let k = 0;
      while (k < bytes.length && b[s0 + k] === bytes[k]) k++;
      if (k === bytes.length) return entry.selection;
    }
    return undefined;
  }

  /**
   * Whether the key at {@link i} (its opening quote) is the one guessed for position `member`;
   * if so, {@link i} moves past its closing quote. The guessed bytes hold no quote, backslash or
   * control character before the closing quote, so matching them is reading that very string.
   * A read never goes past the padding: every guessed byte is non-zero, so the first word
   * reaching the zeros after the input differs.
   */
  private guessedKey(guesses: Guesses, member: number): boolean {
    const length = guesses.keyLength[member];
    if (length === 0 || !matches(this.view, this.i + 1, guesses.words, 2 * member * GUESS_WORDS, length)) return false;
    this.i += 1 + length;
    return true;
  }

  /** Keeps the key just read, if plain and short, as the guess for position `member`. */
  private keepKey(guesses: Guesses, member: number, child: Compiled | undefined): void {
    const length = this.s1 - this.s0 + 1;
    guesses.valueLength[member] = 0;
    if (this.flags !== 0 || length > 4 * GUESS_WORDS) {
      guesses.keyLength[member] = 0;
      return;
    }
    keep(this.b, this.s0, length, guesses.words, 2 * member * GUESS_WORDS);
    guesses.keyLength[member] = length;
    guesses.child[member] = child;
  }

  /**
   * Whether the rest of skipped member `member` (from just after its key to the comma after its
   * value) is the guessed one; if so, {@link i} moves past the comma.
   */
  private guessedValue(guesses: Guesses, member: number): boolean {
    const length = guesses.valueLength[member];
    if (length <= 0 || !matches(this.view, this.i, guesses.words, (2 * member + 1) * GUESS_WORDS, length)) return false;
    this.i += length;
    this.tokens += guesses.valueTokens[member];
    return true;
  }

  /**
   * Keeps `b[from, i)`, the rest of skipped member `member` just read up to and including its
   * comma, with its tokens, as that member's guess when it is short. Only where the member's key
   * is guessed (a value guess is tried only after its key's), and not again once it was too long.
   */
  private keepValue(guesses: Guesses, member: number, from: number, tokens: number): void {
    if (member >= GUESSED_MEMBERS || guesses.keyLength[member] === 0 || guesses.valueLength[member] < 0) return;
    const length = this.i - from;
    if (length > 4 * GUESS_WORDS) {
      // Not worth guessing (an id, a text): not tried again for this key.
      guesses.valueLength[member] = -1;
      return;
    }
    keep(this.b, from, length, guesses.words, (2 * member + 1) * GUESS_WORDS);
    guesses.valueLength[member] = length;
    guesses.valueTokens[member] = tokens;
  }

  /** An object with a selection (one without takes {@link skipObject}). */
  private object(selection: Compiled, depth: number): void {
    if (depth > this.maxDepth) throw TOO_DEEP;
    this.tokens++;
    this.i++;
    const every = selection.every;
    let c = this.skipWhitespace();
    if (c === 0x7d) {
      this.i++;
      return;
    }
    const guesses = selection.guesses;
    if (guesses.owner !== this || guesses.depth !== depth) guesses.claim(this, depth);
    for (let member = 0; ; member++) {
      if (c !== 0x22) throw this.fail();
      let child: Compiled | undefined;
      if (every !== undefined) {
        this.string();
        (this.sink as SelectionSink).key(selection.slot, this);
        child = every;
      } else if (member < GUESSED_MEMBERS && this.guessedKey(guesses, member)) {
        child = guesses.child[member];
        if (child === undefined && this.guessedValue(guesses, member)) {
          c = this.skipWhitespace();
          continue;
        }
      } else {
        this.string();
        child = this.member(selection);
        if (member < GUESSED_MEMBERS) this.keepKey(guesses, member, child);
      }
      const from = this.i;
      const tokens = this.tokens;
      if (this.skipWhitespace() !== 0x3a) throw this.fail();
      this.tokens++;
      this.i++;
      if (child === undefined) this.skip(depth);
      else this.value(child, depth);
      c = this.skipWhitespace();
      if (c === 0x2c) {
        this.tokens++;
        this.i++;
        if (child === undefined) this.keepValue(guesses, member, from, this.tokens - tokens);
        c = this.skipWhitespace();
        continue;
      }
      if (c === 0x7d) {
        this.i++;
        return;
      }
      throw this.fail();
    }
  }

  /** An array with a selection (one without takes {@link skipArray}). */
  private array(selection: Compiled, depth: number): void {
    if (depth > this.maxDepth) throw TOO_DEEP;
    this.tokens++;
    this.i++;
    const items = selection.items;
    let c = this.skipWhitespace();
    if (c === 0x5d) {
      this.i++;
      return;
    }
    for (;;) {
      this.value(items, depth);
      c = this.skipWhitespace();
      if (c === 0x2c) {
        this.tokens++;
        this.i++;
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        return;
      }
      throw this.fail();
    }
  }
}
