import { REQUEST_STATUS as RequestStatus } from "../../../src/ethers/constants";

export { RequestStatus };
export type RequestStatusValue = (typeof RequestStatus)[keyof typeof RequestStatus];

export interface StandingTermsModel {
  enabled: boolean;
  maxDuration: bigint;
  objectionWindow: bigint;
  objectionThresholdBps: bigint;
  minPrice: bigint;
}

export interface RequestModel {
  id: bigint;
  buyer: string;
  purpose: number;
  amount: bigint;
  duration: bigint;
  requestedAt: bigint;
  decisionDeadline: bigint;
  /** Zero when the request did not meet the standing terms (it waits for a proposal). */
  objectionDeadline: bigint;
  objectionThresholdBps: bigint;
  deliveryDeadline: bigint;
  deliveredAt: bigint;
  status: RequestStatusValue;
  objectionVotes: bigint;
  objectors: Set<string>;
}

const MAX_BPS = 10_000n;
const UINT128_MAX = (1n << 128n) - 1n;

/** Statuses that hold a fee in escrow; every other status but None is an end. */
export const holdsFee = (r: RequestModel): boolean =>
  r.status === RequestStatus.Pending || r.status === RequestStatus.Approved;

/**
 * The AccessEscrow's state machine and fee book. The `*Error` methods return the error the chain must fail with,
 * checked in the contract's order; `timestamp` is always the block time of the transaction.
 */
export class EscrowModel {
  readonly requests: RequestModel[] = [];
  heldFees = 0n;

  constructor(
    readonly definedPurposes: number,
    readonly terms: Map<number, StandingTermsModel>,
    readonly decisionPeriod: bigint,
    readonly deliveryPeriod: bigint,
    readonly treasuryShareBps: bigint,
  ) {}

  get nextId(): bigint {
    return BigInt(this.requests.length + 1);
  }

  request(id: bigint): RequestModel | undefined {
    return id >= 1n && id <= BigInt(this.requests.length) ? this.requests[Number(id) - 1] : undefined;
  }

  requestError(purpose: number, amount: bigint, duration: bigint): string | undefined {
    if (purpose >= 16 || ((this.definedPurposes >> purpose) & 1) === 0) return "EscrowUnknownPurpose";
    if (amount === 0n || amount > UINT128_MAX) return "EscrowInvalidAmount";
    if (duration === 0n) return "EscrowInvalidDuration";
    return undefined;
  }

  isOptimistic(purpose: number, amount: bigint, duration: bigint): boolean {
    const terms = this.terms.get(purpose);
    return terms !== undefined && terms.enabled && amount >= terms.minPrice && duration <= terms.maxDuration;
  }

  addRequest(buyer: string, purpose: number, amount: bigint, duration: bigint, timestamp: bigint): RequestModel {
    const optimistic = this.isOptimistic(purpose, amount, duration);
    const terms = this.terms.get(purpose);
    const r: RequestModel = {
      id: this.nextId,
      buyer,
      purpose,
      amount,
      duration,
      requestedAt: timestamp,
      decisionDeadline: timestamp + this.decisionPeriod,
      objectionDeadline: optimistic && terms ? timestamp + terms.objectionWindow : 0n,
      objectionThresholdBps: optimistic && terms ? terms.objectionThresholdBps : 0n,
      deliveryDeadline: 0n,
      deliveredAt: 0n,
      status: RequestStatus.Pending,
      objectionVotes: 0n,
      objectors: new Set(),
    };
    this.requests.push(r);
    this.heldFees += amount;
    return r;
  }

  /** `_requestOf` then `_requireStatus`. */
  private statusError(id: bigint, expected: RequestStatusValue): string | undefined {
    const r = this.request(id);
    if (!r) return "EscrowUnknownRequest";
    if (r.status !== expected) return "EscrowInvalidStatus";
    return undefined;
  }

  cancelError(id: bigint, caller: string): string | undefined {
    return (
      this.statusError(id, RequestStatus.Pending) ?? (this.request(id)!.buyer !== caller ? "EscrowNotBuyer" : undefined)
    );
  }

  expireError(id: bigint, timestamp: bigint): string | undefined {
    const error = this.statusError(id, RequestStatus.Pending);
    if (error) return error;
    return timestamp <= this.request(id)!.decisionDeadline ? "EscrowDecisionDeadlineNotPassed" : undefined;
  }

  markUndeliveredError(id: bigint, timestamp: bigint): string | undefined {
    const error = this.statusError(id, RequestStatus.Approved);
    if (error) return error;
    return timestamp <= this.request(id)!.deliveryDeadline ? "EscrowDeliveryDeadlineNotPassed" : undefined;
  }

  /** `object` up to the vote lookup; `votes` is the objector's past votes at `requestedAt - 1`. */
  objectError(id: bigint, objector: string, votes: bigint, timestamp: bigint): string | undefined {
    const error = this.statusError(id, RequestStatus.Pending);
    if (error) return error;
    const r = this.request(id)!;
    if (r.objectionDeadline === 0n) return "EscrowNotOptimistic";
    if (timestamp > r.objectionDeadline) return "EscrowObjectionWindowClosed";
    if (r.objectors.has(objector)) return "EscrowAlreadyObjected";
    if (votes === 0n) return "EscrowNoVotes";
    return undefined;
  }

  /** The objection threshold: `ceil(pastTotalSupply * bps / 10000)` (rounds up, in the buyer's favour). */
  static threshold(pastSupply: bigint, bps: bigint): bigint {
    return (pastSupply * bps + MAX_BPS - 1n) / MAX_BPS;
  }

  /** `finalize`; `consentingWeight` is the distributor's total weight of the request's purpose. */
  finalizeError(id: bigint, timestamp: bigint, consentingWeight: (purpose: number) => bigint): string | undefined {
    const error = this.statusError(id, RequestStatus.Pending);
    if (error) return error;
    const r = this.request(id)!;
    if (r.objectionDeadline === 0n) return "EscrowNotOptimistic";
    if (timestamp <= r.objectionDeadline) return "EscrowObjectionWindowOpen";
    if (timestamp > r.decisionDeadline) return "EscrowDecisionDeadlinePassed";
    if (consentingWeight(r.purpose) === 0n) return "EscrowNoConsentingWeight";
    return undefined;
  }

  approveOne(r: RequestModel, timestamp: bigint): void {
    r.status = RequestStatus.Approved;
    r.deliveryDeadline = timestamp + this.deliveryPeriod;
  }

  /**
   * A batch `approve`: ids no longer pending or past their decision deadline are skipped; an unknown id or a
   * purpose with no consenting weight reverts the whole batch. Returns the ids it approves, or the error.
   */
  approveBatch(
    ids: bigint[],
    timestamp: bigint,
    consentingWeight: (purpose: number) => bigint,
  ): { error: string } | { approved: bigint[] } {
    const approved = new Set<bigint>();
    for (const id of ids) {
      const r = this.request(id);
      if (!r) return { error: "EscrowUnknownRequest" };
      const pending = r.status === RequestStatus.Pending && !approved.has(id);
      if (!pending || timestamp > r.decisionDeadline) continue;
      if (consentingWeight(r.purpose) === 0n) continue; // skipped: stays pending
      approved.add(id);
    }
    return { approved: [...approved] };
  }

  /** A batch `reject`: pending and approved requests are rejected (and refunded); others are skipped. */
  rejectBatch(ids: bigint[]): { error: string } | { rejected: bigint[] } {
    const rejected = new Set<bigint>();
    for (const id of ids) {
      const r = this.request(id);
      if (!r) return { error: "EscrowUnknownRequest" };
      if (holdsFee(r) && !rejected.has(id)) rejected.add(id);
    }
    return { rejected: [...rejected] };
  }

  deliverError(id: bigint, timestamp: bigint): string | undefined {
    const error = this.statusError(id, RequestStatus.Approved);
    if (error) return error;
    return timestamp > this.request(id)!.deliveryDeadline ? "EscrowDeliveryDeadlinePassed" : undefined;
  }

  /** The treasury's and the contributors' parts of a released fee (the treasury's share rounds down). */
  split(amount: bigint): { toTreasury: bigint; toContributors: bigint } {
    const toTreasury = (amount * this.treasuryShareBps) / MAX_BPS;
    return { toTreasury, toContributors: amount - toTreasury };
  }

  /** Ends a request that holds a fee, with `status`. */
  end(r: RequestModel, status: RequestStatusValue): void {
    if (!holdsFee(r)) throw new Error(`model: request ${r.id} ended twice`);
    r.status = status;
    this.heldFees -= r.amount;
  }

  /** Σ fees of pending and approved requests. */
  owed(): bigint {
    return this.requests.filter(holdsFee).reduce((sum, r) => sum + r.amount, 0n);
  }
}
