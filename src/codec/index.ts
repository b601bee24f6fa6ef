export { type AbiParameter, type AbiValue, canonicalType, decodeAbiParameters, encodeAbiParameters } from "./abi";
export type { AbiArgs, AbiValueOf } from "./abi-types";
export { type Address, getAddress, isAddress } from "./address";
export { CodecError, type Hex, bytesToHex, hexToBytes, isHex, toBytes, toHex } from "./hex";
export { keccak256, keccak256Utf8 } from "./keccak";
