/** Strict UTF-8 decoding and JSON parsing of archive entries, plus narrow type guards for parsed values. */
import { ExportFormatError } from "./errors";

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Decodes UTF-8 (a leading BOM is dropped) and rejects invalid byte sequences. */
export function decodeUtf8(bytes: Uint8Array, entry: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ExportFormatError("MALFORMED_JSON", `"${entry}" is not valid UTF-8 text.`, entry);
  }
}

/** Parses a JSON entry; a syntax error becomes `MALFORMED_JSON`. */
export function parseJsonEntry(bytes: Uint8Array, entry: string): JsonValue {
  const text = decodeUtf8(bytes, entry);
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new ExportFormatError("MALFORMED_JSON", `"${entry}" is not valid JSON (truncated or edited?).`, entry);
  }
}

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Own-property lookup: `mapping["constructor"]` must not reach `Object.prototype`. Fast path: what
 * a plain object inherits is a function (`toString`, `constructor`, ...), which no JSON value is,
 * except `__proto__`, an accessor; only that key needs the slow own-property check.
 */
export function own(object: JsonObject, key: string): JsonValue | undefined {
  if (key === "__proto__") return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
  const value = object[key] as unknown;
  return typeof value === "function" ? undefined : (value as JsonValue | undefined);
}

export function hasKey(object: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** A finite number, else `undefined`. */
export function finite(value: JsonValue | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
