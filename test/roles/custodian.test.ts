import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id, parseUnits } from "ethers";

import * as roles from "../../src/roles";
import { parseManifest } from "../../src/manifest";
import type { BlobStore } from "../../src/store";
import { timelockSigner } from "../helpers/fixtures";
import { P, type RolesFixture, contributeAs, exportOf, mask, removeDir, rolesFixture, tempDir } from "./fixture";
import { nextEpoch } from "../../scripts/lib/epoch";

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

  it("never releases a revoked, superseded or non-consenting contribution's key", async function () {
    const delivery = await roles.deliverGrant(fx.coop, fx.system.custodian, fx.requestId, fx.custodianKey, {
      store: fx.store,
    });

    expect(delivery.contentHashes).to.have.members([fx.hashes.alice, fx.hashes.daveNew]);
    expect(delivery.contentHashes).to.have.length(2);
    const manifest = parseManifest(await fx.store.store.get(delivery.manifestHash));
    const listed = manifest.entries.map((e) => e.contentHash);
    for (const excluded of [fx.hashes.bob, fx.hashes.carol, fx.hashes.daveOld, fx.hashes.erin]) {
      expect(listed).not.to.include(excluded);
    }
    const request = await fx.coop.escrow.request(fx.requestId);
    expect(request.status).to.equal(3n); // Delivered
    expect(request.manifestHash).to.equal(delivery.manifestHash);
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

    const delivery = await roles.deliverGrant(fx.coop, fx.system.custodian, fx.requestId, fx.custodianKey, {
      store: fx.store,
      source,
    });

    expect(revoked).to.equal(true);
    expect(delivery.contentHashes).to.deep.equal([fx.hashes.daveNew]);
  });

  it("refuses a custodian key that is not the escrow's, before posting anything", async function () {
    const wrong = roles.localDevelopmentKey("custodian", fx.system.custodian.address);
    const error = await roles.deliverGrant(fx.coop, fx.system.custodian, fx.requestId, wrong, { store: fx.store }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(roles.RoleError);
    expect((error as roles.RoleError).code).to.equal("CONFIG");
    expect((error as roles.RoleError).message).to.contain("is not the escrow's custodian public key");
    expect((await fx.coop.escrow.request(fx.requestId)).status).to.equal(2n); // still Approved
  });

  it("refuses an account without the custodian role, and a request that is not approved", async function () {
    const notCustodian = await roles
      .deliverGrant(fx.coop, fx.outsider, fx.requestId, fx.custodianKey, { store: fx.store })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((notCustodian as roles.RoleError).code).to.equal("NOT_ALLOWED");

    await roles.deliverGrant(fx.coop, fx.system.custodian, fx.requestId, fx.custodianKey, { store: fx.store });
    const again = await roles
      .deliverGrant(fx.coop, fx.system.custodian, fx.requestId, fx.custodianKey, { store: fx.store })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((again as roles.RoleError).code).to.equal("WRONG_STATE");
    expect((again as roles.RoleError).message).to.contain("is Delivered; it must be Approved");
  });
});
