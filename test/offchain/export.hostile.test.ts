import { expect } from "chai";

import {
  BROKEN_KINDS,
  buildBrokenExport,
  buildExportFiles,
  buildSyntheticExport,
  DEFAULT_USER_ID,
  generateSyntheticExport,
  zipFiles,
} from "../support/export";
import { ExportError, scoreExport, scoreExportBytes, type ExportLimits, type ExportScore } from "../../src/export";
import {
  HOSTILE,
  leakyNamesExport,
  plainConversation,
  PLANTED_EMAIL,
  PLANTED_PHONE,
  streamedExport,
  templatedSpamExport,
} from "../support/export/hostile";

const SALT = `0x${"5a".repeat(32)}`;

function rejectionSync(bytes: Uint8Array, limits?: Partial<ExportLimits>): ExportError {
  try {
    scoreExportBytes(bytes, { salt: SALT, limits });
  } catch (error) {
    if (error instanceof ExportError) return error;
    throw new Error(`expected an ExportError, got ${String(error)}`);
  }
  throw new Error("expected the export to be rejected");
}

async function rejectionAsync(bytes: Uint8Array, limits?: Partial<ExportLimits>): Promise<ExportError> {
  const outcome = await scoreExport(bytes, { salt: SALT, limits }).then(
    () => new Error("expected the export to be rejected"),
    (e: unknown) => e,
  );
  if (outcome instanceof ExportError) return outcome;
  throw outcome instanceof Error ? outcome : new Error(String(outcome));
}

describe("export reader: hostile archives (issue #14)", () => {
  for (const [name, build] of Object.entries(HOSTILE)) {
    it(`rejects ${name} with the same code synchronously and asynchronously`, async () => {
      const fixture = build();
      const sync = rejectionSync(fixture.bytes, fixture.limits);
      expect(sync.code).to.equal(fixture.code);
      expect((await rejectionAsync(fixture.bytes, fixture.limits)).code).to.equal(fixture.code);
    });
  }

  it("never quotes personal data in an error, whatever the failure", async () => {
    const fixtures = [
      ...Object.values(HOSTILE).map((build) => build()),
      ...BROKEN_KINDS.map((kind) => ({ ...buildBrokenExport(kind), code: undefined })),
    ];
    for (const fixture of fixtures) {
      for (const error of [
        rejectionSync(fixture.bytes, fixture.limits),
        await rejectionAsync(fixture.bytes, fixture.limits),
      ]) {
        const text = `${error.message} ${error.entry ?? ""} ${error.stack ?? ""}`;
        for (const secret of [DEFAULT_USER_ID, "user-Lone", "Surrogate", PLANTED_EMAIL, PLANTED_PHONE, "repot plant"]) {
          expect(text).to.not.include(secret);
        }
      }
    }
  });

  it("reads a conversations file far larger than one conversation's limit", () => {
    // Memory is bounded per conversation, not per file: 400 conversations of ~3 KB under a 16 KB limit.
    const conversations = Array.from({ length: 400 }, (_, i) => plainConversation(i));
    const bytes = zipFiles(buildExportFiles({ conversations, chatHtml: null }));
    const result = scoreExportBytes(bytes, { salt: SALT, limits: { maxConversationBytes: 16 * 1024 } });
    expect(result.stats.conversations).to.equal(400);
    expect(result.units).to.equal(800);
  });

  it("checks user.json and the conversations before verifying attachments", () => {
    // A fake account id and a lying attachment: the cheap check answers first.
    const files = buildExportFiles({
      conversations: [plainConversation(0)],
      user: { email: PLANTED_EMAIL },
      chatHtml: null,
    });
    const bomb = buildBrokenExport("lying-attachment-bomb");
    expect(rejectionSync(bomb.bytes).code).to.equal("SIZE_MISMATCH");
    const both = zipFiles({ ...files, "file-AbCdEf-photo.png": new Uint8Array(16) });
    expect(rejectionSync(both).code).to.equal("FAKE_EXPORT");
  });

  it("accepts a streamed zip whose entries are followed by data descriptors", () => {
    const result = scoreExportBytes(streamedExport(), { salt: SALT });
    expect(result.units).to.equal(4);
  });

  it("keeps the stats bounded and free of names that could be personal data", async () => {
    const result = scoreExportBytes(leakyNamesExport(), { salt: SALT });
    const json = JSON.stringify(result);
    expect(json).to.not.include(PLANTED_EMAIL);
    expect(json).to.not.include(PLANTED_PHONE);
    expect(result.stats.unknownContentTypes).to.have.length(16);
    expect(result.stats.otherContentTypes).to.equal(21);
    expect(result.stats.models).to.have.length(16);
    // Every slug still counts toward the model mix (which saturates at 3).
    expect(result.breakdown.signals.find((s) => s.name === "modelMix")?.points).to.equal(750);
    expect(JSON.stringify(await scoreExport(leakyNamesExport(), { salt: SALT }))).to.equal(json);
  });
});

describe("export reader: templated spam", () => {
  let spam: ExportScore;

  before(() => {
    spam = scoreExportBytes(templatedSpamExport(), { salt: SALT });
  });

  it("scores 500 conversations from one template with a counter below 30% quality", () => {
    // Before near-duplicate detection this export scored 9,600 of 10,000.
    expect(spam.breakdown.signalPoints).to.be.above(9_000);
    expect(spam.stats.nearDuplicatePrompts).to.equal(spam.stats.userMessages - 1);
    expect(spam.quality).to.be.below(3_000);
    // Units are unchanged: every message is distinct, none is dropped.
    expect(spam.units).to.equal(4_000);
  });

  it("leaves varied exports their scores: no near-duplicate penalty", () => {
    for (const options of [
      { seed: 1, conversations: 60 },
      { seed: 9, conversations: 200, layout: "split" as const },
    ]) {
      const result = scoreExportBytes(buildSyntheticExport(options), { salt: SALT });
      const penalty = result.breakdown.penalties.find((p) => p.name === "nearDuplicates");
      expect(penalty?.points).to.equal(0);
      expect(result.quality).to.equal(result.breakdown.signalPoints - result.breakdown.penaltyPoints);
    }
  });
});

describe("export reader: synchronous and asynchronous reading agree", () => {
  it("gives byte-identical results for generated exports of every layout", async () => {
    for (const options of [
      { seed: 4, conversations: 30 },
      { seed: 6, conversations: 120, layout: "split" as const, conversationsPerFile: 25 },
      { seed: 8, conversations: 10, compressionLevel: 0 },
    ]) {
      const { zip } = generateSyntheticExport(options);
      const sync = JSON.stringify(scoreExportBytes(zip, { salt: SALT }));
      expect(JSON.stringify(await scoreExport(zip, { salt: SALT }))).to.equal(sync);
    }
  });
});
