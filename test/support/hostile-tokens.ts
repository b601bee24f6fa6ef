import { ethers } from "hardhat";
import { MaxUint256, type BaseContract } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  AccessEscrow__factory,
  FalseReturningToken__factory,
  FeeOnTransferToken__factory,
  ReentrantToken__factory,
  RevenueDistributor__factory,
  RevertingToken__factory,
  ShrinkingToken__factory,
  type AccessEscrow,
  type RevenueDistributor,
} from "../../typechain-types";
import { DAY, deployCustodianSet, publicKeyOf, usdc } from "./escrow";
import { nextEpoch, NO_CONSENT } from "./epoch";
import { systemFixture } from "./fixtures";

/**
 * Escrows and distributors paid in the hostile settlement tokens of `contracts/mocks/` (fee-taking, false-returning,
 * reverting, re-entrant, shrinking), for the escrow's and the distributor's hostile-token specs. A plain account
 * plays the registry (reports weights) and another the timelock or depositor, so each test drives a step directly.
 */

/** The part of every mock settlement token the fixtures use. */
export interface MintableToken extends BaseContract {
  mint(to: string, amount: bigint): Promise<unknown>;
  balanceOf(account: string): Promise<bigint>;
  approve(spender: string, amount: bigint): Promise<unknown>;
}

/** Deploys one hostile token from `deployer`. */
export type TokenDeployer<T extends MintableToken> = (deployer: HardhatEthersSigner) => Promise<T>;

/** One deployer per hostile token (the fee-on-transfer token starts with no fee). */
export const hostileToken = {
  feeOnTransfer: (d: HardhatEthersSigner) => new FeeOnTransferToken__factory(d).deploy(0),
  falseReturning: (d: HardhatEthersSigner) => new FalseReturningToken__factory(d).deploy(),
  reverting: (d: HardhatEthersSigner) => new RevertingToken__factory(d).deploy(),
  reentrant: (d: HardhatEthersSigner) => new ReentrantToken__factory(d).deploy(),
  shrinking: (d: HardhatEthersSigner) => new ShrinkingToken__factory(d).deploy(),
} as const;

/** The access fee every hostile-escrow request pays (1,000 USDC) and the treasury's share of it. */
export const HOSTILE_FEE = usdc(1000);
export const HOSTILE_TREASURY_SHARE_BPS = 500n;
/** The one purpose the hostile fixtures give weight to. */
export const HOSTILE_PURPOSE = 0;

/**
 * An escrow and a distributor paid in a hostile `token`, beside the deployed governance token and registry: one
 * custodian (threshold 1), alice holding 100 weight in `HOSTILE_PURPOSE` (effective), two buyers holding 100 fees
 * each, approved to the escrow.
 */
export async function escrowPaidIn<T extends MintableToken>(deploy: TokenDeployer<T>) {
  const base = await systemFixture();
  const [deployer] = base.signers;
  const [gov, custodian, treasury, registryAccount, buyer, buyer2] = base.signers.slice(8, 14);
  const token = await deploy(deployer);
  const distributor = await new RevenueDistributor__factory(deployer).deploy(token, gov, 60);
  const custodianSet = await deployCustodianSet(deployer, gov.address, [custodian.address]);
  const escrow = await new AccessEscrow__factory(deployer).deploy(
    token,
    base.token,
    base.registry,
    distributor,
    gov,
    treasury,
    { treasuryShareBps: HOSTILE_TREASURY_SHARE_BPS, decisionPeriod: DAY, deliveryPeriod: DAY },
    custodianSet,
  );
  await distributor.wire(registryAccount, escrow);
  await distributor.connect(registryAccount).onConsentChange(base.alice, 0, NO_CONSENT, 0, 1 << HOSTILE_PURPOSE, 100n);
  await nextEpoch({ distributor });
  for (const b of [buyer, buyer2]) {
    await token.mint(b.address, 100n * HOSTILE_FEE);
    await (token.connect(b) as T).approve(await escrow.getAddress(), MaxUint256);
  }
  return { token, escrow, distributor, custodianSet, gov, custodian, treasury, buyer, buyer2 };
}

/** A request for `HOSTILE_PURPOSE` from `buyer`, 7 days, paying `amount`. */
export function hostileRequest(escrow: AccessEscrow, buyer: HardhatEthersSigner, amount = HOSTILE_FEE) {
  return escrow
    .connect(buyer)
    .requestAccess(HOSTILE_PURPOSE, amount, 7n * DAY, ethers.id("terms"), "ipfs://terms", publicKeyOf(buyer.address));
}

/** Everything a refused escrow call must leave as it was: every request, the books and each party's balance. */
export async function escrowBooks(
  h: { token: MintableToken; escrow: AccessEscrow; distributor: RevenueDistributor; treasury: HardhatEthersSigner },
  buyers: readonly HardhatEthersSigner[],
) {
  const { token, escrow, distributor, treasury } = h;
  const requests = [];
  for (let i = 1n; i <= (await escrow.requestCount()); i++) requests.push(await escrow.request(i));
  return {
    requests,
    heldFees: await escrow.heldFees(),
    escrow: await token.balanceOf(await escrow.getAddress()),
    distributor: await token.balanceOf(await distributor.getAddress()),
    treasury: await token.balanceOf(treasury.address),
    buyers: await Promise.all(buyers.map((b) => token.balanceOf(b.address))),
  };
}
