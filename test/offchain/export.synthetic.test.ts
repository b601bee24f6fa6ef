import { expect } from "chai";
import fc from "fast-check";

import {
  buildSyntheticExport,
  generateSyntheticExport,
  type SyntheticExportFacts,
  type SyntheticExportOptions,
} from "../support/export";
import {
  benchmarkScoreExport,
  isKnownContentType,
  scoreExportBytes,
  scoreQuality,
  sourceAccountHash,
  type ExportScore,
} from "../../src/export";
import { KNOWN_CONTENT_TYPES } from "../../src/export/content";

const SALT = `0x${"c0".repeat(32)}`;

function iso(seconds: number): string {
  return new Date(Math.round(seconds * 1000)).toISOString();
}

/** Checks everything the reader reports against what the generator built. */
function expectMatchesFacts(result: ExportScore, facts: SyntheticExportFacts, layout: "single" | "split"): void {
  const s = result.stats;
  expect(result.units).to.equal(facts.units);
  expect({
    layout: s.layout,
    conversationFiles: s.conversationFiles,
    conversations: s.conversations,
    nodes: s.nodes,
    messages: s.messages,
    visibleMessages: s.visibleMessages,
    hiddenMessages: s.hiddenMessages,
    branches: s.branches,
    roles: s.roles,
    userMessages: s.userMessages,
    assistantMessages: s.assistantMessages,
    duplicateMessages: s.duplicateMessages,
    userCharacters: s.userCharacters,
    codeMessages: s.codeMessages,
    models: s.models,
    activeDays: s.activeDays,
    attachments: s.attachments,
    feedbackRecords: s.feedbackRecords,
    modelComparisons: s.modelComparisons,
    sharedConversations: s.sharedConversations,
  }).to.deep.equal({
    layout,
    conversationFiles: facts.conversationFiles,
    conversations: facts.conversations,
    nodes: facts.nodes,
    messages: facts.messages,
    visibleMessages: facts.visibleMessages,
    hiddenMessages: facts.hiddenMessages,
    branches: facts.branches,
    roles: facts.roles,
    userMessages: facts.userMessages,
    assistantMessages: facts.assistantMessages,
    duplicateMessages: facts.duplicateMessages,
    userCharacters: facts.userCharacters,
    codeMessages: facts.codeMessages,
    models: facts.models,
    activeDays: facts.activeDays,
    attachments: facts.attachments,
    feedbackRecords: facts.feedbackRecords,
    modelComparisons: facts.modelComparisons,
    sharedConversations: facts.sharedConversations,
  });
  const known = Object.entries(facts.contentTypes).filter(([name]) => isKnownContentType(name));
  const unknown = Object.entries(facts.contentTypes).filter(([name]) => !isKnownContentType(name));
  expect(Object.fromEntries(s.contentTypes.map((c) => [c.name, c.count]))).to.deep.equal(Object.fromEntries(known));
  expect(s.otherContentTypes).to.equal(unknown.reduce((sum, [, count]) => sum + count, 0));
  expect(s.unknownContentTypes).to.deep.equal(unknown.map(([name]) => name));
  if (facts.conversations > 0) {
    expect(s.dateRange).to.deep.equal({ first: iso(facts.firstTime), last: iso(facts.lastTime) });
  }
  // Quality follows from the same facts through the documented formula.
  const expected = scoreQuality({
    conversationsWithUnits: s.conversationsWithUnits,
    units: facts.units,
    userUnits: facts.userMessages,
    userChars: facts.userCharacters,
    activeDays: facts.activeDays,
    codeUnits: facts.codeMessages,
    feedbackRecords: facts.feedbackRecords + facts.modelComparisons,
    models: facts.models.length,
    duplicates: facts.duplicateMessages,
    nearDuplicates: s.nearDuplicatePrompts,
  });
  // The generator's prompts are varied: the few that look alike stay within the allowance.
  expect(result.breakdown.penalties.find((p) => p.name === "nearDuplicates")?.points).to.equal(0);
  expect(result.quality).to.equal(expected.quality);
  expect(result.breakdown).to.deep.equal(expected.breakdown);
}

describe("synthetic exports: generator", () => {
  it("is deterministic: same options, same bytes; another seed, other bytes", () => {
    const options: SyntheticExportOptions = { seed: 99, conversations: 20 };
    const a = buildSyntheticExport(options);
    const b = buildSyntheticExport(options);
    expect(Buffer.from(a).equals(Buffer.from(b))).to.equal(true);
    expect(Buffer.from(buildSyntheticExport({ ...options, seed: 100 })).equals(Buffer.from(a))).to.equal(false);
  });

  it("produces every feature it offers", () => {
    const { facts } = generateSyntheticExport({ seed: 3, conversations: 80 });
    // Every content type the reader knows by name: a type added there must be generated too.
    for (const type of KNOWN_CONTENT_TYPES) {
      expect(facts.contentTypes[type], type).to.be.greaterThan(0);
    }
    expect(Object.keys(facts.contentTypes).filter((t) => !isKnownContentType(t))).to.not.be.empty;
    expect(facts.branches).to.be.greaterThan(0);
    expect(facts.hiddenMessages).to.be.greaterThan(0);
    expect(facts.attachments.files).to.be.greaterThan(0);
    expect(facts.attachments.userFolders).to.be.greaterThan(0);
    expect(facts.attachments.dalleGenerations).to.be.greaterThan(0);
    expect(facts.feedbackRecords).to.equal(10);
    expect(facts.modelComparisons).to.equal(2);
    expect(facts.sharedConversations).to.equal(5);
    expect(facts.models.length).to.equal(5);
  });

  it("turns features off on request", () => {
    const { facts } = generateSyntheticExport({
      seed: 3,
      conversations: 40,
      branches: false,
      multimodal: false,
      code: false,
      tools: false,
      reasoning: false,
      hiddenMessages: false,
      unknownContentTypes: false,
      attachments: false,
    });
    expect(Object.keys(facts.contentTypes)).to.deep.equal(["text"]);
    expect(facts.branches).to.equal(0);
    expect(facts.codeMessages).to.equal(0);
    expect(facts.attachments.total).to.equal(0);
  });
});

describe("synthetic exports: reader against construction", () => {
  it("matches the facts of the default export", () => {
    const { zip, facts } = generateSyntheticExport();
    expectMatchesFacts(scoreExportBytes(zip, { salt: SALT }), facts, "single");
  });

  it("matches the facts of a split export (3 parts + manifest)", () => {
    const { zip, facts } = generateSyntheticExport({ seed: 5, conversations: 250, layout: "split" });
    const result = scoreExportBytes(zip, { salt: SALT });
    expectMatchesFacts(result, facts, "split");
    expect(result.stats.conversationFiles).to.equal(3);
    expect(result.stats.hasManifest).to.equal(true);
  });

  it("matches the facts for random seeds, sizes and feature mixes", () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.nat(),
          conversations: fc.integer({ min: 0, max: 15 }),
          layout: fc.constantFrom("single" as const, "split" as const),
          conversationsPerFile: fc.integer({ min: 1, max: 6 }),
          maxTurns: fc.integer({ min: 1, max: 8 }),
          branches: fc.boolean(),
          multimodal: fc.boolean(),
          code: fc.boolean(),
          tools: fc.boolean(),
          reasoning: fc.boolean(),
          hiddenMessages: fc.boolean(),
          unknownContentTypes: fc.boolean(),
          attachments: fc.boolean(),
        }),
        (options) => {
          const { zip, facts } = generateSyntheticExport(options);
          expectMatchesFacts(scoreExportBytes(zip, { salt: SALT }), facts, options.layout);
        },
      ),
      { numRuns: 25, seed: 11 },
    );
  });

  it("gives three contributors three distinct source hashes and scores", () => {
    const people = [
      { userId: "user-AliceAliceAliceAlice01", seed: 1, conversations: 30 },
      { userId: "user-BobBobBobBobBobBob0002", seed: 2, conversations: 120, layout: "split" as const },
      { userId: "user-CarolCarolCarolCar003", seed: 3, conversations: 8, code: false, models: ["gpt-4o"] },
    ];
    const results = people.map((p) => scoreExportBytes(buildSyntheticExport(p), { salt: SALT }));
    results.forEach((result, i) => {
      expect(result.sourceHash).to.equal(sourceAccountHash(people[i].userId, SALT));
      expect(JSON.stringify(result)).to.not.include(people[i].userId);
    });
    expect(new Set(results.map((r) => r.sourceHash)).size).to.equal(3);
    expect(results[2].stats.models).to.deep.equal(["gpt-4o"]);
    expect(new Set(results.map((r) => `${r.units}/${r.quality}`)).size).to.equal(3);
  });
});

describe("synthetic exports: a larger export (1,500 conversations; 50,000 are in npm run bench:export)", () => {
  let large: ReturnType<typeof generateSyntheticExport>;

  before(() => {
    large = generateSyntheticExport({
      seed: 2024,
      conversations: 1_500,
      layout: "split",
      conversationsPerFile: 300,
      compressionLevel: 1,
    });
  });

  it("is read completely and matches its construction", () => {
    const bench = benchmarkScoreExport(large.zip, { salt: SALT }, 1);
    expectMatchesFacts(bench.score, large.facts, "split");
    expect(bench.score.stats.conversationFiles).to.equal(5);
    expect(bench.score.units).to.be.greaterThan(9_000);
    // Informational only: performance is measured by the benchmark, never asserted here.
    console.log(
      `      1,500 conversations, ${(large.zip.length / 1e6).toFixed(1)} MB zipped: ` +
        `${bench.medianMs.toFixed(0)} ms, ${bench.conversationsPerSecond} conversations/s`,
    );
  });
});
