/**
 * CRC-32 (IEEE 802.3, as used by zip), incremental. Node's native `zlib.crc32` (Node 20.15+, about
 * 2 GB/s here) is used when present; otherwise a slicing-by-8 table implementation (tables built
 * on first use, about 0.5 GB/s).
 */
import * as zlib from "node:zlib";

type NativeCrc32 = (data: Uint8Array, value?: number) => number;
const native: NativeCrc32 | undefined = (zlib as { crc32?: NativeCrc32 }).crc32;

let tables: Uint32Array[] | undefined;

function crcTables(): Uint32Array[] {
  if (tables === undefined) {
    const built: Uint32Array[] = [];
    for (let t = 0; t < 8; t++) built.push(new Uint32Array(256));
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      built[0][n] = c >>> 0;
    }
    for (let n = 0; n < 256; n++) {
      for (let t = 1; t < 8; t++) built[t][n] = (built[t - 1][n] >>> 8) ^ built[0][built[t - 1][n] & 0xff];
    }
    tables = built;
  }
  return tables;
}

/** Running CRC-32: feed chunks with `update`, read the result with `digest`. */
export class Crc32 {
  private state = 0xffffffff;
  private value = 0;

  /** `portable` forces the table implementation (tests compare both). */
  constructor(private readonly portable = false) {}

  update(chunk: Uint8Array): void {
    if (native !== undefined && !this.portable) {
      this.value = native(chunk, this.value);
      return;
    }
    this.updateTable(chunk);
  }

  private updateTable(chunk: Uint8Array): void {
    const [t0, t1, t2, t3, t4, t5, t6, t7] = crcTables();
    let c = this.state;
    let i = 0;
    const end8 = chunk.length - (chunk.length % 8);
    for (; i < end8; i += 8) {
      const lo = (c ^ (chunk[i] | (chunk[i + 1] << 8) | (chunk[i + 2] << 16) | (chunk[i + 3] << 24))) >>> 0;
      c =
        t7[lo & 0xff] ^
        t6[(lo >>> 8) & 0xff] ^
        t5[(lo >>> 16) & 0xff] ^
        t4[lo >>> 24] ^
        t3[chunk[i + 4]] ^
        t2[chunk[i + 5]] ^
        t1[chunk[i + 6]] ^
        t0[chunk[i + 7]];
    }
    for (; i < chunk.length; i++) c = t0[(c ^ chunk[i]) & 0xff] ^ (c >>> 8);
    this.state = c;
  }

  digest(): number {
    if (native !== undefined && !this.portable) return this.value >>> 0;
    return (this.state ^ 0xffffffff) >>> 0;
  }
}

/** Whether the native implementation is in use. */
export const NATIVE_CRC32 = native !== undefined;

/** CRC-32 of one buffer. */
export function crc32(data: Uint8Array, portable = false): number {
  const crc = new Crc32(portable);
  crc.update(data);
  return crc.digest();
}
