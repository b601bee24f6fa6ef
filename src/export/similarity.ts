/**
 * Fingerprints for repeated and near-repeated messages, in memory independent of message length.
 *
 * - {@link MessageKeys}: a 64-bit hash of a message's role, text and attachments. Two messages with
 *   the same hash are word-for-word repeats. Keeping hashes in typed arrays instead of texts bounds
 *   the memory of the repeat check to about 24 bytes per message. A collision (probability about
 *   n²/2⁶⁵, under 10⁻⁷ for a million messages) could only make a contributor's own message count
 *   as a repeat.
 * - {@link NearDuplicateIndex}: templated or machine-made prompts ("Write post number 17 about
 *   ...") are near-duplicates: the text is normalised (lower case, every run of digits becomes
 *   `0`, punctuation and spacing collapsed), cut into overlapping 5-character shingles, and
 *   summarised by a 16-value MinHash signature (one-permutation hashing: each shingle's hash picks
 *   a bin by its top 4 bits and the bin keeps the smallest value). Signatures are bucketed by
 *   locality-sensitive hashing (8 bands of 2 bins); a prompt whose signature agrees with an
 *   earlier prompt's on at least {@link NEAR_DUPLICATE_SIMILARITY} of the bins is a
 *   near-duplicate. Pairs of prompts sharing 80 % of their shingles are caught with probability
 *   above 0.99, pairs sharing under 20 % almost never.
 *
 * Everything is integer arithmetic on UTF-16 code units: the same text gives the same answer on
 * every machine, locale and time zone.
 */

/** Bins of a signature. */
const BINS = 16;
const BAND_ROWS = 2;
const BANDS = BINS / BAND_ROWS;
const EMPTY = 0xffffffff;
const SHINGLE = 5;
/** Share of agreeing bins (of bins set in either signature) from which two prompts are near-duplicates. */
export const NEAR_DUPLICATE_SIMILARITY = 0.6;
/** Prompts indexed at most; later prompts are still compared, not added (bounds memory). */
const MAX_INDEXED = 400_000;

/**
 * Open-addressing hash table of 64-bit keys (two 32-bit halves) to 32-bit values, in one typed
 * array of (hi, lo, value, unused) slots: one cache miss per probe (the tables outgrow the CPU
 * caches: 8 band keys per prompt), no per-entry objects, 32 bytes per entry at the worst load.
 * Key (0, 0) is reserved.
 */
export class KeyTable {
  private slots = new Uint32Array(4 * 1024);
  private mask = 1023;
  size = 0;

  /** The slot index (× 4) holding (hi, lo), or the empty one where it belongs. */
  private slot(hi: number, lo: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = (Math.imul(hi ^ lo, 0x9e3779b1) >>> 0) & mask;
    for (;;) {
      const at = i << 2;
      const h = slots[at];
      const l = slots[at + 1];
      if ((h === 0 && l === 0) || (h === hi && l === lo)) return at;
      i = (i + 1) & mask;
    }
  }

  /** The value of (hi, lo), or -1. */
  get(hi: number, lo: number): number {
    if (hi === 0 && lo === 0) lo = 1;
    const at = this.slot(hi >>> 0, lo >>> 0);
    return this.slots[at] === 0 && this.slots[at + 1] === 0 ? -1 : this.slots[at + 2];
  }

  /** Sets (hi, lo) to `value` unless present; returns whether it was absent. */
  add(hi: number, lo: number, value = 0): boolean {
    return this.getOrAdd(hi, lo, value) < 0;
  }

  /**
   * The value of (hi, lo) when present (and leaves it); otherwise, unless `value` is negative,
   * adds it with `value`; returns -1 when it was absent.
   */
  getOrAdd(hi: number, lo: number, value: number): number {
    if (hi === 0 && lo === 0) lo = 1;
    hi >>>= 0;
    lo >>>= 0;
    const at = this.slot(hi, lo);
    const slots = this.slots;
    if (slots[at] !== 0 || slots[at + 1] !== 0) return slots[at + 2];
    if (value < 0) return -1;
    slots[at] = hi;
    slots[at + 1] = lo;
    slots[at + 2] = value;
    if (++this.size * 2 > this.mask + 1) this.grow();
    return -1;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    for (let at = 0; at < old.length; at += 4) {
      if (old[at] === 0 && old[at + 1] === 0) continue;
      const to = this.slot(old[at], old[at + 1]);
      this.slots[to] = old[at];
      this.slots[to + 1] = old[at + 1];
      this.slots[to + 2] = old[at + 2];
    }
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Two independent 32-bit hashes of `text`'s code units, written to `out`. Two code units per
 * step (one 32-bit word): this runs over every counted message, so it is one of the reader's
 * costliest loops; the final mix spreads every bit.
 */
function hash64(text: string, seed: number, out: Uint32Array): void {
  let a = (0x811c9dc5 ^ seed) >>> 0;
  let b = (0x9747b28c ^ Math.imul(seed, 0x01000193)) >>> 0;
  const n = text.length;
  const pairs = n - (n & 1);
  for (let i = 0; i < pairs; i += 2) {
    const w = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b ^ w, 0x5bd1e995);
    b ^= b >>> 15;
  }
  if (pairs < n) {
    const c = text.charCodeAt(pairs);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  out[0] = fmix(a ^ n);
  out[1] = fmix(b + n);
}

/** Remembers messages by a 64-bit hash of role, trimmed text and attachments (see module doc). */
export class MessageKeys {
  private readonly table = new KeyTable();
  private readonly h = new Uint32Array(2);
  private readonly part = new Uint32Array(2);

  /** Adds the message; returns false when an identical one was added before. */
  add(role: string, text: string, assets: readonly string[]): boolean {
    hash64(text, role === "user" ? 1 : 2, this.h);
    for (const asset of assets) {
      hash64(asset, 3, this.part);
      this.h[0] = fmix(this.h[0] ^ this.part[0]);
      this.h[1] = fmix((this.h[1] + this.part[1]) | 0);
    }
    return this.table.add(this.h[0], this.h[1]);
  }
}

const DIGITS = /\p{Nd}+/gu;
const SEPARATORS = /[^\p{L}\p{Nd}]+/gu;

/** Lower case, digit runs to `0`, everything but letters and digits to one space, trimmed. */
export function normalizePrompt(text: string): string {
  return text.toLowerCase().replace(DIGITS, "0").replace(SEPARATORS, " ").trim();
}

/** FNV-1a of a short text. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** B^SHINGLE mod 2^32, to drop the leaving code unit from the rolling hash. */
const ROLL = 0x01000193;
const ROLL_OUT = (() => {
  let p = 1;
  for (let k = 0; k < SHINGLE; k++) p = Math.imul(p, ROLL);
  return p;
})();

/**
 * MinHash signature of a normalised text (see module doc) into `out`. Each 5-unit window is
 * hashed by a rolling polynomial hash (one multiply per code unit) and mixed before binning.
 */
function signature(text: string, out: Uint32Array): void {
  out.fill(EMPTY);
  if (text.length <= SHINGLE) {
    const h = fmix(hash32(text));
    out[h >>> 28] = h & 0x0fffffff;
    return;
  }
  let roll = 0;
  for (let i = 0; i < text.length; i++) {
    roll = (Math.imul(roll, ROLL) + text.charCodeAt(i)) | 0;
    if (i >= SHINGLE) roll = (roll - Math.imul(text.charCodeAt(i - SHINGLE), ROLL_OUT)) | 0;
    if (i < SHINGLE - 1) continue;
    const h = fmix(roll);
    const bin = h >>> 28;
    const value = h & 0x0fffffff;
    if (value < out[bin]) out[bin] = value;
  }
}

/** Above every binned value (28 bits): marks an empty bin in {@link MINS}. */
const NO_MIN = 0x10000000;
/** Per-bin minima of {@link asciiSignature}, as small integers (cheaper than `EMPTY` in the loop). */
const MINS = new Int32Array(BINS);

/**
 * {@link normalizePrompt} and {@link signature} in one pass for ASCII text (the common case),
 * without building the normalised string; returns false, having done nothing, for other text.
 * Each normalised code unit `e` (a space before a word, `0` for a digit run, a lower-case letter)
 * feeds the rolling hash (the unit leaving the window is held in the shift register `w0`..`w4`,
 * zero until five units are in, so no branch is needed) and, from the fifth on, a bin; the FNV
 * hash of a text of at most five units covers only its first five.
 */
function asciiSignature(text: string, out: Uint32Array): boolean {
  const n = text.length;
  for (let i = 0; i < n; i++) if (text.charCodeAt(i) >= 0x80) return false;
  const mins = MINS;
  mins.fill(NO_MIN);
  let length = 0;
  let roll = 0;
  let hash = 0x811c9dc5 | 0;
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  let w3 = 0;
  let w4 = 0;
  let pendingSpace = false;
  let inDigits = false;
  for (let i = 0; i < n; i++) {
    const raw = text.charCodeAt(i);
    const digit = raw >= 0x30 && raw <= 0x39;
    // `| 0x20` lowers A-Z and leaves a-z; nothing else lands in a-z.
    let c = raw | 0x20;
    const letter = c >= 0x61 && c <= 0x7a;
    if (!letter && !digit) {
      inDigits = false;
      if (length > 0) pendingSpace = true;
      continue;
    }
    if (digit) {
      if (inDigits) continue;
      c = 0x30;
    }
    inDigits = digit;
    // The space and the unit are emitted by two copies of the same steps, written out rather
    // than looped or called: this is the hottest loop of the near-duplicate check.
    if (pendingSpace) {
      pendingSpace = false;
      if (length < SHINGLE) hash = Math.imul(hash ^ 0x20, 0x01000193);
      roll = (Math.imul(roll, ROLL) + 0x20 - Math.imul(w4, ROLL_OUT)) | 0;
      w4 = w3;
      w3 = w2;
      w2 = w1;
      w1 = w0;
      w0 = 0x20;
      if (++length >= SHINGLE) {
        // fmix(roll), inlined and kept in int32 (a uint32 result would be boxed).
        let h = roll ^ (roll >>> 16);
        h = Math.imul(h, 0x85ebca6b);
        h ^= h >>> 13;
        h = Math.imul(h, 0xc2b2ae35);
        h ^= h >>> 16;
        const bin = h >>> 28;
        const value = h & 0x0fffffff;
        if (value < mins[bin]) mins[bin] = value;
      }
    }
    if (length < SHINGLE) hash = Math.imul(hash ^ c, 0x01000193);
    roll = (Math.imul(roll, ROLL) + c - Math.imul(w4, ROLL_OUT)) | 0;
    w4 = w3;
    w3 = w2;
    w2 = w1;
    w1 = w0;
    w0 = c;
    if (++length >= SHINGLE) {
      let h = roll ^ (roll >>> 16);
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      const bin = h >>> 28;
      const value = h & 0x0fffffff;
      if (value < mins[bin]) mins[bin] = value;
    }
  }
  if (length === 0) return false;
  if (length <= SHINGLE) {
    out.fill(EMPTY);
    const h = fmix(hash >>> 0);
    out[h >>> 28] = h & 0x0fffffff;
    return true;
  }
  for (let k = 0; k < BINS; k++) out[k] = mins[k] === NO_MIN ? EMPTY : mins[k];
  return true;
}

/**
 * The MinHash signature of a prompt (16 values; `0xffffffff` marks an empty bin). `portable`
 * skips the one-pass ASCII path, which must give the same values (tests compare them).
 */
export function promptSignature(prompt: string, portable = false): Uint32Array {
  const out = new Uint32Array(BINS);
  if (portable || !asciiSignature(prompt, out)) signature(normalizePrompt(prompt), out);
  return out;
}

/** Finds prompts that are near-duplicates of an earlier one. Deterministic: order matters, nothing else. */
export class NearDuplicateIndex {
  private signatures = new Uint32Array(BINS * 1024);
  private count = 0;
  private readonly bands = new KeyTable();
  private readonly probe = new Uint32Array(BINS);

  /** Adds a prompt; returns true when it is a near-duplicate of one added before. */
  add(prompt: string): boolean {
    if (!asciiSignature(prompt, this.probe)) {
      const text = normalizePrompt(prompt);
      if (text.length === 0) return false;
      signature(text, this.probe);
    }
    let duplicate = false;
    // Each band key is looked up and, while the index has room, added in the same probe: bands
    // of one prompt never share a key (the band number is half of it), so this reads exactly the
    // earlier prompts, as separate look-ups and additions would.
    const index = this.count < MAX_INDEXED ? this.count : -1;
    for (let band = 0; band < BANDS; band++) {
      let h = band + 1;
      let set = false;
      for (let r = 0; r < BAND_ROWS; r++) {
        const v = this.probe[band * BAND_ROWS + r];
        if (v !== EMPTY) set = true;
        h = Math.imul(h ^ v, 0x01000193) ^ (h >>> 13);
      }
      if (!set) continue;
      const earlier = this.bands.getOrAdd(band + 1, fmix(h), index);
      if (!duplicate && earlier >= 0 && this.similarity(earlier) >= NEAR_DUPLICATE_SIMILARITY) {
        duplicate = true;
      }
    }
    if (index >= 0) {
      this.count++;
      if (this.signatures.length < this.count * BINS) {
        const grown = new Uint32Array(this.signatures.length * 2);
        grown.set(this.signatures);
        this.signatures = grown;
      }
      this.signatures.set(this.probe, index * BINS);
    }
    return duplicate;
  }

  private similarity(index: number): number {
    const base = index * BINS;
    let same = 0;
    let used = 0;
    for (let k = 0; k < BINS; k++) {
      const a = this.probe[k];
      const b = this.signatures[base + k];
      if (a === EMPTY && b === EMPTY) continue;
      used++;
      if (a === b) same++;
    }
    return used === 0 ? 0 : same / used;
  }
}
