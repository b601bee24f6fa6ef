/**
 * Fingerprints for repeated and near-repeated messages, in memory independent of message length.
 *
 * - {@link messageKey}: a 52-bit hash of a message's role, text and attachments. Two messages with
 *   the same key are word-for-word repeats. Keeping hashes instead of texts bounds the memory of
 *   the repeat check to a few dozen bytes per message. A collision (probability about n²/2⁵³, under
 *   10⁻⁵ for a million messages) could only make a contributor's own message count as a repeat.
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

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Two 32-bit lanes over the code units of `text`, folded into 52 bits. */
function hash52(text: string, seed: number): number {
  let a = (0x811c9dc5 ^ seed) >>> 0;
  let b = (0x9747b28c ^ Math.imul(seed, 0x01000193)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = fmix(a ^ text.length);
  b = fmix(b + text.length);
  return a * 0x100000 + (b >>> 12);
}

/** Hash identifying a message's role, trimmed text and attachment pointers (see module doc). */
export function messageKey(role: string, text: string, assets: readonly string[]): number {
  let key = hash52(text, role === "user" ? 1 : 2);
  for (const asset of assets) key = (key * 31 + hash52(asset, 3)) % 0x10000000000000;
  return key;
}

const DIGITS = /\p{Nd}+/gu;
const SEPARATORS = /[^\p{L}\p{Nd}]+/gu;

/** Lower case, digit runs to `0`, everything but letters and digits to one space, trimmed. */
export function normalizePrompt(text: string): string {
  return text.toLowerCase().replace(DIGITS, "0").replace(SEPARATORS, " ").trim();
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
    const h = fmix(hash52(text, 4) >>> 0);
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

/** Finds prompts that are near-duplicates of an earlier one. Deterministic: order matters, nothing else. */
export class NearDuplicateIndex {
  private signatures = new Uint32Array(BINS * 1024);
  private count = 0;
  private readonly bands = new Map<number, number>();
  private readonly probe = new Uint32Array(BINS);
  private readonly keys: number[] = new Array<number>(BANDS).fill(-1);

  /** Adds a prompt; returns true when it is a near-duplicate of one added before. */
  add(prompt: string): boolean {
    const text = normalizePrompt(prompt);
    if (text.length === 0) return false;
    signature(text, this.probe);
    const keys = this.keys;
    let duplicate = false;
    for (let band = 0; band < BANDS; band++) {
      let h = band + 1;
      let set = false;
      for (let r = 0; r < BAND_ROWS; r++) {
        const v = this.probe[band * BAND_ROWS + r];
        if (v !== EMPTY) set = true;
        h = Math.imul(h ^ v, 0x01000193) ^ (h >>> 13);
      }
      if (!set) {
        keys[band] = -1;
        continue;
      }
      const key = fmix(h) * 8 + band;
      keys[band] = key;
      const earlier = this.bands.get(key);
      if (!duplicate && earlier !== undefined && this.similarity(earlier) >= NEAR_DUPLICATE_SIMILARITY) {
        duplicate = true;
      }
    }
    if (this.count < MAX_INDEXED) {
      const index = this.count++;
      if (this.signatures.length < this.count * BINS) {
        const grown = new Uint32Array(this.signatures.length * 2);
        grown.set(this.signatures);
        this.signatures = grown;
      }
      this.signatures.set(this.probe, index * BINS);
      for (let band = 0; band < BANDS; band++) {
        const key = keys[band];
        if (key >= 0 && !this.bands.has(key)) this.bands.set(key, index);
      }
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
