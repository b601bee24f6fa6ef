/**
 * Numbers for the node ids of one conversation's `mapping`, looked up by their bytes in the item
 * being parsed, without making a string per occurrence.
 *
 * Why: a node id is written four times (its key, its `id`, its parent's `children`, its
 * children's `parent`), and decoding each occurrence to a string for a `Map` cost more than
 * parsing the rest of the node. Here an occurrence costs one hash over its bytes and one
 * comparison with the bytes of the first occurrence.
 *
 * Exactness: two occurrences get the same number exactly when `JSON.parse` gives equal strings.
 * An occurrence written without escapes is compared by its bytes (the whole item is valid UTF-8,
 * checked by the caller before anything here is used, and UTF-8 is one-to-one). One written with
 * escapes is decoded first: when its text could also be written without escapes, its UTF-8 bytes
 * are looked up (and kept in a side pool); otherwise (a quote, a backslash, a control character
 * or an unpaired surrogate in it) no unescaped spelling exists, and it is looked up by its text in
 * a `Map`.
 *
 * Flooding: the hash reads the length and the first and last few bytes (real ids differ there),
 * and ids are chosen by the contributor, who could pick many with the same hash to make lookups
 * quadratic. A lookup that probes more than {@link MAX_PROBES} slots switches the
 * conversation to a `Map` of decoded strings (V8 seeds its string hashes per process), which
 * gives the same numbers, only slower.
 */
import { ESCAPED, WIDE, type SelectiveParser } from "./json-select";

const MAX_PROBES = 64;
/** Ids kept in capacity between conversations; a larger conversation's arrays are dropped after it. */
const KEPT = 1 << 14;
/** Text that has no spelling without escapes in JSON. */
const ESCAPE_ONLY = /[\u0000-\u001f"\\]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function grown(array: Int32Array, needed: number): Int32Array {
  if (needed <= array.length) return array;
  const bigger = new Int32Array(Math.max(needed, array.length * 2));
  bigger.set(array);
  return bigger;
}

export class NodeIds {
  /** Ids numbered so far: 0 .. count − 1. */
  count = 0;
  /** Open addressing: id number + 1 per slot, 0 when empty. */
  private table = new Int32Array(1024);
  private mask = 1023;
  /** Per id: where its bytes are (≥ 0 in the item, < 0: `~at` in {@link pool}), their length (−1: in {@link byText} only), hash, slot, flags. */
  private at: Int32Array = new Int32Array(KEPT);
  private length: Int32Array = new Int32Array(KEPT);
  private hash: Int32Array = new Int32Array(KEPT);
  private slot: Int32Array = new Int32Array(KEPT);
  private flags: Int32Array = new Int32Array(KEPT);
  /** UTF-8 bytes of ids first written with escapes. */
  private pool = new Uint8Array(1024);
  private poolUsed = 0;
  /** Ids by text: those with no unescaped spelling, and every id once {@link flooded}. */
  private readonly byText = new Map<string, number>();
  private flooded = false;

  /** Forgets every id (a new mapping). */
  reset(): void {
    const table = this.table;
    if (table.length > 4 * KEPT) {
      this.table = new Int32Array(1024);
      this.mask = 1023;
    } else {
      for (let n = 0; n < this.count; n++) if (this.length[n] >= 0) table[this.slot[n]] = 0;
    }
    if (this.at.length > KEPT) {
      this.at = new Int32Array(KEPT);
      this.length = new Int32Array(KEPT);
      this.hash = new Int32Array(KEPT);
      this.slot = new Int32Array(KEPT);
      this.flags = new Int32Array(KEPT);
    }
    if (this.pool.length > 64 * KEPT) this.pool = new Uint8Array(1024);
    this.poolUsed = 0;
    this.byText.clear();
    this.flooded = false;
    this.count = 0;
  }

  /**
   * The number of the string whose content is `[s0, s1)` of the parser's input (with its flags);
   * when it is new: the next number if `insert`, else −1.
   */
  lookup(parser: SelectiveParser, b: Uint8Array, s0: number, s1: number, flags: number, insert: boolean): number {
    if (this.flooded) return this.lookupText(parser.text(s0, s1, flags), s0, s1, flags, insert);
    let bytes = b;
    let from = s0;
    let to = s1;
    if ((flags & ESCAPED) !== 0) {
      const text = parser.text(s0, s1, flags);
      if (ESCAPE_ONLY.test(text)) return this.lookupText(text, s0, s1, flags, insert);
      bytes = Buffer.from(text, "utf8");
      from = 0;
      to = bytes.length;
    }
    const length = to - from;
    // The length, the first four and the last eight bytes: real ids (UUIDs, `msg_…` counters)
    // differ there, and ids made to collide only push the conversation onto the `Map` (see the module doc).
    let h = Math.imul(length, 0x9e3779b1);
    const head = Math.min(to, from + 4);
    for (let k = from; k < head; k++) h = Math.imul(h ^ bytes[k], 0x01000193);
    for (let k = Math.max(head, to - 8); k < to; k++) h = Math.imul(h ^ bytes[k], 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    const table = this.table;
    const mask = this.mask;
    let i = h & mask;
    for (let probes = 0; ; probes++) {
      const entry = table[i];
      if (entry === 0) break;
      const n = entry - 1;
      if (this.hash[n] === h && this.length[n] === length && this.same(b, n, bytes, from, length)) return n;
      if (probes === MAX_PROBES) {
        this.flood(parser);
        return this.lookupText(parser.text(s0, s1, flags), s0, s1, flags, insert);
      }
      i = (i + 1) & mask;
    }
    if (!insert) return -1;
    const n = this.add(s0, flags);
    if (bytes === b) {
      this.at[n] = s0;
    } else {
      if (this.poolUsed + length > this.pool.length) {
        const bigger = new Uint8Array(Math.max(this.poolUsed + length, 2 * this.pool.length));
        bigger.set(this.pool);
        this.pool = bigger;
      }
      this.pool.set(bytes.subarray(from, to), this.poolUsed);
      this.at[n] = ~this.poolUsed;
      this.poolUsed += length;
    }
    this.length[n] = length;
    this.hash[n] = h;
    this.slot[n] = i;
    table[i] = n + 1;
    if (2 * this.count > mask) this.rehash();
    return n;
  }

  /** The text of id `n` (`parser` still holds the item). */
  text(parser: SelectiveParser, n: number): string {
    const at = this.at[n];
    if (this.length[n] < 0) return parser.text(at, this.slot[n], this.flags[n]);
    if (at < 0) return Buffer.from(this.pool.buffer, this.pool.byteOffset + ~at, this.length[n]).toString("utf8");
    return parser.text(at, at + this.length[n], this.flags[n] & WIDE);
  }

  private same(b: Uint8Array, n: number, bytes: Uint8Array, from: number, length: number): boolean {
    let at = this.at[n];
    let stored = b;
    if (at < 0) {
      stored = this.pool;
      at = ~at;
    }
    // From the end: where ids that share a hash differ first.
    for (let k = length - 1; k >= 0; k--) if (stored[at + k] !== bytes[from + k]) return false;
    return true;
  }

  private add(s0: number, flags: number): number {
    const n = this.count++;
    if (n >= this.at.length) {
      this.at = grown(this.at, n + 1);
      this.length = grown(this.length, n + 1);
      this.hash = grown(this.hash, n + 1);
      this.slot = grown(this.slot, n + 1);
      this.flags = grown(this.flags, n + 1);
    }
    this.at[n] = s0;
    this.flags[n] = flags;
    return n;
  }

  private lookupText(text: string, s0: number, s1: number, flags: number, insert: boolean): number {
    const known = this.byText.get(text);
    if (known !== undefined || !insert) return known ?? -1;
    const n = this.add(s0, flags);
    // Read back through `parser.text(s0, s1, flags)`: `slot` holds the end here.
    this.length[n] = -1;
    this.slot[n] = s1;
    this.byText.set(text, n);
    return n;
  }

  /** From now on (this conversation), every id is looked up by its text. */
  private flood(parser: SelectiveParser): void {
    for (let n = 0; n < this.count; n++) if (this.length[n] >= 0) this.byText.set(this.text(parser, n), n);
    this.flooded = true;
  }

  private rehash(): void {
    const size = 2 * (this.mask + 1);
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let n = 0; n < this.count; n++) {
      if (this.length[n] < 0) continue;
      let i = this.hash[n] & mask;
      while (table[i] !== 0) i = (i + 1) & mask;
      table[i] = n + 1;
      this.slot[n] = i;
    }
    this.table = table;
    this.mask = mask;
  }
}
