import { getAddress, keccak256 } from "ethers";

import type { DataCoop } from "./contracts";
import { REQUEST_STATUS, type RequestStatusName, enumName } from "../protocol/constants";
import { RoleError } from "./errors";

/** An access request as stored (`IAccessEscrow.Request`), with its status named. */
export interface EscrowRequest {
  readonly buyer: string;
  readonly purpose: bigint;
  readonly status: bigint;
  readonly statusName: RequestStatusName;
  readonly requestedAt: bigint;
  readonly duration: bigint;
  readonly amount: bigint;
  readonly decisionDeadline: bigint;
  readonly objectionDeadline: bigint;
  readonly objectionThresholdBps: bigint;
  readonly deliveryDeadline: bigint;
  readonly deliveredAt: bigint;
  readonly termsHash: string;
  readonly buyerKeyHash: string;
  /** The eligible set hash leading the delivery round; once delivered, the set delivered. */
  readonly setHash: string;
}

/**
 * Reads a request, failing clearly if it was never made.
 * @param system the deployment
 * @param requestId the request id
 * @throws RoleError `NOT_FOUND`
 */
export async function readRequest(system: Pick<DataCoop, "escrow">, requestId: bigint): Promise<EscrowRequest> {
  if (requestId <= 0n) throw new RoleError("INVALID_INPUT", `Request ids start at 1; got ${requestId}.`);
  const request = await system.escrow.request(requestId);
  if (request.status === BigInt(REQUEST_STATUS.None)) {
    const count = await system.escrow.requestCount();
    throw new RoleError("NOT_FOUND", `There is no request #${requestId}; the escrow has ${count} request(s).`);
  }
  return {
    buyer: request.buyer,
    purpose: request.purpose,
    status: request.status,
    statusName: enumName(REQUEST_STATUS, request.status) ?? "None",
    requestedAt: request.requestedAt,
    duration: request.duration,
    amount: request.amount,
    decisionDeadline: request.decisionDeadline,
    objectionDeadline: request.objectionDeadline,
    objectionThresholdBps: request.objectionThresholdBps,
    deliveryDeadline: request.deliveryDeadline,
    deliveredAt: request.deliveredAt,
    termsHash: request.termsHash,
    buyerKeyHash: request.buyerKeyHash,
    setHash: request.setHash,
  };
}

/**
 * Requires a request to be in one of `allowed` statuses.
 * @throws RoleError `WRONG_STATE` saying what the status is and what it must be for `action`
 */
export function requireStatus(
  requestId: bigint,
  request: EscrowRequest,
  allowed: readonly RequestStatusName[],
  action: string,
): void {
  if (!allowed.includes(request.statusName)) {
    throw new RoleError(
      "WRONG_STATE",
      `Request #${requestId} is ${request.statusName}; it must be ${allowed.join(" or ")} to ${action}.`,
    );
  }
}

/**
 * The buyer public key stated in a request's `AccessRequested` event, checked against the hash stored on-chain.
 * @throws RoleError `NOT_FOUND` if the event is missing, `INTEGRITY` if it does not match the stored hash
 */
export async function buyerPublicKeyOf(
  system: Pick<DataCoop, "escrow" | "fromBlock">,
  requestId: bigint,
  request: EscrowRequest,
): Promise<string> {
  const events = await system.escrow.queryFilter(system.escrow.filters.AccessRequested(requestId), system.fromBlock);
  if (events.length !== 1) {
    throw new RoleError(
      "NOT_FOUND",
      `Found ${events.length} AccessRequested event(s) for request #${requestId}; is --from-block after the request?`,
    );
  }
  const key = events[0].args.buyerPublicKey;
  if (keccak256(key) !== request.buyerKeyHash) {
    throw new RoleError(
      "INTEGRITY",
      `The buyer key in the event of request #${requestId} does not match its stored hash.`,
    );
  }
  return key;
}

/** Checksums an address or fails with the flag to fix. */
export function checkedAddress(value: string, what: string): string {
  try {
    return getAddress(value);
  } catch (cause) {
    throw new RoleError("INVALID_INPUT", `${what} ${JSON.stringify(value)} is not an address (0x + 40 hex digits).`, {
      cause,
    });
  }
}
