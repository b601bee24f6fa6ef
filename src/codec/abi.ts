/**
 * A small Solidity ABI codec: the parameter encoding of `abi.encode` and its decoding, for the types the
 * DataCoop contracts' errors and hashes use (address, bool, uintN/intN, bytesN, bytes, string, tuples,
 * fixed and dynamic arrays). Byte-for-byte what ethers' `AbiCoder` and viem's `encodeAbiParameters`
 * produce; decoding rejects out-of-range values and out-of-bounds offsets instead of guessing.
 */
import { getAddress } from "./address";
import { CodecError, type Hex, bytesToHex, concatBytes, describe, hexToBytes, utf8ToBytes } from "./hex";

/** One ABI parameter, as in a JSON ABI (`components` for tuples). */
export interface AbiParameter {
  readonly type: string;
  readonly name?: string;
  readonly components?: readonly AbiParameter[];
}

/**
 * A decoded ABI value: integers as bigint (every width, as ethers does), addresses checksummed, bytes as
 * lowercase hex, tuples and arrays as arrays (see {@link namedValues} for a tuple's names).
 */
export type AbiValue = bigint | boolean | string | readonly AbiValue[];

const WORD = 32;
const ARRAY = /^(.*)\[(\d*)\]$/;
const INTEGER = /^(u?)int(\d*)$/;
const FIXED_BYTES = /^bytes(\d+)$/;

type Kind =
  | { kind: "int"; signed: boolean; bits: number }
  | { kind: "address" | "bool" | "bytes" | "string" }
  | { kind: "fixedBytes"; size: number }
  | { kind: "array"; element: AbiParameter; length: number | undefined }
  | { kind: "tuple"; components: readonly AbiParameter[] };

function kindOf(param: AbiParameter): Kind {
  const array = ARRAY.exec(param.type);
  if (array) {
    const element = { ...param, type: array[1] };
    return { kind: "array", element, length: array[2] === "" ? undefined : Number(array[2]) };
  }
  if (param.type === "tuple") return { kind: "tuple", components: param.components ?? [] };
  if (param.type === "address" || param.type === "bool" || param.type === "bytes" || param.type === "string") {
    return { kind: param.type };
  }
  const integer = INTEGER.exec(param.type);
  if (integer) {
    const bits = integer[2] === "" ? 256 : Number(integer[2]);
    if (bits % 8 === 0 && bits >= 8 && bits <= 256) return { kind: "int", signed: integer[1] === "", bits };
  }
  const fixed = FIXED_BYTES.exec(param.type);
  if (fixed && Number(fixed[1]) >= 1 && Number(fixed[1]) <= 32) return { kind: "fixedBytes", size: Number(fixed[1]) };
  throw new CodecError(`Unsupported ABI type ${param.type}.`);
}

function isDynamic(param: AbiParameter): boolean {
  const k = kindOf(param);
  if (k.kind === "bytes" || k.kind === "string") return true;
  if (k.kind === "array") return k.length === undefined || isDynamic(k.element);
  if (k.kind === "tuple") return k.components.some(isDynamic);
  return false;
}

/** The number of bytes a static parameter takes in the head. */
function headSize(param: AbiParameter): number {
  if (isDynamic(param)) return WORD;
  const k = kindOf(param);
  if (k.kind === "array") return (k.length ?? 0) * headSize(k.element);
  if (k.kind === "tuple") return k.components.reduce((n, c) => n + headSize(c), 0);
  return WORD;
}

function word(value: bigint): Uint8Array {
  const out = new Uint8Array(WORD);
  let v = BigInt.asUintN(256, value);
  for (let i = WORD - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function padRight(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / WORD) * WORD);
  out.set(bytes);
  return out;
}

function asInteger(value: unknown, type: string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  throw new CodecError(`Expected an integer for ${type}, got ${describe(value)}.`);
}

function asList(value: unknown, type: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new CodecError(`Expected an array for ${type}, got ${describe(value)}.`);
  return value as readonly unknown[];
}

function encodeOne(param: AbiParameter, value: unknown): Uint8Array {
  const k = kindOf(param);
  switch (k.kind) {
    case "int": {
      const v = asInteger(value, param.type);
      const bits = BigInt(k.bits);
      const ok = k.signed ? v >= -(1n << (bits - 1n)) && v < 1n << (bits - 1n) : v >= 0n && v < 1n << bits;
      if (!ok) throw new CodecError(`${v} does not fit ${param.type}.`);
      return word(v);
    }
    case "address":
      return word(BigInt(getAddress(value)));
    case "bool":
      if (typeof value !== "boolean") throw new CodecError(`Expected a boolean for bool, got ${describe(value)}.`);
      return word(value ? 1n : 0n);
    case "fixedBytes": {
      const bytes = typeof value === "string" ? hexToBytes(value) : value instanceof Uint8Array ? value : undefined;
      if (bytes?.length !== k.size)
        throw new CodecError(`Expected ${k.size} bytes for ${param.type}, got ${describe(value)}.`);
      return padRight(bytes);
    }
    case "bytes":
    case "string": {
      let bytes: Uint8Array | undefined;
      if (k.kind === "string" && typeof value === "string") bytes = utf8ToBytes(value);
      else if (k.kind === "bytes")
        bytes = typeof value === "string" ? hexToBytes(value) : value instanceof Uint8Array ? value : undefined;
      if (!bytes) throw new CodecError(`Expected a value for ${param.type}, got ${describe(value)}.`);
      return concatBytes(word(BigInt(bytes.length)), padRight(bytes));
    }
    case "array": {
      const items = asList(value, param.type);
      if (k.length !== undefined && items.length !== k.length) {
        throw new CodecError(`Expected ${k.length} items for ${param.type}, got ${items.length}.`);
      }
      const body = encodeSequence(
        items.map(() => k.element),
        items,
      );
      return k.length === undefined ? concatBytes(word(BigInt(items.length)), body) : body;
    }
    case "tuple":
      return encodeSequence(k.components, asList(value, param.type));
  }
}

function encodeSequence(params: readonly AbiParameter[], values: readonly unknown[]): Uint8Array {
  if (params.length !== values.length) {
    throw new CodecError(`Expected ${params.length} values, got ${values.length}.`);
  }
  const heads: Uint8Array[] = [];
  const tails: Uint8Array[] = [];
  let tailOffset = params.reduce((n, p) => n + headSize(p), 0);
  params.forEach((param, i) => {
    const encoded = encodeOne(param, values[i]);
    if (isDynamic(param)) {
      heads.push(word(BigInt(tailOffset)));
      tails.push(encoded);
      tailOffset += encoded.length;
    } else {
      heads.push(encoded);
    }
  });
  return concatBytes(...heads, ...tails);
}

/**
 * `abi.encode(values...)` for `params`: integers as bigint or safe-integer numbers, addresses and bytes as
 * hex, tuples and arrays as arrays.
 *
 * @throws CodecError when a value does not fit its type
 */
export function encodeAbiParameters(params: readonly AbiParameter[], values: readonly unknown[]): Hex {
  return bytesToHex(encodeSequence(params, values));
}

class Reader {
  constructor(readonly data: Uint8Array) {}

  word(at: number): bigint {
    if (at < 0 || at + WORD > this.data.length) {
      throw new CodecError(`ABI data is too short: needs a word at byte ${at}, has ${this.data.length} bytes.`);
    }
    let v = 0n;
    for (let i = at; i < at + WORD; i++) v = (v << 8n) | BigInt(this.data[i]);
    return v;
  }

  offset(at: number): number {
    const v = this.word(at);
    if (v > BigInt(this.data.length)) throw new CodecError(`ABI offset ${v} at byte ${at} is out of bounds.`);
    return Number(v);
  }

  slice(at: number, length: number): Uint8Array {
    if (at + length > this.data.length) throw new CodecError(`ABI data is too short for ${length} bytes at ${at}.`);
    return this.data.subarray(at, at + length);
  }
}

function decodeOne(reader: Reader, param: AbiParameter, at: number): AbiValue {
  const k = kindOf(param);
  switch (k.kind) {
    case "int": {
      const raw = reader.word(at);
      const v = k.signed ? BigInt.asIntN(256, raw) : raw;
      const fits = k.signed ? BigInt.asIntN(k.bits, v) === v : BigInt.asUintN(k.bits, v) === v;
      if (!fits) throw new CodecError(`Value at byte ${at} does not fit ${param.type}.`);
      return v;
    }
    case "address": {
      const v = reader.word(at);
      if (v >> 160n !== 0n) throw new CodecError(`Value at byte ${at} is not an address.`);
      return getAddress(`0x${v.toString(16).padStart(40, "0")}`);
    }
    case "bool": {
      const v = reader.word(at);
      if (v > 1n) throw new CodecError(`Value at byte ${at} is not a bool.`);
      return v === 1n;
    }
    case "fixedBytes":
      return bytesToHex(reader.slice(at, WORD).subarray(0, k.size));
    case "bytes":
    case "string": {
      const length = reader.offset(at);
      const bytes = reader.slice(at + WORD, length);
      return k.kind === "bytes" ? bytesToHex(bytes) : new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    }
    case "array": {
      if (k.length !== undefined) return decodeSequence(reader, Array(k.length).fill(k.element), at);
      const length = reader.offset(at);
      // Each item takes at least one word, so a length beyond the data is malformed (and bounds the loop).
      if (length * WORD > reader.data.length) throw new CodecError(`ABI array length ${length} is out of bounds.`);
      return decodeSequence(reader, Array(length).fill(k.element), at + WORD);
    }
    case "tuple":
      return decodeSequence(reader, k.components, at);
  }
}

function decodeSequence(reader: Reader, params: readonly AbiParameter[], base: number): AbiValue[] {
  const values: AbiValue[] = [];
  let at = base;
  for (const param of params) {
    values.push(isDynamic(param) ? decodeOne(reader, param, base + reader.offset(at)) : decodeOne(reader, param, at));
    at += headSize(param);
  }
  return values;
}

/**
 * Decodes `abi.encode` output for `params`.
 *
 * @throws CodecError when the data is too short, an offset points outside it, or a value is out of range
 */
export function decodeAbiParameters(params: readonly AbiParameter[], data: Uint8Array | string): AbiValue[] {
  const bytes = typeof data === "string" ? hexToBytes(data) : data;
  return decodeSequence(new Reader(bytes), params, 0);
}

/** The canonical type of a parameter as in a signature (`(address,uint256)[]` for a tuple array). */
export function canonicalType(param: AbiParameter): string {
  const array = ARRAY.exec(param.type);
  if (array) return `${canonicalType({ ...param, type: array[1] })}[${array[2]}]`;
  if (param.type === "tuple") return `(${(param.components ?? []).map(canonicalType).join(",")})`;
  return param.type;
}

/** `values` by the names of `params` (parameters without a name are left out). */
export function namedValues(params: readonly AbiParameter[], values: readonly AbiValue[]): Record<string, AbiValue> {
  const named: Record<string, AbiValue> = {};
  params.forEach((param, i) => {
    if (param.name) named[param.name] = values[i];
  });
  return named;
}
