import { expect } from "chai";
import { createHash } from "node:crypto";
import { gunzipSync } from "fflate";

import {
  buildConversation,
  buildExportZip,
  generateSyntheticExport,
  stableUuid,
  type ConversationSpec,
} from "../support/export";
import {
  canonicalJson,
  conversationKey,
  formatExclusion,
  parseExclusion,
  readExportSource,
  refinedConversationId,
  sealedPayloadOf,
  RefineError,
  splitExclusionList,
  verifyRefinement,
  type RefinedConversation,
  type RefineOptions,
} from "../../src/refine";

const SALT = "0x5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";
const T0 = 1_704_103_200; // 2024-01-01T10:00:00Z
const DAY = 86_400;

const OWNER = {
  id: "user-PlantedOwner0000000042",
  email: "planted.owner@example.net",
  phone: "+1 415 555 0142",
  name: "Zelda Quimby",
};

/** Planted values: what must not survive, each as the text planted and the fragments that must be gone. */
const PLANTS: readonly { readonly text: string; readonly secret: readonly string[] }[] = [
  { text: "leak.person@corp.example", secret: ["leak.person"] },
  { text: "+49 30 1234567", secret: ["1234567"] },
  { text: "(415) 555-2671", secret: ["555-2671"] },
  { text: "4111 1111 1111 1111", secret: ["4111 1111"] },
  { text: "DE89 3704 0044 0532 0130 00", secret: ["3704 0044"] },
  { text: "203.0.113.77", secret: ["203.0.113"] },
  { text: "2001:db8::ff00:42:8329", secret: ["ff00:42"] },
  { text: "https://deploy:Sup3rS3cretPw@git.example.org/x.git", secret: ["Sup3rS3cretPw", "deploy:"] },
  { text: "AKIA" + "IOSFODNN7PLANTED", secret: ["IOSFODNN7"] },
  { text: "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", secret: ["9tSrke72"] },
  { text: "ghp_" + "Pl4nted".repeat(5) + "X", secret: ["Pl4nted"] },
  { text: "sk-proj-" + "0penAiPl4nt".repeat(4), secret: ["0penAiPl4nt"] },
  { text: "sk-ant-api03-" + "Anthr0picPl4nt".repeat(6), secret: ["Anthr0picPl4nt"] },
  { text: "xoxb-" + "1234567890-" + "Sl4ckPl4ntTok", secret: ["Sl4ckPl4ntTok"] },
  { text: "sk_live_" + "Str1pePl4ntKey0000", secret: ["Str1pePl4nt"] },
  {
    text: "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiJwbGFudGVkIn0" + ".Jw7Pl4ntSignatureXyz",
    secret: ["Jw7Pl4ntSignature"],
  },
  { text: "Password=Hunt3rPl4nt;", secret: ["Hunt3rPl4nt"] },
  {
    text: "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIPl4ntedKeyMaterial\n-----END EC PRIVATE KEY-----",
    secret: ["Pl4ntedKeyMaterial"],
  },
  { text: OWNER.id, secret: [OWNER.id] },
  { text: OWNER.email.toUpperCase(), secret: [OWNER.email, OWNER.email.toUpperCase()] },
  { text: "(415) 555-0142", secret: ["555-0142"] },
  { text: "Zelda Quimby", secret: ["Quimby"] },
];

/** Every plant between two marker words that must survive. */
function planted(where: string): string {
  return PLANTS.map((plant, i) => `${where}${i}-before ${plant.text} ${where}${i}-after`).join("\n");
}

const PLANTED_ID = "conv-planted";
const plantedMessage = (index: number): string => stableUuid(`${PLANTED_ID}/${index + 1}`);

function plantedConversation(): ConversationSpec {
  return {
    id: PLANTED_ID,
    title: `Title ${PLANTS[0].text} and ${PLANTS[10].text} ${OWNER.id}`,
    createTime: T0,
    model: "gpt-4o",
    messages: [
      { role: "system", text: "", hidden: true, time: null },
      { role: "user", contentType: "user_editable_context", text: "I live at 12 Secret Lane", hidden: true },
      { role: "user", text: planted("prompt") },
      { role: "assistant", text: `${planted("reply")}\n\n\`\`\`python\n${planted("fence")}\n\`\`\``, model: "gpt-4o" },
      { role: "assistant", contentType: "code", text: planted("code"), recipient: "python", model: "gpt-4o" },
      { role: "tool", name: "python", contentType: "execution_output", text: planted("output") },
      {
        role: "user",
        contentType: "multimodal_text",
        parts: [
          { content_type: "image_asset_pointer", asset_pointer: "file-service://file-PlantedImage01", width: 9 },
          planted("multimodal"),
        ],
      },
      { role: "assistant", contentType: "reasoning_recap", text: "Thought for 2 seconds", model: "gpt-4o" },
      { role: "assistant", text: "Glad to help.", model: "gpt-4o" },
    ],
    branches: [{ from: 2, messages: [{ role: "assistant", text: `Earlier answer ${planted("branch")}` }] }],
  };
}

function otherConversations(): ConversationSpec[] {
  return [1, 2, 3].map((n) => ({
    id: `conv-${n}`,
    title: n === 2 ? "Taxes, 2023" : `Topic ${n}`,
    createTime: T0 + n * DAY + 3_725,
    messages: [
      { role: "user", text: `Question ${n}?` },
      { role: "assistant", text: `Answer ${n}.`, model: "gpt-4o-mini" },
    ],
  }));
}

function plantedExport(): Uint8Array {
  return buildExportZip({
    conversations: [plantedConversation(), ...otherConversations()].map(buildConversation),
    user: {
      id: OWNER.id,
      email: OWNER.email,
      phone_number: OWNER.phone,
      name: OWNER.name,
      chatgpt_plus_user: true,
      birth_year: 1987,
    },
    feedback: [
      {
        id: "fb-1",
        conversation_id: PLANTED_ID,
        message_id: plantedMessage(8),
        user_id: OWNER.id,
        rating: "thumbsUp",
        content: JSON.stringify({ tags: ["helpful"], text: `Thanks, mail ${PLANTS[0].text}` }),
      },
      { id: "fb-2", conversation_id: "conv-1", user_id: OWNER.id, rating: "thumbsDown", content: "{}" },
    ],
    extraFiles: { "file-PlantedImage01-photo.png": new Uint8Array([0x89, 0x50, 0x4e, 0x47]) },
  });
}

function lines(payload: Uint8Array): string[] {
  const text = new TextDecoder().decode(gunzipSync(payload));
  expect(text.endsWith("\n")).to.equal(true);
  return text.slice(0, -1).split("\n");
}

function conversations(payload: Uint8Array): RefinedConversation[] {
  return lines(payload).map((line) => JSON.parse(line) as RefinedConversation);
}

function refineError(run: () => unknown): RefineError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(RefineError);
    return error as RefineError;
  }
  expect.fail("expected a RefineError");
}

describe("refine: the refined dataset of an export", () => {
  const zip = plantedExport();
  const options: RefineOptions = { salt: SALT, branches: true };
  const { payload, report } = sealedPayloadOf(zip, options);
  const plaintext = new TextDecoder().decode(gunzipSync(payload));

  it("leaves no planted personal data or secret in titles, prompts, replies, code, tool output or branches", () => {
    for (const plant of PLANTS) {
      for (const fragment of plant.secret) expect(plaintext, plant.text).not.to.include(fragment);
    }
    for (const where of ["prompt", "reply", "fence", "code", "output", "multimodal", "branch"]) {
      PLANTS.forEach((_plant, i) => {
        expect(plaintext).to.include(`${where}${i}-before `);
        expect(plaintext).to.include(` ${where}${i}-after`);
      });
    }
    const planted = conversations(payload)[0];
    expect(planted.title).to.equal("Title [EMAIL] and [SECRET:github-token] [USER_ID]");
  });

  it("carries nothing of user.json, hidden context or attachments", () => {
    const lower = plaintext.toLowerCase();
    for (const value of [OWNER.id, OWNER.email, "555 0142", "5550142", "quimby", "1987", "chatgpt_plus_user"]) {
      expect(lower).not.to.include(value.toLowerCase());
    }
    expect(plaintext).not.to.include("Secret Lane"); // user_editable_context
    expect(plaintext).not.to.include("PlantedImage01"); // asset pointer and file name
    expect(plaintext).not.to.include("conv-planted"); // raw conversation ids
    expect(conversations(payload)[0].messages[4].parts[0]).to.deep.equal({ kind: "image", type: "attachment" });
  });

  it("keeps the visible path in order with typed parts, feedback on its message, and counts units", () => {
    const [planted, first] = conversations(payload);
    expect(planted.messages.map((m) => `${m.role}/${m.type}`)).to.deep.equal([
      "user/text",
      "assistant/text",
      "assistant/code",
      "tool/execution_output",
      "user/multimodal_text",
      "assistant/text",
    ]);
    expect(planted.messages[2]).to.include({ recipient: "python", model: "gpt-4o" });
    expect(planted.messages[2].parts[0].type).to.equal("code");
    expect(planted.messages[3]).to.include({ name: "python" });
    expect(planted.messages[3].parts[0].type).to.equal("tool_output");
    expect(planted.messages[5].feedback).to.deep.equal([
      { rating: "up", tags: ["helpful"], text: "Thanks, mail [EMAIL]" },
    ]);
    expect(first.feedback).to.deep.equal([{ rating: "down" }]);
    expect(planted.branches).to.have.length(1);
    expect(planted.branches?.[0].from).to.equal(0);
    expect(planted.created).to.equal("2024-01-01");
    expect(planted.messages.some((m) => m.time !== undefined)).to.equal(false);
    expect(report.units).to.equal(6 + 3 * 2);
    expect(report.messagesByRole).to.deep.equal({ assistant: 6, tool: 1, user: 5 });
    expect(report.branchMessages).to.equal(1);
    expect(report.skippedContentTypes).to.deep.equal({ reasoning_recap: 1 });
    expect(report.redactions["owner:id"]).to.be.greaterThan(0);
    expect(report.redactions["secret:private-key"]).to.equal(7);
  });

  it("writes canonical JSON lines with salted ids that are stable per account and deployment", () => {
    for (const line of lines(payload)) expect(canonicalJson(JSON.parse(line))).to.equal(line);
    const key = conversationKey(SALT, OWNER.id);
    expect(conversations(payload).map((c) => c.id)).to.deep.equal(
      [PLANTED_ID, "conv-1", "conv-2", "conv-3"].map((id) => refinedConversationId(key, id)),
    );
    expect(refinedConversationId(conversationKey(SALT, "user-Other"), PLANTED_ID)).not.to.equal(
      refinedConversationId(key, PLANTED_ID),
    );
  });

  it("is deterministic: the same export and options give the same bytes (pinned across runs and machines)", () => {
    expect(sealedPayloadOf(zip, options).payload).to.deep.equal(payload);
    const synthetic = generateSyntheticExport({ seed: 7, conversations: 30 }).zip;
    const digest = createHash("sha256")
      .update(sealedPayloadOf(synthetic, { salt: SALT }).payload)
      .digest("hex");
    // Changes only with a new format version (a change of format, redaction rules or compressor).
    expect(digest).to.equal("fe08aed4989c98b3b2e86d96f0410a033e44b940b624876643a78678fef5971d");
  });

  it("counts only what it writes: an excluded conversation's redactions and feedback are not reported", () => {
    const { report: without } = sealedPayloadOf(zip, { salt: SALT, exclude: [PLANTED_ID] });
    expect(without.redactions).to.deep.equal({});
    expect(without.feedbackRecords).to.equal(1);
    expect(without.excludedConversations).to.equal(1);
  });

  it("keeps precise times and leaves out branches only when asked", () => {
    const [precise] = conversations(sealedPayloadOf(zip, { salt: SALT, preciseTimes: true }).payload);
    expect(precise.created).to.equal("2024-01-01T10:00:00Z");
    expect(precise.messages[0].time).to.equal("2024-01-01T10:00:30Z");
    expect(precise.branches).to.equal(undefined);
  });

  it("verifies a sealed plaintext byte for byte and refuses anything else", () => {
    expect(verifyRefinement(zip, payload, options).units).to.equal(report.units);
    const flipped = payload.slice();
    flipped[payload.length >> 1] ^= 1;
    const longer = new Uint8Array([...payload, 0]);
    const other = sealedPayloadOf(generateSyntheticExport({ seed: 7, conversations: 3 }).zip, options).payload;
    for (const sealed of [
      flipped,
      payload.subarray(0, -1),
      longer,
      other,
      sealedPayloadOf(zip, { salt: SALT }).payload,
    ]) {
      expect(refineError(() => verifyRefinement(zip, sealed, options)).code).to.equal("NOT_THE_REFINEMENT");
    }
    const excluding = { ...options, exclude: ["conv-3"] };
    expect(refineError(() => verifyRefinement(zip, payload, excluding)).code).to.equal("NOT_THE_REFINEMENT");
  });
});

describe("refine: exclusions", () => {
  const { zip } = generateSyntheticExport({ seed: 11, conversations: 40 });
  const source = readExportSource(zip);
  const raw = [...source.conversations] as { id: string; title: string; create_time: number }[];
  const key = conversationKey(SALT, source.userId);
  const all = raw.map((c) => refinedConversationId(key, c.id));
  const day = (c: { create_time: number }): string => new Date(c.create_time * 1000).toISOString().slice(0, 10);

  function kept(exclude: string[]): string[] {
    return conversations(sealedPayloadOf(zip, { salt: SALT, exclude }).payload).map((c) => c.id);
  }

  it("remove exactly the conversations they name: export id, refined id, title pattern, date range", () => {
    const pattern = /^[a-c]/i;
    const from = day(raw[10]);
    const to = day(raw[14]);
    const cases: [string[], (c: (typeof raw)[number], i: number) => boolean][] = [
      [[raw[3].id], (_c, i) => i === 3],
      [[all[5]], (_c, i) => i === 5],
      [["title:/^[a-c]/i"], (c) => pattern.test(c.title)],
      [[`date:${from}..${to}`], (c) => day(c) >= from && day(c) <= to],
      [[`date:..${from}`], (c) => day(c) <= from],
      [[`${raw[0].id},title:/^[a-c]/i,date:${to}..`], (c, i) => i === 0 || pattern.test(c.title) || day(c) >= to],
    ];
    for (const [exclude, named] of cases) {
      const expected = all.filter((_id, i) => !named(raw[i], i));
      expect(expected.length, exclude.join()).to.be.within(1, all.length - 1);
      expect(kept(exclude), exclude.join()).to.deep.equal(expected);
    }
    const { report } = sealedPayloadOf(zip, { salt: SALT, exclude: [raw[3].id, "title:/^[a-c]/i"] });
    expect(report.excludedConversations).to.equal(all.length - report.refinedConversations);
    expect(report.excludedBy.map((e) => e.rule)).to.deep.equal([raw[3].id, "title:/^[a-c]/i"]);
  });

  it("parse from the command line, commas inside a title pattern included, and print back canonically", () => {
    expect(splitExclusionList("abc, title:/a,b/i ,date:2024-01-01..2024-01-31")).to.deep.equal([
      "abc",
      "title:/a,b/i",
      "date:2024-01-01..2024-01-31",
    ]);
    for (const rule of ["abc-123", "title:/x|y/iu", "date:2024-02-01..2024-02-29", "date:..2024-01-31"]) {
      expect(formatExclusion(parseExclusion(rule))).to.equal(rule);
    }
    expect(formatExclusion(parseExclusion("date:2024-03-05"))).to.equal("date:2024-03-05..2024-03-05");
    for (const bad of ["title:/(/", "title:/x/g", "date:2024-02-30", "date:2024-03-01..2024-02-01", "date:..", "a b"]) {
      expect(refineError(() => parseExclusion(bad)).code, bad).to.equal("INVALID_OPTION");
    }
  });
});
