import { ethers, network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { RevenueDistributor__factory, type AccessEscrow } from "../../typechain-types";
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
 * Delivers `requestId` through `escrow` (connected to the custodian) for the current epoch's set, as built
 * from the latest block.
 */
export async function deliverNow(
  escrow: AccessEscrow,
  requestId: bigint,
  manifestURI: string,
  manifestHash: string,
): Promise<ContractTransactionResponse> {
  const distributor = RevenueDistributor__factory.connect(await escrow.distributor(), ethers.provider);
  const { epoch, builtAt } = await deliveryPoint({ distributor });
  return escrow.deliver(requestId, epoch, builtAt, manifestURI, manifestHash);
}

/** The consent record of no contribution: nothing pending (for tests that report weight as a registry would). */
export const NO_CONSENT = { epoch: 0, pending: 0 } as const;
