import { expect } from "chai";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { HardhatPluginError } from "hardhat/plugins";

import localParameters from "../../deploy/parameters/hardhat.json";
import { sealedPayloadOf } from "../../src/refine";
import * as roles from "../../src/roles";
import { deploySystem } from "../support/system";
import { timelockSigner } from "../support/fixtures";
import { exportOf, filesUnder, removeDir, tempDir } from "../roles/fixture";

/**
 * The role tasks run in-process, against the system deployed as the Ignition module does, with the
 * addresses given as flags. The escrow's custodian key is the custodian's local development key, which
 * is what the tasks use on a local chain when no key is configured.
 */
async function taskFixture() {
  const system = await deploySystem({
    custodianPublicKeys: localParameters.DataCoopLocal.custodians.map(
      (account) => roles.localDevelopmentKey("custodian", account).publicKey,
    ),
  });
  const flags = {
    registry: await system.registry.getAddress(),
    escrow: await system.escrow.getAddress(),
    governor: await system.governor.getAddress(),
  };
  return { system, flags };
}

/** Writes another person's export and returns its path. */
async function writeOther(dir: string): Promise<string> {
  const file = path.join(dir, "carol.zip");
  await writeFile(file, exportOf("carol", 23));
  return file;
}

/** Runs a task, returning what it printed on stdout (stderr progress is swallowed). */
async function runTask(name: string, args: Record<string, unknown>): Promise<string> {
  const printed: string[] = [];
  const log = console.log;
  const write = process.stderr.write;
  console.log = (...parts: unknown[]) => void printed.push(parts.map(String).join(" "));
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await hre.run(name, args);
  } finally {
    console.log = log;
    process.stderr.write = write;
  }
  return printed.join("\n");
}

async function taskError(name: string, args: Record<string, unknown>): Promise<HardhatPluginError> {
  const error = await runTask(name, args).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(HardhatPluginError.isHardhatPluginError(error), `${name} should fail with a plugin error`).to.equal(true);
  return error as HardhatPluginError;
}

describe("integration: role tasks", function () {
  let dir: string;

  beforeEach(async function () {
    dir = await tempDir("tasks");
  });

  afterEach(async function () {
    await removeDir(dir);
  });

  it("contribute → request → approve → deliver → fetch → claim, through the tasks", async function () {
    const { system, flags } = await loadFixture(taskFixture);
    const store = path.join(dir, "blobs");
    const exportFile = path.join(dir, "alice.zip");
    await writeFile(exportFile, exportOf("alice", 21));

    const contributed = JSON.parse(
      await runTask("contributor:contribute", {
        ...flags,
        account: "1",
        export: exportFile,
        purposes: "RESEARCH,AI_TRAINING",
        store,
        json: true,
      }),
    ) as { contentHash: string; owner: string };
    expect(contributed.owner).to.equal(system.signers[1].address);
    expect(await system.registry.pendingPurposes(contributed.contentHash)).to.equal(0b101n);
    // Consent given takes effect at the next consent epoch (60 s on local chains).
    await runTask("dev:advance", { ...flags, by: "1m" });
    expect(await system.registry.isEligible(contributed.contentHash, 2)).to.equal(true);

    await runTask("dev:fund", { ...flags, account: "5", amount: "2000" });
    const termsFile = path.join(dir, "terms.txt");
    await writeFile(termsFile, "terms");
    const requested = JSON.parse(
      await runTask("buyer:request", {
        ...flags,
        account: "5",
        purpose: "AI_TRAINING",
        amount: "1000",
        duration: "30d",
        terms: termsFile,
        json: true,
      }),
    ) as { requestId: string; optimistic: boolean };
    expect(requested.optimistic).to.equal(false);
    await system.escrow.connect(await timelockSigner(system)).approve([BigInt(requested.requestId)]);

    // 2-of-3: each run posts from the next current custodian that has not posted; the second releases.
    const first = await runTask("custodian:deliver", { ...flags, request: requested.requestId, store });
    expect(first).to.contain("1 of 2 custodians have posted this set").and.not.contain("fee released");
    const second = await runTask("custodian:deliver", { ...flags, request: requested.requestId, store });
    expect(second).to.contain("2 of 2 custodians have posted this set, fee released");
    const out = path.join(dir, "grant");
    await runTask("buyer:fetch", { ...flags, account: "5", request: requested.requestId, out });
    const lines = (await readFile(path.join(out, "conversations.jsonl"), "utf8")).trimEnd().split("\n");
    expect(lines.every((line) => line.includes(`"contribution":"${contributed.contentHash}"`))).to.equal(true);

    // The only consenting contributor earns the whole 95 % (less at most one unit of rounding).
    const claimable = await system.distributor.claimable(system.signers[1].address);
    expect(claimable).to.be.within(949_999_999n, 950_000_000n);
    const claimed = await runTask("contributor:claim", { ...flags, account: "1" });
    expect(claimed).to.contain(`Claimed ${roles.formatTokenAmount(claimable, 6)} USDC`);
    expect(await system.usdc.balanceOf(system.signers[1].address)).to.equal(claimable);
  });

  it("seal → validator:attest → contribute --sealed: the external-validator path", async function () {
    const { system, flags } = await loadFixture(taskFixture);
    const store = path.join(dir, "blobs");
    const exportFile = path.join(dir, "bob.zip");
    await writeFile(exportFile, exportOf("bob", 22));
    const sealedFile = path.join(dir, "sealed.json");
    const attestationFile = path.join(dir, "attestation.json");

    const exclude = "date:..2024-01-01";
    await runTask("contributor:seal", { ...flags, account: "2", export: exportFile, out: sealedFile, store, exclude });
    const sealed = roles.parseSealedFile(await readFile(sealedFile, "utf8"), sealedFile);
    // The exclusion shapes what is sealed, and the validator recomputes with it (from the sealed file).
    expect(sealed.profile.exclude).to.deep.equal(["date:..2024-01-01"]);
    const salt = roles.deploymentSalt(31337n, flags.registry);
    expect(sealed.units).to.be.below(sealedPayloadOf(exportOf("bob", 22), { salt }).report.units);
    expect((await system.registry.contribution(sealed.contentHash)).status, "not registered yet").to.equal(0n);
    await runTask("validator:attest", {
      ...flags,
      export: exportFile,
      sealed: sealedFile,
      out: attestationFile,
      validity: "1h",
    });
    const attestation = roles.parseAttestationFile(await readFile(attestationFile, "utf8"), attestationFile);
    expect(attestation.signatures.map((s) => s.validator)).to.deep.equal([system.validators[0].address]);

    const attestedElsewhere = await taskError("validator:attest", {
      ...flags,
      export: await writeOther(dir),
      sealed: sealedFile,
      out: path.join(dir, "other.json"),
      validity: "1h",
    });
    expect(attestedElsewhere.message).to.contain("does not describe this export");

    await runTask("contributor:contribute", {
      ...flags,
      account: "2",
      sealed: sealedFile,
      attestation: attestationFile,
      purposes: "RESEARCH",
      json: false,
    });
    const registered = await system.registry.contribution(sealed.contentHash);
    expect(registered.owner).to.equal(system.signers[2].address);
    expect(registered.units).to.equal(BigInt(sealed.units));
  });

  it("fails with the library's message, and no stack, on bad input", async function () {
    const { system, flags } = await loadFixture(taskFixture);
    const store = path.join(dir, "blobs");
    const exportFile = path.join(dir, "alice.zip");
    await writeFile(exportFile, exportOf("alice", 21));
    const nonce = await hre.ethers.provider.getTransactionCount(system.signers[1].address);

    const purpose = await taskError("contributor:contribute", {
      ...flags,
      account: "1",
      export: exportFile,
      purposes: "TRAINING",
      store,
    });
    expect(purpose.message).to.contain('Unknown purpose "TRAINING"');
    const both = await taskError("contributor:contribute", {
      ...flags,
      account: "1",
      export: exportFile,
      sealed: exportFile,
      purposes: "RESEARCH",
    });
    expect(both.message).to.contain("Give exactly one of --export");
    const account = await taskError("contributor:status", { ...flags, account: "99" });
    expect(account.message).to.contain("--account 99 is out of range");
    const missing = await taskError("contributor:status", { account: "1", deploymentId: "no-such-deployment" });
    expect(missing.message).to.contain('the in-process "hardhat" network starts empty');

    expect(await hre.ethers.provider.getTransactionCount(system.signers[1].address)).to.equal(nonce);
    expect(await filesUnder(store)).to.deep.equal([]);
  });
});
