import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";

import { generateKeyPair } from "../../src/crypto";
import * as roles from "../../src/roles";
import type { BlobStore } from "../../src/store";
import { localWallet, requestFor, sealRefinement } from "../support/sealed-refinement";
import { exportOf, removeDir, rolesFixture, tempDir } from "../roles/fixture";

/**
 * Finding 8 (high, issue 12 item 3): a validator signed a score for the export it was shown, next to a content
 * hash it could not check, so a contributor could have a good export scored and register different
 * (worthless) ciphertext. Fix: `verifyAndAttest` fetches the ciphertext by its content hash, checks the hash,
 * decrypts it with the data key wrapped to the validator and signs only the refinement of the export it
 * scored. Every substitution below gets a refusal and no signature.
 */
describe("Finding 8: a substituted ciphertext gets no attestation", function () {
  let dir: string | undefined;
  afterEach(async () => removeDir(dir));

  async function setup() {
    const fx = await loadFixture(rolesFixture);
    dir = await tempDir("finding8");
    const store = roles.openStore(dir);
    const wallet = localWallet(fx.system.validators[0].address, ethers.provider);
    const key = await roles.validatorPublicKeyOf(fx.coop, wallet.address);
    const good = await sealRefinement(fx.coop, exportOf("alice", 8), store);
    return { fx, store, wallet, key, good };
  }

  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => "signed",
      (e: unknown) => (e as roles.RoleError).code,
    );

  it("refuses worthless ciphertext registered next to a good export's keys", async function () {
    const { fx, store, wallet, key, good } = await setup();
    const worthless = await sealRefinement(fx.coop, exportOf("alice", 9), store);
    // The worthless ciphertext's hash and URI, the good export and its data key.
    const request = {
      ...requestFor(good, fx.alice.address, key),
      contentHash: worthless.contentHash,
      uri: worthless.uri,
    };
    expect(await codeOf(roles.verifyAndAttest(fx.coop, wallet, store.store, request))).to.equal("UNDECRYPTABLE");
  });

  it("refuses when the store serves other bytes under the content hash, or the descriptor names another", async function () {
    const { fx, store, wallet, key, good } = await setup();
    const other = await sealRefinement(fx.coop, exportOf("alice", 10), store);
    const lying: BlobStore = {
      put: (bytes) => store.store.put(bytes),
      has: (k) => store.store.has(k),
      // A store that does not verify what it serves: the good hash, the other ciphertext.
      get: async (k) => (k === good.contentHash ? other.ciphertext : store.store.get(k)),
    };
    const request = requestFor(good, fx.alice.address, key);
    expect(await codeOf(roles.verifyAndAttest(fx.coop, wallet, lying, request))).to.equal("CIPHERTEXT_MISMATCH");
    const otherDescriptor = { ...request, uri: other.uri };
    expect(await codeOf(roles.verifyAndAttest(fx.coop, wallet, store.store, otherDescriptor))).to.equal(
      "CIPHERTEXT_MISMATCH",
    );
    const missing = { ...request, contentHash: ethers.id("never uploaded") };
    expect(await codeOf(roles.verifyAndAttest(fx.coop, wallet, store.store, missing))).to.equal("CIPHERTEXT_MISMATCH");
  });

  it("refuses keys wrapped to another key than the validator's", async function () {
    const { fx, store, wallet, good } = await setup();
    const request = requestFor(good, fx.alice.address, generateKeyPair().publicKey);
    expect(await codeOf(roles.verifyAndAttest(fx.coop, wallet, store.store, request))).to.equal("UNDECRYPTABLE");
    // The honest request, for contrast, is signed.
    const honest = requestFor(good, fx.alice.address, await roles.validatorPublicKeyOf(fx.coop, wallet.address));
    expect(await codeOf(roles.verifyAndAttest(fx.coop, wallet, store.store, honest))).to.equal("signed");
  });
});
