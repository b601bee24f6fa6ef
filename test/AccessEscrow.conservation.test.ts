import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { id, type ContractTransactionResponse } from "ethers";
import {
  DAY,
  HOUR,
  Purpose,
  RESEARCH_TERMS,
  Status,
  escrowFixture,
  expectConservation,
  publicKeyOf,
  usdc,
  type EscrowSystem,
} from "./support/escrow";
import { deliverNow } from "./support/epoch";

/** Steps that act on requests already made. */
type RequestStep = "object" | "finalize" | "approve" | "reject" | "cancel" | "expire" | "deliver" | "markUndelivered";

/**
 * One step of a random session. `pick` chooses among the requests the step can apply to (modulo their count),
 * or among all requests when `stray` is set (mostly refused steps). `late` first moves time one second past
 * the deadline the step waits for (objection window, decision or delivery deadline), so timeouts happen.
 */
type Action =
  | { kind: "request"; buyer: number; purpose: number; amount: bigint; longGrant: boolean }
  | { kind: RequestStep; pick: number[]; stray: boolean; late: boolean; voter: number }
  | { kind: "wait"; seconds: bigint };

/** What the test knows of each request: what was asked, and its last status read from the chain. */
interface Known {
  buyer: number;
  purpose: number;
  amount: bigint;
  optimistic: boolean;
  status: bigint;
}

const pending = (k: Known) => k.status === Status.Pending;
const approved = (k: Known) => k.status === Status.Approved;
const approvable = (k: Known) => pending(k) && k.purpose !== Purpose.ANALYTICS; // no weight consents to ANALYTICS

/** The requests each step can apply to, deadlines aside. */
const APPLIES: Record<RequestStep, (k: Known) => boolean> = {
  object: (k) => pending(k) && k.optimistic,
  finalize: (k) => approvable(k) && k.optimistic,
  approve: (k) => approvable(k) && !k.optimistic, // optimistic requests are fast-tracked by stray steps only
  reject: (k) => pending(k) || approved(k),
  cancel: pending,
  expire: pending,
  deliver: approved,
  markUndelivered: approved,
};

/** The deadline a `late` step waits for. */
const WAITS_FOR: Partial<Record<RequestStep, "objectionDeadline" | "decisionDeadline" | "deliveryDeadline">> = {
  finalize: "objectionDeadline",
  expire: "decisionDeadline",
  markUndelivered: "deliveryDeadline",
};

const PURPOSES = [Purpose.RESEARCH, Purpose.AI_TRAINING, Purpose.ANALYTICS];
const SHARE_BPS = 500n;
const oneIn = (n: number) => fc.nat(n - 1).map((x) => x === 0);

/** A step on existing requests, drawn with `weight`. */
function step(kind: RequestStep, weight: number) {
  const arbitrary = fc.record({
    kind: fc.constant(kind),
    pick: fc.array(fc.nat(), { minLength: 1, maxLength: kind === "approve" || kind === "reject" ? 3 : 1 }),
    stray: oneIn(4),
    late: fc.boolean(),
    voter: fc.nat(2),
  });
  return { weight, arbitrary };
}

const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("request" as const),
      buyer: fc.nat(1),
      purpose: fc.constantFrom(...PURPOSES, Purpose.RESEARCH),
      amount: fc.oneof(
        { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 1000n }) },
        { weight: 3, arbitrary: fc.bigInt({ min: RESEARCH_TERMS.minPrice, max: usdc(5000) }) },
      ),
      longGrant: oneIn(4),
    }),
  },
  step("object", 2),
  step("finalize", 2),
  step("approve", 2),
  step("reject", 1),
  step("cancel", 1),
  step("expire", 1),
  step("deliver", 2),
  step("markUndelivered", 1),
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("wait" as const), seconds: fc.constantFrom(60n, HOUR) }) },
);

/** A long grant misses the standing terms. */
function durationOf(action: { longGrant: boolean }): bigint {
  return action.longGrant ? RESEARCH_TERMS.maxDuration + 1n : 7n * DAY;
}

/** The revert data of a failed call, whether ethers or Hardhat raised it. */
function revertData(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("data" in error)) return undefined;
  return typeof error.data === "string" ? error.data : undefined;
}

/** The request ids a step targets. */
function targets(known: Known[], action: Extract<Action, { kind: RequestStep }>): bigint[] {
  const all = known.map((_, i) => BigInt(i + 1));
  const fitting = all.filter((requestId) => APPLIES[action.kind](known[Number(requestId) - 1]));
  const pool = action.stray || fitting.length === 0 ? all : fitting;
  return action.pick.map((i) => pool[i % pool.length]);
}

/** Sends the transaction of a step on `ids`. */
function send(
  system: EscrowSystem,
  known: Known[],
  action: Extract<Action, { kind: RequestStep }>,
  ids: bigint[],
): Promise<ContractTransactionResponse> {
  const { escrow, admin, custodian } = system;
  const [requestId] = ids;
  switch (action.kind) {
    case "approve":
      return escrow.connect(admin).approve(ids);
    case "reject":
      return escrow.connect(admin).reject(ids);
    case "object":
      return escrow.connect(system.contributors[action.voter]).object(requestId);
    case "cancel":
      return escrow.connect([system.buyer, system.buyer2][known[Number(requestId) - 1].buyer]).cancel(requestId);
    case "deliver":
      return deliverNow(escrow.connect(custodian), requestId, "ipfs://m", id(`manifest ${requestId}`));
    case "finalize":
      return escrow.finalize(requestId);
    case "expire":
      return escrow.expire(requestId);
    case "markUndelivered":
      return escrow.markUndelivered(requestId);
  }
}

/** Reads the balances the invariants speak of. */
async function balances(system: EscrowSystem) {
  const { usdc: token, escrow, distributor } = system;
  return {
    held: await escrow.heldFees(),
    escrow: await token.balanceOf(escrow),
    buyers: [await token.balanceOf(system.buyer), await token.balanceOf(system.buyer2)],
    treasury: await token.balanceOf(await escrow.treasury()),
    distributor: await token.balanceOf(distributor),
  };
}

/**
 * After every step: escrow balance == heldFees == Σ fees of pending and approved requests; each buyer has paid
 * exactly the fees of its requests that are still held or were delivered (every other end refunded in full);
 * the treasury and the distributor hold exactly their shares of the delivered fees.
 */
async function checkInvariants(system: EscrowSystem, known: Known[], initial: bigint[]): Promise<void> {
  const now = await balances(system);
  let held = 0n;
  let toTreasury = 0n;
  let toContributors = 0n;
  const paid = [0n, 0n];
  for (const k of known) {
    if (pending(k) || approved(k)) held += k.amount;
    if (pending(k) || approved(k) || k.status === Status.Delivered) paid[k.buyer] += k.amount;
    if (k.status === Status.Delivered) {
      const share = (k.amount * SHARE_BPS) / 10_000n;
      toTreasury += share;
      toContributors += k.amount - share;
    }
  }
  expect(now.held, "heldFees == Σ pending + approved fees").to.equal(held);
  expect(now.escrow, "escrow balance == heldFees").to.equal(held);
  expect(now.buyers, "buyers paid exactly what is held or delivered").to.deep.equal([
    initial[0] - paid[0],
    initial[1] - paid[1],
  ]);
  expect(now.treasury, "treasury == Σ treasury shares of delivered fees").to.equal(toTreasury);
  expect(now.distributor, "distributor == Σ contributor shares of delivered fees").to.equal(toContributors);
}

describe("AccessEscrow: conservation under random sessions", function () {
  it("keeps balance == heldFees == Σ held fees, and refunds in full, after every step of seeded random sessions", async function () {
    const succeeded = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(actionArbitrary, { minLength: 25, maxLength: 35 }), async (actions) => {
        const system = await loadFixture(escrowFixture);
        const { escrow } = system;
        const initial = (await balances(system)).buyers;
        const known: Known[] = [];
        for (const action of actions) {
          if (action.kind === "wait") {
            await time.increase(action.seconds);
            continue;
          }
          let touched: bigint[];
          let sendTx: () => Promise<ContractTransactionResponse>;
          if (action.kind === "request") {
            const buyer = [system.buyer, system.buyer2][action.buyer];
            const duration = durationOf(action);
            touched = [BigInt(known.length + 1)];
            sendTx = () =>
              escrow
                .connect(buyer)
                .requestAccess(
                  action.purpose,
                  action.amount,
                  duration,
                  id("terms"),
                  "ipfs://t",
                  publicKeyOf(buyer.address),
                );
          } else {
            if (known.length === 0) continue;
            const ids = targets(known, action);
            const deadline = WAITS_FOR[action.kind];
            if (action.late && deadline) {
              const target = (await escrow.request(ids[0]))[deadline] + 1n;
              if (target > BigInt(await time.latest()) + 1n) await time.increaseTo(target);
            }
            touched = ids;
            sendTx = () => send(system, known, action, ids);
          }

          const before = await balances(system);
          try {
            await (await sendTx()).wait();
            succeeded.set(action.kind, (succeeded.get(action.kind) ?? 0) + 1);
            if (action.kind === "request") {
              known.push({
                buyer: action.buyer,
                purpose: action.purpose,
                amount: action.amount,
                optimistic:
                  action.purpose === Purpose.RESEARCH &&
                  action.amount >= RESEARCH_TERMS.minPrice &&
                  durationOf(action) <= RESEARCH_TERMS.maxDuration,
                status: Status.Pending,
              });
            }
          } catch (error) {
            // A refused step must fail with one of the protocol's typed errors, and change nothing.
            const data = revertData(error);
            const parsed = data
              ? (escrow.interface.parseError(data) ?? system.distributor.interface.parseError(data))
              : null;
            expect(parsed, `unexpected failure of ${action.kind}: ${String(error)}`).to.not.equal(null);
            expect(await balances(system)).to.deep.equal(before);
          }
          for (const requestId of touched) {
            const k = known[Number(requestId) - 1];
            if (!k) continue;
            const r = await escrow.request(requestId);
            k.status = r.status;
            expect(r.objectionDeadline !== 0n, "optimistic exactly when the standing terms are met").to.equal(
              k.optimistic,
            );
          }
          await checkInvariants(system, known, initial);
        }
        await expectConservation(system);
        for (const [i, k] of known.entries()) expect((await escrow.request(i + 1)).status).to.equal(k.status);
      }),
      // A fixed seed keeps CI deterministic; `SEED=<n> npx hardhat test ...` explores other sessions.
      { seed: Number(process.env.SEED ?? 0x5eed_e5c0), numRuns: 12, endOnFailure: true },
    );
    // The sessions must have gone through every transition, not only refused steps.
    for (const kind of Object.keys(APPLIES).concat("request")) {
      expect(succeeded.get(kind) ?? 0, `successful ${kind} steps`).to.be.greaterThan(0);
    }
  });
});
