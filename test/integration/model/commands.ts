import { expect } from "chai";
import fc from "fast-check";
import { ZeroAddress, id, type ContractTransactionReceipt, type ContractTransactionResponse } from "ethers";
import { orderSignatures, signAttestation, type Attestation } from "../../../src/protocol/attestation";
import localParameters from "../../../deploy/parameters/hardhat.json";
import { EscrowModel, RequestStatus, holdsFee, type RequestModel, type RequestStatusValue } from "./escrow";
import { checkInvariants } from "./invariants";
import type { Submission, WeightChange } from "./registry";
import { usdc, type Model, type Sent, type World } from "./world";

const DELAY = BigInt(localParameters.DataCoopLocal.votingDelay);
const PERIOD = BigInt(localParameters.DataCoopLocal.votingPeriod);
const TIMELOCK_DELAY = BigInt(localParameters.DataCoopLocal.timelockDelay);
const QUORUM_PERCENT = BigInt(localParameters.DataCoopLocal.quorumPercent);
const PROPOSAL_EXECUTED = 7n;
const PROPOSAL_DEFEATED = 3n;

/** The masks contributors consent with: bits 0..3 (AI_EVALUATION and COMMERCIAL never get weight in these runs). */
const CONSENT_BITS = 0b1111;
const UNDEFINED_PURPOSE_BIT = 1 << 9;

/** Picks `pool[pick % length]`, or `fallback` when the pool is empty. */
function choose<T>(pool: T[], pick: number, fallback: T): T {
  return pool.length === 0 ? fallback : pool[pick % pool.length];
}

/** Asserts the chain did what the model expected: succeed, or fail with exactly `expected`. */
function expectOutcome(step: Step, sent: Sent, expected: string | undefined): sent is Extract<Sent, { ok: true }> {
  if (expected === undefined) {
    expect(sent.ok ? "success" : sent.error, `${step} should succeed`).to.equal("success");
  } else {
    step.refusals.push(expected);
    expect(sent.ok ? "success" : sent.error, `${step} should fail`).to.equal(expected);
  }
  return sent.ok;
}

/** The request ids whose fee this receipt refunded or released; each may end only once, ever. */
function recordEnds(w: World, receipt: ContractTransactionReceipt, expected: bigint[]): void {
  const escrow = w.d.escrow;
  const ends: bigint[] = [];
  for (const log of receipt.logs) {
    if (log.address !== escrow.target) continue;
    const parsed = escrow.interface.parseLog(log);
    if (parsed && (parsed.name === "FeeRefunded" || parsed.name === "FeeReleased")) ends.push(parsed.args[0] as bigint);
  }
  for (const requestId of ends) {
    expect(w.ended.has(requestId), `request ${requestId} ended twice`).to.equal(false);
    w.ended.add(requestId);
  }
  expect(ends.map(String).sort(), "requests ended by this transaction").to.deep.equal(expected.map(String).sort());
}

/** Pushes a consent change the registry reports, in the transaction at block time `t`, into the model's ledger. */
function report(m: Model, change: WeightChange | undefined, t: bigint): void {
  if (change) m.ledger.onConsentChange(change, m.epochAt(t).epoch);
}

/** Effective consenting weight of `purpose` at block time `t`. */
function effectiveWeight(m: Model, purpose: number, t: bigint): bigint {
  return m.ledger.totalWeightAt(purpose, m.epochAt(t).epoch);
}

/**
 * When a deadline-bound step lands: `now` (next second), exactly `at` the deadline (the last second it is
 * inclusive), or one second `after` it.
 */
export type Timing = "now" | "at" | "after";

/** Moves time (forward only) so that the next transaction lands as `timing` says relative to `deadline`. */
function moveTo(m: Model, deadline: bigint, timing: Timing): void {
  const target = timing === "at" ? deadline - 1n : timing === "after" ? deadline : m.now;
  if (target > m.now) m.now = target;
}

const timingLabel = (timing: Timing): string => (timing === "now" ? "" : ` ${timing} deadline`);

/** Candidate request ids: the model's matching requests, or every id plus one never issued. */
function candidates(m: Model, stray: boolean, matches: (r: RequestModel) => boolean): bigint[] {
  const fitting = m.escrow.requests.filter(matches).map((r) => r.id);
  return stray || fitting.length === 0 ? [...m.escrow.requests.map((r) => r.id), m.escrow.nextId] : fitting;
}

/** A pending request that could be approved now: some weight consents to its purpose, its deadline is ahead. */
function approvable(m: Model, r: RequestModel): boolean {
  return (
    r.status === RequestStatus.Pending && r.decisionDeadline > m.now && effectiveWeight(m, r.purpose, m.now) !== 0n
  );
}

/** Refunds an ending request in the model. */
function refund(m: Model, w: World, r: RequestModel, status: RequestStatusValue): void {
  m.escrow.end(r, status);
  m.move(w.escrowAddress, r.buyer, r.amount);
}

/**
 * One action of a random session. Arguments are drawn before the state is known: `pick` indices choose among the
 * candidates the model offers when the step runs, and `stray` steps choose among every id or hash (or one never
 * issued), so that most of them must be refused. Every step predicts its outcome from the model, sends one or more
 * transactions at known block times, asserts the chain agreed, updates the model, and checks every invariant.
 */
export abstract class Step implements fc.AsyncCommand<Model, World> {
  /** Errors the step's transactions were refused with, as the model predicted. */
  readonly refusals: string[] = [];

  check(): boolean {
    return true;
  }

  async run(m: Model, w: World): Promise<void> {
    w.trace.push(this.toString());
    w.touchedRequests.clear();
    w.touchedContributions.clear();
    this.refusals.length = 0;
    const changed = await this.act(m, w);
    for (const error of this.refusals) {
      const key = `${this.constructor.name}: ${error}`;
      w.refusals.set(key, (w.refusals.get(key) ?? 0) + 1);
    }
    if (changed) await checkInvariants(m, w, false);
  }

  /** Performs the step; returns false when nothing was sent (pure time travel). */
  protected abstract act(m: Model, w: World): Promise<boolean>;

  abstract toString(): string;

  [fc.toStringMethod](): string {
    return this.toString();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------------------------

type Flaw = "none" | "duplicate" | "expired" | "impostor";

/** Registers a contribution: a new source, a re-upload of one of the actor's sources (supersede), or another's. */
export class Contribute extends Step {
  constructor(
    readonly actor: number,
    readonly source: "new" | "own" | "other",
    readonly pick: number,
    readonly units: bigint,
    readonly quality: bigint,
    readonly purposes: number,
    readonly flaw: Flaw,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const who = w.d.actors[this.actor];
    const sourceHash =
      this.source === "new"
        ? m.fresh("source")
        : choose(m.registry.sourcesOf(who.address, this.source === "other"), this.pick, m.fresh("source"));
    const contentHash =
      this.flaw === "duplicate"
        ? choose([...m.registry.contributions.keys()], this.pick, m.fresh("content"))
        : m.fresh("content");
    await register(m, w, this, who.address, { sourceHash, contentHash }, async (attestation, signatures, o) =>
      w.d.registry.connect(who).contribute(attestation, signatures, this.purposes, "ipfs://blob", o),
    );
    return true;
  }

  toString(): string {
    return `contribute(actor ${this.actor}, ${this.source} source #${this.pick}, ${this.units} units × ${this.quality} bps, purposes 0b${this.purposes.toString(2)}${this.flaw === "none" ? "" : `, ${this.flaw}`})`;
  }
}

/** Shared by `contribute` and `replace`: builds and signs the attestation, predicts, sends, applies. */
async function register(
  m: Model,
  w: World,
  step: Contribute | Replace,
  caller: string,
  hashes: { sourceHash: string; contentHash: string },
  send: (
    attestation: Attestation,
    signatures: string[],
    overrides: { gasLimit: bigint },
  ) => Promise<ContractTransactionResponse>,
  previous?: string,
): Promise<void> {
  const t = m.next();
  const flaw: Flaw = step instanceof Contribute ? step.flaw : "none";
  const impostor = w.d.actors[(w.d.actors.findIndex((a) => a.address === caller) + 1) % w.d.actors.length];
  const submission: Submission = {
    caller,
    contributor: flaw === "impostor" ? impostor.address : caller,
    contentHash: hashes.contentHash,
    sourceHash: hashes.sourceHash,
    units: step.units,
    quality: step.quality,
    deadline: flaw === "expired" ? t - 1n : t + 3600n,
    purposes: step.purposes,
  };
  const attestation: Attestation = {
    contributor: submission.contributor,
    contentHash: submission.contentHash,
    sourceHash: submission.sourceHash,
    units: submission.units,
    quality: submission.quality,
    scorerVersion: 1,
    deadline: submission.deadline,
  };
  const signatures = orderSignatures([await signAttestation(w.d.validators[0], w.domain, attestation)]);
  const expected =
    (previous !== undefined ? m.registry.ownedActiveError(caller, previous) : undefined) ??
    m.registry.contributeError(submission, t);
  const sent = await w.send(t, (o) => send(attestation, signatures, o));
  m.now = sent.timestamp;
  if (!expectOutcome(step, sent, expected)) return;

  if (previous !== undefined) {
    report(m, m.registry.revoke(caller, previous, m.epochAt(t).epoch), t);
    w.touchedContributions.add(previous);
  }
  const registration = m.registry.register(submission, m.epochAt(t).epoch, m.mintable(t));
  report(m, registration.weightChange, t);
  const minted = m.reward(caller, registration.reward, t);
  if (registration.superseded) w.touchedContributions.add(registration.superseded);
  w.touchedContributions.add(submission.contentHash);
  const event = sent.receipt.logs
    .map((log) => (log.address === w.d.registry.target ? w.d.registry.interface.parseLog(log) : null))
    .find((parsed) => parsed?.name === "Contributed");
  expect(event?.args.reward, "reward minted (paid units only, within the budget and the cap)").to.equal(minted);
  m.succeeded(step instanceof Contribute ? (registration.superseded ? "supersede" : "contribute") : "replace");
  if (submission.units > registration.paidBefore && minted === 0n) m.succeeded("reward cut at the budget or cap");
}

/** Revokes one contribution and registers another in the same transaction. */
export class Replace extends Step {
  constructor(
    readonly actor: number,
    readonly pick: number,
    readonly stray: boolean,
    readonly sameSource: boolean,
    readonly units: bigint,
    readonly quality: bigint,
    readonly purposes: number,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const who = w.d.actors[this.actor];
    const pool = this.stray ? [...m.registry.contributions.keys()] : m.registry.ownedBy(who.address, true);
    const previous = choose(pool, this.pick, m.fresh("content"));
    const known = m.registry.contributions.get(previous);
    const sourceHash = this.sameSource && known ? known.sourceHash : m.fresh("source");
    await register(
      m,
      w,
      this,
      who.address,
      { sourceHash, contentHash: m.fresh("content") },
      async (attestation, signatures, o) =>
        w.d.registry.connect(who).replace(previous, attestation, signatures, this.purposes, "ipfs://blob", o),
      previous,
    );
    return true;
  }

  toString(): string {
    return `replace(actor ${this.actor}, #${this.pick}${this.stray ? " stray" : ""}, ${this.sameSource ? "same" : "new"} source, ${this.units} × ${this.quality}, 0b${this.purposes.toString(2)})`;
  }
}

/** Changes the consent of a contribution. */
export class SetPurposes extends Step {
  constructor(
    readonly actor: number,
    readonly pick: number,
    readonly stray: boolean,
    readonly purposes: number,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const who = w.d.actors[this.actor];
    const pool = this.stray ? [...m.registry.contributions.keys()] : m.registry.ownedBy(who.address, true);
    const contentHash = choose(pool, this.pick, m.fresh("content"));
    const t = m.next();
    const expected = m.registry.ownedActiveError(who.address, contentHash) ?? m.registry.purposesError(this.purposes);
    const sent = await w.send(t, (o) => w.d.registry.connect(who).setPurposes(contentHash, this.purposes, o));
    m.now = sent.timestamp;
    if (expectOutcome(this, sent, expected)) {
      report(m, m.registry.setPurposes(who.address, contentHash, this.purposes, m.epochAt(t).epoch), t);
      w.touchedContributions.add(contentHash);
      m.succeeded("setPurposes");
    }
    return true;
  }

  toString(): string {
    return `setPurposes(actor ${this.actor}, #${this.pick}${this.stray ? " stray" : ""}, 0b${this.purposes.toString(2)})`;
  }
}

/** Revokes a contribution ("delete my data"). */
export class Revoke extends Step {
  constructor(
    readonly actor: number,
    readonly pick: number,
    readonly stray: boolean,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const who = w.d.actors[this.actor];
    const pool = this.stray ? [...m.registry.contributions.keys()] : m.registry.ownedBy(who.address, true);
    const contentHash = choose(pool, this.pick, m.fresh("content"));
    const t = m.next();
    const expected = m.registry.ownedActiveError(who.address, contentHash);
    const sent = await w.send(t, (o) => w.d.registry.connect(who).revoke(contentHash, o));
    m.now = sent.timestamp;
    if (expectOutcome(this, sent, expected)) {
      report(m, m.registry.revoke(who.address, contentHash, m.epochAt(t).epoch), t);
      w.touchedContributions.add(contentHash);
      m.succeeded("revoke");
    }
    return true;
  }

  toString(): string {
    return `revoke(actor ${this.actor}, #${this.pick}${this.stray ? " stray" : ""})`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Escrow
// ---------------------------------------------------------------------------------------------------------------

/** A buyer requests access; whether it meets the standing terms depends on purpose, price and duration. */
export class RequestAccess extends Step {
  constructor(
    readonly buyer: number,
    readonly purpose: number,
    readonly amount: bigint,
    readonly duration: bigint,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const buyer = w.d.buyers[this.buyer];
    const t = m.next();
    const expected = m.escrow.requestError(this.purpose, this.amount, this.duration);
    const sent = await w.send(t, (o) =>
      w.d.escrow
        .connect(buyer)
        .requestAccess(
          this.purpose,
          this.amount,
          this.duration,
          id("terms"),
          "ipfs://terms",
          w.buyerKeys[this.buyer],
          o,
        ),
    );
    m.now = sent.timestamp;
    if (expectOutcome(this, sent, expected)) {
      const r = m.escrow.addRequest(buyer.address, this.purpose, this.amount, this.duration, t);
      m.move(buyer.address, w.escrowAddress, this.amount);
      w.touchedRequests.add(r.id);
      m.succeeded(r.objectionDeadline === 0n ? "request (proposal)" : "request (optimistic)");
    }
    return true;
  }

  toString(): string {
    return `requestAccess(buyer ${this.buyer}, purpose ${this.purpose}, ${this.amount}, ${this.duration}s)`;
  }
}

/** A holder objects to an optimistic request with its votes at the request's timepoint. */
export class ObjectTo extends Step {
  constructor(
    readonly holder: number,
    readonly pick: number,
    readonly stray: boolean,
    readonly timing: Timing,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const holder = w.holders[this.holder];
    const pool = candidates(
      m,
      this.stray,
      (r) => r.status === RequestStatus.Pending && r.objectionDeadline >= m.next() && !r.objectors.has(holder.address),
    );
    const requestId = choose(pool, this.pick, m.escrow.nextId);
    const r = m.escrow.request(requestId);
    if (r && r.status === RequestStatus.Pending && r.objectionDeadline !== 0n) {
      moveTo(m, r.objectionDeadline, this.timing);
    }
    const t = m.next();
    const votes = r ? m.votes.getPastVotes(holder.address, r.requestedAt - 1n) : 0n;
    const expected = m.escrow.objectError(requestId, holder.address, votes, t);
    const sent = await w.send(t, (o) => w.d.escrow.connect(holder).object(requestId, o));
    m.now = sent.timestamp;
    w.touchedRequests.add(requestId);
    if (!expectOutcome(this, sent, expected) || !r) return true;
    r.objectors.add(holder.address);
    r.objectionVotes += votes;
    const threshold = EscrowModel.threshold(m.votes.getPastTotalSupply(r.requestedAt - 1n), r.objectionThresholdBps);
    const rejects = r.objectionVotes >= threshold;
    if (rejects) refund(m, w, r, RequestStatus.Rejected);
    recordEnds(w, sent.receipt, rejects ? [requestId] : []);
    m.succeeded("object");
    if (rejects) m.succeeded("rejected by objections");
    return true;
  }

  toString(): string {
    return `object(holder ${this.holder}, #${this.pick}${this.stray ? " stray" : ""}${timingLabel(this.timing)})`;
  }
}

/** Anyone finalizes an optimistic request after its objection window. */
export class Finalize extends Step {
  constructor(
    readonly pick: number,
    readonly stray: boolean,
    readonly timing: Timing,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const pool = candidates(
      m,
      this.stray,
      (r) => r.status === RequestStatus.Pending && r.objectionDeadline !== 0n && approvable(m, r),
    );
    const requestId = choose(pool, this.pick, m.escrow.nextId);
    const r = m.escrow.request(requestId);
    if (r && r.objectionDeadline !== 0n) moveTo(m, r.objectionDeadline, this.timing);
    const t = m.next();
    const expected = m.escrow.finalizeError(requestId, t, (p) => effectiveWeight(m, p, t));
    const sent = await w.send(t, (o) => w.d.escrow.connect(w.d.outsider).finalize(requestId, o));
    m.now = sent.timestamp;
    w.touchedRequests.add(requestId);
    if (expectOutcome(this, sent, expected) && r) {
      m.escrow.approveOne(r, t);
      m.succeeded("finalize");
    }
    return true;
  }

  toString(): string {
    return `finalize(#${this.pick}${this.stray ? " stray" : ""}${timingLabel(this.timing)})`;
  }
}

/** Applies a batch decision the timelock made (directly or through a proposal) to the model. */
function applyDecision(
  m: Model,
  w: World,
  approve: boolean,
  ids: bigint[],
  t: bigint,
  receipt: ContractTransactionReceipt,
) {
  if (approve) {
    const plan = m.escrow.approveBatch(ids, t, (p) => effectiveWeight(m, p, t));
    if ("error" in plan) throw new Error("model: applying a batch that must revert");
    for (const requestId of plan.approved) m.escrow.approveOne(m.escrow.request(requestId)!, t);
    recordEnds(w, receipt, []);
  } else {
    const plan = m.escrow.rejectBatch(ids);
    if ("error" in plan) throw new Error("model: applying a batch that must revert");
    for (const requestId of plan.rejected) refund(m, w, m.escrow.request(requestId)!, RequestStatus.Rejected);
    recordEnds(w, receipt, plan.rejected);
  }
  for (const requestId of ids) w.touchedRequests.add(requestId);
}

/** The error a batch decision must revert with, if any. */
function decisionError(m: Model, approve: boolean, ids: bigint[], t: bigint): string | undefined {
  const plan = approve ? m.escrow.approveBatch(ids, t, (p) => effectiveWeight(m, p, t)) : m.escrow.rejectBatch(ids);
  return "error" in plan ? plan.error : undefined;
}

/** The timelock approves or rejects a batch (impersonated: the vote is skipped, never the access check). */
export class Decide extends Step {
  constructor(
    readonly approve: boolean,
    readonly picks: number[],
    readonly stray: boolean,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    // Optimistic requests are left to `finalize`, except by stray batches (governance may fast-track them).
    const pool = candidates(m, this.stray, (r) =>
      this.approve ? approvable(m, r) && r.objectionDeadline === 0n : holdsFee(r),
    );
    const ids = this.picks.map((pick) => choose(pool, pick, m.escrow.nextId));
    const t = m.next();
    const expected = decisionError(m, this.approve, ids, t);
    const escrow = w.d.escrow.connect(w.d.admin);
    const sent = await w.send(t, (o) => (this.approve ? escrow.approve(ids, o) : escrow.reject(ids, o)));
    m.now = sent.timestamp;
    if (expectOutcome(this, sent, expected)) {
      applyDecision(m, w, this.approve, ids, t, sent.receipt);
      m.succeeded(this.approve ? "approve" : "reject");
    }
    return true;
  }

  toString(): string {
    return `${this.approve ? "approve" : "reject"}([${this.picks.join(", ")}]${this.stray ? " stray" : ""})`;
  }
}

/** The buyer (or, as a stray, someone else) cancels a pending request. */
export class Cancel extends Step {
  constructor(
    readonly pick: number,
    readonly stray: boolean,
    readonly byOther: boolean,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const pool = candidates(m, this.stray, (r) => r.status === RequestStatus.Pending);
    const requestId = choose(pool, this.pick, m.escrow.nextId);
    const r = m.escrow.request(requestId);
    const buyerIndex = Math.max(
      0,
      w.d.buyers.findIndex((b) => b.address === r?.buyer),
    );
    const caller = w.d.buyers[(buyerIndex + (this.byOther ? 1 : 0)) % w.d.buyers.length];
    const t = m.next();
    const expected = m.escrow.cancelError(requestId, caller.address);
    const sent = await w.send(t, (o) => w.d.escrow.connect(caller).cancel(requestId, o));
    m.now = sent.timestamp;
    w.touchedRequests.add(requestId);
    if (expectOutcome(this, sent, expected) && r) {
      refund(m, w, r, RequestStatus.Cancelled);
      recordEnds(w, sent.receipt, [requestId]);
      m.succeeded("cancel");
    }
    return true;
  }

  toString(): string {
    return `cancel(#${this.pick}${this.stray ? " stray" : ""}${this.byOther ? " by another buyer" : ""})`;
  }
}

/** Anyone ends a request whose deadline passed: `expire` (undecided) or `markUndelivered` (approved, not delivered). */
export class Timeout extends Step {
  constructor(
    readonly kind: "expire" | "markUndelivered",
    readonly pick: number,
    readonly stray: boolean,
    readonly timing: Timing,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const expire = this.kind === "expire";
    const from = expire ? RequestStatus.Pending : RequestStatus.Approved;
    const pool = candidates(m, this.stray, (r) => r.status === from);
    const requestId = choose(pool, this.pick, m.escrow.nextId);
    const r = m.escrow.request(requestId);
    if (r && r.status === from) moveTo(m, expire ? r.decisionDeadline : r.deliveryDeadline, this.timing);
    const t = m.next();
    const expected = expire ? m.escrow.expireError(requestId, t) : m.escrow.markUndeliveredError(requestId, t);
    const escrow = w.d.escrow.connect(w.d.outsider);
    const sent = await w.send(t, (o) => (expire ? escrow.expire(requestId, o) : escrow.markUndelivered(requestId, o)));
    m.now = sent.timestamp;
    w.touchedRequests.add(requestId);
    if (expectOutcome(this, sent, expected) && r) {
      refund(m, w, r, expire ? RequestStatus.Expired : RequestStatus.Undelivered);
      recordEnds(w, sent.receipt, [requestId]);
      m.succeeded(this.kind);
    }
    return true;
  }

  toString(): string {
    return `${this.kind}(#${this.pick}${this.stray ? " stray" : ""}${timingLabel(this.timing)})`;
  }
}

/** The custodian delivers the keys of an approved request; the fee is released. */
export class Deliver extends Step {
  constructor(
    readonly pick: number,
    readonly stray: boolean,
    readonly timing: Timing,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const pool = candidates(
      m,
      this.stray,
      (r) =>
        r.status === RequestStatus.Approved &&
        r.deliveryDeadline > m.now &&
        effectiveWeight(m, r.purpose, m.now) !== 0n,
    );
    const requestId = choose(pool, this.pick, m.escrow.nextId);
    const r = m.escrow.request(requestId);
    if (r && r.status === RequestStatus.Approved) moveTo(m, r.deliveryDeadline, this.timing);
    const t = m.next();
    const split = r ? m.escrow.split(r.amount) : { toTreasury: 0n, toContributors: 0n };
    // The custodian builds the manifest from the latest block for the epoch the delivery lands in.
    const { epoch, start } = m.epochAt(t);
    const builtAt = m.now > start ? m.now : start;
    const expected =
      m.escrow.deliverError(requestId, t) ??
      (r ? m.ledger.depositError(r.purpose, split.toContributors, epoch) : undefined);
    const consenting = r ? m.registry.consentingWeights(r.purpose, epoch) : new Map<string, bigint>();
    const sent = await w.send(t, (o) =>
      w.d.escrow.connect(w.d.custodian).deliver(
        requestId,
        {
          epoch,
          builtAt,
          setHash: id(`set ${requestId}`),
          manifestHash: id(`manifest ${requestId}`),
          manifestURI: "ipfs://manifest",
        },
        o,
      ),
    );
    m.now = sent.timestamp;
    w.touchedRequests.add(requestId);
    if (expectOutcome(this, sent, expected) && r) {
      // Paid ⊆ delivered: every account the deposit credits owns a contribution whose key the delivery releases.
      const released = new Set<string>();
      for (const [hash, c] of m.registry.contributions) {
        if (await w.d.registry.isEligible(hash, r.purpose)) released.add(c.owner);
      }
      for (const account of consenting.keys())
        expect(released.has(account), `${account} paid, not delivered`).to.equal(true);
      m.escrow.end(r, RequestStatus.Delivered);
      r.deliveredAt = t;
      const escrowAddress = w.escrowAddress;
      m.move(escrowAddress, m.treasury, split.toTreasury);
      m.move(escrowAddress, w.distributorAddress, split.toContributors);
      m.ledger.deposit(r.purpose, split.toContributors, epoch, consenting);
      recordEnds(w, sent.receipt, [requestId]);
      m.succeeded("deliver");
    }
    return true;
  }

  toString(): string {
    return `deliver(#${this.pick}${this.stray ? " stray" : ""}${timingLabel(this.timing)})`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Distributor and token
// ---------------------------------------------------------------------------------------------------------------

/**
 * An account claims revenue, to itself or to someone it names: one with something to claim, or (as a stray) any
 * actor or the outsider.
 */
export class Claim extends Step {
  constructor(
    readonly pick: number,
    readonly stray: boolean,
    readonly mask: "held" | "all" | "some" | "none",
    readonly some: number,
    readonly to: "self" | "other" | "zero" | "distributor",
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const accounts = [...w.d.actors, w.d.outsider];
    const { epoch: viewEpoch } = m.epochAt(m.now);
    const owed = accounts.filter((a) => m.ledger.claimableFor(a.address, 0xffff, viewEpoch) > 0n);
    const claimer = this.stray ? accounts[this.pick % accounts.length] : choose(owed, this.pick, accounts[0]);
    const mask =
      this.mask === "held"
        ? m.ledger.purposesHeld(claimer.address, viewEpoch)
        : this.mask === "all"
          ? 0xffff
          : this.mask === "some"
            ? this.some
            : 0;
    const recipients = {
      self: claimer.address,
      other: w.d.buyers[this.some % w.d.buyers.length].address,
      zero: ZeroAddress,
      distributor: w.distributorAddress, // the tokens would never leave: refused
    };
    const recipient = recipients[this.to];
    expect(await w.d.distributor.claimableFor(claimer, mask), "claimableFor").to.equal(
      m.ledger.claimableFor(claimer.address, mask, viewEpoch),
    );
    const t = m.next();
    const plan = m.ledger.claim(claimer.address, mask, m.epochAt(t).epoch);
    const refusedRecipient = this.to === "zero" || this.to === "distributor";
    const expected = refusedRecipient ? "DistributorInvalidRecipient" : "error" in plan ? plan.error : undefined;
    const distributor = w.d.distributor.connect(claimer);
    const sent = await w.send(t, (o) =>
      this.to === "self" ? distributor.claim(mask, o) : distributor.claimTo(mask, recipient, o),
    );
    m.now = sent.timestamp;
    if (expectOutcome(this, sent, expected) && !("error" in plan)) {
      plan.settle();
      m.move(w.distributorAddress, recipient, plan.amount);
      m.succeeded(this.to === "self" ? "claim" : "claimTo");
    }
    return true;
  }

  toString(): string {
    return `claim(#${this.pick}${this.stray ? " stray" : ""}, ${this.mask === "some" ? `0b${this.some.toString(2)}` : this.mask}, to ${this.to})`;
  }
}

/** A holder delegates its votes (to a holder, or to nobody). */
export class Delegate extends Step {
  constructor(
    readonly holder: number,
    readonly to: number,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const holder = w.holders[this.holder];
    const delegatee = this.to < 0 ? ZeroAddress : w.holders[this.to].address;
    const t = m.next();
    const sent = await w.send(t, (o) => w.d.token.connect(holder).delegate(delegatee, o));
    m.now = sent.timestamp;
    if (expectOutcome(this, sent, undefined)) {
      m.votes.delegate(holder.address, delegatee, t);
      m.succeeded("delegate");
    }
    return true;
  }

  toString(): string {
    return `delegate(holder ${this.holder} → ${this.to < 0 ? "nobody" : `holder ${this.to}`})`;
  }
}

/** A holder sends COOP to another (a percentage of its balance; above 100% must fail). */
export class TransferCoop extends Step {
  constructor(
    readonly from: number,
    readonly to: number,
    readonly percent: number,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const from = w.holders[this.from];
    const to = w.holders[this.to];
    const balance = m.votes.balanceOf(from.address);
    const amount = this.percent > 100 && balance === 0n ? 1n : (balance * BigInt(this.percent)) / 100n;
    const t = m.next();
    const expected = m.votes.transferError(from.address, amount);
    const sent = await w.send(t, (o) => w.d.token.connect(from).transfer(to, amount, o));
    m.now = sent.timestamp;
    if (expectOutcome(this, sent, expected)) {
      m.votes.transfer(from.address, to.address, amount, t);
      m.succeeded("transfer");
    }
    return true;
  }

  toString(): string {
    return `transfer(holder ${this.from} → holder ${this.to}, ${this.percent}%)`;
  }
}

/** Time travel, without mining: the next transaction lands `seconds` later. */
export class Warp extends Step {
  constructor(readonly seconds: bigint) {
    super();
  }

  protected async act(m: Model): Promise<boolean> {
    m.now += this.seconds;
    return false;
  }

  toString(): string {
    return `warp(${this.seconds}s)`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Governance
// ---------------------------------------------------------------------------------------------------------------

/**
 * A real proposal: propose → every holder with votes votes (one against, if `against` names one) → queue →
 * execute, each at a known time. It passes when For beats Against and reaches the quorum at the snapshot; the
 * timelock then approves or rejects the batch exactly as a direct call would.
 */
export class Proposal extends Step {
  constructor(
    readonly approve: boolean,
    readonly picks: number[],
    readonly against: number,
    readonly proposer: number,
  ) {
    super();
  }

  protected async act(m: Model, w: World): Promise<boolean> {
    const { governor, escrow } = w.d;
    const pool = candidates(m, false, (r) => (this.approve ? approvable(m, r) : holdsFee(r)));
    const ids = [...new Set(this.picks.map((pick) => choose(pool, pick, m.escrow.nextId)))];
    const data = this.approve
      ? escrow.interface.encodeFunctionData("approve", [ids])
      : escrow.interface.encodeFunctionData("reject", [ids]);
    const description = `${this.approve ? "Approve" : "Reject"} requests ${ids.join(", ")} (${m.fresh("proposal")})`;
    const targets = [escrow.target as string];
    const proposalId = await governor.hashProposal(targets, [0n], [data], id(description));

    const proposed = await w.send(m.next(), (o) =>
      governor.connect(w.holders[this.proposer]).propose(targets, [0n], [data], description, o),
    );
    m.now = proposed.timestamp;
    expectOutcome(this, proposed, undefined);
    const snapshot = proposed.timestamp + DELAY;

    // Votes at the snapshot are today's votes: nothing else happens while the proposal is pending.
    let forVotes = 0n;
    let againstVotes = 0n;
    m.now = snapshot;
    for (const [i, voter] of w.holders.entries()) {
      const weight = m.votes.getVotes(voter.address);
      if (weight === 0n) continue;
      const support = i === this.against ? 0 : 1;
      const cast = await w.send(m.next(), (o) => governor.connect(voter).castVote(proposalId, support, o));
      m.now = cast.timestamp;
      if (expectOutcome(this, cast, undefined)) {
        const event = cast.receipt.logs
          .map((log) => governor.interface.parseLog(log))
          .find((e) => e?.name === "VoteCast");
        expect(event?.args.weight, "vote weight == votes at the snapshot").to.equal(weight);
      }
      if (support === 1) forVotes += weight;
      else againstVotes += weight;
    }
    const deadline = snapshot + PERIOD;
    expect(await governor.proposalDeadline(proposalId), "no late-quorum extension").to.equal(deadline);
    const quorum = (m.votes.getPastTotalSupply(snapshot) * QUORUM_PERCENT) / 100n;
    const passes = forVotes > againstVotes && forVotes >= quorum;
    m.now = deadline;
    if (!passes) {
      const state = await w.send(m.next(), (o) =>
        governor.connect(w.d.outsider).queue(targets, [0n], [data], id(description), o),
      );
      m.now = state.timestamp;
      expectOutcome(this, state, "GovernorUnexpectedProposalState");
      expect(await governor.state(proposalId)).to.equal(PROPOSAL_DEFEATED);
      m.succeeded("proposal (defeated)");
      return true;
    }
    const queued = await w.send(m.next(), (o) =>
      governor.connect(w.d.outsider).queue(targets, [0n], [data], id(description), o),
    );
    m.now = queued.timestamp;
    expectOutcome(this, queued, undefined);

    m.now = queued.timestamp + TIMELOCK_DELAY - 1n;
    const t = m.next();
    const expected = decisionError(m, this.approve, ids, t);
    const executor = w.d.buyers[0]; // anyone may execute
    const executed = await w.send(t, (o) =>
      governor.connect(executor).execute(targets, [0n], [data], id(description), o),
    );
    m.now = executed.timestamp;
    if (expectOutcome(this, executed, expected)) {
      expect(await governor.state(proposalId)).to.equal(PROPOSAL_EXECUTED);
      applyDecision(m, w, this.approve, ids, t, executed.receipt);
      m.succeeded(this.approve ? "proposal (approve)" : "proposal (reject)");
    }
    return true;
  }

  toString(): string {
    return `proposal(${this.approve ? "approve" : "reject"} [${this.picks.join(", ")}], against ${this.against}, by holder ${this.proposer})`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------------------------

const ACTORS = 6;
const HOLDERS = 8; // six actors, the outsider, the deployer
const oneIn = (n: number) => fc.nat(n - 1).map((x) => x === 0);
const actor = fc.nat(ACTORS - 1);
const holder = fc.nat(HOLDERS - 1);
const pick = fc.nat(1_000);
const units = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: 1n, max: 5_000n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 5_000n, max: 60_000n }) },
);
const quality = fc.bigInt({ min: 1n, max: 10_000n });
const consent = fc.oneof(
  { weight: 12, arbitrary: fc.nat(CONSENT_BITS) },
  { weight: 1, arbitrary: fc.nat(CONSENT_BITS).map((mask) => mask | UNDEFINED_PURPOSE_BIT) },
);
const flaw = fc.oneof(
  { weight: 16, arbitrary: fc.constant<Flaw>("none") },
  { weight: 1, arbitrary: fc.constantFrom<Flaw>("duplicate", "expired", "impostor") },
);
/** Mostly "now" or past the deadline (timeouts need it), sometimes exactly at it, to probe inclusive bounds. */
const timing = fc.constantFrom<Timing>("now", "now", "at", "after", "after");
/** Delivery is rarely late or at the edge: a jump to one request's deadline ends every other window too. */
const deliveryTiming = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Timing>("now") },
  { weight: 1, arbitrary: fc.constantFrom<Timing>("at", "after") },
);

/** Every action, weighted so that sequences contribute, request, decide and claim in a realistic mix. */
export const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 7,
    arbitrary: fc
      .tuple(actor, fc.constantFrom("new", "new", "own", "own", "other"), pick, units, quality, consent, flaw)
      .map(([a, source, p, u, q, c, f]) => new Contribute(a, source as "new" | "own" | "other", p, u, q, c, f)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(actor, pick, oneIn(5), fc.boolean(), units, quality, consent)
      .map(([a, p, s, same, u, q, c]) => new Replace(a, p, s, same, u, q, c)),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(actor, pick, oneIn(5), consent).map(([a, p, s, c]) => new SetPurposes(a, p, s, c)),
  },
  { weight: 2, arbitrary: fc.tuple(actor, pick, oneIn(5)).map(([a, p, s]) => new Revoke(a, p, s)) },
  {
    weight: 7,
    arbitrary: fc
      .tuple(
        fc.nat(2),
        fc.oneof({ weight: 12, arbitrary: fc.nat(4) }, { weight: 1, arbitrary: fc.constant(7) }),
        fc.oneof(
          { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 1_000n }) },
          { weight: 4, arbitrary: fc.bigInt({ min: usdc(100), max: usdc(5_000) }) },
        ),
        fc.constantFrom(1n, 86_400n, 7n * 86_400n, 8n * 86_400n, 31n * 86_400n),
      )
      .map(([b, p, amount, duration]) => new RequestAccess(b, p, amount, duration)),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(holder, pick, oneIn(5), fc.constantFrom<Timing>("now", "now", "now", "at", "after"))
      .map(([h, p, s, t]) => new ObjectTo(h, p, s, t)),
  },
  { weight: 4, arbitrary: fc.tuple(pick, oneIn(5), timing).map(([p, s, t]) => new Finalize(p, s, t)) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.array(pick, { minLength: 1, maxLength: 4 }), oneIn(5))
      .map(([picks, s]) => new Decide(true, picks, s)),
  },
  {
    // Governance batches often name requests that ended meanwhile: half of these are strays.
    weight: 2,
    arbitrary: fc
      .tuple(fc.array(pick, { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([picks, s]) => new Decide(false, picks, s)),
  },
  { weight: 2, arbitrary: fc.tuple(pick, oneIn(5), oneIn(5)).map(([p, s, other]) => new Cancel(p, s, other)) },
  { weight: 2, arbitrary: fc.tuple(pick, oneIn(5), timing).map(([p, s, t]) => new Timeout("expire", p, s, t)) },
  {
    weight: 2,
    arbitrary: fc.tuple(pick, oneIn(5), timing).map(([p, s, t]) => new Timeout("markUndelivered", p, s, t)),
  },
  { weight: 10, arbitrary: fc.tuple(pick, oneIn(8), deliveryTiming).map(([p, s, t]) => new Deliver(p, s, t)) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        pick,
        oneIn(5),
        fc.constantFrom<"held" | "all" | "some" | "none">("held", "held", "held", "all", "some", "none"),
        fc.nat(0b111111),
        fc.constantFrom<"self" | "other" | "zero" | "distributor">(
          "self",
          "self",
          "self",
          "self",
          "other",
          "other",
          "zero",
          "distributor",
        ),
      )
      .map(([p, s, mask, some, to]) => new Claim(p, s, mask, some, to)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(holder, fc.oneof({ weight: 6, arbitrary: holder }, { weight: 1, arbitrary: fc.constant(-1) }))
      .map(([h, to]) => new Delegate(h, to)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        holder,
        holder,
        fc.oneof({ weight: 8, arbitrary: fc.nat(100) }, { weight: 1, arbitrary: fc.constant(150) }),
      )
      .map(([from, to, percent]) => new TransferCoop(from, to, percent)),
  },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(1n, 60n, 60n, 600n, 600n, 3_600n, 3_600n, 7_201n, 86_401n)
      .map((seconds) => new Warp(seconds)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.boolean(),
        fc.array(pick, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: -1, max: HOLDERS * 3 }),
        holder,
      )
      .map(([approve, picks, against, proposer]) => new Proposal(approve, picks, against, proposer)),
  },
);
