import { getAddress, type Signer } from "ethers";

import type { DataCoop } from "./contracts";
import { CONTRIBUTION_STATUS, type ContributionStatusName, enumName } from "../protocol/constants";
import { RoleError } from "./errors";
import { scanEvents } from "./events";
import { decodeLog } from "./logs";
import { transact } from "./transact";

/* What a contributor does with contributions already registered: consent, revocation, revenue, status. */

/**
 * Changes the consent of an active contribution the signer owns (future revenue only).
 * @returns whether anything changed (setting the same mask sends nothing)
 */
export async function setPurposes(
  system: Pick<DataCoop, "registry">,
  signer: Signer,
  contentHash: string,
  purposes: number,
): Promise<{ changed: boolean; previous: number; txHash?: string }> {
  checkContentHash(contentHash);
  const current = await system.registry.contribution(contentHash);
  const previous = Number(current.purposes);
  // Setting the mask it has sends nothing (for its owner, while active; anyone else is told by the registry).
  const owner = getAddress(current.owner) === (await signer.getAddress());
  if (previous === purposes && owner && current.status === BigInt(CONTRIBUTION_STATUS.Active)) {
    return { changed: false, previous };
  }
  const receipt = await transact(
    "change the consent",
    system.registry.connect(signer).setPurposes,
    contentHash,
    purposes,
  );
  return { changed: true, previous, txHash: receipt.hash };
}

/**
 * Revokes an active contribution the signer owns ("delete my data"): its weight leaves every purpose and
 * the custodian never releases its key again. Revenue already earned stays claimable.
 */
export async function revokeContribution(
  system: Pick<DataCoop, "registry">,
  signer: Signer,
  contentHash: string,
): Promise<{ txHash: string }> {
  checkContentHash(contentHash);
  const receipt = await transact("revoke the contribution", system.registry.connect(signer).revoke, contentHash);
  return { txHash: receipt.hash };
}

/**
 * Refuses a malformed content hash before any call; whether the signer owns the contribution and it is
 * active is the registry's to say, in the simulation.
 */
function checkContentHash(contentHash: string): void {
  if (!/^0x[0-9a-fA-F]{64}$/.test(contentHash)) {
    throw new RoleError("INVALID_INPUT", `${JSON.stringify(contentHash)} is not a content hash (0x + 64 hex digits).`);
  }
}

/**
 * Claims everything the signer has earned, over every purpose it holds (`purposesHeld`, then `claim`).
 * Sends nothing when there is nothing to claim.
 * @param to pays this address instead of the signer
 * @returns the amount claimed (settlement token base units) and the purposes claimed for
 */
export async function claimRevenue(
  system: Pick<DataCoop, "distributor">,
  signer: Signer,
  to?: string,
): Promise<{ amount: bigint; purposes: number; txHash?: string }> {
  const account = await signer.getAddress();
  const purposes = Number(await system.distributor.purposesHeld(account));
  const claimable = purposes === 0 ? 0n : await system.distributor.claimableFor(account, purposes);
  if (claimable === 0n) return { amount: 0n, purposes };
  const distributor = system.distributor.connect(signer);
  const receipt =
    to === undefined
      ? await transact("claim revenue", distributor.claim, purposes)
      : await transact("claim revenue", distributor.claimTo, purposes, getAddress(to));
  for (const log of receipt.logs) {
    const parsed = decodeLog(system.distributor.interface, log);
    if (parsed?.name === "Claimed") return { amount: BigInt(parsed.args.amount), purposes, txHash: receipt.hash };
  }
  throw new RoleError("REVERTED", `Transaction ${receipt.hash} claimed nothing.`);
}

/** One contribution of an account, as it stands now. */
export interface ContributionState {
  readonly contentHash: string;
  readonly status: ContributionStatusName;
  readonly purposes: number;
  readonly units: number;
  readonly quality: number;
  readonly weight: bigint;
  /** Tokens minted when it was registered. */
  readonly reward: bigint;
  readonly uri: string;
  readonly blockNumber: number;
}

/** Everything a contributor may want to know about their account. */
export interface ContributorStatus {
  readonly account: string;
  readonly contributions: readonly ContributionState[];
  readonly tokenBalance: bigint;
  readonly votes: bigint;
  readonly delegate: string;
  /** Claimable settlement tokens, in all and per purpose held. */
  readonly claimable: bigint;
  readonly claimableByPurpose: readonly { purpose: number; amount: bigint }[];
  readonly settlementBalance: bigint;
}

/**
 * Reads an account's contributions (from `Contributed` events, with their current state), tokens, votes
 * and claimable revenue.
 * @param account the contributor
 */
export async function contributorStatus(system: DataCoop, account: string): Promise<ContributorStatus> {
  const owner = getAddress(account);
  const events = await scanEvents(system, "contributions", (from, to) =>
    system.registry.queryFilter(system.registry.filters.Contributed(undefined, owner), from, to),
  );
  const contributions: ContributionState[] = [];
  for (const event of events) {
    const current = await system.registry.contribution(event.args.contentHash);
    contributions.push({
      contentHash: event.args.contentHash,
      status: enumName(CONTRIBUTION_STATUS, current.status) ?? "None",
      purposes: Number(current.purposes),
      units: Number(current.units),
      quality: Number(current.quality),
      weight: current.weight,
      reward: event.args.reward,
      uri: event.args.uri,
      blockNumber: event.blockNumber,
    });
  }
  const held = Number(await system.distributor.purposesHeld(owner));
  const claimableByPurpose: { purpose: number; amount: bigint }[] = [];
  for (let purpose = 0; purpose < 16; purpose++) {
    if (((held >> purpose) & 1) === 0) continue;
    claimableByPurpose.push({ purpose, amount: await system.distributor.claimableFor(owner, 1 << purpose) });
  }
  return {
    account: owner,
    contributions,
    tokenBalance: await system.token.balanceOf(owner),
    votes: await system.token.getVotes(owner),
    delegate: await system.token.delegates(owner),
    claimable: await system.distributor.claimable(owner),
    claimableByPurpose,
    settlementBalance: await system.settlementToken.balanceOf(owner),
  };
}
