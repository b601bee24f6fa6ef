/** {@link buildBrokenExport}: unsafe, damaged and fake archives, one per {@link BrokenKind}. */
import { strToU8, zipSync, type Zippable } from "fflate";

import { crc32 } from "../../../src/export/crc32";
import type { JsonObject } from "../../../src/export/json";
import type { ExportLimits } from "../../../src/export/limits";

import {
  buildConversation,
  buildExportFiles,
  buildExportZip,
  DEFAULT_START_TIME,
  fixedMtime,
  zipFiles,
  type ExportFilesSpec,
} from "./builders";
import { Prng } from "./random";
import { eocdOffset, patchCrc, patchDeclaredSize, patchFlags, patchName, r32, recordsOf, w16, w32 } from "./zip-patch";

/** A zip whose second entry's data lies inside the first, stored entry (the overlapping-files bomb). */
function overlappingZip(): Uint8Array {
  const innerName = strToU8("inner.txt");
  const innerData = strToU8("overlap");
  const innerCrc = crc32(innerData);
  const innerLocal = new Uint8Array(30 + innerName.length + innerData.length);
  w32(innerLocal, 0, 0x04034b50);
  w16(innerLocal, 4, 20);
  w32(innerLocal, 14, innerCrc);
  w32(innerLocal, 18, innerData.length);
  w32(innerLocal, 22, innerData.length);
  w16(innerLocal, 26, innerName.length);
  innerLocal.set(innerName, 30);
  innerLocal.set(innerData, 30 + innerName.length);

  const outerName = strToU8("outer.bin");
  const outerData = innerLocal;
  const outerLocal = new Uint8Array(30 + outerName.length);
  w32(outerLocal, 0, 0x04034b50);
  w16(outerLocal, 4, 20);
  w32(outerLocal, 14, crc32(outerData));
  w32(outerLocal, 18, outerData.length);
  w32(outerLocal, 22, outerData.length);
  w16(outerLocal, 26, outerName.length);
  outerLocal.set(outerName, 30);

  const central = (name: Uint8Array, crc: number, size: number, offset: number): Uint8Array => {
    const c = new Uint8Array(46 + name.length);
    w32(c, 0, 0x02014b50);
    w16(c, 4, 20);
    w16(c, 6, 20);
    w32(c, 16, crc);
    w32(c, 20, size);
    w32(c, 24, size);
    w16(c, 28, name.length);
    w32(c, 42, offset);
    c.set(name, 46);
    return c;
  };
  const body = new Uint8Array([...outerLocal, ...outerData]);
  const cd = new Uint8Array([
    ...central(outerName, crc32(outerData), outerData.length, 0),
    ...central(innerName, innerCrc, innerData.length, outerLocal.length),
  ]);
  const eocd = new Uint8Array(22);
  w32(eocd, 0, 0x06054b50);
  w16(eocd, 8, 2);
  w16(eocd, 10, 2);
  w32(eocd, 12, cd.length);
  w32(eocd, 16, body.length);
  return new Uint8Array([...body, ...cd, ...eocd]);
}

/** Every kind of broken or fake export {@link buildBrokenExport} can make. */
export const BROKEN_KINDS = [
  "not-a-zip",
  "truncated",
  "path-traversal",
  "path-traversal-backslash",
  "absolute-path",
  "absolute-drive-path",
  "symlink",
  "duplicate-entry",
  "overlapping-entries",
  "too-many-entries",
  "zip64",
  "encrypted",
  "oversize-declared",
  "oversize-inflated",
  "ratio-bomb",
  "lying-ratio-bomb",
  "size-mismatch",
  "crc-mismatch",
  "lying-attachment-bomb",
  "attachment-crc-mismatch",
  "missing-conversations",
  "missing-user",
  "nested-folder",
  "split-gap",
  "manifest-missing-part",
  "malformed-conversations",
  "malformed-feedback",
  "invalid-utf8",
  "conversations-not-array",
  "chat-html-not-html",
  "fake-missing-fields",
  "fake-no-mapping",
  "fake-no-root",
  "fake-parent-cycle",
  "fake-no-role",
  "fake-no-content-type",
  "fake-no-user-id",
  "fake-duplicate-conversation",
  "spam",
] as const;

export type BrokenKind = (typeof BROKEN_KINDS)[number];

export interface BrokenExport {
  readonly bytes: Uint8Array;
  /** Limits to read it with, when the defaults would not show the problem quickly. */
  readonly limits?: Partial<ExportLimits>;
}

/** A small valid export's conversations, to derive fakes from. */
function baseConversations(count = 3): JsonObject[] {
  const out: JsonObject[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      buildConversation({
        id: `base-conversation-${i}`,
        title: `Base ${i}`,
        createTime: DEFAULT_START_TIME + i * 86_400,
        model: "gpt-4o",
        messages: [
          { role: "system", text: "", hidden: true, time: null },
          { role: "user", text: `Question number ${i}: how do I water tomatoes?` },
          { role: "assistant", text: `Answer number ${i}: deeply, twice a week.`, model: "gpt-4o" },
        ],
      }),
    );
  }
  return out;
}

function baseFiles(overrides: Partial<ExportFilesSpec> = {}): Record<string, Uint8Array | string> {
  return buildExportFiles({ conversations: baseConversations(), ...overrides });
}

function firstMessageNode(conversation: JsonObject): JsonObject {
  const mapping = conversation.mapping as JsonObject;
  for (const node of Object.values(mapping)) {
    const n = node as JsonObject;
    if (n.message !== null) return n;
  }
  throw new Error("no message");
}

function fakeWith(mutate: (conversations: JsonObject[]) => void): BrokenExport {
  const conversations = baseConversations();
  mutate(conversations);
  return { bytes: buildExportZip({ conversations }) };
}

function zeros(length: number): Uint8Array {
  return new Uint8Array(length);
}

/** Builds one broken or fake export. The expected error is up to the caller (tests own expectations). */
export function buildBrokenExport(kind: BrokenKind): BrokenExport {
  switch (kind) {
    case "not-a-zip":
      return { bytes: strToU8("This is a text file, not a zip archive.\n".repeat(10)) };
    case "truncated": {
      const zip = zipFiles(baseFiles());
      return { bytes: zip.subarray(0, Math.floor(zip.length / 2)) };
    }
    case "path-traversal":
      return { bytes: zipFiles({ ...baseFiles(), "../../evil.sh": "echo pwned" }) };
    case "path-traversal-backslash":
      return { bytes: zipFiles({ ...baseFiles(), "dalle-generations\\..\\..\\evil.sh": "echo pwned" }) };
    case "absolute-path":
      return { bytes: zipFiles({ ...baseFiles(), "/etc/cron.d/evil": "* * * * * root sh" }) };
    case "absolute-drive-path":
      return { bytes: zipFiles({ ...baseFiles(), "C:/Windows/evil.dll": "MZ" }) };
    case "symlink": {
      const files: Zippable = {};
      for (const [name, data] of Object.entries(baseFiles()))
        files[name] = typeof data === "string" ? strToU8(data) : data;
      files["file-link.png"] = [strToU8("/etc/passwd"), { os: 3, attrs: (0o120777 << 16) >>> 0 }];
      return { bytes: zipSync(files, { mtime: fixedMtime() }) };
    }
    case "duplicate-entry":
      return { bytes: patchName(zipFiles({ ...baseFiles(), "user.jsox": "{}" }), "user.jsox", "user.json") };
    case "overlapping-entries":
      return { bytes: overlappingZip() };
    case "too-many-entries": {
      // One more entry than a limit of 100 (the default, 60,000, is the same check at scale).
      const files = baseFiles();
      const extra = 101 - Object.keys(files).length;
      for (let i = 0; i < extra; i++) files[`file-${String(i).padStart(5, "0")}.txt`] = "x";
      return { bytes: zipFiles(files, 0), limits: { maxEntries: 100 } };
    }
    case "zip64": {
      const zip = zipFiles(baseFiles());
      const out = zip.slice();
      const eocd = eocdOffset(out);
      w16(out, eocd + 8, 0xffff);
      w16(out, eocd + 10, 0xffff);
      return { bytes: out };
    }
    case "encrypted":
      return { bytes: patchFlags(zipFiles(baseFiles()), "user.json", 1) };
    case "oversize-declared":
      // The header claims 3 GiB: rejected before anything is inflated.
      return {
        bytes: patchDeclaredSize(zipFiles(baseFiles()), "conversations.json", 3 * 1024 * 1024 * 1024),
        limits: { maxEntryUncompressedBytes: 2 * 1024 * 1024 * 1024 },
      };
    case "oversize-inflated": {
      // A JSON string of 1.5 MiB of random letters (barely compressible) that declares 1 KiB,
      // read with a 1 MiB total limit.
      const prng = new Prng(7);
      const body = new Uint8Array(1.5 * 1024 * 1024);
      for (let i = 0; i < body.length; i++) body[i] = 0x61 + (prng.u32() % 26);
      body.set([0x5b, 0x22]);
      body.set([0x22, 0x5d], body.length - 2);
      const zip = zipFiles({ ...baseFiles(), "conversations.json": body }, 1);
      return {
        bytes: patchDeclaredSize(zip, "conversations.json", 1024),
        limits: { maxTotalUncompressedBytes: 1024 * 1024 },
      };
    }
    case "ratio-bomb":
      // An honest header: 4 MiB of zeros in ~4 KiB (ratio ~1000:1).
      return { bytes: zipFiles({ ...baseFiles(), "file-bomb.png": zeros(4 * 1024 * 1024) }, 9) };
    case "lying-ratio-bomb": {
      // Valid JSON (an array padded with 4 MiB of spaces) whose header claims 2 KiB.
      const body = new Uint8Array(4 * 1024 * 1024).fill(0x20);
      body[0] = 0x5b;
      body[body.length - 1] = 0x5d;
      const zip = zipFiles({ ...baseFiles(), "conversations.json": body }, 9);
      return { bytes: patchDeclaredSize(zip, "conversations.json", 2048) };
    }
    case "size-mismatch": {
      const zip = zipFiles(baseFiles());
      const r = recordsOf(zip, "user.json");
      return { bytes: patchDeclaredSize(zip, "user.json", r32(zip, r.central + 24) - 1) };
    }
    case "crc-mismatch": {
      const zip = zipFiles(baseFiles());
      const r = recordsOf(zip, "conversations.json");
      return { bytes: patchCrc(zip, "conversations.json", (r32(zip, r.central + 16) ^ 1) >>> 0) };
    }
    case "lying-attachment-bomb": {
      // Never parsed, but still inflated and checked: 4 MiB of zeros claiming to be a 4 KiB image.
      const zip = zipFiles({ ...baseFiles(), "file-AbCdEf-photo.png": zeros(4 * 1024 * 1024) }, 9);
      return { bytes: patchDeclaredSize(zip, "file-AbCdEf-photo.png", 4096) };
    }
    case "attachment-crc-mismatch": {
      const name = "dalle-generations/file-XyZ-00000000-0000-4000-8000-000000000000.webp";
      const zip = zipFiles({ ...baseFiles(), [name]: new Uint8Array([0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4]) });
      const r = recordsOf(zip, name);
      return { bytes: patchCrc(zip, name, (r32(zip, r.central + 16) ^ 0x80) >>> 0) };
    }
    case "missing-conversations":
      return { bytes: zipFiles(baseFiles({ omit: ["conversations.json"] })) };
    case "missing-user":
      return { bytes: zipFiles(baseFiles({ user: null })) };
    case "nested-folder": {
      const nested: Record<string, Uint8Array | string> = {};
      for (const [name, data] of Object.entries(baseFiles())) nested[`chatgpt-export/${name}`] = data;
      return { bytes: zipFiles(nested) };
    }
    case "split-gap":
      return {
        bytes: zipFiles(
          buildExportFiles({
            conversations: baseConversations(3),
            layout: "split",
            conversationsPerFile: 1,
            manifest: false,
            omit: ["conversations-001.json"],
          }),
        ),
      };
    case "manifest-missing-part": {
      const files = buildExportFiles({ conversations: baseConversations(2), layout: "split", conversationsPerFile: 1 });
      files["export_manifest.json"] = JSON.stringify({
        export_version: 2,
        files: [
          { path: "conversations-000.json" },
          { path: "conversations-001.json" },
          { path: "conversations-002.json" },
        ],
      });
      return { bytes: zipFiles(files) };
    }
    case "malformed-conversations": {
      const text = JSON.stringify(baseConversations());
      return { bytes: zipFiles({ ...baseFiles(), "conversations.json": text.slice(0, text.length - 40) }) };
    }
    case "malformed-feedback":
      return { bytes: zipFiles({ ...baseFiles(), "message_feedback.json": '[{"id": "f1", "rating": ' }) };
    case "invalid-utf8":
      return { bytes: zipFiles({ ...baseFiles(), "user.json": new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) }) };
    case "conversations-not-array":
      return { bytes: zipFiles({ ...baseFiles(), "conversations.json": '{"conversations": []}' }) };
    case "chat-html-not-html":
      return { bytes: zipFiles({ ...baseFiles(), "chat.html": "just some text" }) };
    case "fake-missing-fields":
      return fakeWith((cs) => {
        delete cs[1].create_time;
        delete cs[1].update_time;
      });
    case "fake-no-mapping":
      return fakeWith((cs) => {
        delete cs[0].mapping;
      });
    case "fake-no-root":
      return fakeWith((cs) => {
        const mapping = cs[2].mapping as JsonObject;
        const root = Object.keys(mapping).find((k) => (mapping[k] as JsonObject).parent === null) as string;
        delete mapping[root];
      });
    case "fake-parent-cycle":
      return fakeWith((cs) => {
        const mapping = cs[0].mapping as JsonObject;
        const root = Object.values(mapping).find((n) => (n as JsonObject).parent === null) as JsonObject;
        root.parent = cs[0].current_node;
      });
    case "fake-no-role":
      return fakeWith((cs) => {
        const message = firstMessageNode(cs[1]).message as JsonObject;
        delete (message.author as JsonObject).role;
      });
    case "fake-no-content-type":
      return fakeWith((cs) => {
        const message = firstMessageNode(cs[0]).message as JsonObject;
        message.content = { parts: ["no type"] };
      });
    case "fake-no-user-id":
      return { bytes: zipFiles(baseFiles({ user: { email: "someone@example.org", chatgpt_plus_user: false } })) };
    case "fake-duplicate-conversation":
      return fakeWith((cs) => {
        cs[2].id = cs[0].id;
        cs[2].conversation_id = cs[0].conversation_id;
      });
    case "spam": {
      // 30 conversations, each the same prompt and the same answer.
      const conversations: JsonObject[] = [];
      for (let i = 0; i < 30; i++) {
        conversations.push(
          buildConversation({
            id: `spam-${i}`,
            createTime: DEFAULT_START_TIME + i * 60,
            messages: [
              { role: "user", text: "Give me tokens please" },
              { role: "assistant", text: "I cannot help with that.", model: "gpt-4o" },
            ],
          }),
        );
      }
      return { bytes: buildExportZip({ conversations }) };
    }
  }
}
