import { expect } from "chai";
import { ethers } from "hardhat";
import { mine } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, SigningKey, id, parseUnits, type ContractTransactionResponse, type Signer } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { contribute } from "./contribute";
import { nextEpoch } from "./epoch";
import { CustodianSet__factory, type AccessEscrow, type RevenueDistributor } from "../../typechain-types";
import type { IAccessEscrow } from "../../typechain-types/contracts/AccessEscrow";
import { deploySystem, timelockSigner, type System } from "./fixtures";

import { DAY, HOUR, Purpose, Status } from "./constants";

export { DAY, HOUR, Purpose, Status };

/** `n` whole USDC (6 decimals). */
export function usdc(n: string | number): bigint {
  return parseUnits(String(n), 6);
}

/** A deterministic secp256k1 public key for `label` (33 bytes compressed, or 65 uncompressed). */
export function publicKeyOf(label: string, compressed = true): string {
  const key = new SigningKey(id(label));
  return compressed ? key.compressedPublicKey : key.publicKey;
}

export type StandingTerms = IAccessEscrow.StandingTermsStruct;

/**
 * A CustodianSet of its own for an escrow deployed by hand: `accounts` (keys derived from their addresses),
 * threshold `k`, administered by `timelock`.
 */
export async function deployCustodianSet(deployer: Signer, timelock: string, accounts: readonly string[], k = 1) {
  const keys = accounts.map((account) => publicKeyOf(`custodian ${account}`));
  return new CustodianSet__factory(deployer).deploy(timelock, [...accounts], keys, k);
}

/** The standing terms the escrow fixture sets for RESEARCH. */
export const RESEARCH_TERMS = {
  enabled: true,
  maxDuration: 30n * DAY,
  objectionWindow: 2n * HOUR,
  objectionThresholdBps: 2000n,
  minPrice: usdc(100),
} as const;

export interface RequestInput {
  purpose?: number;
  amount?: bigint;
  duration?: bigint;
  termsHash?: string;
  termsURI?: string;
  publicKey?: string;
}

/** Default request: RESEARCH, 1,000 USDC, 7 days (meets RESEARCH_TERMS). */
export const DEFAULT_REQUEST = {
  purpose: Purpose.RESEARCH,
  amount: usdc(1000),
  duration: 7n * DAY,
  termsHash: id("terms v1"),
  termsURI: "ipfs://terms-v1",
} as const;

/** Sends `requestAccess` from `buyer` and returns the new request id with the transaction. */
export async function requestAccess(
  escrow: AccessEscrow,
  buyer: Signer,
  input: RequestInput = {},
): Promise<{ requestId: bigint; tx: ContractTransactionResponse }> {
  const tx = await escrow
    .connect(buyer)
    .requestAccess(
      input.purpose ?? DEFAULT_REQUEST.purpose,
      input.amount ?? DEFAULT_REQUEST.amount,
      input.duration ?? DEFAULT_REQUEST.duration,
      input.termsHash ?? DEFAULT_REQUEST.termsHash,
      input.termsURI ?? DEFAULT_REQUEST.termsURI,
      input.publicKey ?? publicKeyOf(await buyer.getAddress()),
    );
  return { requestId: await escrow.requestCount(), tx };
}

/** The block time of a mined transaction. */
export async function timeOf(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
}

/**
 * The deployed system with three contributors and two funded buyers:
 * - alice: 3000 units × 80% → weight 24e6, 2400 COOP, consents to RESEARCH and AI_TRAINING;
 * - bob:   1000 units × 60% → weight 6e6,   600 COOP, RESEARCH only;
 * - carol:  500 units × 100% → weight 5e6,  500 COOP, AI_TRAINING only;
 * nobody consents to ANALYTICS; all their consent is effective (the fixture ends in the next epoch). RESEARCH has standing terms (`RESEARCH_TERMS`: objections reject at 20% of
 * supply, i.e. 700 COOP); the other purposes have none. Buyers hold 1,000,000 USDC each, approved to the escrow.
 */
export async function escrowFixture() {
  const system = await deploySystem();
  const { escrow, usdc: token } = system;
  const admin = await timelockSigner(system);
  const [, alice, bob, carol, buyer, buyer2, outsider] = system.signers;
  const contentHashes = {
    alice: (await contribute(system, alice, { units: 3000, quality: 8000, purposes: 0b101 })).attestation.contentHash,
    bob: (await contribute(system, bob, { units: 1000, quality: 6000, purposes: 0b001 })).attestation.contentHash,
    carol: (await contribute(system, carol, { units: 500, quality: 10000, purposes: 0b100 })).attestation.contentHash,
  };
  await escrow.connect(admin).setStandingTerms(Purpose.RESEARCH, RESEARCH_TERMS);
  for (const b of [buyer, buyer2]) {
    await token.mint(b, usdc(1_000_000));
    await token.connect(b).approve(escrow, MaxUint256);
  }
  // Consent given takes effect in the next epoch; votes must exist strictly before any request's timepoint.
  await nextEpoch(system);
  await mine();
  const contributors = [alice, bob, carol];
  return { ...system, admin, alice, bob, carol, buyer, buyer2, outsider, contributors, contentHashes };
}

export type EscrowSystem = Awaited<ReturnType<typeof escrowFixture>>;

/** Settlement balances and claimables that a lifecycle step may move. */
export interface Ledger {
  buyer: bigint;
  escrow: bigint;
  treasury: bigint;
  distributor: bigint;
  heldFees: bigint;
  claimable: Map<string, bigint>;
}

/** Reads the ledger: `buyer`'s, the escrow's, the treasury's and the distributor's USDC and each contributor's claimable. */
export async function readLedger(
  system: Pick<System, "usdc" | "escrow" | "distributor">,
  buyer: HardhatEthersSigner,
  contributors: HardhatEthersSigner[],
): Promise<Ledger> {
  const { usdc: token, escrow, distributor } = system;
  const claimable = new Map<string, bigint>();
  for (const c of contributors) claimable.set(c.address, await distributor.claimable(c));
  return {
    buyer: await token.balanceOf(buyer),
    escrow: await token.balanceOf(escrow),
    treasury: await token.balanceOf(await escrow.treasury()),
    distributor: await token.balanceOf(distributor),
    heldFees: await escrow.heldFees(),
    claimable,
  };
}

/**
 * What each contributor's `claimable` becomes after `amount` is deposited for `purpose`, computed from the
 * distributor's documented arithmetic: the accumulator grows by `(amount * PRECISION + carry) / totalWeight`
 * (floor) and `claimable = floor(Σ earnedScaled / PRECISION)` over the purposes an account holds.
 */
export async function predictClaimable(
  distributor: RevenueDistributor,
  purpose: number,
  amount: bigint,
  contributors: HardhatEthersSigner[],
): Promise<Map<string, bigint>> {
  const precision = await distributor.PRECISION();
  const totalWeight = await distributor.totalWeight(purpose);
  const increment = (amount * precision + (await distributor.carry(purpose))) / totalWeight;
  const predicted = new Map<string, bigint>();
  for (const c of contributors) {
    const held = Number(await distributor.purposesHeld(c));
    let scaled = 0n;
    for (let p = 0; p < 16; p++) if ((held >> p) & 1) scaled += await distributor.earnedScaled(c, p);
    scaled += (await distributor.weightOf(c, purpose)) * increment;
    predicted.set(c.address, scaled / precision);
  }
  return predicted;
}

/** Asserts that every contributor's claimable equals `expected`. */
export async function expectClaimable(distributor: RevenueDistributor, expected: Map<string, bigint>): Promise<void> {
  for (const [account, amount] of expected) {
    expect(await distributor.claimable(account), `claimable of ${account}`).to.equal(amount);
  }
}

/** Asserts the escrow's conservation law: balance == heldFees == Σ fees of pending and approved requests. */
export async function expectConservation(system: Pick<System, "usdc" | "escrow">): Promise<void> {
  const { usdc: token, escrow } = system;
  const count = await escrow.requestCount();
  let owed = 0n;
  for (let i = 1n; i <= count; i++) {
    const r = await escrow.request(i);
    if (r.status === Status.Pending || r.status === Status.Approved) owed += r.amount;
  }
  const held = await escrow.heldFees();
  expect(held, "heldFees == Σ pending + approved fees").to.equal(owed);
  expect(await token.balanceOf(escrow), "escrow balance == heldFees").to.equal(held);
}
