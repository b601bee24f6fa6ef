/**
 * Canonical JSON: the one serialisation of a value the refined format allows.
 *
 * Object keys are written in ascending UTF-16 code-unit order (the order of RFC 8785, JCS), no
 * whitespace, strings as `JSON.stringify` writes them (ECMAScript fixes that escaping), numbers only
 * as safe integers, `undefined` members left out. Two machines that build the same value therefore
 * write the same bytes, which is what lets a validator compare a sealed payload byte for byte.
 */
import { RefineError } from "./errors";

/** Values the refined format is made of. */
export type CanonicalValue = null | boolean | number | string | readonly CanonicalValue[] | CanonicalObject;
export interface CanonicalObject {
  readonly [key: string]: CanonicalValue | undefined;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function write(value: CanonicalValue, out: string[]): void {
  if (value === null || typeof value === "boolean") {
    out.push(String(value));
  } else if (typeof value === "number") {
    // Integers only: float formatting is the part of JSON where implementations disagree.
    if (!Number.isSafeInteger(value)) {
      throw new RefineError("INVALID_OPTION", "Canonical JSON holds safe integers only.");
    }
    out.push(String(value));
  } else if (typeof value === "string") {
    out.push(JSON.stringify(value));
  } else if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(",");
      write(value[i] as CanonicalValue, out);
    }
    out.push("]");
  } else {
    const object = value as CanonicalObject;
    const keys = Object.keys(object).sort(byCodeUnit);
    out.push("{");
    let first = true;
    for (const key of keys) {
      const member = object[key];
      if (member === undefined) continue;
      if (!first) out.push(",");
      first = false;
      out.push(JSON.stringify(key), ":");
      write(member, out);
    }
    out.push("}");
  }
}

/** The canonical JSON text of `value` (see the module comment). */
export function canonicalJson(value: CanonicalValue): string {
  const out: string[] = [];
  write(value, out);
  return out.join("");
}
