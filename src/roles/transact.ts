/**
 * Sending a transaction the one way the role library does: simulate it once, explain a revert with the
 * core's decoder and message table, then send exactly what was simulated.
 */
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";

import type { DataCoopContractName } from "../abi/names";
import { decodeError, errorMessage, formatDecodedError } from "../errors";
import { RoleError } from "./errors";

/**
 * Turns a failed call into a {@link RoleError} (`REVERTED`) that names the contract error and says what
 * to do (from `ERROR_MESSAGES`); the decoded error is its `revert`.
 * @param action what was attempted, e.g. "register the contribution"
 * @param error what the call threw
 * @param contract the contract called, to name it when several declare the error
 */
export function explainRevert(action: string, error: unknown, contract?: DataCoopContractName): RoleError {
  if (error instanceof RoleError) return error;
  const decoded = decodeError(error, { contract });
  if (decoded === undefined) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return new RoleError("REVERTED", `Could not ${action}: ${reason}`, { cause: error });
  }
  const hint = errorMessage(decoded) ?? "";
  return new RoleError(
    "REVERTED",
    `Could not ${action}: the contract reverts with ${formatDecodedError(decoded)}. ${hint}`.trim(),
    { cause: error, revert: decoded },
  );
}

/** A contract method that can be simulated and sent with the same arguments (a TypeChain method). */
export interface SendableMethod<A extends unknown[], R> {
  staticCall(...args: A): Promise<R>;
  send(...args: A): Promise<ContractTransactionResponse>;
}

/** A simulated transaction: what it returns, and how to send it (without simulating it again). */
export interface Simulated<R> {
  /** What the call returned in the simulation (e.g. the reward `contribute` mints). */
  readonly result: R;
  /** Sends the transaction and waits for its receipt. */
  send(): Promise<ContractTransactionReceipt>;
}

/**
 * Simulates a transaction, so that a revert is reported (explained) before anything is sent.
 * @param action what the transaction does, for error messages
 * @param method the connected contract method
 * @param args its arguments
 * @throws RoleError `REVERTED` with the decoded reason
 */
export async function simulate<A extends unknown[], R>(
  action: string,
  method: SendableMethod<A, R>,
  ...args: A
): Promise<Simulated<R>> {
  let result: R;
  try {
    result = await method.staticCall(...args);
  } catch (error) {
    throw explainRevert(action, error);
  }
  return { result, send: () => sendAndWait(action, method, args) };
}

async function sendAndWait<A extends unknown[], R>(
  action: string,
  method: SendableMethod<A, R>,
  args: A,
): Promise<ContractTransactionReceipt> {
  try {
    const tx = await method.send(...args);
    const receipt = await tx.wait();
    if (receipt === null || receipt.status !== 1) {
      throw new RoleError("REVERTED", `Could not ${action}: transaction ${tx.hash} failed on-chain.`);
    }
    return receipt;
  } catch (error) {
    throw explainRevert(action, error);
  }
}

/**
 * Simulates a transaction once, then sends it and waits for its receipt.
 * @returns the mined receipt
 * @throws RoleError `REVERTED` with the decoded reason
 */
export async function transact<A extends unknown[], R>(
  action: string,
  method: SendableMethod<A, R>,
  ...args: A
): Promise<ContractTransactionReceipt> {
  return (await simulate(action, method, ...args)).send();
}
