import {
  Interface,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type InterfaceAbi,
  type JsonFragment,
} from "ethers";

import {
  AccessEscrow__factory,
  ContributionRegistry__factory,
  CoopGovernor__factory,
  CoopTimelock__factory,
  CoopToken__factory,
  RevenueDistributor__factory,
} from "./bindings";
import { RoleError } from "./errors";

/** A custom error (or `Error(string)` / `Panic(uint256)`) decoded from revert data. */
export interface DecodedRevert {
  readonly name: string;
  readonly args: readonly unknown[];
}

let errorInterface: Interface | undefined;

/** Every custom error of the DataCoop contracts (and the OpenZeppelin ones they inherit), in one ABI. */
function errors(): Interface {
  if (errorInterface === undefined) {
    const abis: InterfaceAbi[] = [
      ContributionRegistry__factory.abi,
      RevenueDistributor__factory.abi,
      AccessEscrow__factory.abi,
      CoopGovernor__factory.abi,
      CoopToken__factory.abi,
      CoopTimelock__factory.abi,
    ];
    const seen = new Set<string>();
    const fragments: JsonFragment[] = [];
    for (const abi of abis) {
      for (const fragment of abi as readonly JsonFragment[]) {
        if (fragment.type !== "error") continue;
        const key = `${fragment.name}(${(fragment.inputs ?? []).map((i) => i.type).join(",")})`;
        if (seen.has(key)) continue;
        seen.add(key);
        fragments.push(fragment);
      }
    }
    errorInterface = new Interface(fragments);
  }
  return errorInterface;
}

/**
 * Decodes why a call reverted, from an ethers error (or anything carrying revert data).
 * @param error what a contract call threw
 * @returns the error's name and arguments, or `undefined` if there is no revert data
 */
export function decodeRevert(error: unknown): DecodedRevert | undefined {
  const data = findRevertData(error);
  if (data === undefined || data === "0x") return undefined;
  try {
    const parsed = errors().parseError(data);
    if (parsed !== null) return { name: parsed.name, args: [...parsed.args] };
  } catch {
    // Fall through to the built-in errors.
  }
  const reason = (error as { reason?: unknown }).reason;
  if (typeof reason === "string") return { name: "Error", args: [reason] };
  return { name: `unknown error ${data.slice(0, 10)}`, args: [] };
}

function findRevertData(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 5) return undefined;
  const record = error as Record<string, unknown>;
  if (typeof record.data === "string" && /^0x[0-9a-fA-F]*$/.test(record.data)) return record.data;
  for (const key of ["error", "info", "cause", "data"]) {
    const found = findRevertData(record[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

const STATUS_NAMES = ["None", "Pending", "Approved", "Delivered", "Rejected", "Cancelled", "Expired", "Undelivered"];
const PROPOSAL_STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"];

/** What to do about each error a role is likely to meet. */
const HINTS: Record<string, (args: readonly unknown[]) => string> = {
  RegistryNotContributor: ([caller, contributor]) =>
    `The attestation names contributor ${String(contributor)} but the sender is ${String(caller)}: send from the attested account, or get an attestation for this one.`,
  RegistryAttestationExpired: () => "The attestation's deadline has passed; ask the validators for a fresh one.",
  RegistryBelowThreshold: ([given, threshold]) =>
    `${String(given)} validator signature(s) given, ${String(threshold)} needed; collect more attestation files.`,
  RegistryUnknownValidator: ([signer]) =>
    `${String(signer)} is not a validator (or signed other data: check the chain and registry of the attestation).`,
  RegistryDuplicateContent: () => "This ciphertext is already registered; a content hash registers once, ever.",
  RegistrySourceBoundToOther: ([, wallet]) =>
    `This export's source account is bound to ${String(wallet)}; only that wallet may contribute from it.`,
  RegistryUnknownPurpose: () => "A purpose bit is not defined in the registry; list purposes with contributor:status.",
  RegistryNotOwner: ([, , owner]) => `Only the owner ${String(owner)} may change this contribution.`,
  RegistryNotActive: ([, status]) =>
    `The contribution is ${["unknown", "active", "revoked", "superseded"][Number(status)] ?? String(status)}; only an active one can change.`,
  DistributorZeroAmount: () => "There is nothing to claim yet.",
  DistributorNoConsentingWeight: () => "No active contribution consents to this purpose any more.",
  EscrowInvalidStatus: ([id, status]) =>
    `Request #${String(id)} is ${STATUS_NAMES[Number(status)] ?? String(status)}, which does not allow this.`,
  EscrowUnknownRequest: ([id]) => `There is no request #${String(id)}.`,
  EscrowNotBuyer: ([, , buyer]) => `Only the buyer ${String(buyer)} may do this.`,
  EscrowNoConsentingWeight: ([, purpose]) => `No active contribution consents to purpose ${String(purpose)}.`,
  EscrowObjectionWindowClosed: () => "The objection window has closed.",
  EscrowObjectionWindowOpen: () => "The objection window is still open; finalize after it closes.",
  EscrowNoVotes: () => "The account had no votes just before the request; only earlier delegated votes count.",
  EscrowAlreadyObjected: () => "This account has already objected to the request.",
  EscrowNotOptimistic: () => "The request did not meet standing terms; it is decided by a proposal.",
  EscrowDeliveryDeadlinePassed: () => "The delivery deadline has passed; the request can only be marked undelivered.",
  EscrowDecisionDeadlinePassed: () => "The decision deadline has passed; the request can only expire.",
  EscrowInvalidPublicKey: () => "The public key must be a secp256k1 key of 33 or 65 bytes.",
  EscrowStaleEpoch: () =>
    "The manifest was built for a consent epoch that is over; build it again for the current one.",
  EscrowManifestOutdated: () =>
    "A contribution withdrew its consent after the manifest was built; build it again from the current state.",
  EscrowNoRefundOwed: () => "No refund is kept for this account.",
  RegistryTooManyUnits: ([, max]) => `An attestation may carry at most ${String(max)} units.`,
  RegistryValidatorsBelowThreshold: ([validators, threshold]) =>
    `Only ${String(validators)} validators would remain, fewer than the threshold ${String(threshold)}; lower the threshold first.`,
  AccessControlUnauthorizedAccount: ([account, role]) =>
    `${String(account)} lacks the role ${String(role)} this needs; send from an account that holds it.`,
  ERC20InsufficientBalance: ([, balance, needed]) =>
    `The balance is ${String(balance)} but ${String(needed)} is needed; fund the account first.`,
  ERC20InsufficientAllowance: ([, allowance, needed]) =>
    `The allowance is ${String(allowance)} but ${String(needed)} is needed; approve the escrow first.`,
  GovernorInsufficientProposerVotes: ([, votes, threshold]) =>
    `The proposer has ${String(votes)} votes but the proposal threshold is ${String(threshold)}; delegate votes to the proposer first.`,
  GovernorUnexpectedProposalState: ([, state]) =>
    `The proposal is ${PROPOSAL_STATES[Number(state)] ?? String(state)}, which does not allow this.`,
  GovernorAlreadyCastVote: () => "This account has already voted on the proposal.",
  GovernorNonexistentProposal: () => "There is no such proposal; check the id.",
  TimelockUnexpectedOperationState: () => "The timelock operation is not ready; wait for the proposal's ETA.",
};

/**
 * Turns a failed call into a {@link RoleError} that names the contract error and says what to do.
 * @param action what was attempted, e.g. "register the contribution"
 * @param error what the call threw
 */
export function explainRevert(action: string, error: unknown): RoleError {
  if (error instanceof RoleError) return error;
  const decoded = decodeRevert(error);
  if (decoded === undefined) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return new RoleError("REVERTED", `Could not ${action}: ${reason}`, { cause: error });
  }
  const shown = `${decoded.name}(${decoded.args.map((a) => String(a)).join(", ")})`;
  const hint = HINTS[decoded.name]?.(decoded.args) ?? "";
  return new RoleError("REVERTED", `Could not ${action}: the contract reverts with ${shown}. ${hint}`.trim(), {
    cause: error,
  });
}

/** A contract method that can be simulated and sent with the same arguments. */
export interface SendableMethod<A extends unknown[]> {
  staticCall(...args: A): Promise<unknown>;
  send(...args: A): Promise<ContractTransactionResponse>;
}

/**
 * Simulates a transaction first (so a revert is reported before anything is sent), then sends it and
 * waits for its receipt.
 * @param action what the transaction does, for error messages
 * @param method the connected contract method
 * @param args its arguments
 * @returns the mined receipt
 * @throws RoleError `REVERTED` with the decoded reason
 */
export async function transact<A extends unknown[]>(
  action: string,
  method: SendableMethod<A>,
  ...args: A
): Promise<ContractTransactionReceipt> {
  try {
    await method.staticCall(...args);
  } catch (error) {
    throw explainRevert(action, error);
  }
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
