/** Feeding a {@link JsonItemStream} in pieces, as an archive's inflater would. */
import type { JsonItemStream, TopLevel } from "../../../src/export/json-stream";

/** Writes `bytes` to `stream` cut at `cuts` (offsets; one below the previous cut adds an empty piece), then ends it. */
export function writeInPieces(stream: JsonItemStream, bytes: Uint8Array, cuts: readonly number[]): TopLevel {
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    const to = Math.max(at, cut);
    stream.write(bytes.subarray(at, to));
    at = to;
  }
  return stream.end();
}
