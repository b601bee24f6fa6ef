import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import { SigningKey } from "ethers";

import { orderSignatures } from "../../src/protocol/attestation";
import { payloadLines, sealedPayloadOf } from "../../src/refine";
import * as roles from "../../src/roles";
import { localWallet, requestFor, sealRefinement } from "../support/sealed-refinement";
import { timelockSigner } from "../support/system";
import { exportOf, mask, P, removeDir, rolesFixture, tempDir } from "./fixture";

describe("roles: validator", function () {
  it("k validators signing on their own machines combine when they agree on the deadline, and only then", async function () {
    const fx = await loadFixture(rolesFixture);
    const [first, second] = fx.system.validators;
    const request = {
      contributor: fx.alice.address,
      contentHash: ethers.id("ciphertext"),
      score: roles.scoreExportFor(fx.coop, exportOf("alice", 1)),
    };
    const deadline = (await roles.chainTime(fx.coop.provider)) + 3600n;
    const a = await roles.signAttestationFile(fx.coop, [first], { ...request, deadline });
    await time.increase(30);
    const b = await roles.signAttestationFile(fx.coop, [second], { ...request, deadline });
    const merged = roles.mergeAttestationFiles([
      { file: a, where: "a.json" },
      { file: b, where: "b.json" },
    ]);
    expect(merged.signatures.map((s) => s.validator)).to.deep.equal([first.address, second.address]);

    // Each computing its own deadline from "now + validity" signs a different attestation.
    const c = await roles.signAttestationFile(fx.coop, [second], request);
    expect(() =>
      roles.mergeAttestationFiles([
        { file: a, where: "a.json" },
        { file: c, where: "c.json" },
      ]),
    ).to.throw("attests something else");

    const passed = await roles.signAttestationFile(fx.coop, [first], { ...request, deadline: 1n }).then(
      () => undefined,
      (e: unknown) => e as roles.RoleError,
    );
    expect(passed?.code).to.equal("INVALID_INPUT");
  });
});

describe("roles: validator verifies what it signs", function () {
  let dir: string | undefined;
  afterEach(async () => removeDir(dir));

  async function setup() {
    const fx = await loadFixture(rolesFixture);
    dir = await tempDir("validator");
    const store = roles.openStore(dir);
    const wallets = fx.system.validators.map((v) => localWallet(v.address, ethers.provider));
    return { fx, store, wallets };
  }

  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.fail("expected a refusal"),
      (e: unknown) => e as roles.RoleError,
    );

  it("reads each validator's published key; an honest request gets k signatures that register", async function () {
    const { fx, store, wallets } = await setup();
    await fx.system.registry.connect(await timelockSigner(fx.system)).setAttestationThreshold(2);
    const exportBytes = exportOf("alice", 3);
    const sealed = await sealRefinement(fx.coop, exportBytes, store);
    const deadline = (await roles.chainTime(fx.coop.provider)) + 3600n;
    const signatures = [];
    let attestation;
    for (const wallet of wallets.slice(0, 2)) {
      const key = await roles.validatorPublicKeyOf(fx.coop, wallet.address);
      expect(key).to.equal(SigningKey.computePublicKey(wallet.signingKey.publicKey, true));
      const request = roles.decodeAttestRequest(
        roles.encodeAttestRequest(requestFor(sealed, fx.alice.address, key, deadline)),
      );
      const response = await roles.verifyAndAttest(fx.coop, wallet, store.store, request);
      attestation = response.attestation;
      signatures.push({ validator: wallet.address, signature: response.signature });
    }
    const refined = sealedPayloadOf(exportBytes, {
      salt: roles.deploymentSalt(fx.coop.chainId, fx.coop.addresses.registry),
    });
    expect(attestation?.units).to.equal(refined.report.units);
    expect(attestation?.scorerVersion).to.equal(1_002_000);
    // The parser recovers every signature to the validator it names.
    const file = roles.parseAttestationFile(
      JSON.stringify(roles.buildAttestationFile(fx.coop.chainId, fx.coop.addresses.registry, attestation!, signatures)),
      "the test file",
    );
    await fx.coop.registry
      .connect(fx.alice)
      .contribute(roles.attestationOf(file), orderSignatures([...file.signatures]), mask(P.RESEARCH), sealed.uri);
    expect((await fx.coop.registry.contribution(sealed.contentHash)).units).to.equal(BigInt(refined.report.units));
  });

  it("refuses a sealed payload that is not the refinement of the raw export, without quoting it", async function () {
    const { fx, store, wallets } = await setup();
    const honest = exportOf("alice", 4);
    const other = exportOf("alice", 5);
    const salt = roles.deploymentSalt(fx.coop.chainId, fx.coop.addresses.registry);
    // A worthless (or other) dataset sealed, a good export shown.
    const sealed = await sealRefinement(fx.coop, honest, store, sealedPayloadOf(other, { salt }).payload);
    const key = await roles.validatorPublicKeyOf(fx.coop, wallets[0].address);
    const error = await refusal(
      roles.verifyAndAttest(fx.coop, wallets[0], store.store, requestFor(sealed, fx.alice.address, key)),
    );
    expect(error.code).to.equal("NOT_REFINEMENT");
    expect(error.message).to.not.contain("user-alice");
    // A refinement under an exclusion: refused unless the request states it, signed when it does.
    const [first] = payloadLines(sealedPayloadOf(honest, { salt }).payload);
    const exclude = [(JSON.parse(first) as { id: string }).id];
    const excluded = await sealRefinement(fx.coop, honest, store, sealedPayloadOf(honest, { salt, exclude }).payload);
    const unstated = await refusal(
      roles.verifyAndAttest(fx.coop, wallets[0], store.store, requestFor(excluded, fx.alice.address, key)),
    );
    expect(unstated.code).to.equal("NOT_REFINEMENT");
    const sameOptions = await roles.verifyAndAttest(fx.coop, wallets[0], store.store, {
      ...requestFor(excluded, fx.alice.address, key),
      refine: { exclude },
    });
    expect(sameOptions.attestation.contentHash).to.equal(excluded.contentHash);
  });
});
