/** In-place edits of a zip's headers (sizes, checksums, flags, names), to build damaged archives. */
import { strToU8 } from "fflate";

/** Offsets of one entry's records in a zip. */
export interface EntryRecords {
  readonly name: string;
  readonly central: number;
  readonly local: number;
}

export function r16(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}

export function r32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

export function w16(b: Uint8Array, i: number, v: number): void {
  b[i] = v & 0xff;
  b[i + 1] = (v >>> 8) & 0xff;
}

export function w32(b: Uint8Array, i: number, v: number): void {
  b[i] = v & 0xff;
  b[i + 1] = (v >>> 8) & 0xff;
  b[i + 2] = (v >>> 16) & 0xff;
  b[i + 3] = (v >>> 24) & 0xff;
}

export function eocdOffset(zip: Uint8Array): number {
  for (let i = zip.length - 22; i >= 0; i--) if (r32(zip, i) === 0x06054b50) return i;
  throw new Error("no end of central directory");
}

function entryRecords(zip: Uint8Array): EntryRecords[] {
  const eocd = eocdOffset(zip);
  const out: EntryRecords[] = [];
  let p = r32(zip, eocd + 16);
  for (let k = 0; k < r16(zip, eocd + 10); k++) {
    const nameLength = r16(zip, p + 28);
    const name = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLength));
    out.push({ name, central: p, local: r32(zip, p + 42) });
    p += 46 + nameLength + r16(zip, p + 30) + r16(zip, p + 32);
  }
  return out;
}

export function recordsOf(zip: Uint8Array, name: string): EntryRecords {
  const found = entryRecords(zip).find((r) => r.name === name);
  if (found === undefined) throw new Error(`no entry ${name}`);
  return found;
}

/** Rewrites the uncompressed size an entry declares (central directory and local header). */
export function patchDeclaredSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const out = zip.slice();
  const r = recordsOf(out, name);
  w32(out, r.central + 24, size);
  w32(out, r.local + 22, size);
  return out;
}

/** Rewrites the CRC-32 an entry declares. */
export function patchCrc(zip: Uint8Array, name: string, crc: number): Uint8Array {
  const out = zip.slice();
  const r = recordsOf(out, name);
  w32(out, r.central + 16, crc);
  w32(out, r.local + 14, crc);
  return out;
}

/** Sets general-purpose flag bits of an entry (bit 0: encrypted). */
export function patchFlags(zip: Uint8Array, name: string, flags: number): Uint8Array {
  const out = zip.slice();
  const r = recordsOf(out, name);
  w16(out, r.central + 8, flags);
  w16(out, r.local + 6, flags);
  return out;
}

/** Renames an entry in place; the new name must have the same byte length. */
export function patchName(zip: Uint8Array, from: string, to: string): Uint8Array {
  const bytes = strToU8(to);
  if (bytes.length !== strToU8(from).length) throw new Error("names must have the same length");
  const out = zip.slice();
  const r = recordsOf(out, from);
  out.set(bytes, r.central + 46);
  out.set(bytes, r.local + 30);
  return out;
}
