/** Bytes given either as a `Uint8Array` or as hex text, with or without a `0x` prefix. */
export type BytesInput = Uint8Array | string;

const HEX_TEXT = /^(?:0x)?((?:[0-9a-fA-F]{2})*)$/;

/**
 * Reads bytes from a `Uint8Array` (returned as is, not copied) or from hex text.
 * @param value the candidate bytes
 * @returns the bytes, or `undefined` when `value` is neither a `Uint8Array` nor even-length hex
 */
export function decodeBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (typeof value !== "string") return undefined;
  const match = HEX_TEXT.exec(value);
  if (match === null) return undefined;
  return asUint8Array(Buffer.from(match[1], "hex"));
}

/**
 * Encodes bytes as lowercase, `0x`-prefixed hex.
 * @param bytes the bytes to encode
 * @returns `0x` followed by two lowercase hex digits per byte
 */
export function toHex(bytes: Uint8Array): string {
  return "0x" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/**
 * Returns bytes as a plain `Uint8Array` that owns its whole `ArrayBuffer`, so results compare equal
 * to plain arrays and never expose neighbouring data. A `Buffer` that owns its memory is viewed
 * without copying; a small `Buffer` carved from Node's shared pool is copied out of it.
 * @param bytes the bytes
 * @returns a plain `Uint8Array` whose `buffer` holds exactly these bytes
 */
export function asUint8Array(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return new Uint8Array(bytes.buffer);
  return Uint8Array.from(bytes);
}

/**
 * Describes a value for an error message without revealing its content (it may be secret).
 * @param value the value that was rejected
 * @returns e.g. "a 31-byte Uint8Array", "a string that is not hex", "undefined"
 */
export function describeShape(value: unknown): string {
  if (value instanceof Uint8Array) return `a ${value.length}-byte Uint8Array`;
  if (typeof value === "string") {
    const bytes = decodeBytes(value);
    return bytes === undefined ? "a string that is not even-length hex" : `a ${bytes.length}-byte hex string`;
  }
  return value === null ? "null" : typeof value;
}
