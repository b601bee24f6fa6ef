/** `node:buffer` in the browser: the `buffer` package, Node's slice methods the JSON reader uses, and a strict UTF-8 check. */
import { Buffer } from "buffer";

/**
 * Node's Buffer has `latin1Slice` and `utf8Slice` (undocumented, the fast paths of `toString`); the export
 * reader's selective JSON parser (src/export/json-select.ts) calls them. The `buffer` package has the same
 * decoders behind `toString(encoding, start, end)`, so they are added to its prototype, once.
 */
interface NodeSlices {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
const proto = Buffer.prototype as Buffer & Partial<NodeSlices>;
if (proto.latin1Slice === undefined) {
  proto.latin1Slice = function latin1Slice(this: Buffer, start: number, end: number) {
    return this.toString("latin1", start, end);
  };
}
if (proto.utf8Slice === undefined) {
  proto.utf8Slice = function utf8Slice(this: Buffer, start: number, end: number) {
    return this.toString("utf8", start, end);
  };
}

export { Buffer };

const strict = new TextDecoder("utf-8", { fatal: true });

/** Whether `bytes` are well-formed UTF-8 (overlong forms, surrogates and code points above U+10FFFF fail). */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
