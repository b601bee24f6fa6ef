import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id, parseUnits } from "ethers";

import { sealedPayloadOf } from "../../src/refine";
import * as roles from "../../src/roles";
import {
  ManifestError,
  buildManifest,
  manifestHash,
  openManifests,
  parseManifest,
  serializeManifest,
  type DeliveredManifest,
} from "../../src/manifest";
import { timelockSigner } from "../support/fixtures";
import { P, contributeAs, deliverBy, exportOf, mask, removeDir, rolesFixture, tempDir } from "./fixture";
import { nextEpoch } from "../support/epoch";

/** Alice and bob consent to RESEARCH; custodians 1 and 3 of the 2-of-3 set deliver the buyer's grant. */
async function thresholdFixture() {
  const fx = await rolesFixture();
  const dir = await tempDir("threshold");
  const store = roles.openStore(dir);
  const exports = { alice: exportOf("alice", 31), bob: exportOf("bob", 32) };
  // What is sealed is the refinement of each export, not the archive.
  const salt = roles.deploymentSalt(fx.coop.chainId, fx.coop.addresses.registry);
  const sealed = (exportBytes: Uint8Array) => sealedPayloadOf(exportBytes, { salt }).payload;
  const alice = await contributeAs(fx, fx.alice, exports.alice, mask(P.RESEARCH), store);
  const bob = await contributeAs(fx, fx.bob, exports.bob, mask(P.RESEARCH), store);
  await nextEpoch(fx.system);
  await fx.system.usdc.mint(fx.buyer.address, parseUnits("500", 6));
  const request = await roles.requestAccess(fx.coop, fx.buyer, {
    purpose: P.RESEARCH,
    amount: parseUnits("500", 6),
    duration: 86_400,
    termsHash: id("threshold terms"),
    termsURI: "https://terms.example/threshold",
    buyerPublicKey: fx.buyerKey.publicKey,
  });
  await fx.coop.escrow.connect(await timelockSigner(fx.system)).approve([request.requestId]);
  const posted = await deliverBy(fx, request.requestId, store, [0, 2]);
  const delivered: DeliveredManifest[] = [];
  for (const p of posted) delivered.push({ bytes: await store.store.get(p.manifestHash), hash: p.manifestHash });
  const plaintexts = new Map([
    [alice.contentHash, sealed(exports.alice)],
    [bob.contentHash, sealed(exports.bob)],
  ]);
  return { ...fx, dir, store, delivered, plaintexts };
}

/** Every contribution the manifests open to, by content hash. */
async function openAll(fx: Awaited<ReturnType<typeof thresholdFixture>>, delivered: readonly DeliveredManifest[]) {
  const opened = await openManifests(delivered, fx.buyerKey.privateKey, fx.store.store);
  const out = new Map<string, Uint8Array>();
  for await (const item of opened) out.set(item.contentHash, item.plaintext);
  return out;
}

describe("roles: the buyer combines k of n share manifests", function () {
  let fx: Awaited<ReturnType<typeof thresholdFixture>>;

  beforeEach(async function () {
    fx = await loadFixture(thresholdFixture);
  });

  after(async function () {
    await removeDir(fx?.dir);
  });

  it("decrypts every contribution with k manifests, and none with fewer", async function () {
    const opened = await openAll(fx, fx.delivered);
    expect([...opened.keys()].sort()).to.deep.equal([...fx.plaintexts.keys()].sort());
    for (const [hash, plaintext] of opened)
      expect(Buffer.from(plaintext)).to.deep.equal(Buffer.from(fx.plaintexts.get(hash)!));

    for (const one of fx.delivered) {
      const error = await openAll(fx, [one]).then(
        () => undefined,
        (e: unknown) => e as ManifestError,
      );
      expect(error).to.be.instanceOf(ManifestError);
      expect(error?.code).to.equal("NOT_ENOUGH_SHARES");
    }
  });

  it("detects a corrupted share by the key commitment, before decrypting anything with it", async function () {
    // Custodian 3 swaps its (validly wrapped) shares of the two contributions: each rebuilds a wrong key.
    const manifest = parseManifest(fx.delivered[1].bytes);
    const [a, b] = manifest.entries;
    const corrupted = serializeManifest(
      buildManifest({
        ...manifest,
        entries: [
          { ...a, wrappedShare: b.wrappedShare },
          { ...b, wrappedShare: a.wrappedShare },
        ],
      }),
    );
    const error = await openAll(fx, [fx.delivered[0], { bytes: corrupted, hash: manifestHash(corrupted) }]).then(
      () => undefined,
      (e: unknown) => e as ManifestError,
    );
    expect(error).to.be.instanceOf(ManifestError);
    expect(error?.code).to.equal("KEY_COMMITMENT_MISMATCH");
  });

  it("refuses manifests that leave out a contribution of the set posted on-chain", async function () {
    const manifests = fx.delivered.map((d) => parseManifest(d.bytes));
    const shortened = manifests.map((m) => serializeManifest(buildManifest({ ...m, entries: m.entries.slice(1) })));
    const error = await openAll(
      fx,
      shortened.map((bytes) => ({ bytes, hash: manifestHash(bytes) })),
    ).then(
      () => undefined,
      (e: unknown) => e as ManifestError,
    );
    expect(error?.code).to.equal("INCOMPLETE_SET");
  });
});
