import { expect } from "chai";
import { stat, readFile } from "node:fs/promises";
import path from "node:path";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id, parseUnits } from "ethers";

import * as roles from "../../src/roles";
import type { BlobStore } from "../../src/store";
import { timelockSigner } from "../helpers/fixtures";
import { P, contributeAs, deliverBy, exportOf, mask, removeDir, rolesFixture, tempDir } from "./fixture";
import { nextEpoch } from "../../scripts/lib/epoch";

/** Alice and bob consent to RESEARCH; the buyer's RESEARCH request is approved and delivered. */
async function deliveredFixture() {
  const fx = await rolesFixture();
  const dir = await tempDir("buyer");
  const store = roles.openStore(dir);
  const exports = { alice: exportOf("alice", 11), bob: exportOf("bob", 12) };
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

  it("fetches, verifies and decrypts every contribution of the grant", async function () {
    const outDir = path.join(fx.dir, "out-ok");
    const result = await roles.fetchGrant(fx.coop, fx.requestId, fx.buyerKey, { outDir });

    expect(result.files.map((f) => f.contentHash)).to.have.members([fx.hashes.alice, fx.hashes.bob]);
    expect(await readFile(path.join(outDir, `${fx.hashes.alice}.zip`))).to.deep.equal(Buffer.from(fx.exports.alice));
    expect(await readFile(path.join(outDir, `${fx.hashes.bob}.zip`))).to.deep.equal(Buffer.from(fx.exports.bob));
    expect(result.setHash).to.equal(fx.delivery.eligibleSetHash);
    expect(result.manifests.map((m) => m.custodian)).to.have.members(
      fx.system.custodians.slice(0, 2).map((c) => c.address),
    );
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
