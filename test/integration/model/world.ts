import { ethers } from "hardhat";
import { setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  MaxUint256,
  SigningKey,
  id,
  parseEther,
  parseUnits,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type Interface,
  type TypedDataDomain,
} from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deploySystem, timelockSigner } from "../../support/fixtures";
import { attestationDomain } from "../../../src/protocol/attestation";
import localParameters from "../../../deploy/parameters/hardhat.json";
import { EscrowModel, type StandingTermsModel } from "./escrow";
import { LedgerModel } from "./ledger";
import { RegistryModel } from "./registry";
import { VotesModel } from "./votes";

/** `n` whole USDC (6 decimals). */
export const usdc = (n: number | string): bigint => parseUnits(String(n), 6);

const HOUR = 3600n;
const DAY = 24n * HOUR;

/**
 * A low cap, reached mid-sequence: later rewards are cut (to nothing, eventually) while the contributions still
 * count for revenue, and accounts that never received a reward are no longer self-delegated.
 */
export const TOKEN_CAP = parseEther("30000");
/** Held by the deployer, who never delegated: supply that counts for thresholds but not for votes. */
export const INITIAL_SUPPLY = parseEther("10000");
/** A mint budget that binds before the cap does: rewards are cut to what is left of the day's budget. */
export const MINT_BUDGET = parseEther("6000");
export const MINT_PERIOD = 86_400n;
export const BUYER_FUNDS = usdc(1_000_000_000);

/**
 * Standing terms set at deployment: RESEARCH and AI_TRAINING are decided optimistically (different prices,
 * durations, windows and thresholds); AI_EVALUATION has terms but, as nobody may consent to it in these runs,
 * its requests can never be approved; ANALYTICS and AI_FINE_TUNING wait for a proposal.
 */
export const STANDING_TERMS = new Map<number, StandingTermsModel>([
  [
    0,
    {
      enabled: true,
      maxDuration: 30n * DAY,
      objectionWindow: 2n * HOUR,
      objectionThresholdBps: 2000n,
      minPrice: usdc(100),
    },
  ],
  [
    2,
    { enabled: true, maxDuration: 7n * DAY, objectionWindow: HOUR, objectionThresholdBps: 500n, minPrice: usdc(1000) },
  ],
  [4, { enabled: true, maxDuration: 30n * DAY, objectionWindow: HOUR, objectionThresholdBps: 1000n, minPrice: 1n }],
]);

/** Gas for every transaction: explicit, so that failing ones are mined (at a known time) instead of estimated. */
const GAS_LIMIT = 15_000_000n;

/**
 * The deployed system (Ignition module), with standing terms set by the timelock and funded, approving buyers.
 * Actors contribute, hold and delegate COOP, object and claim; an outsider only ever holds COOP it was sent; the
 * deployer holds the initial supply.
 */
export async function invariantFixture() {
  const system = await deploySystem({
    tokenCap: TOKEN_CAP,
    initialSupply: INITIAL_SUPPLY,
    mintBudget: MINT_BUDGET,
    mintPeriod: MINT_PERIOD,
    // One post delivers: the model plays one custodian (k-of-n rounds are specified in AccessEscrow.custody).
    custodianThreshold: 1,
  });
  const { escrow, usdc: settlement, registry, signers } = system;
  // The timelock as a signer: random sequences decide requests directly (one real proposal path exists too).
  const admin = await timelockSigner(system);
  await setBalance(admin.address, parseEther("1000000"));
  for (const [purpose, terms] of STANDING_TERMS) await escrow.connect(admin).setStandingTerms(purpose, terms);
  const actors = signers.slice(1, 7);
  const buyers = signers.slice(7, 10);
  const outsider = signers[10];
  for (const buyer of buyers) {
    await settlement.mint(buyer, BUYER_FUNDS);
    await settlement.connect(buyer).approve(escrow, MaxUint256);
  }
  const { chainId } = await ethers.provider.getNetwork();
  const domain = attestationDomain(chainId, await registry.getAddress());
  // The consent-epoch clock: epoch `1 + (t - anchor) / length` (no governance change in these runs).
  const [epoch, start] = await system.distributor.currentEpoch();
  const epochLength = await system.distributor.consentEpoch();
  const epochAnchor = start - (epoch - 1n) * epochLength;
  return { ...system, admin, actors, buyers, outsider, domain, epochAnchor, epochLength };
}

export type Deployment = Awaited<ReturnType<typeof invariantFixture>>;

/** A mined transaction: its receipt, or the custom error it reverted with. Either way, its block time. */
export type Sent =
  | { ok: true; receipt: ContractTransactionReceipt; timestamp: bigint }
  | { ok: false; error: string; timestamp: bigint };

/** The revert data of a failed call, whether ethers or Hardhat raised it. */
function revertData(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("data" in error)) return undefined;
  return typeof error.data === "string" ? error.data : undefined;
}

/** The real side of the model run: the deployment, the transaction sender and the run's trace. */
export class World {
  readonly holders: HardhatEthersSigner[];
  readonly interfaces: Interface[];
  readonly escrowAddress: string;
  readonly distributorAddress: string;
  /** The treasury: the timelock (the deployment names no other). */
  readonly treasury: string;
  /** Each buyer's secp256k1 public key (compressed). */
  readonly buyerKeys: string[];
  /** Steps run in this sequence, for the failure report. */
  readonly trace: string[] = [];
  /** Request ids and content hashes the current step touched: checked in full after it. */
  readonly touchedRequests = new Set<bigint>();
  readonly touchedContributions = new Set<string>();
  /** How often each error refused a step, as the model predicted. */
  readonly refusals = new Map<string, number>();
  /** Request ids the chain has ended (refund or release), to prove no request ends twice. */
  readonly ended = new Set<bigint>();

  constructor(readonly d: Deployment) {
    this.holders = [...d.actors, d.outsider, d.deployer];
    this.escrowAddress = d.escrow.target as string;
    this.distributorAddress = d.distributor.target as string;
    this.treasury = d.admin.address;
    this.buyerKeys = d.buyers.map((b) => new SigningKey(id(`buyer key ${b.address}`)).compressedPublicKey);
    this.interfaces = [d.escrow, d.distributor, d.registry, d.token, d.governor, d.timelock, d.usdc].map(
      (c) => c.interface,
    );
  }

  get domain(): TypedDataDomain {
    return this.d.domain;
  }

  /** Mines `send` at exactly `timestamp`, with a fixed gas limit so that a revert is mined too. */
  async send(
    timestamp: bigint,
    send: (overrides: { gasLimit: bigint }) => Promise<ContractTransactionResponse>,
  ): Promise<Sent> {
    await time.setNextBlockTimestamp(timestamp);
    try {
      const receipt = await (await send({ gasLimit: GAS_LIMIT })).wait();
      if (!receipt) throw new Error("no receipt");
      return { ok: true, receipt, timestamp };
    } catch (error) {
      const data = revertData(error);
      if (data === undefined) throw error;
      for (const iface of this.interfaces) {
        const parsed = iface.parseError(data);
        if (parsed) return { ok: false, error: parsed.name, timestamp };
      }
      return { ok: false, error: `unknown revert ${data}`, timestamp };
    }
  }
}

/** The whole protocol as plain TypeScript state. */
export class Model {
  readonly votes = new VotesModel();
  readonly registry: RegistryModel;
  readonly ledger = new LedgerModel();
  readonly escrow: EscrowModel;
  /** Settlement-token balances of every account the run touches. */
  readonly usdc = new Map<string, bigint>();
  readonly cap = TOKEN_CAP;
  readonly initialSupply = INITIAL_SUPPLY;
  /** Σ rewards actually minted. */
  minted = 0n;
  /** The mint window (`t / MINT_PERIOD`) and what it minted. */
  window = { index: -1n, minted: 0n };
  private readonly epochAnchor: bigint;
  private readonly epochLength: bigint;
  /** Block time of the last mined block; warps move it forward without mining. */
  now: bigint;
  /** Counters for fresh, deterministic hashes and proposal descriptions. */
  private counter = 0;
  readonly treasury: string;
  readonly successes = new Map<string, number>();

  constructor(world: World, now: bigint) {
    const parameters = localParameters.DataCoopLocal;
    this.now = now;
    this.epochAnchor = world.d.epochAnchor;
    this.epochLength = world.d.epochLength;
    this.treasury = world.treasury;
    this.registry = new RegistryModel(0b111111, BigInt(parameters.rewardRate));
    this.escrow = new EscrowModel(
      0b111111,
      STANDING_TERMS,
      BigInt(parameters.decisionPeriod),
      BigInt(parameters.deliveryPeriod),
      BigInt(parameters.treasuryShareBps),
    );
    this.votes.seed(world.d.deployer.address, INITIAL_SUPPLY);
    for (const buyer of world.d.buyers) this.usdc.set(buyer.address, BUYER_FUNDS);
  }

  /** The block time of the next transaction. */
  next(): bigint {
    return this.now + 1n;
  }

  fresh(label: string): string {
    this.counter += 1;
    return ethers.id(`invariants/${label}/${this.counter}`);
  }

  balance(account: string): bigint {
    return this.usdc.get(account) ?? 0n;
  }

  move(from: string, to: string, amount: bigint): void {
    this.usdc.set(from, this.balance(from) - amount);
    this.usdc.set(to, this.balance(to) + amount);
  }

  /** The consent epoch at block time `t` and its first second. */
  epochAt(t: bigint): { epoch: bigint; start: bigint } {
    const elapsed = (t - this.epochAnchor) / this.epochLength;
    return { epoch: 1n + elapsed, start: this.epochAnchor + elapsed * this.epochLength };
  }

  /** Tokens that can still be minted as rewards at block time `t`: the window's budget and the cap. */
  mintable(t: bigint): bigint {
    const used = this.window.index === t / MINT_PERIOD ? this.window.minted : 0n;
    const budget = MINT_BUDGET - used;
    const cap = this.cap - this.votes.totalSupply;
    return budget < cap ? budget : cap;
  }

  /** Mints a reward already cut to `mintable(timestamp)`, counting it against the window's budget. */
  reward(to: string, amount: bigint, timestamp: bigint): bigint {
    if (amount > this.mintable(timestamp)) throw new Error("model: reward above the budget or the cap");
    if (amount === 0n) return 0n;
    const index = timestamp / MINT_PERIOD;
    this.window = { index, minted: (this.window.index === index ? this.window.minted : 0n) + amount };
    this.votes.mint(to, amount, timestamp);
    this.minted += amount;
    return amount;
  }

  succeeded(kind: string): void {
    this.successes.set(kind, (this.successes.get(kind) ?? 0) + 1);
  }
}
