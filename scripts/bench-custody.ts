/**
 * Custody benchmark, in one run on the in-process network:
 *
 * 1. the per-key re-wrap (unwrap from the custodian, wrap to the buyer) of our ECIES (libsecp256k1, and
 *    the noble fallback for information) against plain eciesjs doing the same, on the same machine and in
 *    the same process, so the ratio holds on a loaded machine;
 * 2. one custodian delivering a grant over 100, 1,000 and 10,000 contributions end to end (chain reads,
 *    descriptor reads, re-wrapping, manifest, posting), split into chain, crypto and store time.
 *
 * It prints a table and writes `bench/custody.json`
 * (`{ "rewrapSpeedup": n, "deliverSeconds": { "<contributions>": s } }`), committed so changes show in review.
 *
 * State: every contribution is real (sealed ciphertext and descriptor in a local blob store, registered
 * through `registry.contribute` with a validator attestation), sent 80 to a block with automine off; only
 * the sealing and registering are outside the timed delivery.
 *
 *   npm run bench:custody            (BENCH_CUSTODY_SIZES=100,1000 for a shorter run)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { decrypt as eciesDecrypt, encrypt as eciesEncrypt } from "eciesjs";
import { id, parseUnits } from "ethers";

import {
  createRewrapper,
  generateKeyPair,
  nativeCurve,
  nobleCurve,
  sealContribution,
  wrapDataKey,
} from "../src/crypto";
import * as roles from "../src/roles";
import { type ContributionOf, populate } from "./bench/setup";
import { nextEpoch } from "../test/support/epoch";
import { connectSystem, deploySystem, timelockSigner } from "../test/support/system";

const SIZES = (process.env.BENCH_CUSTODY_SIZES ?? "100,1000,10000").split(",").map(Number);
const AI_TRAINING = 2;
const PURPOSES = (1 << 0) | (1 << AI_TRAINING);
const TARGET_SPEEDUP = 50;
const TARGET_DELIVERY_SECONDS = 30;

/** Mean milliseconds per call of `fn` over `count` calls, after `warm` uncounted ones. */
function perCall(count: number, warm: number, fn: () => unknown): number {
  for (let i = 0; i < warm; i++) fn();
  const start = performance.now();
  for (let i = 0; i < count; i++) fn();
  return (performance.now() - start) / count;
}

function benchRewrap(): { ours: number; noble: number; eciesjs: number } {
  const custodian = generateKeyPair();
  const buyer = generateKeyPair();
  const dataKey = Uint8Array.from(Buffer.from(generateKeyPair().privateKey.slice(2), "hex"));
  const wrapped = wrapDataKey(dataKey, custodian.publicKey);
  const native = nativeCurve();
  if (native === undefined) throw new Error("The native secp256k1 binding does not load here; the bench needs it.");
  const ours = createRewrapper(custodian.privateKey, buyer.publicKey, native);
  const noble = createRewrapper(custodian.privateKey, buyer.publicKey, nobleCurve());
  const secret = Buffer.from(custodian.privateKey.slice(2), "hex");
  const buyerKey = buyer.publicKey.slice(2);
  // Plain eciesjs, as the custodian did before: decrypt with the secret, encrypt to the buyer.
  const plain = () => eciesEncrypt(buyerKey, eciesDecrypt(secret, wrapped.subarray(1)));
  return {
    ours: perCall(2000, 200, () => ours(wrapped)),
    noble: perCall(100, 20, () => noble(wrapped)),
    eciesjs: perCall(40, 5, plain),
  };
}

interface Delivery {
  readonly contributions: number;
  readonly total: number;
  readonly chain: number;
  readonly crypto: number;
  readonly store: number;
}

async function benchDeliveries(log: (line: string) => void): Promise<Delivery[]> {
  // The local 2-of-3 set with fresh keys; one custodian's delivery is measured (each of the k works alike,
  // independently and in parallel).
  const custodianPairs = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  const system = await deploySystem({ custodianPublicKeys: custodianPairs.map((pair) => pair.publicKey) });
  const coop = await connectSystem(system);
  const custodianKey = roles.eciesKeyFromPrivate(custodianPairs[0].privateKey, "the bench custodian key");
  const buyerKey = roles.eciesKeyFromPrivate(generateKeyPair().privateKey, "the bench buyer key");
  const buyer = system.signers[6];
  const timelock = await timelockSigner(system);
  const dir = await mkdtemp(path.join(os.tmpdir(), "datacoop-bench-custody-"));
  const store = roles.openStore(dir);
  const custodians = await roles.custodianSetOf(coop);
  const contributor = generateKeyPair();
  const results: Delivery[] = [];
  try {
    let registered = 0;
    for (const size of SIZES) {
      // Seal and store the new contributions, then register them (not timed).
      const added: { contentHash: string; uri: string }[] = [];
      for (let i = registered; i < size; i++) {
        const plaintext = new TextEncoder().encode(`{"conversation":${i},"text":"${"x".repeat(200)}"}`);
        const sealed = await sealContribution(plaintext, { custodians, contributorPublicKey: contributor.publicKey });
        await store.store.put(sealed.ciphertext);
        const descriptor = roles.describeSealed(sealed, store.uriFor(sealed.contentHash), contributor.publicKey);
        const key = await store.store.put(roles.serializeDescriptor(descriptor));
        added.push({ contentHash: sealed.contentHash, uri: store.uriFor(key) });
      }
      const contributionOf: ContributionOf = (index) => added[index];
      log(`  registering ${added.length} contributions (${size} in all)...`);
      await populate(system, added.length, PURPOSES, log, contributionOf);
      registered = size;
      await nextEpoch(system); // consent given takes effect in the next epoch

      await system.usdc.mint(buyer.address, parseUnits("1000", 6));
      const request = await roles.requestAccess(coop, buyer, {
        purpose: AI_TRAINING,
        amount: parseUnits("1000", 6),
        duration: 30 * 86_400,
        termsHash: id(`bench terms ${size}`),
        termsURI: "https://terms.example/bench",
        buyerPublicKey: buyerKey.publicKey,
      });
      await system.escrow.connect(timelock).approve([request.requestId]);

      const start = performance.now();
      const delivery = await roles.deliverShare(coop, system.custodians[0], custodianKey, request.requestId, { store });
      const total = (performance.now() - start) / 1000;
      if (delivery.contentHashes.length !== size) {
        throw new Error(`The delivery covered ${delivery.contentHashes.length} contributions, not ${size}.`);
      }
      results.push({ contributions: size, total, ...delivery.seconds });
      log(`  delivered ${size}: ${total.toFixed(2)} s`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

async function main() {
  const log = (line: string) => console.log(line);
  log("Re-wrap, per key (same process):");
  const rewrap = benchRewrap();
  const speedup = rewrap.eciesjs / rewrap.ours;
  log("Delivery by one custodian:");
  const deliveries = await benchDeliveries(log);

  console.log("");
  console.log("| re-wrap, per key | ms | vs plain eciesjs |");
  console.log("|---|---:|---:|");
  console.log(`| plain eciesjs | ${rewrap.eciesjs.toFixed(3)} | 1× |`);
  console.log(`| ours, noble fallback | ${rewrap.noble.toFixed(3)} | ${(rewrap.eciesjs / rewrap.noble).toFixed(1)}× |`);
  console.log(
    `| ours, libsecp256k1 | ${rewrap.ours.toFixed(3)} | ${speedup.toFixed(1)}× (target ≥ ${TARGET_SPEEDUP}×) |`,
  );
  console.log("");
  console.log("| contributions | end to end (s) | chain reads + post (s) | crypto (s) | store (s) |");
  console.log("|---:|---:|---:|---:|---:|");
  for (const d of deliveries) {
    console.log(
      `| ${d.contributions} | ${d.total.toFixed(2)} | ${d.chain.toFixed(2)} | ${d.crypto.toFixed(2)} | ${d.store.toFixed(2)} |`,
    );
  }

  const round = (n: number, digits: number) => Number(n.toFixed(digits));
  const out = {
    rewrapSpeedup: round(speedup, 1),
    deliverSeconds: Object.fromEntries(deliveries.map((d) => [String(d.contributions), round(d.total, 2)])),
  };
  mkdirSync(path.join(__dirname, "..", "bench"), { recursive: true });
  writeFileSync(path.join(__dirname, "..", "bench", "custody.json"), JSON.stringify(out, null, 2) + "\n");
  console.log("\nWrote bench/custody.json");

  const failures: string[] = [];
  if (speedup < TARGET_SPEEDUP)
    failures.push(`re-wrap is ${speedup.toFixed(1)}× plain eciesjs, below ${TARGET_SPEEDUP}×`);
  const largest = deliveries.find((d) => d.contributions === 10_000);
  if (largest && largest.total >= TARGET_DELIVERY_SECONDS) {
    failures.push(
      `10,000-contribution delivery took ${largest.total.toFixed(1)} s, target < ${TARGET_DELIVERY_SECONDS} s`,
    );
  }
  if (failures.length > 0) {
    console.error(`Targets missed: ${failures.join("; ")}.`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
