/** `node:buffer` in the browser: the `buffer` package and a strict UTF-8 check. */
export { Buffer } from "buffer";

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
