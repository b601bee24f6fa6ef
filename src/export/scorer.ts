/**
 * Quality score of an export, in basis points (0..10_000), integer arithmetic only.
 *
 * Eight signals each earn points in proportion to how close their measure comes to a target,
 * capped at their maximum (`points = min(max, floor(max * measure / target))`); their maxima sum
 * to 10_000. Penalties are then subtracted and the result is floored at 0.
 *
 * | signal          | measure                                                      | target | max   |
 * |-----------------|--------------------------------------------------------------|--------|-------|
 * | `conversations` | conversations with at least one unit                         | 50     | 1_500 |
 * | `userPrompts`   | user units                                                   | 500    | 2_000 |
 * | `averageDepth`  | units per conversation with units                            | 8      | 1_500 |
 * | `averageLength` | characters (UTF-16 code units, trimmed) per user unit        | 200    | 1_000 |
 * | `activeDays`    | distinct UTC days with a user unit                           | 30     | 1_500 |
 * | `codeShare`     | units that are code or hold a fenced block, per unit         | 1/5    | 1_000 |
 * | `feedback`      | `message_feedback.json` + `model_comparisons.json` records   | 10     | 750   |
 * | `modelMix`      | distinct assistant models (`model_slug`, else conversation default) | 3 | 750 |
 *
 * Penalty `repetition`: with `d` duplicate messages among `n = units + d` non-empty ones,
 * `points = clamp(floor(20_000 * d / n) - 1_000, 0, 10_000)`, i.e. twice the duplicate share
 * beyond a 5 % allowance. An export with at least {@link SPAM_MIN_MESSAGES} non-empty messages of
 * which half or more are duplicates is rejected as spam instead of scored.
 *
 * Penalty `nearDuplicates` (since 1.1.0): with `q` of the `u` user units near-duplicates of an
 * earlier prompt (templated or machine-made prompts, see `similarity.ts`),
 * `points = clamp(floor(20_000 * q / u) - 3_000, 0, 10_000)`, i.e. twice the near-duplicate share
 * beyond a 15 % allowance (people do re-ask similar things). `docs/scoring.md` explains the rules.
 */

/**
 * Identifies the scoring rules; changes whenever units or quality could change for some input.
 * Attestations carry it on chain as `MAJOR * 1_000_000 + MINOR * 1_000 + PATCH` (1.2.0 → 1002000).
 * 1.2.0: the units attested are the refined messages (issue 17, `RefinementReport.units`); validators
 * take them from the refinement they verify, and this reader's unit count feeds quality only.
 */
export const SCORER_VERSION = "datacoop-chatgpt-export/1.2.0";

export const MAX_QUALITY_BPS = 10_000;
/** Spam rejection applies from this many non-empty messages on. */
export const SPAM_MIN_MESSAGES = 20;

export type SignalName =
  | "conversations"
  | "userPrompts"
  | "averageDepth"
  | "averageLength"
  | "activeDays"
  | "codeShare"
  | "feedback"
  | "modelMix";

export type PenaltyName = "repetition" | "nearDuplicates";

export interface QualitySignal {
  readonly name: SignalName;
  /** The measure, rounded to 3 decimals (points are computed from the exact integers). */
  readonly value: number;
  readonly target: number;
  readonly maxPoints: number;
  readonly points: number;
}

export interface QualityPenalty {
  readonly name: PenaltyName;
  /** The (near-)duplicate share, rounded to 3 decimals. */
  readonly value: number;
  /** Share tolerated without penalty. */
  readonly allowance: number;
  readonly maxPoints: number;
  readonly points: number;
}

export interface QualityBreakdown {
  readonly signals: readonly QualitySignal[];
  readonly penalties: readonly QualityPenalty[];
  readonly signalPoints: number;
  readonly penaltyPoints: number;
}

/** The integer facts the score is computed from. */
export interface QualityInputs {
  readonly conversationsWithUnits: number;
  readonly units: number;
  readonly userUnits: number;
  readonly userChars: number;
  readonly activeDays: number;
  readonly codeUnits: number;
  readonly feedbackRecords: number;
  readonly models: number;
  readonly duplicates: number;
  /** User units that are near-duplicates of an earlier user unit (at most `userUnits`). */
  readonly nearDuplicates: number;
}

interface SignalRule {
  readonly name: SignalName;
  readonly numerator: (i: QualityInputs) => number;
  readonly denominator: (i: QualityInputs) => number;
  /** Target as a fraction `[numerator, denominator]`, kept exact. */
  readonly target: readonly [number, number];
  readonly maxPoints: number;
}

const one = (): number => 1;

const RULES: readonly SignalRule[] = [
  {
    name: "conversations",
    numerator: (i) => i.conversationsWithUnits,
    denominator: one,
    target: [50, 1],
    maxPoints: 1_500,
  },
  { name: "userPrompts", numerator: (i) => i.userUnits, denominator: one, target: [500, 1], maxPoints: 2_000 },
  {
    name: "averageDepth",
    numerator: (i) => i.units,
    denominator: (i) => i.conversationsWithUnits,
    target: [8, 1],
    maxPoints: 1_500,
  },
  {
    name: "averageLength",
    numerator: (i) => i.userChars,
    denominator: (i) => i.userUnits,
    target: [200, 1],
    maxPoints: 1_000,
  },
  { name: "activeDays", numerator: (i) => i.activeDays, denominator: one, target: [30, 1], maxPoints: 1_500 },
  { name: "codeShare", numerator: (i) => i.codeUnits, denominator: (i) => i.units, target: [1, 5], maxPoints: 1_000 },
  { name: "feedback", numerator: (i) => i.feedbackRecords, denominator: one, target: [10, 1], maxPoints: 750 },
  { name: "modelMix", numerator: (i) => i.models, denominator: one, target: [3, 1], maxPoints: 750 },
];

const REPETITION_ALLOWANCE_BPS = 500;
const NEAR_DUPLICATE_ALLOWANCE_BPS = 1_500;

function rounded(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : Math.round((numerator * 1000) / denominator) / 1000;
}

function signal(rule: SignalRule, inputs: QualityInputs): QualitySignal {
  const n = rule.numerator(inputs);
  const d = rule.denominator(inputs);
  const [tn, td] = rule.target;
  const points = d === 0 ? 0 : Math.min(rule.maxPoints, Math.floor((n * rule.maxPoints * td) / (d * tn)));
  return { name: rule.name, value: rounded(n, d), target: tn / td, maxPoints: rule.maxPoints, points };
}

/** Twice the share `part / total` beyond `allowance` basis points, in basis points, clamped. */
function sharePenalty(name: PenaltyName, part: number, total: number, allowance: number): QualityPenalty {
  const share = total === 0 ? 0 : Math.floor((part * 2 * MAX_QUALITY_BPS) / total);
  const points = Math.min(MAX_QUALITY_BPS, Math.max(0, share - 2 * allowance));
  return {
    name,
    value: rounded(part, total),
    allowance: allowance / MAX_QUALITY_BPS,
    maxPoints: MAX_QUALITY_BPS,
    points,
  };
}

/** True when the export is mostly repeated content (see module doc). */
export function isSpam(inputs: Pick<QualityInputs, "units" | "duplicates">): boolean {
  const total = inputs.units + inputs.duplicates;
  return total >= SPAM_MIN_MESSAGES && inputs.duplicates * 2 >= total;
}

/** Quality in basis points and the breakdown that produced it. */
export function scoreQuality(inputs: QualityInputs): { quality: number; breakdown: QualityBreakdown } {
  const signals = RULES.map((rule) => signal(rule, inputs));
  const penalties = [
    sharePenalty("repetition", inputs.duplicates, inputs.units + inputs.duplicates, REPETITION_ALLOWANCE_BPS),
    sharePenalty(
      "nearDuplicates",
      Math.min(inputs.nearDuplicates, inputs.userUnits),
      inputs.userUnits,
      NEAR_DUPLICATE_ALLOWANCE_BPS,
    ),
  ];
  const signalPoints = signals.reduce((sum, s) => sum + s.points, 0);
  const penaltyPoints = penalties.reduce((sum, p) => sum + p.points, 0);
  const quality = Math.max(0, Math.min(MAX_QUALITY_BPS, signalPoints - penaltyPoints));
  return { quality, breakdown: { signals, penalties, signalPoints, penaltyPoints } };
}
