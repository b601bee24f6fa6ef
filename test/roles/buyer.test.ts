import { expect } from "chai";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id, parseUnits } from "ethers";

import { sealedPayloadOf, type DatasetCard } from "../../src/refine";
import * as roles from "../../src/roles";
import type { BlobStore } from "../../src/store";
import { timelockSigner } from "../support/fixtures";
import { P, contributeAs, deliverBy, exportOf, mask, removeDir, rolesFixture, tempDir } from "./fixture";
import { nextEpoch } from "../support/epoch";

/** Clearly fake, and of the shapes the refinement replaces. */
const FAKE_EMAIL = "planted.buyer-test@example.invalid";
const FAKE_KEY = `sk-proj-${"FakeKey0".repeat(5)}`;

/** Alice and bob consent to RESEARCH (alice's export has a planted e-mail and key); the request is delivered. */
async function deliveredFixture() {
  const fx = await rolesFixture();
  const dir = await tempDir("buyer");
  const store = roles.openStore(dir);
  const planted = {
    id: "conv-planted",
    title: "Deploy notes",
    createTime: 1_704_103_200,
    messages: [
      { role: "user" as const, text: `Mail ${FAKE_EMAIL} the key ${FAKE_KEY} please.` },
      { role: "assistant" as const, text: "Done, without repeating them." },
    ],
  };
  const exports = { alice: exportOf("alice", 11, { extraConversations: [planted] }), bob: exportOf("bob", 12) };
  const alice = await contributeAs(fx, fx.alice, exports.alice, mask(P.RESEARCH), store);
  const bob = await contributeAs(fx, fx.bob, exports.bob, mask(P.RESEARCH, P.COMMERCIAL), store);
  await nextEpoch(fx.system); // consent given takes effect in the next epoch
  await fx.system.usdc.mint(fx.buyer.address, parseUnits("5000", 6));
  const request = await roles.requestAccess(fx.coop, fx.buyer, {
    purpose: P.RESEARCH,
    amount: parseUnits("500", 6),
    duration: 7 * 86_400,
    termsHash: id("research terms"),
    termsURI: "https://terms.example/research",
    buyerPublicKey: fx.buyerKey.publicKey,
  });
  await fx.coop.escrow.connect(await timelockSigner(fx.system)).approve([request.requestId]);
  // 2-of-3: the first two custodians deliver; the last post releases the fee.
  const [, delivery] = await deliverBy(fx, request.requestId, store, [0, 1]);
  return {
    ...fx,
    dir,
    store,
    exports,
    hashes: { alice: alice.contentHash, bob: bob.contentHash },
    requestId: request.requestId,
    delivery,
  };
}

/** A store that serves `replacement(key)` instead of the stored bytes, without checking them. */
function substitutingStore(
  real: BlobStore,
  replacement: (key: string) => Promise<Uint8Array | undefined>,
): roles.NamedStore {
  const store: BlobStore = {
    put: (bytes) => real.put(bytes),
    has: (key) => real.has(key),
    get: async (key) => (await replacement(key.toLowerCase())) ?? real.get(key),
  };
  return { store, location: "a dishonest store", uriFor: (key) => `https://dishonest.example/${key}` };
}

async function rejection(promise: Promise<unknown>): Promise<roles.RoleError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should have failed").to.be.instanceOf(roles.RoleError);
  return error as roles.RoleError;
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined)) !== undefined;
}

describe("roles: buyer", function () {
  let fx: Awaited<ReturnType<typeof deliveredFixture>>;

  beforeEach(async function () {
    fx = await loadFixture(deliveredFixture);
  });

  after(async function () {
    await removeDir(fx?.dir);
  });

  it("assembles the grant into a dataset: conversations.jsonl with provenance, the card, chat lines", async function () {
    const outDir = path.join(fx.dir, "out-ok");
    const result = await roles.fetchGrant(fx.coop, fx.requestId, fx.buyerKey, { outDir, format: "chat" });

    expect(result.contributions).to.have.members([fx.hashes.alice, fx.hashes.bob]);
    const custodians = fx.system.custodians.slice(0, 2).map((c) => c.address);
    expect((await readdir(outDir)).sort()).to.deep.equal(
      [
        "conversations.chat.jsonl",
        "conversations.jsonl",
        "dataset.json",
        ...custodians.map((c) => `manifest-${c}.json`),
      ].sort(),
    );
    expect(result.setHash).to.equal(fx.delivery.eligibleSetHash);
    expect(result.manifests.map((m) => m.custodian)).to.have.members(custodians);
    const text = await readFile(path.join(outDir, "conversations.jsonl"), "utf8");
    const lines = text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { contribution: string; v: number });
    // Every line is a refined conversation of the contribution it names: the sealed payload, line for line.
    const salt = roles.deploymentSalt(fx.coop.chainId, fx.coop.addresses.registry);
    for (const name of ["alice", "bob"] as const) {
      const refined = sealedPayloadOf(fx.exports[name], { salt }).report.refinedConversations;
      expect(lines.filter((l) => l.contribution === fx.hashes[name])).to.have.length(refined);
    }
    for (const secret of [FAKE_EMAIL, FAKE_KEY, "user-alice", "synthetic.user@example.org"]) {
      expect(text, secret).not.to.contain(secret);
    }
    const card = JSON.parse(await readFile(path.join(outDir, "dataset.json"), "utf8")) as DatasetCard;
    expect(card).to.deep.include({
      contributions: 2,
      conversations: lines.length,
      schema: "datacoop-refined-chatgpt/1",
    });
    expect(card.grant).to.deep.equal({
      grantId: fx.requestId.toString(),
      purpose: "RESEARCH",
      termsHash: id("research terms"),
      expiry: new Date(Number(result.expiry) * 1000).toISOString(),
    });
    expect(card.redactions).to.include({ email: 1, "secret:openai-key": 1 });
    const chat = (await readFile(path.join(outDir, "conversations.chat.jsonl"), "utf8")).trimEnd().split("\n");
    const first = JSON.parse(chat[0]) as { messages: { role: string; content: string }[] };
    expect(first.messages[0]).to.have.keys(["role", "content"]);
    expect(card.chatConversations).to.equal(chat.length);
  });

  it("streams: a contribution's lines are on disk before the next ciphertext is fetched", async function () {
    const seen: number[] = [];
    const outDir = path.join(fx.dir, "out-stream");
    const watching = substitutingStore(fx.store.store, async (key) => {
      if (key !== fx.hashes.alice && key !== fx.hashes.bob) return undefined;
      const partial = (await readdir(fx.dir)).find((name) => name.startsWith(".out-stream.partial-"));
      const file = path.join(fx.dir, partial ?? "missing", "conversations.jsonl");
      seen.push((await readFile(file, "utf8")).split("\n").length - 1);
      return undefined;
    });
    const result = await roles.fetchGrant(fx.coop, fx.requestId, fx.buyerKey, { outDir, store: watching });
    expect(seen).to.have.length(2);
    expect(seen[0]).to.equal(0);
    expect(seen[1]).to.be.greaterThan(0).and.below(result.card.conversations);
    expect(await exists(path.join(outDir, "conversations.chat.jsonl")), "no chat file by default").to.equal(false);
  });

  it("catches a substituted blob and writes nothing", async function () {
    // The store answers bob's content hash with alice's (valid, decryptable) ciphertext.
    const aliceCiphertext = await fx.store.store.get(fx.hashes.alice);
    const dishonest = substitutingStore(fx.store.store, async (key) =>
      key === fx.hashes.bob ? aliceCiphertext : undefined,
    );
    const outDir = path.join(fx.dir, "out-substituted");

    const error = await rejection(roles.fetchGrant(fx.coop, fx.requestId, fx.buyerKey, { outDir, store: dishonest }));

    expect(error.code).to.equal("INTEGRITY");
    expect(error.message).to.contain(`expected keccak256 ${fx.hashes.bob}`);
    expect(await exists(outDir), "no output directory").to.equal(false);
  });

  it("catches a substituted manifest", async function () {
    const other = new TextEncoder().encode("{}");
    const dishonest = substitutingStore(fx.store.store, async (key) =>
      key === fx.delivery.manifestHash ? other : undefined,
    );
    const outDir = path.join(fx.dir, "out-manifest");

    const error = await rejection(roles.fetchGrant(fx.coop, fx.requestId, fx.buyerKey, { outDir, store: dishonest }));

    expect(error.message).to.contain("hash posted on-chain");
    expect(await exists(outDir)).to.equal(false);
  });

  it("refuses a key other than the one the request was made for", async function () {
    const otherKey = roles.localDevelopmentKey("buyer", fx.buyer.address);
    const error = await rejection(
      roles.fetchGrant(fx.coop, fx.requestId, otherKey, { outDir: path.join(fx.dir, "out-key") }),
    );
    expect(error.code).to.equal("NOT_ALLOWED");
    expect(error.message).to.contain(fx.buyerKey.publicKey);
  });

  it("refuses to write into a directory that is not empty", async function () {
    const error = await rejection(roles.fetchGrant(fx.coop, fx.requestId, fx.buyerKey, { outDir: fx.dir }));
    expect(error.code).to.equal("INVALID_INPUT");
    expect(error.message).to.contain("is not empty");
  });
});
