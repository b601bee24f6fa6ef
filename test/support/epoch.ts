import { ethers, network } from "hardhat";
import { concat, keccak256, type ContractTransactionResponse, type Signer } from "ethers";
import { CustodianSet__factory, RevenueDistributor__factory, type AccessEscrow } from "../../typechain-types";
import type { System } from "./system";

type WithDistributor = Pick<System, "distributor">;

/** The latest block's time. */
async function latestTime(): Promise<number> {
  return (await ethers.provider.getBlock("latest"))!.timestamp;
}

/**
 * Moves the in-process chain to the first second of the next consent epoch, where the consent given so
 * far becomes effective (tests, benchmarks and the demo only: a real chain just waits).
 */
export async function nextEpoch(system: WithDistributor): Promise<void> {
  const [, start] = await system.distributor.currentEpoch();
  const next = Number(start + (await system.distributor.consentEpoch()));
  await network.provider.send("evm_mine", [Math.max(next, (await latestTime()) + 1)]);
}

/**
 * The consent epoch and build time a delivery sent now states: the epoch of the next block (which may lie
 * ahead of the latest one after a time jump) and, as build time, the latest block's time or that epoch's
 * start if later (no transaction lies between them, so the state is the same).
 */
export async function deliveryPoint(system: WithDistributor): Promise<{ epoch: bigint; builtAt: bigint }> {
  const [epoch, start] = await system.distributor.currentEpoch({ blockTag: "pending" });
  const latest = BigInt(await latestTime());
  return { epoch, builtAt: latest > start ? latest : start };
}

/**
 * One custodian's post for `requestId` through `escrow` (connected to that custodian) for the current epoch's
 * set, as built from the latest block: `setHash` names the set; the manifest hash defaults to one derived
 * from the set hash and the custodian, so custodians' posts differ as real share manifests do.
 */
export async function postNow(
  escrow: AccessEscrow,
  requestId: bigint,
  manifestURI: string,
  setHash: string,
  manifestHash?: string,
): Promise<ContractTransactionResponse> {
  const distributor = RevenueDistributor__factory.connect(await escrow.distributor(), ethers.provider);
  const { epoch, builtAt } = await deliveryPoint({ distributor });
  const custodian = await (escrow.runner as Signer).getAddress();
  const hash = manifestHash ?? keccak256(concat([setHash, custodian]));
  return escrow.deliver(requestId, { epoch, builtAt, setHash, manifestHash: hash, manifestURI });
}

/**
 * Delivers `requestId` by k custodians (tests, benchmarks and the demo's shortcut): the custodian `escrow` is
 * connected to posts first, then other current custodians (local accounts) until the fee is released, all for
 * `setHash`. Should a consent epoch end between two posts, the round restarts and the custodians post again,
 * as real ones do. Returns the releasing post (the k-th of its round).
 */
export async function deliverNow(
  escrow: AccessEscrow,
  requestId: bigint,
  manifestURI: string,
  setHash: string,
): Promise<ContractTransactionResponse> {
  const first = await (escrow.runner as Signer).getAddress();
  const set = CustodianSet__factory.connect(await escrow.custodianSet(), ethers.provider);
  const [custodians] = await set.custodiansAt(await set.currentVersion());
  const others = custodians.map((c) => c.account).filter((a) => a.toLowerCase() !== first.toLowerCase());
  let tx = await postNow(escrow, requestId, manifestURI, setHash);
  // At most two rounds: an epoch lasts far longer than k posts.
  for (const account of [...others, first, ...others]) {
    const receipt = await tx.wait();
    if (receipt?.logs.some((log) => escrow.interface.parseLog(log)?.name === "AccessDelivered")) return tx;
    if (await escrow.hasPosted(requestId, account)) continue;
    tx = await postNow(escrow.connect(await ethers.getSigner(account)), requestId, manifestURI, setHash);
  }
  return tx;
}

/** The consent record of no contribution: nothing pending (for tests that report weight as a registry would). */
export const NO_CONSENT = { epoch: 0, pending: 0 } as const;
