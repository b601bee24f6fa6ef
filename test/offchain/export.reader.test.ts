import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { AbiCoder, keccak256 } from "ethers";

import { buildConversation, buildExportZip, type ConversationSpec, type ExportFilesSpec } from "../support/export";
import {
  ExportArchiveError,
  ExportError,
  SCORER_VERSION,
  scoreExport,
  scoreExportBytes,
  type ExportScore,
} from "../../src/export";

const SALT = "0x5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";
const USER_ID = "user-HandBuiltFixtureId00001";
const EMAIL = "hand.fixture@example.org";
/** 2024-01-01T10:00:00Z, UTC day 19723. */
const T0 = 1_704_103_200;
const DAY = 86_400;

function expectedSourceHash(userId: string, salt: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "string"], [salt, userId]));
}

/**
 * The hand fixture: four conversations whose numbers are derived below.
 *
 * A (day 19723, gpt-4o): hidden system, U "How do I reverse a list in Python?" (34),
 *   A (text with a ```python block: code), U "Thanks! And how do I sort it?" (29), A.
 *   Branches: a regenerated answer below the 2nd prompt (1 node), an edit below the 1st
 *   answer (user + assistant, 2 nodes). Nodes 9, messages 8, visible 5 (1 hidden), units 2u+2a.
 * B (day 19724, gpt-4o-mini): U multimodal [image, "What plant is this?" (19)], A text,
 *   A code (to python), tool execution_output, A text, U "Thanks!" (7), A text.
 *   Nodes 8, messages 7, units 2u+4a (1 code).
 * C (day 19728, o1): hidden user_editable_context, U "Plan a three day trip to Rome." (30),
 *   A thoughts, A reasoning_recap, tool tether_browsing_display, tool tether_quote,
 *   tool system_error, tool canvas_widget_v7 (unknown), A text, U "Thanks!" (duplicate of B's),
 *   A "" (empty). Nodes 12, messages 11, visible 11 (1 hidden), units 1u+1a, 1 duplicate.
 * D (day 19725): no messages, only the root node.
 */
function handConversations(): ConversationSpec[] {
  const a: ConversationSpec = {
    id: "conv-a",
    title: "Lists in Python",
    createTime: T0,
    model: "gpt-4o",
    messages: [
      { role: "system", text: "", hidden: true, time: null },
      { role: "user", text: "How do I reverse a list in Python?" },
      { role: "assistant", text: "Use slicing:\n\n```python\nxs[::-1]\n```", model: "gpt-4o" },
      { role: "user", text: "Thanks! And how do I sort it?" },
      { role: "assistant", text: "Call xs.sort() to sort in place.", model: "gpt-4o" },
    ],
    branches: [
      { from: 3, messages: [{ role: "assistant", text: "Try sorted(xs).", model: "gpt-4o" }] },
      {
        from: 2,
        messages: [
          { role: "user", text: "And how do I shuffle it?" },
          { role: "assistant", text: "Use random.shuffle(xs).", model: "gpt-4o" },
        ],
      },
    ],
  };
  const b: ConversationSpec = {
    id: "conv-b",
    title: "Plant",
    createTime: T0 + DAY,
    model: "gpt-4o-mini",
    messages: [
      {
        role: "user",
        contentType: "multimodal_text",
        parts: [
          { content_type: "image_asset_pointer", asset_pointer: "file-service://file-abc123", width: 512, height: 512 },
          "What plant is this?",
        ],
      },
      { role: "assistant", text: "It looks like a basil plant.", model: "gpt-4o-mini" },
      {
        role: "assistant",
        contentType: "code",
        text: "print(len('basil'))",
        recipient: "python",
        model: "gpt-4o-mini",
      },
      { role: "tool", name: "python", contentType: "execution_output", text: "5" },
      { role: "assistant", text: "The word basil has 5 letters.", model: "gpt-4o-mini" },
      { role: "user", text: "Thanks!" },
      { role: "assistant", text: "You're welcome!", model: "gpt-4o-mini" },
    ],
  };
  const c: ConversationSpec = {
    id: "conv-c",
    title: "Rome",
    createTime: T0 + 5 * DAY,
    model: "o1",
    messages: [
      { role: "user", contentType: "user_editable_context", text: "Be concise.", hidden: true },
      { role: "user", text: "Plan a three day trip to Rome." },
      { role: "assistant", contentType: "thoughts", text: "The user wants an itinerary.", model: "o1" },
      { role: "assistant", contentType: "reasoning_recap", text: "Thought for 4 seconds", model: "o1" },
      { role: "tool", name: "browser", contentType: "tether_browsing_display", text: "Searching for Rome sights" },
      { role: "tool", name: "browser", contentType: "tether_quote", text: "The Colosseum opens at 9am." },
      { role: "tool", name: "browser", contentType: "system_error", text: "Timeout" },
      { role: "tool", name: "canmore", contentType: "canvas_widget_v7", text: "Draft saved" },
      { role: "assistant", text: "Day 1: Colosseum. Day 2: Vatican. Day 3: Trastevere.", model: "o1" },
      { role: "user", text: "Thanks!" },
      { role: "assistant", text: "", model: "o1" },
    ],
  };
  const d: ConversationSpec = { id: "conv-d", title: null, createTime: T0 + 2 * DAY, messages: [] };
  return [a, b, c, d];
}

function handFiles(overrides: Partial<ExportFilesSpec> = {}): ExportFilesSpec {
  return {
    conversations: handConversations().map(buildConversation),
    user: { id: USER_ID, email: EMAIL, chatgpt_plus_user: true, phone_number: "+10000000000" },
    feedback: [
      { id: "fb-1", conversation_id: "conv-a", user_id: USER_ID, rating: "thumbsUp" },
      { id: "fb-2", conversation_id: "conv-b", user_id: USER_ID, rating: "thumbsDown" },
    ],
    modelComparisons: [{ id: "cmp-1", conversation_id: "conv-c", user_id: USER_ID }],
    sharedConversations: [{ id: "share-1", conversation_id: "conv-a", title: "Lists in Python", is_anonymous: true }],
    chatHtml: "full",
    extraFiles: {
      "file-abc123-basil.png": new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
      "dalle-generations/file-xyz-00000000-0000-4000-8000-000000000001.webp": new Uint8Array([0x52, 0x49, 0x46, 0x46]),
      [`${USER_ID}/file_def-notes.pdf`]: "%PDF-1.4",
      "conv-b/audio/file_0001.wav": new Uint8Array(16),
      "notes/summary.txt": "not an export file",
    },
    ...overrides,
  };
}

describe("export reader: hand-built fixture", () => {
  let result: ExportScore;

  before(() => {
    result = scoreExportBytes(buildExportZip(handFiles()), { salt: SALT });
  });

  it("reports units, quality, version and the salted source hash", () => {
    // units = A 4 + B 6 + C 2; the repeated "Thanks!" and the empty answer do not count.
    expect(result.units).to.equal(12);
    expect(result.quality).to.equal(2399);
    expect(result.scorerVersion).to.equal(SCORER_VERSION);
    expect(result.sourceHash).to.equal(expectedSourceHash(USER_ID, SALT));
  });

  it("breaks quality down into its signals and penalty", () => {
    expect(result.breakdown.signals).to.deep.equal([
      // 3 conversations with units: floor(3 * 1500 / 50)
      { name: "conversations", value: 3, target: 50, maxPoints: 1500, points: 90 },
      // 5 user units: floor(5 * 2000 / 500)
      { name: "userPrompts", value: 5, target: 500, maxPoints: 2000, points: 20 },
      // 12 units / 3 conversations = 4: floor(12 * 1500 / (3 * 8))
      { name: "averageDepth", value: 4, target: 8, maxPoints: 1500, points: 750 },
      // (34 + 29 + 19 + 7 + 30) = 119 characters / 5 prompts: floor(119 * 1000 / (5 * 200))
      { name: "averageLength", value: 23.8, target: 200, maxPoints: 1000, points: 119 },
      // UTC days 19723, 19724, 19728: floor(3 * 1500 / 30)
      { name: "activeDays", value: 3, target: 30, maxPoints: 1500, points: 150 },
      // 2 code units of 12: floor(2 * 1000 * 5 / 12)
      { name: "codeShare", value: 0.167, target: 0.2, maxPoints: 1000, points: 833 },
      // 2 feedback + 1 comparison: floor(3 * 750 / 10)
      { name: "feedback", value: 3, target: 10, maxPoints: 750, points: 225 },
      // gpt-4o, gpt-4o-mini, o1
      { name: "modelMix", value: 3, target: 3, maxPoints: 750, points: 750 },
    ]);
    // 1 duplicate of 13 non-empty: floor(20000 / 13) - 1000; no prompt is a near-duplicate.
    expect(result.breakdown.penalties).to.deep.equal([
      { name: "repetition", value: 0.077, allowance: 0.05, maxPoints: 10000, points: 538 },
      { name: "nearDuplicates", value: 0, allowance: 0.15, maxPoints: 10000, points: 0 },
    ]);
    expect(result.breakdown.signalPoints).to.equal(2937);
    expect(result.breakdown.penaltyPoints).to.equal(538);
  });

  it("reports the tree statistics", () => {
    const s = result.stats;
    expect(s.layout).to.equal("single");
    expect(s.conversationFiles).to.equal(1);
    expect(s.conversations).to.equal(4);
    expect(s.conversationsWithUnits).to.equal(3);
    expect(s.nodes).to.equal(9 + 8 + 12 + 1);
    expect(s.messages).to.equal(8 + 7 + 11);
    expect(s.visibleMessages).to.equal(5 + 7 + 11);
    expect(s.hiddenMessages).to.equal(2);
    expect(s.branches).to.equal(3);
    expect(s.roles).to.deep.equal({ user: 8, assistant: 12, system: 1, tool: 5, other: 0 });
    expect(s.userMessages).to.equal(5);
    expect(s.assistantMessages).to.equal(7);
    expect(s.duplicateMessages).to.equal(1);
    expect(s.userCharacters).to.equal(119);
    expect(s.codeMessages).to.equal(2);
    expect(s.models).to.deep.equal(["gpt-4o", "gpt-4o-mini", "o1"]);
    expect(s.activeDays).to.equal(3);
  });

  it("counts every known content type by name and unknown ones together", () => {
    expect(result.stats.contentTypes).to.deep.equal([
      { name: "code", count: 1 },
      { name: "execution_output", count: 1 },
      { name: "multimodal_text", count: 1 },
      { name: "reasoning_recap", count: 1 },
      { name: "system_error", count: 1 },
      { name: "tether_browsing_display", count: 1 },
      { name: "tether_quote", count: 1 },
      // A: 5 visible + 3 branch; B: 4; C: 4
      { name: "text", count: 16 },
      { name: "thoughts", count: 1 },
      { name: "user_editable_context", count: 1 },
    ]);
    expect(result.stats.otherContentTypes).to.equal(1);
    expect(result.stats.unknownContentTypes).to.deep.equal(["canvas_widget_v7"]);
  });

  it("reports side files, attachments and the date range", () => {
    const s = result.stats;
    // file-abc123-basil.png and conv-b/audio/file_0001.wav are files; notes/summary.txt is other.
    expect(s.attachments).to.deep.equal({ total: 5, files: 2, dalleGenerations: 1, userFolders: 1, other: 1 });
    expect(s.feedbackRecords).to.equal(2);
    expect(s.modelComparisons).to.equal(1);
    expect(s.sharedConversations).to.equal(1);
    expect(s.hasManifest).to.equal(false);
    expect(s.hasUserSettings).to.equal(true);
    expect(s.hasChatHtml).to.equal(true);
    // C: created T0 + 5 days, last message at + 11 * 10 s
    expect(s.dateRange).to.deep.equal({ first: "2024-01-01T10:00:00.000Z", last: "2024-01-06T10:01:50.000Z" });
  });

  it("never puts the user id or other personal fields in the output", () => {
    const json = JSON.stringify(result);
    expect(json).to.not.include(USER_ID);
    expect(json).to.not.include("HandBuiltFixtureId");
    expect(json).to.not.include(EMAIL);
    expect(json).to.not.include("+10000000000");
    expect(json).to.not.include("Lists in Python");
    expect(json).to.not.include("reverse a list");
  });

  it("is deterministic: the same bytes give the same JSON, the same salt the same hash", () => {
    const bytes = buildExportZip(handFiles());
    expect(Buffer.from(bytes).equals(Buffer.from(buildExportZip(handFiles())))).to.equal(true);
    const first = JSON.stringify(scoreExportBytes(bytes, { salt: SALT }));
    const second = JSON.stringify(scoreExportBytes(bytes, { salt: SALT }));
    expect(second).to.equal(first);
    expect(first).to.equal(JSON.stringify(result));
  });

  it("binds the hash to the account and the salt only", () => {
    const otherSalt = `0x${"ab".repeat(32)}`;
    const resalted = scoreExportBytes(buildExportZip(handFiles()), { salt: otherSalt });
    expect(resalted.sourceHash).to.equal(expectedSourceHash(USER_ID, otherSalt));
    expect(resalted.sourceHash).to.not.equal(result.sourceHash);
    // Upper-case hex is the same salt.
    const upper = scoreExportBytes(buildExportZip(handFiles()), { salt: SALT.toUpperCase().replace("0X", "0x") });
    expect(upper.sourceHash).to.equal(result.sourceHash);
    // A smaller export of the same account has the same source hash.
    const smaller = scoreExportBytes(
      buildExportZip(handFiles({ conversations: handConversations().slice(0, 1).map(buildConversation) })),
      { salt: SALT },
    );
    expect(smaller.sourceHash).to.equal(result.sourceHash);
    expect(smaller.units).to.equal(4);
  });
});

describe("export reader: layouts and optional files", () => {
  it("reads split conversations-NNN.json parts with a manifest to the same scores", () => {
    const single = scoreExportBytes(buildExportZip(handFiles()), { salt: SALT });
    const split = scoreExportBytes(buildExportZip(handFiles({ layout: "split", conversationsPerFile: 2 })), {
      salt: SALT,
    });
    expect(split.units).to.equal(single.units);
    expect(split.quality).to.equal(single.quality);
    expect(split.breakdown).to.deep.equal(single.breakdown);
    expect(split.stats.layout).to.equal("split");
    expect(split.stats.conversationFiles).to.equal(2);
    expect(split.stats.hasManifest).to.equal(true);
    expect({ ...split.stats, layout: "single", conversationFiles: 1, hasManifest: false }).to.deep.equal(single.stats);
  });

  it("prefers split parts over a legacy conversations.json beside them", () => {
    const files = handFiles({ layout: "split", conversationsPerFile: 3, manifest: false });
    const legacy = JSON.stringify([
      buildConversation({ id: "legacy", createTime: T0, messages: [{ role: "user", text: "x" }] }),
    ]);
    const result = scoreExportBytes(
      buildExportZip({ ...files, extraFiles: { ...files.extraFiles, "conversations.json": legacy } }),
      {
        salt: SALT,
      },
    );
    expect(result.stats.conversations).to.equal(4);
    expect(result.stats.conversationFiles).to.equal(2);
    expect(result.units).to.equal(12);
  });

  it("scores a minimal export (conversations.json and user.json only) by hand", () => {
    const conversation = buildConversation({
      id: "only",
      createTime: T0,
      model: "gpt-4o",
      messages: [
        { role: "user", text: "Hello! Can you suggest a name for my cat?" },
        { role: "assistant", text: "How about Pixel?", model: "gpt-4o" },
      ],
    });
    const result = scoreExportBytes(
      buildExportZip({
        conversations: [conversation],
        user: { id: USER_ID },
        feedback: null,
        modelComparisons: null,
        sharedConversations: null,
        userSettings: null,
        chatHtml: null,
      }),
      { salt: SALT },
    );
    expect(result.units).to.equal(2);
    // 30 (1 conversation) + 4 (1 prompt) + 375 (depth 2) + 205 (41 characters) + 50 (1 day) + 0 + 0 + 250 (1 model)
    expect(result.breakdown.signals.map((s) => s.points)).to.deep.equal([30, 4, 375, 205, 50, 0, 0, 250]);
    expect(result.quality).to.equal(914);
    expect(result.stats.hasChatHtml).to.equal(false);
    expect(result.stats.hasUserSettings).to.equal(false);
    expect(result.stats.feedbackRecords).to.equal(0);
    expect(result.stats.attachments.total).to.equal(0);
  });

  it("scores an export without conversations as zero units and zero quality", () => {
    const result = scoreExportBytes(buildExportZip({ conversations: [] }), { salt: SALT });
    expect(result.units).to.equal(0);
    expect(result.quality).to.equal(0);
    expect(result.stats.conversations).to.equal(0);
    expect(result.stats.dateRange).to.deep.equal({ first: null, last: null });
    expect(result.breakdown.signalPoints).to.equal(0);
  });

  it("accepts the older id-only conversation shape and missing message times", () => {
    const conversation = buildConversation({
      id: "old",
      createTime: T0,
      messages: [
        { role: "user", text: "Old export prompt", time: null },
        { role: "assistant", text: "Old export answer", time: null },
      ],
    });
    delete conversation.conversation_id;
    const result = scoreExportBytes(buildExportZip({ conversations: [conversation] }), { salt: SALT });
    expect(result.units).to.equal(2);
    // A message without create_time counts on its conversation's day.
    expect(result.stats.activeDays).to.equal(1);
    // No model slug anywhere but the conversation default ("auto").
    expect(result.stats.models).to.deep.equal(["auto"]);
  });
});

describe("export reader: reading from a path", () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "datacoop-export-"));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives the same result for a path and for its bytes", async () => {
    const bytes = buildExportZip(handFiles());
    const file = path.join(dir, "export.zip");
    writeFileSync(file, bytes);
    const fromPath = await scoreExport(file, { salt: SALT });
    const fromBytes = await scoreExport(bytes, { salt: SALT });
    expect(JSON.stringify(fromPath)).to.equal(JSON.stringify(fromBytes));
  });

  it("rejects a missing file and a directory as UNREADABLE", async () => {
    for (const target of [path.join(dir, "nope.zip"), dir]) {
      const error = await scoreExport(target, { salt: SALT }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ExportArchiveError);
      expect((error as ExportError).code).to.equal("UNREADABLE");
    }
  });

  it("checks the file size against maxArchiveBytes before reading it", async () => {
    const file = path.join(dir, "big.zip");
    writeFileSync(file, buildExportZip(handFiles()));
    const error = await scoreExport(file, { salt: SALT, limits: { maxArchiveBytes: 100 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as ExportError).code).to.equal("TOO_LARGE");
  });
});
