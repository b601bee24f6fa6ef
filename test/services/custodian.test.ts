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
  singleCustodianDelivery,
  startCustodianDaemon,
} from "../../services/custodian";
import { nextEpoch } from "../../scripts/lib/epoch";
import { timelockSigner } from "../helpers/fixtures";
import { P, contributeAs, exportOf, filesUnder, mask, removeDir, rolesFixture, tempDir } from "../roles/fixture";

/** Two contributions consenting to AI_TRAINING, in effect; a funded buyer; no request yet. */
async function daemonFixture() {
  const fx = await rolesFixture();
  const dir = await tempDir("custodian-daemon");
  const source = roles.openStore(path.join(dir, "contributions"));
  await contributeAs(fx, fx.alice, exportOf("alice", 11), mask(P.AI_TRAINING), source);
  await contributeAs(fx, fx.bob, exportOf("bob", 12), mask(P.RESEARCH, P.AI_TRAINING), source);
  await nextEpoch(fx.system);
  await fx.system.usdc.mint(fx.buyer.address, parseUnits("1000000", 6));
  return { ...fx, dir };
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

describe("services: custodian daemon", function () {
  let fx: Fixture;
  let lines: Record<string, unknown>[];
  const running: CustodianDaemon[] = [];
  const servers: BlobServer[] = [];

  /** A daemon on the fixture's state file, ticked by hand; log lines collected in `lines`. */
  async function start(
    store: roles.NamedStore = roles.openStore(path.join(fx.dir, "delivered")),
    extra: Partial<CustodianDaemonOptions> = {},
  ): Promise<CustodianDaemon> {
    const daemon = await startCustodianDaemon({
      system: fx.coop,
      delivery: (eligibilityLogs) =>
        singleCustodianDelivery(fx.coop, fx.system.custodian, fx.custodianKey, { store, eligibilityLogs }),
      dbPath: path.join(fx.dir, "custodian.sqlite"),
      pollIntervalMs: 0,
      retryMs: 0,
      log: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
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

  beforeEach(async function () {
    fx = await loadFixture(daemonFixture);
    // loadFixture reverts the chain, not the disk: a fresh state file per test.
    await removeDir(path.join(fx.dir, "custodian.sqlite"));
    await removeDir(path.join(fx.dir, "custodian.sqlite-wal"));
    await removeDir(path.join(fx.dir, "custodian.sqlite-shm"));
    lines = [];
  });

  afterEach(async function () {
    for (const daemon of running.splice(0)) await daemon.close();
    for (const server of servers.splice(0)) await server.close();
  });

  after(async function () {
    await removeDir(fx?.dir);
  });

  it("delivers an approved request on its own, logs id, set size and time, and reports its block on /health", async function () {
    const daemon = await start();
    const [requestId] = await approveRequests(fx, 1);
    await daemon.tick();

    expect((await fx.coop.escrow.request(requestId)).status).to.equal(3n); // Delivered
    const [line] = logged("delivered");
    expect(line).to.include({ requestId: requestId.toString(), setSize: 2, level: "info" });
    expect(line.ms).to.be.a("number");
    await daemon.tick(); // records the block of its own delivery
    const health = await fetch(`${daemon.url}/health`);
    expect(health.status).to.equal(200);
    const body = (await health.json()) as { lastBlock: number; requests: { delivered: number } };
    expect(body.lastBlock).to.equal(await ethers.provider.getBlockNumber());
    expect(body.requests.delivered).to.equal(1);
    // The registry's events are kept locally: a delivery folds them instead of rescanning from block 0,
    // and they are the chain's own.
    const local = daemon.state.logs(0, body.lastBlock);
    const chain = await roles.eligibilityLogs(fx.coop, 0, body.lastBlock);
    expect(local).to.have.length(2);
    expect(local.map((l) => [l.topics, l.data])).to.deep.equal(chain.map((l) => [l.topics, l.data]));
  });

  it("stopped after recording its intent and before sending, delivers once after restart", async function () {
    const [requestId] = await approveRequests(fx, 1);
    const crashing = await start(undefined, {
      hooks: {
        afterIntent: () => {
          throw new Error("simulated crash");
        },
      },
    });
    await expect(crashing.tick()).to.be.rejectedWith("simulated crash");
    expect(crashing.state.request(requestId)?.state).to.equal("sending");
    await stop(crashing);
    expect((await fx.coop.escrow.request(requestId)).status).to.equal(2n); // still Approved

    const restarted = await start();
    await restarted.tick();
    expect(await deliveries(fx, requestId)).to.equal(1);
    expect(restarted.state.request(requestId)).to.include({ state: "delivered", attempts: 2 });
  });

  it("stopped after sending and before recording, finds the delivery on chain and sends nothing more", async function () {
    const [requestId] = await approveRequests(fx, 1);
    const crashing = await start(undefined, {
      hooks: {
        afterSend: () => {
          throw new Error("simulated crash");
        },
      },
    });
    await expect(crashing.tick()).to.be.rejectedWith("simulated crash");
    expect(crashing.state.request(requestId)?.state).to.equal("sending");
    await stop(crashing);
    const sent = await ethers.provider.getTransactionCount(fx.system.custodian.address);

    const restarted = await start();
    await restarted.tick();
    expect(await ethers.provider.getTransactionCount(fx.system.custodian.address)).to.equal(sent);
    expect(await deliveries(fx, requestId)).to.equal(1);
    expect(restarted.state.request(requestId)?.state).to.equal("delivered");
    expect(logged("reconciled")).to.have.length(1);
  });

  it("offline while 50 requests are approved, catches up on all of them after restart, each once", async function () {
    const first = await start();
    await first.tick();
    const before = first.state.lastBlock;
    await stop(first);
    const ids = await approveRequests(fx, 50);

    const restarted = await start(undefined, { chunkBlocks: 20 });
    expect(restarted.state.lastBlock).to.equal(before); // resumes where it stopped
    await restarted.tick();
    expect(logged("delivered")).to.have.length(50);
    for (const requestId of ids) {
      expect((await fx.coop.escrow.request(requestId)).status, `request ${requestId}`).to.equal(3n);
      expect(await deliveries(fx, requestId)).to.equal(1);
    }
    expect(restarted.state.counts()).to.include({ delivered: 50, pending: 0, sending: 0 });
  });

  it("with the blob store down, retries, reports a clear error and a nearing deadline, and posts nothing", async function () {
    const blobs = path.join(fx.dir, "http-store");
    let server = await startBlobServer({ store: new LocalBlobStore(blobs) });
    const { port } = new URL(server.url);
    await server.close();
    const daemon = await start(roles.openStore(server.url), { warnBeforeSeconds: 40 * 86_400 });
    const [requestId] = await approveRequests(fx, 1);

    await daemon.tick();
    await daemon.tick();
    const failures = logged("delivery-failed");
    expect(failures).to.have.length(2);
    expect(String(failures[0].error)).to.include(`127.0.0.1:${port}`);
    expect(logged("deadline-approaching")[0]).to.include({ requestId: requestId.toString(), level: "warn" });
    expect(daemon.state.request(requestId)).to.include({ state: "pending", attempts: 2 });
    expect((await fx.coop.escrow.request(requestId)).status).to.equal(2n); // Approved: nothing posted
    expect(await filesUnder(blobs)).to.deep.equal([]); // no manifest, no ciphertext copied

    server = await startBlobServer({ store: new LocalBlobStore(blobs), port: Number(port) });
    servers.push(server);
    await daemon.tick();
    expect(await deliveries(fx, requestId)).to.equal(1);
    expect(daemon.state.request(requestId)?.state).to.equal("delivered");
  });

  it("refuses a state file kept for another deployment", async function () {
    await stop(await start());
    const other = { ...fx.coop, addresses: { ...fx.coop.addresses, escrow: fx.coop.addresses.registry } };
    await expect(
      startCustodianDaemon({
        system: other,
        delivery: () =>
          singleCustodianDelivery(other, fx.system.custodian, fx.custodianKey, { store: roles.openStore(fx.dir) }),
        dbPath: path.join(fx.dir, "custodian.sqlite"),
        pollIntervalMs: 0,
        log: () => undefined,
      }),
    ).to.be.rejectedWith(CustodianStateError, "belongs to escrow");
  });
});
