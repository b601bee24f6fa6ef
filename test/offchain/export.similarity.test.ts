import { expect } from "chai";
import fc from "fast-check";

import {
  fmix,
  messageKey,
  MessageKeys,
  NEAR_DUPLICATE_SIMILARITY,
  NearDuplicateIndex,
  normalizePrompt,
  promptSignature,
} from "../../src/export/similarity";

/** Longer than the 32,768 code units the fast paths read at once, so they cross slices. */
const LONG = 70_001;

const EMPTY = 0xffffffff;

/**
 * The near-duplicate rule written the plain way, as the oracle: portable signatures, a Map per
 * band holding the first prompt of each band key, and the similarity as a division.
 */
class ReferenceIndex {
  private readonly signatures: Uint32Array[] = [];
  private readonly bands = new Map<string, number>();

  add(prompt: string): boolean {
    if (normalizePrompt(prompt).length === 0) return false;
    const probe = promptSignature(prompt, true);
    let duplicate = false;
    for (let band = 0; band < 8; band++) {
      const v0 = probe[2 * band];
      const v1 = probe[2 * band + 1];
      if (v0 === EMPTY && v1 === EMPTY) continue;
      let h = band + 1;
      h = Math.imul(h ^ v0, 0x01000193) ^ (h >>> 13);
      h = Math.imul(h ^ v1, 0x01000193) ^ (h >>> 13);
      const key = `${band}:${fmix(h)}`;
      const earlier = this.bands.get(key);
      if (earlier === undefined) this.bands.set(key, this.signatures.length);
      else if (!duplicate) duplicate = similarity(probe, this.signatures[earlier]) >= NEAR_DUPLICATE_SIMILARITY;
    }
    this.signatures.push(probe);
    return duplicate;
  }
}

function similarity(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  let used = 0;
  for (let k = 0; k < a.length; k++) {
    if (a[k] === EMPTY && b[k] === EMPTY) continue;
    used++;
    if (a[k] === b[k]) same++;
  }
  return used === 0 ? 0 : same / used;
}

const WORDS = "budget river oven kernel yeast model cache index hotel agenda basil ticket 12 7 2024".split(" ");
const TEMPLATES = ["Write blog post number # about", "Help me plan", "Give me three ideas to debug", "¿Cómo preparo"];

/** Prompts from a few templates and a small vocabulary: many LSH collisions, some near-duplicates. */
const templatedPrompt = fc
  .tuple(
    fc.constantFrom(...TEMPLATES),
    fc.nat({ max: 999 }),
    fc.array(fc.constantFrom(...WORDS), { minLength: 0, maxLength: 14 }),
    fc.constantFrom("?", "!", ".", "", " ...", "\n"),
  )
  .map(([template, n, words, end]) => `${template.replace("#", String(n))} ${words.join(" ")}${end}`);

describe("export reader: prompt signatures", () => {
  it("computes the same MinHash in one pass for ASCII text as through the normalised string", () => {
    const ascii = fc.string({ unit: fc.constantFrom(..."aB9 .,!\n0x-Zq7".split("")), maxLength: 60 });
    fc.assert(
      fc.property(ascii, (text) => {
        const fast = promptSignature(text);
        const slow = promptSignature(text, true);
        return fast.every((v, i) => v === slow[i]);
      }),
      { numRuns: 500, seed: 51 },
    );
    // Every ASCII code unit, including those next to the letter and digit ranges (`@`, `[`, `` ` ``,
    // `{`, `/`, `:`) and the control characters that map onto them by case folding.
    const anyAscii = fc.string({
      unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)),
      maxLength: 40,
    });
    fc.assert(
      fc.property(anyAscii, (text) => promptSignature(text).every((v, i) => v === promptSignature(text, true)[i])),
      { numRuns: 1000, seed: 52 },
    );
    expect(normalizePrompt("  Write POST #123, now!! ")).to.equal("write post 0 now");
    expect([...promptSignature("Écris le billet 12")]).to.deep.equal([...promptSignature("écris le billet 7", true)]);
  });

  it("gives the same values for texts longer than one slice, wherever a run crosses a slice end", () => {
    const word = "Quota 123 of the yeast, oven... ";
    for (const shift of [0, 1, 2, 5, 13]) {
      const text = `${"x".repeat(shift)}${word.repeat(Math.ceil(LONG / word.length))}`.slice(0, LONG + shift);
      expect([...promptSignature(text)]).to.deep.equal([...promptSignature(text, true)]);
      // Non-ASCII after the first slice still sends the text down the portable path.
      const tail = `${text}é!`;
      expect([...promptSignature(tail)]).to.deep.equal([...promptSignature(tail, true)]);
    }
    // A separator run and a digit run that span the slice boundary collapse as in the normalised string.
    const across = `${"a".repeat(32_765)}   ${"9".repeat(8)}b, ${"c".repeat(9)}`;
    expect([...promptSignature(across)]).to.deep.equal([...promptSignature(across, true)]);
  });

  it("marks every bin empty for a prompt that normalises to nothing", () => {
    for (const text of ["", "   ", "?!", "\u{1F600}"])
      expect([...promptSignature(text)].every((v) => v === EMPTY)).to.equal(true);
  });
});

describe("export reader: near-duplicate index", () => {
  it("decides exactly as the plain rule, fast and portable, over templated prompts", () => {
    fc.assert(
      fc.property(fc.array(templatedPrompt, { minLength: 1, maxLength: 120 }), (prompts) => {
        const reference = new ReferenceIndex();
        const fast = new NearDuplicateIndex();
        const portable = new NearDuplicateIndex(true);
        return prompts.every((p) => {
          const expected = reference.add(p);
          return fast.add(p) === expected && portable.add(p) === expected;
        });
      }),
      { numRuns: 60, seed: 53 },
    );
    // The generator is not trivial: it makes both answers, and a prompt whose signature has
    // empty bins (a short one, where the digest pre-filter does not apply).
    const sample = fc.sample(fc.array(templatedPrompt, { minLength: 400, maxLength: 400 }), {
      numRuns: 1,
      seed: 54,
    })[0];
    const index = new NearDuplicateIndex();
    const reference = new ReferenceIndex();
    const answers = [...sample, "Help me plan", "help me plan!"].map((p) => {
      const expected = reference.add(p);
      expect(index.add(p)).to.equal(expected);
      return expected;
    });
    const near = answers.filter(Boolean).length;
    expect(near)
      .to.be.above(20)
      .and.below(answers.length - 20);
    expect(answers[answers.length - 1]).to.equal(true);
  });

  it("finds a near-duplicate whatever the agreeing bins' low bits, and none among unrelated prompts", () => {
    const index = new NearDuplicateIndex();
    const base = "Write blog post number 4 about saving money on groceries for my website, with three sections";
    expect(index.add(base)).to.equal(false);
    expect(index.add(base.replace("4", "77"))).to.equal(true);
    expect(index.add(`${base} and a conclusion`)).to.equal(true);
    expect(index.add("What is the airspeed velocity of an unladen swallow, African or European?")).to.equal(false);
    expect(index.add("   ")).to.equal(false);
  });
});

describe("export reader: message keys", () => {
  /** Texts in every representation: ASCII, accents, astral and lone surrogates, odd and long lengths. */
  const text = fc.oneof(
    fc.string({ unit: fc.constantFrom(..."ab c\n1é😀".split("")), maxLength: 12 }),
    fc.string({ unit: "grapheme", maxLength: 8 }),
    fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 3 }),
    fc.constantFrom("x".repeat(LONG), `${"x".repeat(LONG - 1)}y`, `${"x".repeat(LONG)}\ud800`),
  );
  const message = fc.tuple(
    fc.constantFrom("user", "assistant"),
    text,
    fc.array(fc.constantFrom("file-1", "file-2"), { maxLength: 2 }),
  );

  it("flags exactly the messages seen before, fast and portable, with prompts signed in between", () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 80 }), (messages) => {
        const seen = new Set<string>();
        const fast = new MessageKeys();
        const portable = new MessageKeys(true);
        // Signing other prompts between two additions must not confuse the shared code units.
        const prompts = new NearDuplicateIndex();
        return messages.every(([role, body, assets], i) => {
          const key = JSON.stringify([role, body, assets]);
          const fresh = !seen.has(key);
          seen.add(key);
          const ok = fast.add(role, body, assets) === fresh && portable.add(role, body, assets) === fresh;
          prompts.add(messages[(i * 7) % messages.length][1]);
          return ok;
        });
      }),
      { numRuns: 150, seed: 55 },
    );
  });

  it("computes the same keys through the code units as through charCodeAt", () => {
    const key = (role: string, body: string, assets: readonly string[], portable: boolean): string => {
      const out = new Uint32Array(2);
      messageKey(role, body, assets, out, portable);
      return `${out[0]}:${out[1]}`;
    };
    fc.assert(
      fc.property(message, ([role, body, assets]) => key(role, body, assets, false) === key(role, body, assets, true)),
      { numRuns: 300, seed: 56 },
    );
    // Every length near a slice end, where the last word, the odd unit and the next slice meet.
    for (const length of [1, 2, 3, 4, 5, 32_766, 32_767, 32_768, 32_769, 32_770, 32_771, 65_537]) {
      const body = Array.from({ length }, (_, i) => String.fromCharCode(0x20 + ((i * 7919) % 0xd700))).join("");
      expect(key("user", body, [], false)).to.equal(key("user", body, [], true));
    }
  });

  it("reloads a short text after a long one went through the shared code units a slice at a time", () => {
    const keys = new MessageKeys();
    const prompts = new NearDuplicateIndex();
    const short = "Plan my week of meals with a budget of 40 euros";
    expect(keys.add("user", short, [])).to.equal(true);
    expect(prompts.add(short)).to.equal(false);
    expect(keys.add("assistant", "y".repeat(LONG), [])).to.equal(true);
    expect(keys.add("user", short, [])).to.equal(false);
    expect(prompts.add(short)).to.equal(true);
  });
});
