/**
 * Large synthetic exports written straight to disk, for the benchmark (never for `npm test`).
 *
 * A 50,000-conversation export is about 485 MB of JSON: too big to build as one string. The
 * conversations are generated in batches by the ordinary generator (`generateSyntheticExport`,
 * one seed per batch) and streamed into zip files through native zlib, entry by entry, so the
 * writer's memory stays at one batch. Both layouts are written in the same pass: `single`
 * (one `conversations.json`) and `split` (`conversations-NNN.json` parts with a manifest),
 * each with every attachment of every batch (about 15,000–20,000 entries for 50,000 conversations).
 */
import { closeSync, openSync, renameSync, writeSync } from "node:fs";
import { once } from "node:events";
import { createDeflateRaw } from "node:zlib";

import { unzipSync } from "fflate";

import { generateSyntheticExport } from "./generator";
import { Crc32 } from "../../../src/export/crc32";

/** A zip written to a file entry by entry; an entry's data may be pushed in pieces. */
export class ZipFileWriter {
  private readonly fd: number;
  private offset = 0;
  private readonly central: Buffer[] = [];
  private entries = 0;
  private open:
    | {
        name: Buffer;
        at: number;
        crc: Crc32;
        size: number;
        compressed: number;
        deflate: ReturnType<typeof createDeflateRaw>;
        done: Promise<unknown>;
      }
    | undefined;

  constructor(private readonly path: string) {
    this.fd = openSync(`${path}.partial`, "w");
  }

  private append(bytes: Uint8Array): void {
    writeSync(this.fd, bytes, 0, bytes.length, this.offset);
    this.offset += bytes.length;
  }

  /** Starts an entry (deflated at `level`). */
  begin(name: string, level = 6): void {
    if (this.open !== undefined) throw new Error("an entry is already open");
    const nameBytes = Buffer.from(name, "utf8");
    const at = this.offset;
    this.append(Buffer.alloc(30 + nameBytes.length));
    const deflate = createDeflateRaw({ level });
    const entry = {
      name: nameBytes,
      at,
      crc: new Crc32(),
      size: 0,
      compressed: 0,
      deflate,
      done: once(deflate, "end"),
    };
    deflate.on("data", (chunk: Buffer) => {
      this.append(chunk);
      entry.compressed += chunk.length;
    });
    this.open = entry;
  }

  async push(data: Uint8Array): Promise<void> {
    const entry = this.open;
    if (entry === undefined) throw new Error("no open entry");
    entry.crc.update(data);
    entry.size += data.length;
    if (!entry.deflate.write(data)) await once(entry.deflate, "drain");
  }

  /** Ends the open entry and writes its local header in place. */
  async finish(): Promise<void> {
    const entry = this.open;
    if (entry === undefined) throw new Error("no open entry");
    entry.deflate.end();
    await entry.done;
    this.open = undefined;
    const fields = Buffer.alloc(26);
    fields.writeUInt16LE(20, 0); // version needed
    fields.writeUInt16LE(0x0800, 2); // UTF-8 names
    fields.writeUInt16LE(8, 4); // deflate
    fields.writeUInt32LE(0x00210000, 6); // 1980-01-01 00:00 (DOS date/time): fixed, TZ-independent
    fields.writeUInt32LE(entry.crc.digest(), 10);
    fields.writeUInt32LE(entry.compressed, 14);
    fields.writeUInt32LE(entry.size, 18);
    fields.writeUInt16LE(entry.name.length, 22);
    fields.writeUInt16LE(0, 24);
    const local = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), fields, entry.name]);
    writeSync(this.fd, local, 0, local.length, entry.at);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    fields.copy(central, 6);
    central.writeUInt32LE(entry.at, 42);
    this.central.push(central, entry.name);
    this.entries++;
  }

  async add(name: string, data: Uint8Array, level = 6): Promise<void> {
    this.begin(name, level);
    await this.push(data);
    await this.finish();
  }

  close(): void {
    const cdOffset = this.offset;
    const cd = Buffer.concat(this.central);
    this.append(cd);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries, 8);
    end.writeUInt16LE(this.entries, 10);
    end.writeUInt32LE(cd.length, 12);
    end.writeUInt32LE(cdOffset, 16);
    this.append(end);
    closeSync(this.fd);
    renameSync(`${this.path}.partial`, this.path);
  }
}

export interface LargeExportFacts {
  readonly conversations: number;
  readonly entriesSingle: number;
  readonly entriesSplit: number;
  readonly units: number;
}

const BATCH = 1_000;

/** Writes a `conversations`-sized export in both layouts (see the module doc). */
export async function writeLargeExports(
  conversations: number,
  paths: { readonly single: string; readonly split: string },
): Promise<LargeExportFacts> {
  const single = new ZipFileWriter(paths.single);
  const split = new ZipFileWriter(paths.split);
  const batches = Math.ceil(conversations / BATCH);
  const attachments: [string, Uint8Array][] = [];
  const side: [string, Uint8Array][] = [];
  const parts: { path: string; conversation_count: number }[] = [];
  let units = 0;
  single.begin("conversations.json");
  await single.push(Buffer.from("["));
  for (let k = 0; k < batches; k++) {
    const count = Math.min(BATCH, conversations - k * BATCH);
    const { zip, facts } = generateSyntheticExport({
      seed: 50_000 + k,
      conversations: count,
      startTime: 1_640_995_200 + k * count * 29_000,
      chatHtml: k === 0 ? "stub" : null,
      compressionLevel: 0,
    });
    units += facts.units;
    const files = unzipSync(zip);
    const json = files["conversations.json"];
    // The batch's array without its brackets, joined to the others by commas.
    if (count > 0) {
      if (k > 0) await single.push(Buffer.from(","));
      await single.push(json.subarray(1, json.length - 1));
    }
    const part = `conversations-${String(k).padStart(3, "0")}.json`;
    await split.add(part, json);
    parts.push({ path: part, conversation_count: count });
    for (const [name, data] of Object.entries(files)) {
      if (name === "conversations.json") continue;
      if (name.endsWith(".json") || name === "chat.html") {
        if (k === 0) side.push([name, data]);
      } else {
        attachments.push([name, data]);
      }
    }
  }
  await single.push(Buffer.from("]"));
  await single.finish();
  const manifest = Buffer.from(JSON.stringify({ export_version: 2, created_at: "2025-01-01T00:00:00Z", files: parts }));
  await split.add("export_manifest.json", manifest);
  for (const [name, data] of [...side, ...attachments]) {
    // Attachments are images: stored as real exports store them (already compressed).
    const level = name.endsWith(".json") || name.endsWith(".html") ? 6 : 0;
    await single.add(name, data, level);
    await split.add(name, data, level);
  }
  single.close();
  split.close();
  return {
    conversations,
    entriesSingle: 1 + side.length + attachments.length,
    entriesSplit: batches + 1 + side.length + attachments.length,
    units,
  };
}
