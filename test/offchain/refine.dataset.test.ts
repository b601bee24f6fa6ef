import { expect } from "chai";
import { gzipSync } from "fflate";

import { buildConversation, buildExportZip, generateSyntheticExport } from "../support/export";
import {
  assembleDataset,
  REFINED_FORMAT,
  RefineError,
  sealedPayloadOf,
  toChatMessages,
  type ContributionPayload,
  type RefinedConversation,
} from "../../src/refine";

const SALT = "0x5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";
const GRANT = {
  grantId: "7",
  purpose: "AI_TRAINING",
  termsHash: `0x${"ab".repeat(32)}`,
  expiry: "2027-01-01T00:00:00.000Z",
};
const HASH_A = `0x${"0a".repeat(32)}`;
const HASH_B = `0x${"0b".repeat(32)}`;

/** A small export with one planted e-mail and one key, to see the card count them. */
function plantedZip(): Uint8Array {
  return buildExportZip({
    conversations: [
      buildConversation({
        id: "c-1",
        title: "Deploy",
        createTime: 1_704_103_200,
        messages: [
          { role: "system", text: "You are terse." },
          { role: "user", text: "Mail ops@corp.example the key AKIA" + "IOSFODNN7EXAMPLE?" },
          { role: "assistant", contentType: "code", text: "print(1)", recipient: "python" },
          { role: "tool", name: "python", contentType: "execution_output", text: "1" },
          { role: "assistant", text: "Done." },
          { role: "assistant", text: "Anything else?" },
        ],
      }),
      buildConversation({
        id: "c-2",
        title: "Only a question",
        createTime: 1_704_203_200,
        messages: [{ role: "user", text: "Hello?" }],
      }),
    ],
  });
}

async function* slowly(items: readonly ContributionPayload[]): AsyncGenerator<ContributionPayload> {
  for (const item of items) {
    await new Promise((resolve) => setImmediate(resolve));
    yield item;
  }
}

async function assemble(items: readonly ContributionPayload[], chat: boolean) {
  const conversations: string[] = [];
  const chats: string[] = [];
  const card = await assembleDataset(slowly(items), {
    grant: GRANT,
    conversations: async (line) => void conversations.push(line),
    chat: chat ? (line) => void chats.push(line) : undefined,
  });
  return { card, conversations, chats };
}

async function assemblyError(items: readonly ContributionPayload[]): Promise<RefineError> {
  const error = await assemble(items, false).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(RefineError);
  return error as RefineError;
}

describe("refine: the buyer's dataset", () => {
  const a = sealedPayloadOf(plantedZip(), { salt: SALT }).payload;
  const b = sealedPayloadOf(generateSyntheticExport({ seed: 3, conversations: 25 }).zip, { salt: SALT }).payload;

  it("streams every line of every contribution with its content hash, and a card with the counts", async () => {
    const { card, conversations, chats } = await assemble(
      [
        { contentHash: HASH_A, payload: a },
        { contentHash: HASH_B.toUpperCase().replace("0X", "0x"), payload: b },
      ],
      false,
    );
    expect(conversations).to.have.length(2 + 25);
    const parsed = conversations.map((line) => JSON.parse(line) as RefinedConversation & { contribution: string });
    expect(parsed.slice(0, 2).every((c) => c.contribution === HASH_A)).to.equal(true);
    expect(parsed.slice(2).every((c) => c.contribution === HASH_B)).to.equal(true);
    expect(chats).to.deep.equal([]);
    expect(card).to.deep.equal({
      format: "datacoop-dataset/1",
      schema: REFINED_FORMAT,
      grant: GRANT,
      contributions: 2,
      conversations: 27,
      messages: parsed.reduce((n, c) => n + c.messages.length, 0),
      chatConversations: undefined,
      redactions: { email: 1, "secret:aws-access-key": 1 },
      files: ["conversations.jsonl", "dataset.json"],
    });
  });

  it("with --format chat also writes {messages:[{role,content}]} lines of the exchanges", async () => {
    const { card, chats } = await assemble([{ contentHash: HASH_A, payload: a }], true);
    // c-2 has no answer, so it has no chat line.
    expect(chats).to.deep.equal([
      JSON.stringify({
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content: "Mail [EMAIL] the key [SECRET:aws-access-key]?" },
          { role: "assistant", content: "```\nprint(1)\n```\n\nDone.\n\nAnything else?" },
        ],
      }),
    ]);
    expect(card.chatConversations).to.equal(1);
    expect(card.files).to.deep.equal(["conversations.jsonl", "conversations.chat.jsonl", "dataset.json"]);
  });

  it("converts a conversation without an exchange to nothing", () => {
    const base = { v: 1, id: "c_x", title: null, created: "2024-01-01", updated: "2024-01-01" };
    const text = (role: string, t: string) => ({ role, type: "text", parts: [{ type: "text" as const, text: t }] });
    expect(toChatMessages({ ...base, messages: [text("assistant", "Hi"), text("user", "Bye")] })).to.equal(undefined);
    expect(toChatMessages({ ...base, messages: [text("user", "Hi"), text("assistant", "Hello")] })).to.have.length(2);
  });

  it("rejects payloads that are not refined data, and contributions without a content hash", async () => {
    // Level 6 and mtime 0 give the same gzip header as the refinement, so only the content is wrong.
    const gz = (text: string) => gzipSync(new TextEncoder().encode(text), { level: 6, mtime: 0 });
    for (const payload of [
      a.subarray(0, a.length - 4),
      gz("not json\n"),
      gz('{"v":2,"id":"c_x","messages":[]}\n'),
      gz('{"v":1,"id":"c_x","messages":[]}'),
      new Uint8Array([...a, 0]),
    ]) {
      const error = await assemblyError([{ contentHash: HASH_A, payload }]);
      expect(error.code).to.equal("MALFORMED_PAYLOAD");
      expect(error.message).not.to.include("wrong header");
    }
    expect((await assemblyError([{ contentHash: HASH_A, payload: gzipSync(a) }])).message).to.include("wrong header");
    expect((await assemblyError([{ contentHash: "0x1234", payload: a }])).code).to.equal("INVALID_OPTION");
  });
});
