import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";

import { generateKeyPair } from "../../src/crypto";
import { attestationDomain, signAttestation } from "../../src/protocol/attestation";
import * as roles from "../../src/roles";
import { buildBrokenExport } from "../../scripts/lib/synthetic-export";
import { deploySystem } from "../../scripts/lib/system";
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
import { nextEpoch } from "../../scripts/lib/epoch";

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
    await refusedBeforeSending("INVALID_INPUT", () => withAttest(localAttest, exportOf("alice", 1), 1 << 12));
  });

  it("rejects an attestation for another contributor", async function () {
    const error = await refusedBeforeSending("NOT_ALLOWED", () =>
      withAttest((request) =>
        roles.signAttestationFile(fx.coop, fx.validators, { ...request, contributor: fx.bob.address }),
      ),
    );
    expect(error.message).to.contain(`is for contributor ${fx.bob.address}`);
  });

  it("rejects an attestation that expired", async function () {
    const error = await refusedBeforeSending("WRONG_STATE", () =>
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
    const error = await refusedBeforeSending("NOT_ALLOWED", () =>
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
    expect((twice as roles.RoleError).code).to.equal("WRONG_STATE");
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
    expect((notOwner as roles.RoleError).code).to.equal("NOT_ALLOWED");

    const unchanged = await roles.setPurposes(fx.coop, fx.alice, result.contentHash, mask(P.RESEARCH));
    expect(unchanged.changed).to.equal(false);
    await roles.revokeContribution(fx.coop, fx.alice, result.contentHash);
    const revoked = await roles.revokeContribution(fx.coop, fx.alice, result.contentHash).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((revoked as roles.RoleError).code).to.equal("WRONG_STATE");
    expect((revoked as roles.RoleError).message).to.contain("is revoked");
    const status = await roles.contributorStatus(fx.coop, fx.alice.address);
    expect(status.contributions.map((c) => c.status)).to.deep.equal(["revoked"]);
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
