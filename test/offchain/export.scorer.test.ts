import { expect } from "chai";
import fc from "fast-check";

import { isSpam, MAX_QUALITY_BPS, scoreQuality, type QualityInputs } from "../../src/export";

const ZERO: QualityInputs = {
  conversationsWithUnits: 0,
  units: 0,
  userUnits: 0,
  userChars: 0,
  activeDays: 0,
  codeUnits: 0,
  feedbackRecords: 0,
  models: 0,
  duplicates: 0,
  nearDuplicates: 0,
};

describe("export scorer: quality in basis points", () => {
  it("gives maxima that sum to 10,000", () => {
    const { breakdown } = scoreQuality(ZERO);
    expect(breakdown.signals.reduce((sum, s) => sum + s.maxPoints, 0)).to.equal(MAX_QUALITY_BPS);
  });

  it("scores nothing as 0", () => {
    const { quality, breakdown } = scoreQuality(ZERO);
    expect(quality).to.equal(0);
    expect(breakdown.signals.every((s) => s.points === 0 && s.value === 0)).to.equal(true);
    expect(breakdown.penalties[0].points).to.equal(0);
  });

  it("saturates every signal at its target", () => {
    const { quality, breakdown } = scoreQuality({
      conversationsWithUnits: 50,
      units: 400, // depth 8
      userUnits: 500,
      userChars: 100_000, // 200 per prompt
      activeDays: 30,
      codeUnits: 80, // 1/5
      feedbackRecords: 10,
      models: 3,
      duplicates: 0,
      nearDuplicates: 0,
    });
    expect(breakdown.signals.map((s) => s.points)).to.deep.equal([1500, 2000, 1500, 1000, 1500, 1000, 750, 750]);
    expect(quality).to.equal(10_000);
    // Beyond the targets nothing more is earned.
    const more = scoreQuality({
      conversationsWithUnits: 5_000,
      units: 400_000,
      userUnits: 50_000,
      userChars: 100_000_000,
      activeDays: 3_000,
      codeUnits: 400_000,
      feedbackRecords: 1_000,
      models: 30,
      duplicates: 0,
      nearDuplicates: 0,
    });
    expect(more.quality).to.equal(10_000);
  });

  it("computes partial points with floor division", () => {
    const { breakdown, quality } = scoreQuality({
      conversationsWithUnits: 7, // floor(7 * 1500 / 50) = 210
      units: 21, // 21 / 7 = 3 per conversation: floor(21 * 1500 / 56) = 562
      userUnits: 11, // floor(11 * 2000 / 500) = 44
      userChars: 1_000, // 90.9 per prompt: floor(1000 * 1000 / 2200) = 454
      activeDays: 4, // floor(4 * 1500 / 30) = 200
      codeUnits: 1, // 1/21: floor(1 * 1000 * 5 / 21) = 238
      feedbackRecords: 1, // 75
      models: 2, // 500
      duplicates: 0,
      nearDuplicates: 0,
    });
    expect(breakdown.signals.map((s) => s.points)).to.deep.equal([210, 44, 562, 454, 200, 238, 75, 500]);
    expect(breakdown.signals.map((s) => s.value)).to.deep.equal([7, 11, 3, 90.909, 4, 0.048, 1, 2]);
    expect(quality).to.equal(2283);
  });

  it("penalises repetition beyond a 5% allowance, twice the excess share", () => {
    const base = { ...ZERO, conversationsWithUnits: 50, units: 95, userUnits: 500, activeDays: 30 };
    // 5 of 100 repeated: exactly the allowance.
    expect(scoreQuality({ ...base, duplicates: 5 }).breakdown.penalties[0].points).to.equal(0);
    // 10 of 100: 2 * 10% - 10% = 10% = 1000 bps.
    const ten = scoreQuality({ ...base, units: 90, duplicates: 10 });
    expect(ten.breakdown.penalties[0]).to.deep.equal({
      name: "repetition",
      value: 0.1,
      allowance: 0.05,
      maxPoints: 10_000,
      points: 1000,
    });
    expect(ten.quality).to.equal(ten.breakdown.signalPoints - 1000);
    // Heavy repetition cannot push quality below 0.
    expect(scoreQuality({ ...base, units: 1, duplicates: 99 }).quality).to.equal(0);
  });

  it("penalises near-duplicate prompts beyond a 15% allowance, twice the excess share", () => {
    const base = { ...ZERO, conversationsWithUnits: 50, units: 1000, userUnits: 500, activeDays: 30 };
    // 75 of 500 prompts: exactly the allowance.
    expect(scoreQuality({ ...base, nearDuplicates: 75 }).breakdown.penalties[1].points).to.equal(0);
    // 100 of 500: 2 * 20% - 30% = 10% = 1000 bps.
    const some = scoreQuality({ ...base, nearDuplicates: 100 });
    expect(some.breakdown.penalties[1]).to.deep.equal({
      name: "nearDuplicates",
      value: 0.2,
      allowance: 0.15,
      maxPoints: 10_000,
      points: 1000,
    });
    expect(some.quality).to.equal(some.breakdown.signalPoints - 1000);
    // All but the first prompt from one template: nothing left.
    expect(scoreQuality({ ...base, nearDuplicates: 499 }).quality).to.equal(0);
    // Never more near-duplicates than prompts.
    expect(scoreQuality({ ...base, nearDuplicates: 10_000 }).breakdown.penalties[1].value).to.equal(1);
  });

  it("calls an export spam from 20 messages when half or more are repeats", () => {
    expect(isSpam({ units: 10, duplicates: 10 })).to.equal(true);
    expect(isSpam({ units: 11, duplicates: 9 })).to.equal(false);
    expect(isSpam({ units: 1, duplicates: 18 })).to.equal(false);
    expect(isSpam({ units: 0, duplicates: 0 })).to.equal(false);
  });

  it("always yields an integer in 0..10,000 consistent with its breakdown", () => {
    const count = fc.nat({ max: 2_000_000 });
    fc.assert(
      fc.property(
        fc.record({
          conversationsWithUnits: count,
          units: count,
          userUnits: count,
          userChars: fc.nat({ max: 1_000_000_000 }),
          activeDays: count,
          codeUnits: count,
          feedbackRecords: count,
          models: fc.nat({ max: 100 }),
          duplicates: count,
          nearDuplicates: count,
        }),
        (inputs): boolean => {
          // Plain booleans: chai assertions are slow in a 500-run loop.
          const { quality, breakdown } = scoreQuality(inputs);
          const better = scoreQuality({
            ...inputs,
            feedbackRecords: inputs.feedbackRecords + 1,
            activeDays: inputs.activeDays + 1,
            models: inputs.models + 1,
          });
          return (
            Number.isInteger(quality) &&
            quality >= 0 &&
            quality <= MAX_QUALITY_BPS &&
            breakdown.signals.every((s) => Number.isInteger(s.points) && s.points >= 0 && s.points <= s.maxPoints) &&
            breakdown.signalPoints === breakdown.signals.reduce((sum, s) => sum + s.points, 0) &&
            quality === Math.max(0, breakdown.signalPoints - breakdown.penaltyPoints) &&
            // More feedback, active days or models never lower the score.
            better.quality >= quality
          );
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });
});
