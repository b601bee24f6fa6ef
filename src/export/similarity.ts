/**
 * Fingerprints for repeated and near-repeated messages, in memory independent of message length.
 *
 * - {@link MessageKeys}: a 64-bit hash of a message's role, text and attachments. Two messages with
 *   the same hash are word-for-word repeats. Keeping hashes in typed arrays instead of texts bounds
 *   the memory of the repeat check to 16–32 bytes per message. A collision (probability about
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
 *   above 0.99, pairs sharing under 20 % almost never. Per indexed prompt: 64 bytes of signature,
 *   a 4-byte digest and up to 8 band entries of 16–32 bytes.
 *
 * Everything is integer arithmetic on UTF-16 code units: the same text gives the same answer on
 * every machine, locale and time zone.
 *
 * Speed: both checks run over every counted message (about 80 million code units for 50,000
 * conversations), so the hot loops read code units from a typed array that Node's native encoder
 * fills ({@link UNITS}) instead of calling `charCodeAt` (which dispatches on V8's string
 * representation at every call), avoid data-dependent branches, and keep every table in flat
 * typed arrays. Each fast path has a portable twin over `charCodeAt` and the normalised string
 * that must give the same values; the tests compare them.
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
 * `MIN_SAME[used]`: the fewest agreeing bins out of `used` that make a near-duplicate, i.e. the
 * least `same` with `same / used >= NEAR_DUPLICATE_SIMILARITY`, computed with that very
 * expression so the integer test decides exactly as the division would. `BINS + 1` (never
 * reached) for `used = 0`.
 */
const MIN_SAME = (() => {
  const table = new Int32Array(BINS + 1);
  for (let used = 0; used <= BINS; used++) {
    let same = 0;
    while (same <= used && (used === 0 || same / used < NEAR_DUPLICATE_SIMILARITY)) same++;
    table[used] = used === 0 ? BINS + 1 : same;
  }
  return table;
})();

/** Code units held in {@link UNITS} at once (64 KiB); longer texts are read in slices this long. */
const SLICE = 1 << 15;

/** Whether typed arrays read the little-endian `utf16le` bytes as code units (every usual host). */
const LITTLE_ENDIAN = new Uint16Array(new Uint8Array([1, 0]).buffer)[0] === 1;

/*
 * The code units of the text being hashed or signed, written by Node's native encoder
 * (`utf16le`, see {@link loadUnits}): one native call per text, then plain array reads, about
 * twice as fast as `charCodeAt`. `WORDS[i]` is units `2i` and `2i + 1` as one 32-bit word (low
 * half first). Module-level constants (64 KiB), so the optimising compiler addresses them
 * directly inside the loops; JavaScript runs one call at a time, so one copy serves every index.
 */
const UNIT_BUFFER = new ArrayBuffer(2 * SLICE);
const UNITS = new Uint16Array(UNIT_BUFFER);
const WORDS = new Int32Array(UNIT_BUFFER);
const UNIT_BYTES = Buffer.from(UNIT_BUFFER);

interface Ucs2Buffer extends Buffer {
  ucs2Write(text: string, offset: number, length: number): number;
}

/**
 * Writes `text`'s code units (at most {@link SLICE}) to {@link UNITS}: Node's native `utf16le`
 * encoder, called directly where it exists, as `buffer.write(text, offset, "utf16le")` does after
 * normalising its arguments (that handling costs about as much as copying a prompt).
 */
const writeUnits: (text: string) => void =
  typeof (UNIT_BYTES as Partial<Ucs2Buffer>).ucs2Write === "function"
    ? (text) => (UNIT_BYTES as Ucs2Buffer).ucs2Write(text, 0, 2 * SLICE)
    : (text) => UNIT_BYTES.write(text, 0, "utf16le");
/**
 * The text whole in {@link UNITS}, if any (at most {@link SLICE} units, so little is kept
 * alive): a user prompt that {@link MessageKeys} hashes and {@link NearDuplicateIndex} then signs
 * is written once.
 */
let heldText: string | undefined;

/**
 * Loads units `[from, from + SLICE)` of `text` (clamped) into {@link UNITS}; returns how many.
 * Longer texts are loaded a slice at a time; slice lengths are even, so words never straddle.
 */
function loadUnits(text: string, from: number): number {
  const n = Math.min(text.length - from, SLICE);
  if (from === 0 && n === text.length) {
    // `===` on the same string object is a pointer comparison; an equal copy holds the same units.
    if (text !== heldText) {
      writeUnits(text);
      heldText = text;
    }
  } else {
    writeUnits(text.slice(from, from + n));
    heldText = undefined;
  }
  return n;
}

/**
 * Set of 64-bit keys (two 32-bit halves), open addressing in one Int32Array of (hi, lo) slots:
 * 8 bytes a slot, at most 16 per key. The keys are hashes already, so the low half picks the
 * slot. Key (0, 0) marks an empty slot and is stored as (0, 1).
 */
class KeySet {
  private slots = new Int32Array(2 * 1024);
  private mask = 1023;
  private size = 0;

  /** Adds (hi, lo); returns whether it was absent. */
  add(hi: number, lo: number): boolean {
    if (hi === 0 && lo === 0) lo = 1;
    const slots = this.slots;
    const mask = this.mask;
    let i = lo & mask;
    for (;;) {
      const at = i << 1;
      const h = slots[at];
      const l = slots[at + 1];
      if (h === hi && l === lo) return false;
      if (h === 0 && l === 0) {
        slots[at] = hi;
        slots[at + 1] = lo;
        if (++this.size * 2 > mask + 1) this.grow();
        return true;
      }
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const mask = this.mask * 2 + 1;
    const slots = new Int32Array(old.length * 2);
    for (let at = 0; at < old.length; at += 2) {
      const hi = old[at];
      const lo = old[at + 1];
      if (hi === 0 && lo === 0) continue;
      let i = lo & mask;
      while (slots[i << 1] !== 0 || slots[(i << 1) + 1] !== 0) i = (i + 1) & mask;
      slots[i << 1] = hi;
      slots[(i << 1) + 1] = lo;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * First holder of each key of one LSH band: open addressing in one Int32Array of (key,
 * index + 1) slots, 8 bytes each (0 in the second marks an empty slot), so a probe touches one
 * cache line. Keys are hashes already: the low bits pick the slot.
 */
class BandTable {
  private slots = new Int32Array(2 * 1024);
  private mask = 1023;
  private size = 0;

  /**
   * The index stored under `key`; otherwise -1, after storing `index` unless it is negative.
   * Only the first prompt with a key is kept: later ones are compared with it.
   */
  firstOrAdd(key: number, index: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = key & mask;
    for (;;) {
      const at = i << 1;
      const held = slots[at + 1];
      if (held === 0) break;
      if (slots[at] === key) return held - 1;
      i = (i + 1) & mask;
    }
    if (index < 0) return -1;
    slots[i << 1] = key;
    slots[(i << 1) + 1] = index + 1;
    if (++this.size * 2 > mask + 1) this.grow();
    return -1;
  }

  private grow(): void {
    const old = this.slots;
    const mask = this.mask * 2 + 1;
    const slots = new Int32Array(old.length * 2);
    for (let at = 0; at < old.length; at += 2) {
      if (old[at + 1] === 0) continue;
      let i = old[at] & mask;
      while (slots[(i << 1) + 1] !== 0) i = (i + 1) & mask;
      slots[i << 1] = old[at];
      slots[(i << 1) + 1] = old[at + 1];
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** murmur3's 32-bit finaliser (unsigned result); signatures and keys are defined with it. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The four 32-bit lanes of {@link hash64} and {@link hashUnits}: word `j` of a text (code units
 * `2j` and `2j + 1`) feeds lanes `a(j & 1)` and `b(j & 1)`. Two independent pairs of chains
 * instead of one: the multiply chains are what limits this loop, so the interleaved form runs
 * about twice as fast for the same strength.
 */
const LANES = new Int32Array(4);

/** Sets {@link LANES} to their starting values for `seed`. */
function seedLanes(seed: number): void {
  LANES[0] = 0x811c9dc5 ^ seed;
  LANES[1] = 0x9747b28c ^ Math.imul(seed, 0x01000193);
  LANES[2] = 0x2c1b3c6d ^ seed;
  LANES[3] = 0x297a2d39 ^ Math.imul(seed, 0x85ebca6b);
}

/** Lane `a`'s step: FNV-1a over a 32-bit word. */
function stepA(a: number, w: number): number {
  return Math.imul(a ^ w, 0x01000193);
}

/** Lane `b`'s step: a multiply, then a shift that carries high bits down (FNV alone keeps them high). */
function stepB(b: number, w: number): number {
  b = Math.imul(b ^ w, 0x5bd1e995);
  return b ^ (b >>> 15);
}

/** The two halves of the 64-bit key from the lanes and the text's length `n`. */
function finishLanes(n: number, out: Uint32Array): void {
  out[0] = fmix(LANES[0] ^ fmix(LANES[2] ^ n));
  out[1] = fmix((LANES[1] + fmix((LANES[3] + n) | 0)) | 0);
}

/**
 * A 64-bit hash of `text`'s code units (two 32-bit halves) into `out`: words of two units (the
 * first in the low half) spread over {@link LANES}, a last odd unit as a word of its own, the
 * length mixed in at the end. The portable form over `charCodeAt`; {@link hashUnits} computes the
 * same values faster.
 */
function hash64(text: string, seed: number, out: Uint32Array): void {
  seedLanes(seed);
  const n = text.length;
  for (let i = 0; i < n; i += 2) {
    const w = i + 1 < n ? text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16) : text.charCodeAt(i);
    const lane = i & 2; // word j = i / 2: a(j & 1) is LANES[2 (j & 1)], b(j & 1) the next one
    LANES[lane] = stepA(LANES[lane], w);
    LANES[lane + 1] = stepB(LANES[lane + 1], w);
  }
  finishLanes(n, out);
}

/** {@link hash64} over {@link UNITS}: the same values, one array read per two code units. */
function hashUnits(text: string, seed: number, out: Uint32Array): void {
  const n = text.length;
  seedLanes(seed);
  for (let from = 0; from < n; from += SLICE) {
    const length = loadUnits(text, from);
    // Only the text's last slice can be odd; slices hold an even number of words, so a word's
    // lane is the same counted from the slice as from the text.
    hashWords(length >> 1, (length & 1) !== 0 ? UNITS[length - 1] : -1);
  }
  finishLanes(n, out);
}

/** The {@link hash64} steps over `WORDS[0, pairs)` then the unit `odd` (if not -1), continuing {@link LANES}. */
function hashWords(pairs: number, odd: number): void {
  const words = WORDS;
  let a0 = LANES[0];
  let b0 = LANES[1];
  let a1 = LANES[2];
  let b1 = LANES[3];
  const even = pairs & ~1;
  for (let i = 0; i < even; i += 2) {
    const w0 = words[i];
    const w1 = words[i + 1];
    a0 = Math.imul(a0 ^ w0, 0x01000193);
    b0 = Math.imul(b0 ^ w0, 0x5bd1e995);
    b0 ^= b0 >>> 15;
    a1 = Math.imul(a1 ^ w1, 0x01000193);
    b1 = Math.imul(b1 ^ w1, 0x5bd1e995);
    b1 ^= b1 >>> 15;
  }
  // What remains: perhaps a last whole word (an even index: lane 0), then perhaps the odd unit
  // (the next index: lane 1 after that word, else lane 0).
  const tail = even < pairs;
  if (tail) {
    a0 = stepA(a0, words[even]);
    b0 = stepB(b0, words[even]);
  }
  if (odd >= 0 && tail) {
    a1 = stepA(a1, odd);
    b1 = stepB(b1, odd);
  } else if (odd >= 0) {
    a0 = stepA(a0, odd);
    b0 = stepB(b0, odd);
  }
  LANES[0] = a0;
  LANES[1] = b0;
  LANES[2] = a1;
  LANES[3] = b1;
}

/**
 * The 64-bit key of a message (role, trimmed text, attachments) into `out`. `portable`: through
 * `charCodeAt` only; the same key either way (the tests compare them).
 */
export function messageKey(
  role: string,
  text: string,
  assets: readonly string[],
  out: Uint32Array,
  portable = false,
): void {
  const seed = role === "user" ? 1 : 2;
  if (portable || !LITTLE_ENDIAN) hash64(text, seed, out);
  else hashUnits(text, seed, out);
  if (assets.length === 0) return;
  const part = new Uint32Array(2);
  for (const asset of assets) {
    // Attachments (short pointers) go through charCodeAt, leaving the text in the shared code units.
    hash64(asset, 3, part);
    out[0] = fmix(out[0] ^ part[0]);
    out[1] = fmix((out[1] + part[1]) | 0);
  }
}

/** Remembers messages by a 64-bit hash of role, trimmed text and attachments (see module doc). */
export class MessageKeys {
  private readonly keys = new KeySet();
  private readonly h = new Uint32Array(2);

  /** `portable`: hash through `charCodeAt` only (the same keys; the tests compare both ways). */
  constructor(private readonly portable = false) {}

  /** Adds the message; returns false when an identical one was added before. */
  add(role: string, text: string, assets: readonly string[]): boolean {
    messageKey(role, text, assets, this.h, this.portable);
    return this.keys.add(this.h[0] | 0, this.h[1] | 0);
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
 * The portable form: {@link unitsSignature} gives the same values for ASCII text in one pass.
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
/** Per-bin minima of {@link unitsSignature}, as small integers (cheaper than `EMPTY` in the loop). */
const MINS = new Int32Array(BINS);
/**
 * `UNIT[c]` for an ASCII code unit `c`: what {@link normalizePrompt} makes of it on its own, a
 * lower-case letter, `0` for a digit, a space for everything else.
 */
const UNIT = (() => {
  const table = new Int32Array(128);
  for (let c = 0; c < 128; c++) {
    const lower = c | 0x20;
    table[c] = c >= 0x30 && c <= 0x39 ? 0x30 : lower >= 0x61 && lower <= 0x7a ? lower : 0x20;
  }
  return table;
})();

/** The rolling state of {@link signUnits} between slices: roll, recent, w4, skipped. */
const ROLLING = new Int32Array(4);

/**
 * {@link normalizePrompt} and {@link signature} in one pass for ASCII text (the common case),
 * without building the normalised string; returns false for other text and for text that
 * normalises to nothing. Separators at both ends are cut first (they never enter the normalised
 * text); then every code unit maps to one normalised unit ({@link UNIT}), skipped when it repeats
 * a space or a `0` (a run collapses to one). So the only branch that depends on the text is that
 * rare skip, and the loop runs at a steady pace. The FNV hash of a text of at most five units is
 * taken from the shift register at the end.
 */
function unitsSignature(text: string, out: Uint32Array): boolean {
  const n = text.length;
  let start = 0;
  for (; start < n; start++) {
    const c = text.charCodeAt(start);
    if (c >= 0x80) return false;
    if (UNIT[c] !== 0x20) break;
  }
  if (start === n) return false;
  let end = n;
  for (; ; end--) {
    const c = text.charCodeAt(end - 1);
    if (c >= 0x80) return false;
    if (UNIT[c] !== 0x20) break;
  }
  MINS.fill(NO_MIN);
  ROLLING.fill(0);
  for (let from = 0; from < end; from += SLICE) {
    const loaded = loadUnits(text, from);
    if (!signUnits(Math.max(start - from, 0), Math.min(loaded, end - from))) return false;
  }
  const length = end - start - ROLLING[3];
  if (length <= SHINGLE) {
    // The whole normalised text: w4 (oldest), then the four bytes of `recent`, newest last.
    const recent = ROLLING[1];
    let hash = 0x811c9dc5 | 0;
    if (length === SHINGLE) hash = Math.imul(hash ^ ROLLING[2], 0x01000193);
    for (let k = Math.min(length, 4) - 1; k >= 0; k--)
      hash = Math.imul(hash ^ ((recent >>> (8 * k)) & 0xff), 0x01000193);
    out.fill(EMPTY);
    const h = fmix(hash);
    out[h >>> 28] = h & 0x0fffffff;
    return true;
  }
  for (let k = 0; k < BINS; k++) out[k] = MINS[k] === NO_MIN ? EMPTY : MINS[k];
  return true;
}

/**
 * The signature steps over `UNITS[from, to)`, continuing {@link ROLLING} and {@link MINS};
 * false at a non-ASCII unit. Few live values, so the optimising compiler keeps them all in
 * registers: the last four units one a byte in `recent` (newest in the low byte, never 0: units
 * are letters, `0` or a space), the fifth in `w4`; `w4` is the unit leaving the window at the
 * next step, and is 0 until five units are in, which is also when shingles start.
 */
function signUnits(from: number, to: number): boolean {
  const units = UNITS;
  const unit = UNIT;
  const mins = MINS;
  let roll = ROLLING[0];
  let recent = ROLLING[1];
  let w4 = ROLLING[2];
  let skipped = ROLLING[3];
  for (let i = from; i < to; i++) {
    const c = units[i];
    if (c >= 0x80) return false;
    const u = unit[c];
    if (u === (recent & 0xff) && (u === 0x20 || u === 0x30)) {
      skipped++;
      continue;
    }
    roll = (Math.imul(roll, ROLL) + u - Math.imul(w4, ROLL_OUT)) | 0;
    w4 = recent >>> 24;
    recent = (recent << 8) | u;
    if (w4 !== 0) {
      // fmix(roll), inlined and kept in int32 (a uint32 result would be boxed); the minimum
      // without a branch (both values are below 2^29, so the difference cannot overflow).
      let h = roll ^ (roll >>> 16);
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      const bin = h >>> 28;
      const least = mins[bin];
      const d = (h & 0x0fffffff) - least;
      mins[bin] = least + (d & (d >> 31));
    }
  }
  ROLLING[0] = roll;
  ROLLING[1] = recent;
  ROLLING[2] = w4;
  ROLLING[3] = skipped;
  return true;
}

/**
 * The signature of `prompt` into `out`; false when it normalises to nothing. `portable` skips
 * the one-pass ASCII path.
 */
function signPrompt(prompt: string, out: Uint32Array, portable: boolean): boolean {
  if (!portable && LITTLE_ENDIAN && unitsSignature(prompt, out)) return true;
  const text = normalizePrompt(prompt);
  if (text.length === 0) return false;
  signature(text, out);
  return true;
}

/**
 * The MinHash signature of a prompt (16 values; `0xffffffff` marks an empty bin; all empty for
 * a prompt that normalises to nothing). `portable` skips the one-pass ASCII path, which must
 * give the same values (tests compare them).
 */
export function promptSignature(prompt: string, portable = false): Uint32Array {
  const out = new Uint32Array(BINS).fill(EMPTY);
  signPrompt(prompt, out, portable);
  return out;
}

/** Finds prompts that are near-duplicates of an earlier one. Deterministic: order matters, nothing else. */
export class NearDuplicateIndex {
  /** Signatures of the indexed prompts, `BINS` values each (`-1` is an empty bin). */
  private signatures = new Int32Array(BINS * 1024);
  /** Per indexed prompt, the two low bits of each bin (see {@link mayAgree}). */
  private digests = new Int32Array(1024);
  private count = 0;
  private readonly bands: BandTable[] = [];
  private readonly probe = new Uint32Array(BINS);
  /** The same signature read as int32 (`EMPTY` is -1), as it is stored. */
  private readonly probeInt = new Int32Array(this.probe.buffer);

  /** `portable`: sign prompts through the normalised string only (the same answers). */
  constructor(private readonly portable = false) {
    for (let band = 0; band < BANDS; band++) this.bands.push(new BandTable());
  }

  /** Adds a prompt; returns true when it is a near-duplicate of one added before. */
  add(prompt: string): boolean {
    if (!signPrompt(prompt, this.probe, this.portable)) return false;
    const probe = this.probeInt;
    let full = true;
    let digest = 0;
    for (let k = 0; k < BINS; k++) {
      const v = probe[k];
      if (v === -1) full = false;
      digest |= (v & 3) << (2 * k);
    }
    let duplicate = false;
    let compared = -1;
    // Each band key is looked up and, while the index has room, added in the same probe: a band
    // key belongs to one band's table, so this reads exactly the earlier prompts, as separate
    // look-ups and additions would.
    const index = this.count < MAX_INDEXED ? this.count : -1;
    for (let band = 0; band < BANDS; band++) {
      const v0 = probe[band * BAND_ROWS];
      const v1 = probe[band * BAND_ROWS + 1];
      if ((v0 & v1) === -1) continue; // both bins empty
      let h = band + 1;
      h = Math.imul(h ^ v0, 0x01000193) ^ (h >>> 13);
      h = Math.imul(h ^ v1, 0x01000193) ^ (h >>> 13);
      const earlier = this.bands[band].firstOrAdd(fmix(h) | 0, index);
      // Comparing the same earlier prompt again (several bands agree) would give the same answer.
      if (duplicate || earlier < 0 || earlier === compared) continue;
      compared = earlier;
      if (full && !mayAgree(digest, this.digests[earlier])) continue;
      duplicate = this.similar(earlier);
    }
    if (index >= 0) {
      this.count++;
      if (this.digests.length < this.count) {
        const signatures = new Int32Array(this.signatures.length * 2);
        signatures.set(this.signatures);
        this.signatures = signatures;
        const digests = new Int32Array(this.digests.length * 2);
        digests.set(this.digests);
        this.digests = digests;
      }
      this.signatures.set(probe, index * BINS);
      this.digests[index] = digest;
    }
    return duplicate;
  }

  /**
   * Whether the probe agrees with earlier prompt `index` on at least
   * {@link NEAR_DUPLICATE_SIMILARITY} of the bins set in either. Branch-free counts: a bin whose
   * values are equal adds 1 to `equal`, one empty in both also adds 1 to `bothEmpty`.
   */
  private similar(index: number): boolean {
    const probe = this.probeInt;
    const signatures = this.signatures;
    const base = index * BINS;
    let equal = 0;
    let bothEmpty = 0;
    for (let k = 0; k < BINS; k++) {
      const a = probe[k];
      const b = signatures[base + k];
      const x = a ^ b;
      equal += ((x | -x) >>> 31) ^ 1;
      const y = ~(a & b);
      bothEmpty += ((y | -y) >>> 31) ^ 1;
    }
    return equal - bothEmpty >= MIN_SAME[BINS - bothEmpty];
  }
}

/**
 * A cheap, exact pre-filter for a probe with every bin set (most prompts): then no bin is empty
 * in both, all 16 bins count, and a near-duplicate needs `MIN_SAME[16]` equal bins. Each digest
 * holds the two low bits of every bin, so equal bins have equal 2-bit groups: when fewer groups
 * than that agree, fewer bins can, and the signatures (a random read of 64 bytes) need not be
 * compared. Unequal bins agree in their group one time in four, so about 99 % of the
 * candidates the LSH bands bring are settled here.
 */
function mayAgree(a: number, b: number): boolean {
  const x = a ^ b;
  // One bit per 2-bit group that differs, then a population count of those 16 bits.
  let t = (x | (x >>> 1)) & 0x55555555;
  t = (t & 0x33333333) + ((t >>> 2) & 0x33333333);
  t = (t + (t >>> 4)) & 0x0f0f0f0f;
  const differing = Math.imul(t, 0x01010101) >>> 24;
  return BINS - differing >= MIN_SAME[BINS];
}
