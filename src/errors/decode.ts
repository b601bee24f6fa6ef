import { AbiCoder, type ErrorFragment, Interface, type Result, hexlify, isHexString } from "ethers";

import { DATACOOP_ABIS } from "../abi";
import { DATACOOP_CONTRACTS, type DataCoopContractName } from "../abi/names";

type AbiOf<C extends DataCoopContractName> = (typeof DATACOOP_ABIS)[C][number];
type ErrorNameIn<Item> = Item extends { readonly type: "error"; readonly name: infer Name extends string }
  ? Name
  : never;

/** The name of a custom error any DataCoop contract can revert with (OpenZeppelin's included). */
export type DataCoopErrorName = { [C in DataCoopContractName]: ErrorNameIn<AbiOf<C>> }[DataCoopContractName];

/** Solidity's own errors: `Error(string)` from `require`/`revert("...")`, `Panic(uint256)` from checks. */
export type BuiltinErrorName = "Error" | "Panic";

/** A revert decoded with the ABIs of the DataCoop contracts. */
export interface DecodedError {
  /**
   * The contract whose ABI declares the error: the one asked for with `options.contract` when it declares
   * it, otherwise the first in deployment order. `"builtin"` for `Error(string)` and `Panic(uint256)`.
   */
  readonly contract: DataCoopContractName | "builtin";
  /** Every DataCoop contract whose ABI declares this error (e.g. OpenZeppelin's `AccessControl` errors). */
  readonly contracts: readonly DataCoopContractName[];
  /** The error's name, e.g. `RegistryDuplicateContent`. */
  readonly name: DataCoopErrorName | BuiltinErrorName;
  /** The decoded arguments, by position and by name (`args.contentHash`). */
  readonly args: Result;
  /** The canonical signature, e.g. `RegistryDuplicateContent(bytes32)`. */
  readonly signature: string;
  /** The 4-byte selector, lowercase hex. */
  readonly selector: string;
}

/** Options of {@link decodeError}. */
export interface DecodeErrorOptions {
  /** The contract that was called, to name it in `contract` when several declare the same error. */
  readonly contract?: DataCoopContractName;
}

interface Candidate {
  readonly contract: DataCoopContractName;
  readonly iface: Interface;
  readonly fragment: ErrorFragment;
}

const BUILTIN: Readonly<Record<string, { name: BuiltinErrorName; type: string }>> = {
  "0x08c379a0": { name: "Error", type: "string" },
  "0x4e487b71": { name: "Panic", type: "uint256" },
};

let selectorIndex: Map<string, Candidate[]> | undefined;

/** Every error of every DataCoop ABI by selector; built on first use, not at import. */
function candidatesBySelector(): Map<string, Candidate[]> {
  if (selectorIndex) return selectorIndex;
  const index = new Map<string, Candidate[]>();
  for (const contract of DATACOOP_CONTRACTS) {
    const iface = new Interface(DATACOOP_ABIS[contract]);
    iface.forEachError((fragment) => {
      const list = index.get(fragment.selector) ?? [];
      list.push({ contract, iface, fragment });
      index.set(fragment.selector, list);
    });
  }
  selectorIndex = index;
  return index;
}

function asRevertData(value: unknown): string | undefined {
  if (value instanceof Uint8Array) value = hexlify(value);
  if (typeof value !== "string" || !isHexString(value) || value.length % 2 !== 0 || value.length < 10) {
    return undefined;
  }
  return value.toLowerCase();
}

/** Where providers and ethers put revert data inside an error, in the order they are searched. */
const NESTED_KEYS = ["data", "error", "info", "cause", "revert", "receipt"] as const;

/**
 * The revert data inside `error`: an ethers `CallExceptionError` (`error.data`), a JSON-RPC error
 * (`error.error.data`, `error.info.error.data`), or an error wrapping one of those (`cause`).
 * Returns `undefined` when there is none (e.g. an empty revert or a network failure).
 */
export function revertDataOf(error: unknown): string | undefined {
  const seen = new Set<object>();
  const search = (value: unknown, depth: number): string | undefined => {
    const direct = asRevertData(value);
    if (direct !== undefined) return direct;
    if (depth > 6 || value === null || typeof value !== "object" || seen.has(value)) return undefined;
    seen.add(value);
    const record = value as Record<string, unknown>;
    for (const key of NESTED_KEYS) {
      const found = search(record[key], depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return search(error, 0);
}

function decodeBuiltin(data: string): DecodedError | undefined {
  const selector = data.slice(0, 10);
  const builtin = BUILTIN[selector];
  if (!builtin) return undefined;
  try {
    const args = AbiCoder.defaultAbiCoder().decode([builtin.type], `0x${data.slice(10)}`);
    const signature = `${builtin.name}(${builtin.type})`;
    return { contract: "builtin", contracts: [], name: builtin.name, args, signature, selector };
  } catch {
    return undefined;
  }
}

/**
 * Decodes a revert into `{ contract, name, args, signature }` with the ABIs of every DataCoop contract,
 * including the OpenZeppelin errors they inherit, and Solidity's `Error(string)` and `Panic(uint256)`.
 *
 * @param revert revert data (hex string or bytes), or an error thrown by ethers or a provider
 * @param options the contract that was called, to resolve errors that several contracts declare
 * @returns the decoded error, or `undefined` when there is no revert data, its selector is unknown, or its
 * arguments do not decode
 */
export function decodeError(revert: unknown, options: DecodeErrorOptions = {}): DecodedError | undefined {
  const data = asRevertData(revert) ?? revertDataOf(revert);
  if (data === undefined) return undefined;
  const selector = data.slice(0, 10);
  const candidates = candidatesBySelector().get(selector);
  if (!candidates) return decodeBuiltin(data);
  const chosen = candidates.find((c) => c.contract === options.contract) ?? candidates[0];
  try {
    const args = chosen.iface.decodeErrorResult(chosen.fragment, data);
    return {
      contract: chosen.contract,
      contracts: candidates.map((c) => c.contract),
      name: chosen.fragment.name as DataCoopErrorName,
      args,
      signature: chosen.fragment.format("sighash"),
      selector,
    };
  } catch {
    return undefined;
  }
}
