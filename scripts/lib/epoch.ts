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
 * The consent epoch and build time a delivery sent now states, built from the latest block. If the next
 * block would fall in the following epoch, it first moves to that epoch's start, so a delivery sent right
 * after stays in the epoch it was built for.
 */
export async function deliveryPoint(system: WithDistributor): Promise<{ epoch: bigint; builtAt: bigint }> {
  const length = Number(await system.distributor.consentEpoch());
  const [, start] = await system.distributor.currentEpoch();
  if ((await latestTime()) + 1 >= Number(start) + length) await nextEpoch(system);
  const [epoch] = await system.distributor.currentEpoch();
  return { epoch, builtAt: BigInt(await latestTime()) };
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
