/**
 * One revert decoder for every client: raw revert data, an ethers error or a viem error (searched
 * duck-typed, neither library is imported) → the DataCoop contract that declares the error, its name and
 * its arguments, typed from the `as const` ABIs.
 */
import { DATACOOP_ABIS } from "../abi";
import { DATACOOP_CONTRACTS, type DataCoopContractName } from "../abi/names";
import { type AbiParameter, type AbiValue, canonicalType, decodeAbiParameters } from "../codec/abi";
import type { AbiArgs } from "../codec/abi-types";
import { type Hex, bytesToHex, isHex } from "../codec/hex";
import { keccak256Utf8 } from "../codec/keccak";

type ErrorItem = {
  [C in DataCoopContractName]: Extract<(typeof DATACOOP_ABIS)[C][number], { readonly type: "error" }>;
}[DataCoopContractName];

/** The name of a custom error any DataCoop contract can revert with (OpenZeppelin's included). */
export type DataCoopErrorName = ErrorItem["name"];

/** Solidity's own errors: `Error(string)` from `require`/`revert("...")`, `Panic(uint256)` from checks. */
export type BuiltinErrorName = "Error" | "Panic";

/** What every decoded error carries besides its name and arguments. */
interface DecodedErrorFields<Name extends string, Args> {
  /**
   * The contract whose ABI declares the error: the one asked for with `options.contract` when it declares
   * it, otherwise the first in deployment order. `"builtin"` for `Error(string)` and `Panic(uint256)`.
   */
  readonly contract: DataCoopContractName | "builtin";
  /** Every DataCoop contract whose ABI declares this error (e.g. OpenZeppelin's `AccessControl` errors). */
  readonly contracts: readonly DataCoopContractName[];
  /** The error's name, e.g. `RegistryDuplicateContent`; narrow on it to type `args`. */
  readonly name: Name;
  /** The decoded arguments, by position and by name (`args.contentHash`); integers are bigint. */
  readonly args: Args;
  /** The canonical signature, e.g. `RegistryDuplicateContent(bytes32)`. */
  readonly signature: string;
  /** The 4-byte selector, lowercase hex. */
  readonly selector: Hex;
}

/** A DataCoop custom error, its `args` typed by its `name`. */
export type DataCoopError = {
  [Name in DataCoopErrorName]: DecodedErrorFields<Name, AbiArgs<Extract<ErrorItem, { readonly name: Name }>["inputs"]>>;
}[DataCoopErrorName];

/** Solidity's `Error(string)` or `Panic(uint256)`. */
export type BuiltinError =
  | DecodedErrorFields<"Error", AbiArgs<readonly [{ readonly type: "string"; readonly name: "reason" }]>>
  | DecodedErrorFields<"Panic", AbiArgs<readonly [{ readonly type: "uint256"; readonly name: "code" }]>>;

/** A revert decoded with the ABIs of the DataCoop contracts. */
export type DecodedError = DataCoopError | BuiltinError;

/** Options of {@link decodeError}. */
export interface DecodeErrorOptions {
  /** The contract that was called, to name it in `contract` when several declare the same error. */
  readonly contract?: DataCoopContractName;
}

interface ErrorAbi {
  readonly name: string;
  readonly inputs: readonly AbiParameter[];
}

interface Candidate {
  readonly contract: DataCoopContractName;
  readonly error: ErrorAbi;
  readonly signature: string;
}

const BUILTIN: Readonly<Record<string, ErrorAbi>> = {
  "0x08c379a0": { name: "Error", inputs: [{ type: "string", name: "reason" }] },
  "0x4e487b71": { name: "Panic", inputs: [{ type: "uint256", name: "code" }] },
};

function signatureOf(error: ErrorAbi): string {
  return `${error.name}(${error.inputs.map(canonicalType).join(",")})`;
}

let selectorIndex: Map<string, Candidate[]> | undefined;

/** Every error of every DataCoop ABI by selector; built on first use, not at import. */
function candidatesBySelector(): Map<string, Candidate[]> {
  if (selectorIndex) return selectorIndex;
  const index = new Map<string, Candidate[]>();
  for (const contract of DATACOOP_CONTRACTS) {
    for (const item of DATACOOP_ABIS[contract] as readonly { type: string }[]) {
      if (item.type !== "error") continue;
      const error = item as unknown as ErrorAbi;
      const signature = signatureOf(error);
      const selector = keccak256Utf8(signature).slice(0, 10);
      const list = index.get(selector) ?? [];
      list.push({ contract, error, signature });
      index.set(selector, list);
    }
  }
  selectorIndex = index;
  return index;
}

function asRevertData(value: unknown): Hex | undefined {
  if (value instanceof Uint8Array) value = bytesToHex(value);
  if (!isHex(value) || value.length < 10) return undefined;
  return value.toLowerCase() as Hex;
}

/**
 * Where clients put revert data inside an error, in the order they are searched: ethers'
 * `CallExceptionError.data`, JSON-RPC errors (`error.data`, `info.error.data`), viem's
 * `ContractFunctionRevertedError.raw` and `RpcRequestError.data`, and the `cause` chain viem and
 * wrapping code build.
 */
const NESTED_KEYS = ["data", "raw", "error", "info", "cause", "revert", "receipt"] as const;

/**
 * The revert data inside `error` (an ethers or viem error, a JSON-RPC error, or an error wrapping one),
 * or `undefined` when there is none (e.g. an empty revert or a network failure).
 */
export function revertDataOf(error: unknown): Hex | undefined {
  const seen = new Set<object>();
  const search = (value: unknown, depth: number): Hex | undefined => {
    const direct = asRevertData(value);
    if (direct !== undefined) return direct;
    if (depth > 8 || value === null || typeof value !== "object" || seen.has(value)) return undefined;
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

/** Decoded values with each tuple's (and the arguments') names attached, as `args.contentHash`. */
function named(params: readonly AbiParameter[], values: readonly AbiValue[]): readonly AbiValue[] {
  const list = values.map((value, i) => {
    const param = params[i];
    return param.type === "tuple" && Array.isArray(value) ? named(param.components ?? [], value) : value;
  });
  // An array that also carries the names, as the type `AbiArgs` describes.
  const out = [...list] as unknown as AbiValue[] & Record<string, AbiValue>;
  params.forEach((param, i) => {
    if (param.name && !(param.name in out)) out[param.name] = list[i];
  });
  return Object.freeze(out);
}

/**
 * Decodes a revert into `{ contract, name, args, signature }` with the ABIs of every DataCoop contract,
 * including the OpenZeppelin errors they inherit, and Solidity's `Error(string)` and `Panic(uint256)`.
 *
 * @param revert revert data (hex string or bytes), or an error thrown by ethers, viem or a provider
 * @param options the contract that was called, to resolve errors that several contracts declare
 * @returns the decoded error, or `undefined` when there is no revert data, its selector is unknown, or its
 * arguments do not decode
 */
export function decodeError(revert: unknown, options: DecodeErrorOptions = {}): DecodedError | undefined {
  const data = asRevertData(revert) ?? revertDataOf(revert);
  if (data === undefined) return undefined;
  const selector = data.slice(0, 10) as Hex;
  const candidates = candidatesBySelector().get(selector);
  const builtin = BUILTIN[selector];
  const chosen = candidates?.find((c) => c.contract === options.contract) ?? candidates?.[0];
  const error = chosen?.error ?? builtin;
  if (!error) return undefined;
  try {
    const args = named(error.inputs, decodeAbiParameters(error.inputs, `0x${data.slice(10)}`));
    // The shape follows the ABI item the selector matched, which is what `DecodedError` types by name.
    const decoded = {
      contract: chosen?.contract ?? "builtin",
      contracts: candidates?.map((c) => c.contract) ?? [],
      name: error.name,
      args,
      signature: chosen?.signature ?? signatureOf(error),
      selector,
    };
    return decoded as unknown as DecodedError;
  } catch {
    return undefined;
  }
}
