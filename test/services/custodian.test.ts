import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { id, parseUnits } from "ethers";

import * as roles from "../../src/roles";
import { LocalBlobStore, startBlobServer, type BlobServer } from "../../src/store";
import {
  type CustodianDaemon,
  type CustodianDaemonOptions,
  CustodianStateError,
  custodyAdapter,
  startCustodianDaemon,
} from "../../services/custodian";
import { nextEpoch } from "../support/epoch";
import { timelockSigner } from "../support/fixtures";
import { generateKeyPair } from "../../src/crypto";
import { connectSystem, deploySystem } from "../support/system";
import { P, contributeAs, exportOf, filesUnder, mask, removeDir, tempDir } from "../roles/fixture";

/**
 * The system with three custodians (2-of-3) holding fresh keys; two contributions consenting to AI_TRAINING,
 * in effect; a funded buyer; no request yet.
 */
async function daemonFixture() {
  const pairs = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  // An hour-long consent epoch (as on Sepolia): 150 blocks of one second each stay inside one delivery round.
  const system = await deploySystem({ custodianPublicKeys: pairs.map((p) => p.publicKey), consentEpoch: 3600 });
  const coop = await connectSystem(system);
  const validators = await roles.localValidators(coop, system.validators);
  const [, alice, bob, , , , buyer] = system.signers;
  const custodianKeys = pairs.map((p, i) => roles.eciesKeyFromPrivate(p.privateKey, `custodian ${i + 1}'s test key`));
  const buyerKey = roles.eciesKeyFromPrivate(generateKeyPair().privateKey, "the test buyer key");
  const dir = await tempDir("custodian-daemon");
  const source = roles.openStore(path.join(dir, "contributions"));
  const fx = { system, coop, validators };
  await contributeAs(fx, alice, exportOf("alice", 11), mask(P.AI_TRAINING), source);
  await contributeAs(fx, bob, exportOf("bob", 12), mask(P.RESEARCH, P.AI_TRAINING), source);
  await nextEpoch(system);
  await system.usdc.mint(buyer.address, parseUnits("1000000", 6));
  return { ...fx, custodianKeys, buyer, buyerKey, dir };
}

type Fixture = Awaited<ReturnType<typeof daemonFixture>>;

/** `count` AI_TRAINING requests from the buyer, approved by the timelock in one batch. */
async function approveRequests(fx: Fixture, count: number): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const request = await roles.requestAccess(fx.coop, fx.buyer, {
      purpose: P.AI_TRAINING,
      amount: parseUnits("100", 6),
      duration: 30 * 86_400,
      termsHash: id(`terms ${i}`),
      termsURI: "https://terms.example/training",
      buyerPublicKey: fx.buyerKey.publicKey,
    });
    ids.push(request.requestId);
  }
  await fx.coop.escrow.connect(await timelockSigner(fx.system)).approve(ids);
  return ids;
}

/** The escrow's AccessDelivered events for a request: exactly one means delivered once. */
async function deliveries(fx: Fixture, requestId: bigint): Promise<number> {
  return (await fx.coop.escrow.queryFilter(fx.coop.escrow.filters.AccessDelivered(requestId))).length;
}

/** How many share manifests custodian `index` posted for a request: never more than one. */
async function posts(fx: Fixture, requestId: bigint, index: number): Promise<number> {
  const filter = fx.coop.escrow.filters.SharePosted(requestId, fx.system.custodians[index].address);
  return (await fx.coop.escrow.queryFilter(filter)).length;
}

describe("services: custodian daemon", function () {
  let fx: Fixture;
  let lines: Record<string, unknown>[];
  const running: CustodianDaemon[] = [];
  const servers: BlobServer[] = [];

  /** Custodian `index`'s daemon on its own state file, ticked by hand; log lines collected in `lines`. */
  async function start(
    index: number,
    extra: Partial<CustodianDaemonOptions> & { store?: roles.NamedStore } = {},
  ): Promise<CustodianDaemon> {
    const store = extra.store ?? roles.openStore(path.join(fx.dir, "delivered"));
    const daemon = await startCustodianDaemon({
      system: fx.coop,
      delivery: (eligibilityLogs) =>
        custodyAdapter(fx.coop, fx.system.custodians[index], fx.custodianKeys[index], { store, eligibilityLogs }),
      dbPath: path.join(fx.dir, `custodian-${index}.sqlite`),
      pollIntervalMs: 0,
      retryMs: 0,
      log: (line) => lines.push({ custodian: index, ...(JSON.parse(line) as Record<string, unknown>) }),
      ...extra,
    });
    running.push(daemon);
    return daemon;
  }

  /** Stops a daemon as a crash would leave it: nothing more is written, the file is closed. */
  async function stop(daemon: CustodianDaemon): Promise<void> {
    running.splice(running.indexOf(daemon), 1);
    await daemon.close();
  }

  const logged = (event: string) => lines.filter((l) => l.event === event);
  const status = async (requestId: bigint) => (await roles.readRequest(fx.coop, requestId)).statusName;

  beforeEach(async function () {
    fx = await loadFixture(daemonFixture);
    // loadFixture reverts the chain, not the disk: fresh state files per test.
    for (const file of await filesUnder(fx.dir)) if (file.includes(".sqlite")) await removeDir(file);
    lines = [];
  });

  afterEach(async function () {
    for (const daemon of running.splice(0)) await daemon.close();
    for (const server of servers.splice(0)) await server.close();
  });

  after(async function () {
    await removeDir(fx?.dir);
  });

  it("delivers on its own, logs id, set size and time, keeps the registry's events, and reports its block on /health", async function () {
    const [first, second] = [await start(0), await start(1)];
    const [requestId] = await approveRequests(fx, 1);
    await first.tick();
    expect(await status(requestId)).to.equal("Approved"); // one share of 2-of-3 releases nothing
    expect(first.state.request(requestId)?.state).to.equal("posted");
    await second.tick();
    expect(await status(requestId)).to.equal("Delivered");
    await first.tick(); // sees the release
    expect(first.state.request(requestId)?.state).to.equal("delivered");

    const delivered = logged("delivered");
    expect(delivered.map((l) => l.released)).to.deep.equal([false, true]);
    expect(delivered[0]).to.include({ requestId: requestId.toString(), setSize: 2, level: "info" });
    expect(delivered[0].ms).to.be.a("number");
    const health = await fetch(`${first.url}/health`);
    expect(health.status).to.equal(200);
    const body = (await health.json()) as { lastBlock: number; requests: { delivered: number } };
    expect(body.lastBlock).to.equal(await ethers.provider.getBlockNumber());
    expect(body.requests.delivered).to.equal(1);
    // The registry's events are kept locally: a delivery folds them instead of rescanning from block 0,
    // and they are the chain's own.
    const local = first.state.logs(0, body.lastBlock);
    const chain = await roles.eligibilityLogs(fx.coop, 0, body.lastBlock);
    expect(local).to.have.length(2);
    expect(local.map((l) => [l.topics, l.data])).to.deep.equal(chain.map((l) => [l.topics, l.data]));
  });

  it("with one custodian of three down, the other two deliver", async function () {
    const [requestId] = await approveRequests(fx, 1);
    for (const daemon of [await start(1), await start(2)]) await daemon.tick();
    expect(await status(requestId)).to.equal("Delivered");
    expect([await posts(fx, requestId, 0), await posts(fx, requestId, 1), await posts(fx, requestId, 2)]).to.deep.equal(
      [0, 1, 1],
    );
  });

  it("posts again when the delivery round restarts (a new consent epoch) before the others posted", async function () {
    const [requestId] = await approveRequests(fx, 1);
    const [first, second] = [await start(0), await start(1)];
    await first.tick();
    await nextEpoch(fx.system); // the first post was for the last epoch's set: a new round starts
    await second.tick();
    expect(await status(requestId)).to.equal("Approved");
    await first.tick();
    expect(logged("round-restarted")).to.have.length(1);
    expect(await status(requestId)).to.equal("Delivered");
    expect(await posts(fx, requestId, 0)).to.equal(2); // one per round
  });

  it("stopped after recording its intent and before sending, posts once after restart", async function () {
    const [requestId] = await approveRequests(fx, 1);
    const crashing = await start(0, {
      hooks: {
        afterIntent: () => {
          throw new Error("simulated crash");
        },
      },
    });
    await expect(crashing.tick()).to.be.rejectedWith("simulated crash");
    expect(crashing.state.request(requestId)?.state).to.equal("sending");
    await stop(crashing);
    expect(await posts(fx, requestId, 0)).to.equal(0);

    const restarted = await start(0);
    await restarted.tick();
    await (await start(1)).tick();
    expect(await posts(fx, requestId, 0)).to.equal(1);
    expect(await deliveries(fx, requestId)).to.equal(1);
    expect(restarted.state.request(requestId)).to.include({ state: "posted", attempts: 2 });
  });

  it("stopped after sending and before recording, finds its post on chain and sends nothing more", async function () {
    const [requestId] = await approveRequests(fx, 1);
    const crashing = await start(0, {
      hooks: {
        afterSend: () => {
          throw new Error("simulated crash");
        },
      },
    });
    await expect(crashing.tick()).to.be.rejectedWith("simulated crash");
    expect(crashing.state.request(requestId)?.state).to.equal("sending");
    await stop(crashing);
    const sent = await ethers.provider.getTransactionCount(fx.system.custodians[0].address);

    const restarted = await start(0);
    await restarted.tick();
    expect(await ethers.provider.getTransactionCount(fx.system.custodians[0].address)).to.equal(sent);
    expect(restarted.state.request(requestId)?.state).to.equal("posted");
    expect(logged("reconciled")).to.have.length(1);
    await (await start(1)).tick();
    await restarted.tick();
    expect(await posts(fx, requestId, 0)).to.equal(1);
    expect(await deliveries(fx, requestId)).to.equal(1);
    expect(restarted.state.request(requestId)?.state).to.equal("delivered");
  });

  it("offline while 50 requests are approved, catches up on all of them after restart, each once", async function () {
    const before = [await start(0), await start(1)];
    for (const daemon of before) await daemon.tick();
    const lastBlock = before[0].state.lastBlock;
    for (const daemon of before) await stop(daemon);
    const ids = await approveRequests(fx, 50);

    const after = [await start(0, { chunkBlocks: 20 }), await start(1, { chunkBlocks: 20 })];
    expect(after[0].state.lastBlock).to.equal(lastBlock); // resumes where it stopped
    for (const daemon of after) await daemon.tick();
    expect(logged("delivered")).to.have.length(100);
    for (const requestId of ids) {
      expect(await status(requestId), `request ${requestId}`).to.equal("Delivered");
      expect(await deliveries(fx, requestId)).to.equal(1);
    }
    expect(after[1].state.counts()).to.include({ delivered: 50, pending: 0, sending: 0 });
  });

  it("with the blob store down, retries, reports a clear error and a nearing deadline, and posts nothing", async function () {
    const blobs = path.join(fx.dir, "http-store");
    let server = await startBlobServer({ store: new LocalBlobStore(blobs) });
    const { port } = new URL(server.url);
    await server.close();
    const daemon = await start(0, { store: roles.openStore(server.url), warnBeforeSeconds: 40 * 86_400 });
    const [requestId] = await approveRequests(fx, 1);

    await daemon.tick();
    await daemon.tick();
    const failures = logged("delivery-failed");
    expect(failures).to.have.length(2);
    expect(String(failures[0].error)).to.include(`127.0.0.1:${port}`);
    expect(logged("deadline-approaching")[0]).to.include({ requestId: requestId.toString(), level: "warn" });
    expect(daemon.state.request(requestId)).to.include({ state: "pending", attempts: 2 });
    expect(await posts(fx, requestId, 0)).to.equal(0); // nothing posted
    expect(await filesUnder(blobs)).to.deep.equal([]); // no manifest, no ciphertext copied

    server = await startBlobServer({ store: new LocalBlobStore(blobs), port: Number(port) });
    servers.push(server);
    await daemon.tick();
    expect(await posts(fx, requestId, 0)).to.equal(1);
    expect(daemon.state.request(requestId)?.state).to.equal("posted");
  });

  it("refuses a state file kept for another deployment", async function () {
    await stop(await start(0));
    const other = { ...fx.coop, addresses: { ...fx.coop.addresses, escrow: fx.coop.addresses.registry } };
    await expect(
      startCustodianDaemon({
        system: other,
        delivery: () =>
          custodyAdapter(other, fx.system.custodians[0], fx.custodianKeys[0], { store: roles.openStore(fx.dir) }),
        dbPath: path.join(fx.dir, "custodian-0.sqlite"),
        pollIntervalMs: 0,
        log: () => undefined,
      }),
    ).to.be.rejectedWith(CustodianStateError, "belongs to escrow");
  });
});
