import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id, parseUnits } from "ethers";

import * as roles from "../../src/roles";
import { parseManifest } from "../../src/manifest";
import type { BlobStore } from "../../src/store";
import { timelockSigner } from "../support/fixtures";
import {
  P,
  type RolesFixture,
  contributeAs,
  deliverBy,
  exportOf,
  mask,
  removeDir,
  rolesFixture,
  tempDir,
} from "./fixture";
import { nextEpoch } from "../support/epoch";

/**
 * The cast, for AI_TRAINING:
 * - alice consents (eligible);
 * - bob consents to RESEARCH only (not eligible);
 * - carol consented, then revoked (not eligible);
 * - dave's first export consented, then a newer export of the same account superseded it (old: not
 *   eligible; new: eligible);
 * - erin consented, then withdrew AI_TRAINING with set-purposes (not eligible).
 * The buyer's AI_TRAINING request is approved by the timelock.
 */
async function trainingGrantFixture() {
  const fx = await rolesFixture();
  const dir = await tempDir("custodian");
  const store = roles.openStore(dir);
  const { coop } = fx;
  const alice = await contributeAs(fx, fx.alice, exportOf("alice", 1), mask(P.RESEARCH, P.AI_TRAINING), store);
  const bob = await contributeAs(fx, fx.bob, exportOf("bob", 2), mask(P.RESEARCH), store);
  const carol = await contributeAs(fx, fx.carol, exportOf("carol", 3), mask(P.AI_TRAINING), store);
  await roles.revokeContribution(coop, fx.carol, carol.contentHash);
  const daveOld = await contributeAs(fx, fx.dave, exportOf("dave", 4), mask(P.AI_TRAINING), store);
  const daveNew = await contributeAs(
    fx,
    fx.dave,
    exportOf("dave", 5, { conversations: 8 }),
    mask(P.AI_TRAINING),
    store,
  );
  const erin = await contributeAs(fx, fx.erin, exportOf("erin", 6), mask(P.AI_TRAINING), store);
  await roles.setPurposes(coop, fx.erin, erin.contentHash, mask(P.RESEARCH));
  await nextEpoch(fx.system); // consent given takes effect in the next epoch

  await fx.system.usdc.mint(fx.buyer.address, parseUnits("5000", 6));
  const request = await roles.requestAccess(coop, fx.buyer, {
    purpose: P.AI_TRAINING,
    amount: parseUnits("1000", 6),
    duration: 30 * 86_400,
    termsHash: id("training terms"),
    termsURI: "https://terms.example/training",
    buyerPublicKey: fx.buyerKey.publicKey,
  });
  await coop.escrow.connect(await timelockSigner(fx.system)).approve([request.requestId]);
  return {
    ...fx,
    dir,
    store,
    requestId: request.requestId,
    hashes: {
      alice: alice.contentHash,
      bob: bob.contentHash,
      carol: carol.contentHash,
      daveOld: daveOld.contentHash,
      daveNew: daveNew.contentHash,
      erin: erin.contentHash,
    },
  };
}

type GrantFixture = RolesFixture & Awaited<ReturnType<typeof trainingGrantFixture>>;

describe("roles: custodian", function () {
  let fx: GrantFixture;

  beforeEach(async function () {
    fx = await loadFixture(trainingGrantFixture);
  });

  after(async function () {
    await removeDir(fx?.dir);
  });

  it("lists as eligible only active contributions that consent to the purpose", async function () {
    const eligible = await roles.eligibleContributions(fx.coop, P.AI_TRAINING);
    expect(eligible.map((e) => e.contentHash)).to.have.members([fx.hashes.alice, fx.hashes.daveNew]);
    expect(eligible).to.have.length(2);
  });

  it("decides eligibility from the registry's events exactly as registry.isEligible does", async function () {
    // The custodian folds events into a local index instead of calling isEligible per contribution; this
    // pins the two together for every contribution and purpose (revoked, superseded, withdrawn included).
    for (const purpose of [P.RESEARCH, P.ANALYTICS, P.AI_TRAINING]) {
      const indexed = new Set((await roles.eligibleContributions(fx.coop, purpose)).map((e) => e.contentHash));
      for (const hash of Object.values(fx.hashes)) {
        expect(indexed.has(hash), `${hash} for purpose ${purpose}`).to.equal(
          await fx.coop.registry.isEligible(hash, purpose),
        );
      }
    }
  });

  it("no custodian ever releases a share of a revoked, superseded or non-consenting contribution", async function () {
    // The third custodian and the first deliver (any two of the three): neither manifest lists an excluded one.
    const posted = await deliverBy(fx, fx.requestId, fx.store, [2, 0]);
    for (const delivery of posted) {
      expect(delivery.contentHashes).to.have.members([fx.hashes.alice, fx.hashes.daveNew]);
      expect(delivery.contentHashes).to.have.length(2);
      const manifest = parseManifest(await fx.store.store.get(delivery.manifestHash));
      expect(manifest.eligibleSetHash).to.equal(delivery.eligibleSetHash);
      const listed = manifest.entries.map((e) => e.contentHash);
      expect(listed).to.have.members([fx.hashes.alice, fx.hashes.daveNew]);
      for (const excluded of [fx.hashes.bob, fx.hashes.carol, fx.hashes.daveOld, fx.hashes.erin]) {
        expect(listed).not.to.include(excluded);
      }
    }
    expect(posted.map((d) => [d.posts, d.threshold, d.released])).to.deep.equal([
      [1, 2, false],
      [2, 2, true],
    ]);
    const request = await fx.coop.escrow.request(fx.requestId);
    expect(request.status).to.equal(3n); // Delivered
    expect(request.setHash).to.equal(posted[1].eligibleSetHash);
  });

  it("with 2-of-3 custodians, any two release the fee and one alone does not", async function () {
    for (const pair of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      const grant = await loadFixture(trainingGrantFixture);
      const [first] = await deliverBy(grant, grant.requestId, grant.store, [pair[0]]);
      expect(first.released, `custodian ${pair[0]} alone`).to.equal(false);
      expect((await grant.coop.escrow.request(grant.requestId)).status).to.equal(2n); // still Approved
      const [second] = await deliverBy(grant, grant.requestId, grant.store, [pair[1]]);
      expect(second.released, `custodians ${pair.join(" and ")}`).to.equal(true);
      expect((await grant.coop.escrow.request(grant.requestId)).status).to.equal(3n);
    }
  });

  it("rebuilds the manifest when a contribution is revoked while it is being built", async function () {
    let revoked = false;
    const revokingStore: BlobStore = {
      put: (bytes) => fx.store.store.put(bytes),
      has: (key) => fx.store.store.has(key),
      get: async (key) => {
        if (!revoked) {
          revoked = true;
          await fx.coop.registry.connect(fx.alice).revoke(fx.hashes.alice);
        }
        return fx.store.store.get(key);
      },
    };
    const source: roles.NamedStore = {
      store: revokingStore,
      location: "a store that revokes alice",
      uriFor: fx.store.uriFor,
    };

    const delivery = await roles.deliverShare(fx.coop, fx.system.custodian, fx.custodianKey, fx.requestId, {
      store: fx.store,
      source,
    });

    expect(revoked).to.equal(true);
    expect(delivery.contentHashes).to.deep.equal([fx.hashes.daveNew]);
  });

  it("refuses a custodian key that is not its key in the set, before posting anything", async function () {
    const wrong = roles.localDevelopmentKey("custodian", fx.system.custodian.address);
    const error = await roles.deliverShare(fx.coop, fx.system.custodian, wrong, fx.requestId, { store: fx.store }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(roles.RoleError);
    expect((error as roles.RoleError).code).to.equal("CONFIG");
    expect((error as roles.RoleError).message).to.contain("is not the key custodian set version 1 holds");
    expect((await fx.coop.escrow.request(fx.requestId)).postedMask).to.equal(0n);
  });

  it("refuses a non-custodian, a second post in the same round, and a request that is not approved", async function () {
    const failure = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (e: unknown) => e as roles.RoleError,
      );
    const notCustodian = await failure(
      roles.deliverShare(fx.coop, fx.outsider, fx.custodianKey, fx.requestId, { store: fx.store }),
    );
    expect(notCustodian?.code).to.equal("NOT_ALLOWED");

    await deliverBy(fx, fx.requestId, fx.store, [0]);
    const twice = await failure(deliverBy(fx, fx.requestId, fx.store, [0]));
    expect(twice?.code).to.equal("WRONG_STATE");
    expect(twice?.message).to.contain("has already posted");

    await deliverBy(fx, fx.requestId, fx.store, [1]);
    const late = await failure(deliverBy(fx, fx.requestId, fx.store, [2]));
    expect(late?.code).to.equal("WRONG_STATE");
    expect(late?.message).to.contain("is Delivered; it must be Approved");
  });

  it("a removed custodian's post stops counting; keys sealed for the old set stay deliverable by its custodians in office", async function () {
    await deliverBy(fx, fx.requestId, fx.store, [0]);
    // Governance replaces custodian 0: set version 2 is {1, 2, outsider}, still 2-of-3.
    const [members] = await fx.coop.custodianSet.custodiansAt(1);
    const successor = {
      account: fx.outsider.address,
      publicKey: roles.localDevelopmentKey("custodian", fx.outsider.address).publicKey,
    };
    const next = [...members.slice(1).map((c) => ({ account: c.account, publicKey: c.publicKey })), successor];
    await fx.coop.custodianSet.connect(await timelockSigner(fx.system)).setCustodians(next, 2);
    // Custodian 1's post is the first of the new round: custodian 0's post no longer counts.
    const [one] = await deliverBy(fx, fx.requestId, fx.store, [1]);
    expect([one.setVersion, one.posts, one.released]).to.deep.equal([2, 1, false]);
    // Custodian 2 completes it: both hold shares of the version-1 keys (2 of that set remain in office).
    const [two] = await deliverBy(fx, fx.requestId, fx.store, [2]);
    expect([two.posts, two.released, two.sharesReleased]).to.deep.equal([2, true, 2]);

    // The buyer combines the shares of custodians 1 and 2 (not the removed custodian's) and decrypts.
    const opened = await roles.openGrant(fx.coop, fx.requestId, fx.buyerKey, P.AI_TRAINING, fx.store);
    expect(opened.manifests.map((m) => m.custodian)).to.have.members([
      fx.system.custodians[1].address,
      fx.system.custodians[2].address,
    ]);
    let decrypted = 0;
    for await (const item of opened.opened) decrypted += item.plaintext.length > 0 ? 1 : 0;
    expect(decrypted).to.equal(2);
  });

  it("refuses to post when a contribution's sealing set has fewer than k custodians left in office", async function () {
    // Version 2 keeps only custodian 0 of version 1: the version-1 keys cannot be rebuilt any more.
    const timelock = await timelockSigner(fx.system);
    const [members] = await fx.coop.custodianSet.custodiansAt(1);
    const newcomers = [fx.outsider, fx.buyer].map((s) => ({
      account: s.address,
      publicKey: roles.localDevelopmentKey("custodian", s.address).publicKey,
    }));
    await fx.coop.custodianSet
      .connect(timelock)
      .setCustodians([{ account: members[0].account, publicKey: members[0].publicKey }, ...newcomers], 2);
    const refused = await deliverBy(fx, fx.requestId, fx.store, [0]).then(
      () => undefined,
      (e: unknown) => e as roles.RoleError,
    );
    expect(refused?.code).to.equal("WRONG_STATE");
    expect(refused?.message).to.contain("only 1 custodian(s) remain in set version 2");
    expect((await fx.coop.escrow.request(fx.requestId)).postedMask).to.equal(0n);
  });
});
