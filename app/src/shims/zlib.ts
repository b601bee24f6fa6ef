/**
 * `node:zlib` in the browser: raw inflate with fflate, bounded by `maxOutputLength` as Node's is (an
 * entry that inflates past its declared size fails with `ERR_BUFFER_TOO_LARGE`). fflate does not report
 * how much input it consumed, so the whole entry counts as consumed: trailing bytes after a deflate
 * stream are caught by the validator's (Node) reader, not here.
 */
import { Buffer } from "buffer";
import { Inflate } from "fflate";

export function inflateRawSync(data: Uint8Array, options: { maxOutputLength?: number; info?: boolean } = {}) {
  const max = options.maxOutputLength ?? Number.MAX_SAFE_INTEGER;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const inflater = new Inflate((chunk) => {
    size += chunk.length;
    if (size > max)
      throw Object.assign(new RangeError("Cannot create a Buffer larger than the limit"), {
        code: "ERR_BUFFER_TOO_LARGE",
      });
    chunks.push(chunk);
  });
  inflater.push(data, true);
  const buffer = Buffer.concat(chunks, size);
  return options.info ? { buffer, engine: { bytesWritten: data.length } } : buffer;
}

/** The asynchronous streaming path is Node-only; the browser reads with the synchronous one. */
export function createInflateRaw(): never {
  throw new Error("zlib streams are not available in the browser");
}
