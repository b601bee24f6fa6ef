import { ethers, network } from "hardhat";
import { SigningKey, id, type Signer } from "ethers";
import { contribute } from "../../test/support/contribute";
import { timelockSigner, type System } from "../../test/support/system";
import { freshAccount, gasOf, type Recorder } from "./setup";
import { deliverNow, nextEpoch, postNow } from "../../test/support/epoch";

const RESEARCH = 0;
const HOUR = 3600n;
const FEE = 1_000n * 10n ** 6n; // 1,000 USDC
const DURATION = 30n * 24n * HOUR;
/** Standing terms for RESEARCH; the threshold is high so that the one benchmark objection does not reject. */
const TERMS = {
  enabled: true,
  maxDuration: 365n * 24n * HOUR,
  objectionWindow: 2n * HOUR,
  objectionThresholdBps: 5_000n,
  minPrice: 100n * 10n ** 6n,
};

/** A funded buyer with the escrow approved, and a public key to receive data keys. */
async function newBuyer(system: System): Promise<{ buyer: Signer; publicKey: string }> {
  const buyer = await freshAccount();
  await system.usdc.mint(buyer, 100n * FEE);
  await system.usdc.connect(buyer).approve(system.escrow, ethers.MaxUint256);
  return { buyer, publicKey: new SigningKey(id(await buyer.getAddress())).compressedPublicKey };
}

async function request(system: System, buyer: Signer, publicKey: string) {
  return system.escrow
    .connect(buyer)
    .requestAccess(RESEARCH, FEE, DURATION, id("bench terms"), "bench://terms", publicKey);
}

/** One request for RESEARCH by a new buyer, approved by the timelock and delivered by k custodians: the release. */
async function releaseOne(system: System, label: string) {
  const { escrow, custodian } = system;
  const { buyer, publicKey } = await newBuyer(system);
  await request(system, buyer, publicKey);
  const requestId = await escrow.requestCount();
  await escrow.connect(await timelockSigner(system)).approve([requestId]);
  return deliverNow(escrow.connect(custodian), requestId, "bench://manifest", id(`${label} manifest`));
}

/**
 * The first release on a fresh deployment whose contributions consent to RESEARCH (`system` has had no
 * delivery and no deposit): the k-th post that creates the treasury's and the distributor's settlement
 * balances, the purpose's accumulator and (when the split leaves a remainder, as it does here) its carry slot,
 * and rolls the pending consent in (a fresh slot for the epoch), while the escrow's balance returns to zero (a
 * refund). Each fresh slot is ~17k over the steady release's rewrite; a one-off, measured apart.
 */
export async function benchFirstRelease(system: System): Promise<bigint> {
  await nextEpoch(system); // the contributions' consent becomes effective in this epoch
  return gasOf(releaseOne(system, "first"));
}

/**
 * Measures the escrow's hot paths on the system as it stands (`contributors` already registered):
 * `requestAccess` (an optimistic request), `object` (one objection below the threshold), `finalize` and
 * `deliverPost` (a custodian's post that does not release) and `deliver` (the k-th post, the release: treasury
 * share plus one O(1) distributor deposit); `deliverFirstInEpoch` is the release that rolls pending consent in.
 *
 * Steady state, not first use: a warm-up cycle first leaves the escrow, the treasury and the distributor
 * holding settlement tokens, so no measured transfer pays for creating a zero balance. Each buyer is new.
 */
export async function benchEscrow(record: Recorder, system: System, contributors: number): Promise<void> {
  const { escrow, custodian } = system;
  const timelock = await timelockSigner(system);
  await escrow.connect(timelock).setStandingTerms(RESEARCH, TERMS);

  // Warm-up, not measured: the first release on this deployment creates the treasury's settlement balance
  // (and, when the core part did not run, the distributor's first slots); `benchFirstRelease` measures that
  // one-off on a fresh deployment, whatever parts run.
  if ((await system.usdc.balanceOf(await escrow.treasury())) === 0n) {
    await nextEpoch(system); // the populated contributors' consent takes effect
    await (await releaseOne(system, "warm-up")).wait();
  }

  // A token holder who can object: votes exist before the request's timepoint. Its consent joins RESEARCH
  // pending; the warm-up delivery below, in a later epoch, makes it effective (the once-per-epoch roll), so
  // the measured delivery is the steady state.
  const voter = await freshAccount();
  await contribute(system, voter, { purposes: 0b1 });
  await nextEpoch(system);

  // Warm-up: one request delivered (treasury and distributor hold tokens), one left pending (escrow does).
  const warm = await newBuyer(system);
  await request(system, warm.buyer, warm.publicKey);
  const warmId = await escrow.requestCount();
  await escrow.connect(timelock).approve([warmId]);
  record(
    "deliverFirstInEpoch",
    contributors,
    await gasOf(deliverNow(escrow.connect(custodian), warmId, "bench://manifest", id("warm-up manifest"))),
  );
  await request(system, warm.buyer, warm.publicKey);

  const { buyer, publicKey } = await newBuyer(system);
  record("requestAccess", contributors, await gasOf(request(system, buyer, publicKey)));
  const requestId = await escrow.requestCount();

  record("object", contributors, await gasOf(escrow.connect(voter).object(requestId)));

  const { objectionDeadline } = await escrow.request(requestId);
  await network.provider.send("evm_setNextBlockTimestamp", [Number(objectionDeadline + 1n)]);
  record("finalize", contributors, await gasOf(escrow.finalize(requestId)));

  // k-of-n: the first post (k - 1 of them before the release) records the round; the k-th releases the fee.
  const setHash = id(`set ${requestId}`);
  record(
    "deliverPost",
    contributors,
    await gasOf(postNow(escrow.connect(custodian), requestId, "bench://manifest", setHash)),
  );
  record(
    "deliver",
    contributors,
    await gasOf(postNow(escrow.connect(system.custodians[1]), requestId, "bench://manifest", setHash)),
  );
}
