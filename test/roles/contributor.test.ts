import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";

import { gunzipSync } from "fflate";

import { generateKeyPair, openContribution, unwrapDataKey } from "../../src/crypto";
import { sealedPayloadOf } from "../../src/refine";
import { attestationDomain, signAttestation } from "../../src/protocol/attestation";
import * as roles from "../../src/roles";
import { localWallet } from "../support/sealed-refinement";
import { buildBrokenExport } from "../support/export";
import { deploySystem } from "../support/system";
import {
  P,
  type RolesFixture,
  contributeAs,
  exportOf,
  filesUnder,
  mask,
  nonces,
  removeDir,
  rolesFixture,
  tempDir,
} from "./fixture";
import { nextEpoch } from "../support/epoch";

describe("roles: contributor", function () {
  let fx: RolesFixture;
  let dir: string;
  let store: roles.NamedStore;

  beforeEach(async function () {
    fx = await loadFixture(rolesFixture);
    dir = await tempDir("contributor");
    store = roles.openStore(dir);
  });

  afterEach(async function () {
    await removeDir(dir);
  });

  /** Runs `attempt`, expects a RoleError with `code`, and checks nothing was sent or uploaded. */
  async function refusedBeforeSending(
    code: roles.RoleErrorCode,
    attempt: () => Promise<unknown>,
  ): Promise<roles.RoleError> {
    const signers = [fx.alice, fx.bob, ...fx.system.validators];
    const before = await nonces(signers);
    const error = await attempt().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, "the call should have failed").to.be.instanceOf(roles.RoleError);
    expect((error as roles.RoleError).code, (error as Error).message).to.equal(code);
    expect(await nonces(signers), "no transaction sent").to.deep.equal(before);
    expect(await filesUnder(dir), "nothing uploaded").to.deep.equal([]);
    return error as roles.RoleError;
  }

  const withAttest = (
    attest: roles.ContributeOptions["attest"],
    exportBytes = exportOf("alice", 1),
    purposes = mask(P.RESEARCH),
  ) =>
    roles.contributeExport(fx.coop, fx.alice, {
      exportBytes,
      purposes,
      contributorPublicKey: generateKeyPair().publicKey,
      store,
      attest,
    });
  const localAttest: roles.ContributeOptions["attest"] = (request) =>
    roles.signAttestationFile(fx.coop, fx.validators, request);

  it("registers a good export, uploads its ciphertext and descriptor, and mints units × quality × rate", async function () {
    const result = await withAttest(localAttest);
    expect(result.owner).to.equal(fx.alice.address);
    expect(result.reward).to.equal(
      BigInt(result.units) * BigInt(result.quality) * (await fx.coop.registry.rewardRate()),
    );
    // Consent given takes effect in the next consent epoch.
    expect(await fx.coop.registry.isEligible(result.contentHash, P.RESEARCH)).to.equal(false);
    await nextEpoch(fx.system);
    expect(await fx.coop.registry.isEligible(result.contentHash, P.RESEARCH)).to.equal(true);
    const descriptor = roles.parseDescriptor(await store.store.get(roles.blobKeyFromUri(result.uri)), result.uri);
    expect(descriptor.contentHash).to.equal(result.contentHash);
    // Split 2-of-3 among the current custodian set, whose version the descriptor records.
    expect(descriptor).to.include({ version: 2, custodianSetVersion: 1, threshold: 2 });
    expect(descriptor.shares.map((s) => s.custodianPublicKey)).to.deep.equal(fx.custodianKeys.map((k) => k.publicKey));
    expect(new Set(descriptor.shares.map((s) => s.index)).size).to.equal(3); // distinct x coordinates
    expect(await store.store.has(result.contentHash)).to.equal(true);
  });

  /** Clearly fake personal data and secrets of every class, and the owner's identifiers from user.json. */
  const OWNER = {
    id: "user-PlantedOwner00000000077",
    email: "planted.owner@example.invalid",
    phone: "+1 415 555 0177",
  };
  /** Each planted text and the fragment of it that must be gone. */
  const SECRETS: readonly (readonly [string, string])[] = [
    ["leak.person@corp.example", "leak.person"],
    ["+49 30 1234567", "1234567"],
    ["4111 1111 1111 1111", "4111 1111"],
    ["DE89 3704 0044 0532 0130 00", "3704 0044"],
    ["203.0.113.77", "203.0.113"],
    ["https://deploy:Sup3rS3cretPw@git.example.org/x.git", "Sup3rS3cretPw"],
    ["AKIA" + "IOSFODNN7PLANTED", "IOSFODNN7"],
    ["ghp_" + "Pl4nted".repeat(5) + "X", "Pl4nted"],
    ["sk-proj-" + "0penAiPl4nt".repeat(4), "0penAiPl4nt"],
    ["eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiJwbGFudGVkIn0" + ".Jw7Pl4ntSignatureXyz", "Jw7Pl4ntSignature"],
    ["-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIPl4ntedKeyMaterial\n-----END EC PRIVATE KEY-----", "Pl4ntedKeyMaterial"],
    [OWNER.id, OWNER.id],
    [OWNER.email.toUpperCase(), "PLANTED.OWNER"],
    ["(415) 555-0177", "555-0177"],
  ];
  const plants = (where: string) =>
    SECRETS.map(([text], i) => `${where}${i}-before ${text} ${where}${i}-after`).join("\n");
  function plantedExport(): Uint8Array {
    return exportOf("alice", 3, {
      userId: OWNER.id,
      extraConversations: [
        {
          id: "conv-planted",
          title: `Title ${SECRETS[0][0]} ${SECRETS[8][0]}`,
          createTime: 1_704_103_200,
          messages: [
            { role: "user", text: plants("prompt") },
            { role: "assistant", text: `${plants("reply")}\n\n\`\`\`python\n${plants("fence")}\n\`\`\`` },
            { role: "assistant", contentType: "code", text: plants("code"), recipient: "python" },
          ],
        },
        {
          id: "conv-excluded",
          title: "Private matter",
          createTime: 1_704_203_200,
          messages: [
            { role: "user", text: "Something I keep to myself." },
            { role: "assistant", text: "Understood." },
          ],
        },
      ],
    });
  }
  /** The plaintext sealed for a registered contribution, opened with the contributor's own key. */
  async function sealedPlaintext(uri: string, privateKey: string): Promise<Uint8Array> {
    const descriptor = roles.parseDescriptor(await store.store.get(roles.blobKeyFromUri(uri)), uri);
    const key = unwrapDataKey(descriptor.contributorWrappedKey, privateKey);
    return openContribution(await store.store.get(descriptor.contentHash), key);
  }

  it("seals the refined dataset: no planted secret or owner identifier survives, exclusions are honoured", async function () {
    const exportBytes = plantedExport();
    // user.json of the synthetic builder has no phone: the owner's phone is planted in text only.
    const contributor = generateKeyPair();
    const exclude = ["conv-excluded"];
    const result = await roles.contributeExport(fx.coop, fx.alice, {
      exportBytes,
      purposes: mask(P.RESEARCH),
      contributorPublicKey: contributor.publicKey,
      store,
      refinement: { exclude },
      attest: localAttest,
    });
    const plaintext = await sealedPlaintext(result.uri, contributor.privateKey);
    const salt = roles.deploymentSalt(fx.coop.chainId, fx.coop.addresses.registry);
    const expected = sealedPayloadOf(exportBytes, { salt, exclude });
    expect(plaintext, "the sealed plaintext is exactly sealedPayloadOf").to.deep.equal(expected.payload);
    expect(result.units, "units are the refined messages").to.equal(expected.report.units);
    expect(result.refinement.excludedBy).to.deep.equal([{ rule: "conv-excluded", conversations: 1 }]);

    const text = new TextDecoder().decode(gunzipSync(plaintext));
    for (const [planted, gone] of SECRETS) expect(text, planted).not.to.contain(gone);
    for (const owner of [OWNER.id, OWNER.email, "synthetic.user@example.org", "555-0177"]) {
      expect(text).not.to.contain(owner);
    }
    for (const where of ["prompt", "reply", "fence", "code"]) expect(text).to.contain(`${where}3-after`);
    expect(text).not.to.contain("Something I keep to myself");
    expect(text.split("\n").length - 1).to.equal(expected.report.refinedConversations);
    const without = sealedPayloadOf(exportBytes, { salt }).report;
    expect(without.refinedConversations - expected.report.refinedConversations).to.equal(1);
  });

  it("asks validators that verify: one request each, the uploaded ciphertext checked against the refinement", async function () {
    const contributor = generateKeyPair();
    const asked: string[] = [];
    const endpoints = await Promise.all(
      fx.validators.map(async (validator) => {
        const wallet = localWallet(validator.address, ethers.provider);
        return {
          address: validator.address,
          publicKey: await roles.validatorPublicKeyOf(fx.coop, validator.address),
          send: (request: roles.AttestRequest) => {
            asked.push(validator.address);
            return roles.verifyAndAttest(fx.coop, wallet, store.store, request);
          },
        };
      }),
    );
    const exclude = ["date:..2024-01-01"];
    const result = await roles.contributeExport(fx.coop, fx.alice, {
      exportBytes: exportOf("alice", 5),
      purposes: mask(P.RESEARCH),
      contributorPublicKey: contributor.publicKey,
      store,
      refinement: { exclude },
      validators: { endpoints, contributorPrivateKey: contributor.privateKey },
    });
    expect(asked).to.deep.equal(fx.validators.map((v) => v.address));
    expect(result.units).to.equal(result.refinement.units);
    expect(result.refinement.excludedConversations, "the validator recomputed with the exclusion").to.be.greaterThan(0);
    expect((await fx.coop.registry.contribution(result.contentHash)).status).to.equal(1n);
  });

  it("store down: a failed upload names the store and leaves nothing registered", async function () {
    const server = await import("node:http").then((http) => http.createServer());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as import("node:net").AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const down = roles.openStore(`http://127.0.0.1:${port}`);
    const before = await nonces([fx.alice]);
    const error = await roles
      .contributeExport(fx.coop, fx.alice, {
        exportBytes: exportOf("alice", 1),
        purposes: mask(P.RESEARCH),
        contributorPublicKey: generateKeyPair().publicKey,
        store: down,
        attest: localAttest,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).to.be.instanceOf(roles.RoleError);
    expect((error as Error).message)
      .to.contain(`http://127.0.0.1:${port}`)
      .and.contain("nothing was registered");
    expect(await nonces([fx.alice]), "no transaction sent").to.deep.equal(before);
    const status = await roles.contributorStatus(fx.coop, fx.alice.address);
    expect(status.contributions).to.deep.equal([]);
  });

  it("rejects an archive that is not a ChatGPT export", async function () {
    const error = await refusedBeforeSending("INVALID_INPUT", () =>
      withAttest(localAttest, buildBrokenExport("not-a-zip").bytes),
    );
    expect(error.message).to.contain("The export was rejected (NOT_A_ZIP)");
  });

  it("rejects purposes the registry does not define", async function () {
    const purposes = await roles.readPurposes(fx.coop.registry);
    expect(() => roles.parsePurposeMask("RESEARCH,TRAINING", purposes)).to.throw(
      roles.RoleError,
      'Unknown purpose "TRAINING"',
    );
    const undefinedPurpose = await refusedBeforeSending("REVERTED", () =>
      withAttest(localAttest, exportOf("alice", 1), 1 << 12),
    );
    expect(undefinedPurpose.revert?.name).to.equal("RegistryUnknownPurpose");
  });

  it("rejects an attestation for another contributor", async function () {
    const error = await refusedBeforeSending("REVERTED", () =>
      withAttest((request) =>
        roles.signAttestationFile(fx.coop, fx.validators, { ...request, contributor: fx.bob.address }),
      ),
    );
    expect(error.message).to.contain(`is for contributor ${fx.bob.address}`);
  });

  it("rejects an attestation that expired", async function () {
    const error = await refusedBeforeSending("REVERTED", () =>
      withAttest(async (request) => {
        const file = await roles.signAttestationFile(fx.coop, fx.validators, { ...request, validity: 60 });
        await time.increase(120);
        return file;
      }),
    );
    expect(error.message).to.contain("The attestation expired");
  });

  it("rejects an attestation signed by someone who is not a validator", async function () {
    const error = await refusedBeforeSending("REVERTED", () =>
      withAttest(async (request) => {
        const real = await roles.signAttestationFile(fx.coop, fx.validators, request);
        const domain = attestationDomain(fx.coop.chainId, fx.coop.addresses.registry);
        const forged = await signAttestation(fx.bob, domain, roles.attestationOf(real));
        return roles.buildAttestationFile(fx.coop.chainId, fx.coop.addresses.registry, roles.attestationOf(real), [
          forged,
        ]);
      }),
    );
    expect(error.message).to.contain("RegistryUnknownValidator");
    expect(error.message).to.contain(`${fx.bob.address} is not a validator`);
  });

  it("rejects an attestation file that was altered", async function () {
    const file = await roles.signAttestationFile(fx.coop, fx.validators, {
      contributor: fx.alice.address,
      contentHash: ethers.id("ciphertext"),
      score: roles.scoreExportFor(fx.coop, exportOf("alice", 1)),
    });
    const altered = JSON.stringify({
      ...file,
      attestation: { ...file.attestation, units: file.attestation.units + 1 },
    });
    expect(() => roles.parseAttestationFile(altered, "att.json")).to.throw(roles.RoleError, "the file was altered");
  });

  it("rejects an export whose account is bound to another wallet", async function () {
    const elsewhere = await tempDir("elsewhere");
    try {
      await contributeAs(fx, fx.alice, exportOf("alice", 1), mask(P.RESEARCH), roles.openStore(elsewhere));
    } finally {
      await removeDir(elsewhere);
    }
    const error = await refusedBeforeSending("REVERTED", () =>
      roles.contributeExport(fx.coop, fx.bob, {
        exportBytes: exportOf("alice", 9, { conversations: 7 }),
        purposes: mask(P.RESEARCH),
        contributorPublicKey: generateKeyPair().publicKey,
        store,
        attest: localAttest,
      }),
    );
    expect(error.message).to.contain(`first contributed by ${fx.alice.address}`);
  });

  it("rejects a sealed contribution registered twice, and an attestation for another ciphertext", async function () {
    const sealed = await roles.sealExport(
      fx.coop,
      fx.alice.address,
      exportOf("alice", 1),
      generateKeyPair().publicKey,
      store,
    );
    const attest = (contentHash: string) =>
      roles.signAttestationFile(fx.coop, fx.validators, {
        contributor: fx.alice.address,
        contentHash,
        score: roles.scoreExportFor(fx.coop, exportOf("alice", 1)),
      });
    const other = await roles
      .contributeSealed(fx.coop, fx.alice, sealed, await attest(ethers.id("another ciphertext")), mask(P.RESEARCH))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((other as roles.RoleError).code).to.equal("INVALID_INPUT");
    expect((other as roles.RoleError).message).to.contain("the validators must attest this sealed file");

    const good = await attest(sealed.contentHash);
    await roles.contributeSealed(fx.coop, fx.alice, sealed, good, mask(P.RESEARCH));
    const before = await nonces([fx.alice]);
    const twice = await roles.contributeSealed(fx.coop, fx.alice, sealed, good, mask(P.RESEARCH)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((twice as roles.RoleError).code).to.equal("REVERTED");
    expect((twice as roles.RoleError).revert?.name).to.equal("RegistryDuplicateContent");
    expect((twice as roles.RoleError).message).to.contain("is already registered");
    expect(await nonces([fx.alice])).to.deep.equal(before);
  });

  it("refuses to contribute while the deployment has no custodians (set version 0)", async function () {
    const bare = await loadFixture(systemWithoutCustodianKey);
    const error = await refusedBeforeSending("CONFIG", () =>
      roles.contributeExport(bare, fx.alice, {
        exportBytes: exportOf("alice", 1),
        purposes: mask(P.RESEARCH),
        contributorPublicKey: generateKeyPair().publicKey,
        store,
        attest: localAttest,
      }),
    );
    expect(error.message).to.contain("has no key custodians yet (custodian set version 0)");
  });

  it("changes consent and revokes only active contributions the signer owns", async function () {
    const result = await withAttest(localAttest);
    const notOwner = await roles.setPurposes(fx.coop, fx.bob, result.contentHash, mask(P.AI_TRAINING)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((notOwner as roles.RoleError).revert?.name).to.equal("RegistryNotOwner");

    const unchanged = await roles.setPurposes(fx.coop, fx.alice, result.contentHash, mask(P.RESEARCH));
    expect(unchanged.changed).to.equal(false);
    await roles.revokeContribution(fx.coop, fx.alice, result.contentHash);
    const revoked = await roles.revokeContribution(fx.coop, fx.alice, result.contentHash).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((revoked as roles.RoleError).code).to.equal("REVERTED");
    expect((revoked as roles.RoleError).message).to.contain("is Revoked; only an active contribution can change");
    const status = await roles.contributorStatus(fx.coop, fx.alice.address);
    expect(status.contributions.map((c) => c.status)).to.deep.equal(["Revoked"]);
  });
});

/** The system as deployed with no custodian public key (as the default parameter files do). */
async function systemWithoutCustodianKey(): Promise<roles.DataCoop> {
  const system = await deploySystem({ custodians: [], custodianPublicKeys: [] });
  return roles.connectDataCoop(
    {
      registry: await system.registry.getAddress(),
      escrow: await system.escrow.getAddress(),
      governor: await system.governor.getAddress(),
    },
    ethers.provider,
  );
}
