import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import fc from "fast-check";

import {
  BROKEN_KINDS,
  buildBrokenExport,
  buildConversation,
  buildExportFiles,
  buildExportZip,
  patchDeclaredSize,
  zipFiles,
  type BrokenKind,
} from "../support/export";
import type { JsonObject, JsonValue } from "../../src/export/json";
import { resolveLimits } from "../../src/export/limits";
import { Prng } from "../support/export/random";
import {
  DEFAULT_EXPORT_LIMITS,
  fileSource,
  SafeZip,
  type ZipEntry,
  ExportArchiveError,
  ExportError,
  ExportFormatError,
  ExportOptionsError,
  scoreExportBytes,
  type ExportErrorCode,
  type ExportLimits,
  type ExportScore,
} from "../../src/export";

const SALT = `0x${"42".repeat(32)}`;

function rejection(bytes: Uint8Array, limits?: Partial<ExportLimits>, salt: string = SALT): ExportError {
  try {
    scoreExportBytes(bytes, { salt, limits });
  } catch (error) {
    if (error instanceof ExportError) return error;
    throw new Error(`expected an ExportError, got ${String(error)}`);
  }
  throw new Error("expected the export to be rejected");
}

/**
 * Fuzz oracle (plain booleans: chai is slow in loops): a result in range, or an ExportError.
 * Anything else (TypeError, RangeError, ...) fails the property and is shrunk by fast-check.
 */
function scoredOrRejected(run: () => ExportScore): boolean {
  try {
    const { units, quality } = run();
    return Number.isInteger(units) && units >= 0 && Number.isInteger(quality) && quality >= 0 && quality <= 10_000;
  } catch (error) {
    if (error instanceof ExportError) return true;
    throw error;
  }
}

/** The error each broken fixture must raise. */
const EXPECTED: Record<BrokenKind, ExportErrorCode> = {
  "not-a-zip": "NOT_A_ZIP",
  truncated: "NOT_A_ZIP",
  "path-traversal": "PATH_TRAVERSAL",
  "path-traversal-backslash": "PATH_TRAVERSAL",
  "absolute-path": "ABSOLUTE_PATH",
  "absolute-drive-path": "ABSOLUTE_PATH",
  symlink: "SYMLINK",
  "duplicate-entry": "DUPLICATE_ENTRY",
  "overlapping-entries": "OVERLAPPING_ENTRIES",
  "too-many-entries": "TOO_MANY_ENTRIES",
  zip64: "UNSUPPORTED_ZIP",
  encrypted: "UNSUPPORTED_ZIP",
  "oversize-declared": "TOO_LARGE",
  // An entry stops the moment it exceeds its declared size, before any other limit is reached.
  "oversize-inflated": "SIZE_MISMATCH",
  "ratio-bomb": "COMPRESSION_RATIO",
  "lying-ratio-bomb": "SIZE_MISMATCH",
  "size-mismatch": "SIZE_MISMATCH",
  "crc-mismatch": "CORRUPT_ZIP",
  "lying-attachment-bomb": "SIZE_MISMATCH",
  "attachment-crc-mismatch": "CORRUPT_ZIP",
  "missing-conversations": "MISSING_FILE",
  "missing-user": "MISSING_FILE",
  "nested-folder": "MISSING_FILE",
  "split-gap": "MISSING_FILE",
  "manifest-missing-part": "MISSING_FILE",
  "malformed-conversations": "MALFORMED_JSON",
  "malformed-feedback": "MALFORMED_JSON",
  "invalid-utf8": "MALFORMED_JSON",
  "conversations-not-array": "NOT_AN_EXPORT",
  "chat-html-not-html": "NOT_AN_EXPORT",
  "fake-missing-fields": "FAKE_EXPORT",
  "fake-no-mapping": "FAKE_EXPORT",
  "fake-no-root": "FAKE_EXPORT",
  "fake-parent-cycle": "FAKE_EXPORT",
  "fake-no-role": "FAKE_EXPORT",
  "fake-no-content-type": "FAKE_EXPORT",
  "fake-no-user-id": "FAKE_EXPORT",
  "fake-duplicate-conversation": "FAKE_EXPORT",
  spam: "SPAM",
};

const ARCHIVE_CODES: readonly ExportErrorCode[] = [
  "NOT_A_ZIP",
  "PATH_TRAVERSAL",
  "ABSOLUTE_PATH",
  "SYMLINK",
  "DUPLICATE_ENTRY",
  "OVERLAPPING_ENTRIES",
  "TOO_MANY_ENTRIES",
  "UNSUPPORTED_ZIP",
  "TOO_LARGE",
  "COMPRESSION_RATIO",
  "SIZE_MISMATCH",
  "CORRUPT_ZIP",
];

describe("export reader: broken and fake archives", () => {
  for (const kind of BROKEN_KINDS) {
    it(`rejects ${kind} with ${EXPECTED[kind]}`, () => {
      const fixture = buildBrokenExport(kind);
      const error = rejection(fixture.bytes, fixture.limits);
      expect(error.code).to.equal(EXPECTED[kind]);
      expect(error).to.be.instanceOf(ARCHIVE_CODES.includes(error.code) ? ExportArchiveError : ExportFormatError);
      // Every message says what is wrong and what to do about it.
      expect(error.message).to.match(/upload|download|contribute/i);
    });
  }

  it("names the offending entry", () => {
    expect(rejection(buildBrokenExport("path-traversal").bytes).entry).to.equal("../../evil.sh");
    expect(rejection(buildBrokenExport("symlink").bytes).entry).to.equal("file-link.png");
    expect(rejection(buildBrokenExport("lying-ratio-bomb").bytes).entry).to.equal("conversations.json");
    expect(rejection(buildBrokenExport("lying-attachment-bomb").bytes).entry).to.equal("file-AbCdEf-photo.png");
    const missing = rejection(buildBrokenExport("split-gap").bytes);
    expect(missing.entry).to.equal("conversations-001.json");
    expect(missing.message).to.include("conversations-001.json");
  });

  it("tells a re-zipped folder apart from a missing file", () => {
    const error = rejection(buildBrokenExport("nested-folder").bytes);
    expect(error.message).to.include("chatgpt-export/conversations.json");
    expect(error.message).to.include("re-zipped");
  });

  it("stops a lying entry within 64 KiB of its declared size with the portable (browser) inflaters", async () => {
    // Natively it is one byte: export.inflate.test.ts.
    const { bytes } = buildBrokenExport("lying-ratio-bomb");
    const limits = resolveLimits(undefined);
    const entry = (zip: SafeZip): ZipEntry => zip.get("conversations.json") as ZipEntry;
    // The entry declares 2 KiB and holds 4 MiB of padding.
    const sync = SafeZip.open(bytes, limits, { portable: true });
    expect(() => sync.inflateSync(entry(sync), () => undefined)).to.throw(ExportArchiveError);
    expect(sync.inflatedBytes).to.be.below(2048 + 64 * 1024 + 1);
    const async = SafeZip.open(bytes, limits, { portable: true });
    const error = await async
      .inflateAsync(entry(async), () => undefined)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((error as ExportError).code).to.equal("SIZE_MISMATCH");
    expect(async.inflatedBytes).to.be.below(2048 + 64 * 1024 + 1);
  });

  it("applies the declared-size limits before inflating", () => {
    const files = buildExportFiles({ conversations: [] });
    const bytes = zipFiles(files);
    expect(rejection(bytes, { maxTotalUncompressedBytes: 100 }).code).to.equal("TOO_LARGE");
    expect(rejection(bytes, { maxEntries: 3 }).code).to.equal("TOO_MANY_ENTRIES");
    expect(rejection(bytes, { maxEntryUncompressedBytes: 10 }).code).to.equal("TOO_LARGE");
    expect(rejection(bytes, { maxArchiveBytes: 64 }).code).to.equal("TOO_LARGE");
    // A header claiming a 100:1 ratio above the grace size is a bomb even before reading it.
    const claimed = patchDeclaredSize(bytes, "chat.html", 2 * 1024 * 1024);
    expect(rejection(claimed).code).to.equal("COMPRESSION_RATIO");
  });

  it("reads stored (uncompressed) entries like deflated ones", () => {
    const conversation = buildConversation({
      id: "stored",
      createTime: 1_704_103_200,
      messages: [
        { role: "user", text: "Is a stored entry read?" },
        { role: "assistant", text: "Yes, it is." },
      ],
    });
    const stored = scoreExportBytes(buildExportZip({ conversations: [conversation], compressionLevel: 0 }), {
      salt: SALT,
    });
    const deflated = scoreExportBytes(buildExportZip({ conversations: [conversation], compressionLevel: 9 }), {
      salt: SALT,
    });
    expect(JSON.stringify(stored)).to.equal(JSON.stringify(deflated));
    expect(stored.units).to.equal(2);
  });

  it("never fails with anything but an ExportError on damaged bytes", () => {
    const base = buildExportZip({
      conversations: [
        buildConversation({
          id: "fuzz",
          createTime: 1_704_103_200,
          messages: [
            { role: "user", text: "Fuzz me" },
            { role: "assistant", text: "Gladly" },
          ],
        }),
      ],
      chatHtml: null,
      userSettings: null,
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.nat({ max: base.length }),
        (edits, cut) => {
          const bytes = base.slice(0, Math.max(cut, base.length - 64));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          return scoredOrRejected(() => scoreExportBytes(bytes, { salt: SALT }));
        },
      ),
      { numRuns: 400, seed: 20_240_101 },
    );
  });
});

describe("export reader: arbitrary JSON where conversations belong", () => {
  function outcome(conversations: JsonValue[]): boolean {
    return scoredOrRejected(() => scoreExportBytes(buildExportZip({ conversations, chatHtml: null }), { salt: SALT }));
  }

  it("never fails with anything but an ExportError on arbitrary values", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 4 }), (values) =>
        outcome(values as JsonValue[]),
      ),
      { numRuns: 150, seed: 3 },
    );
  });

  it("never fails with anything but an ExportError when one field of a real conversation is replaced", () => {
    const base = buildConversation({
      id: "target",
      createTime: 1_704_103_200,
      messages: [
        { role: "user", text: "Replace my fields" },
        { role: "assistant", text: "Go ahead", model: "gpt-4o" },
      ],
    });
    const mapping = base.mapping as JsonObject;
    // Message sub-fields only for nodes that have a message (the root's is null).
    const nodeIds = Object.keys(mapping).filter((id) => (mapping[id] as JsonObject).message !== null);
    const rootId = Object.keys(mapping).find((id) => (mapping[id] as JsonObject).message === null) as string;
    const field = fc.constantFrom(
      ...["id", "title", "create_time", "update_time", "mapping", "current_node", "default_model_slug"].map(
        (key) => [key] as const,
      ),
      ...nodeIds.flatMap((id) =>
        [
          [],
          ["message"],
          ["parent"],
          ["children"],
          ["message", "author"],
          ["message", "content"],
          ["message", "metadata"],
        ].map((rest) => ["mapping", id, ...rest] as const),
      ),
      ...[[], ["message"], ["parent"], ["children"]].map((rest) => ["mapping", rootId, ...rest] as const),
    );
    fc.assert(
      fc.property(field, fc.jsonValue({ maxDepth: 3 }), (where, value) => {
        const conversation = JSON.parse(JSON.stringify(base)) as JsonObject;
        let target = conversation;
        for (const key of where.slice(0, -1)) target = target[key] as JsonObject;
        target[where[where.length - 1]] = value as JsonValue;
        return outcome([conversation]);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});

describe("export reader: options", () => {
  const good = buildExportZip({ conversations: [] });

  it("rejects a salt that is not 32 bytes of hex", () => {
    for (const salt of ["", "0x1234", `0x${"zz".repeat(32)}`, "42".repeat(32), `0x${"42".repeat(33)}`]) {
      const error = rejection(good, undefined, salt);
      expect(error).to.be.instanceOf(ExportOptionsError);
      expect(error.code).to.equal("INVALID_SALT");
    }
  });

  it("rejects limits that are not positive integers", () => {
    for (const limits of [{ maxEntries: 0 }, { maxArchiveBytes: -1 }, { maxCompressionRatio: 1.5 }]) {
      const error = rejection(good, limits);
      expect(error).to.be.instanceOf(ExportOptionsError);
      expect(error.code).to.equal("INVALID_LIMIT");
    }
  });

  it("documents sane defaults", () => {
    expect(DEFAULT_EXPORT_LIMITS).to.deep.equal({
      // ZIP64 is refused, so no archive or entry can be larger anyway.
      maxArchiveBytes: 4 * 1024 ** 3 - 1,
      // A 50,000-conversation split export with attachments has about 20,000 entries.
      maxEntries: 60_000,
      maxTotalUncompressedBytes: 8 * 1024 ** 3,
      maxEntryUncompressedBytes: 4 * 1024 ** 3 - 1,
      maxCompressionRatio: 100,
      compressionRatioGraceBytes: 1024 ** 2,
      maxJsonDepth: 64,
      maxJsonStringBytes: 16 * 1024 ** 2,
      maxConversationBytes: 64 * 1024 ** 2,
      maxConversationValues: 4_000_000,
      maxConversationNodes: 250_000,
      maxJsonValues: 400_000_000,
    });
    expect(Object.isFrozen(DEFAULT_EXPORT_LIMITS)).to.equal(true);
  });
});

describe("export archive: file source", () => {
  it("reads any range like the bytes in memory, and what it returned stays valid", () => {
    const prng = new Prng(21);
    const bytes = new Uint8Array(new Uint32Array(150 * 1024).map(() => prng.u32()).buffer);
    const dir = mkdtempSync(path.join(tmpdir(), "datacoop-source-"));
    try {
      const file = path.join(dir, "archive.zip");
      writeFileSync(file, bytes);
      const source = fileSource(file);
      try {
        expect(source.size).to.equal(bytes.length);
        const kept: [number, number, Uint8Array][] = [];
        // Small reads (from the read-ahead window) forwards, backwards and across its edge,
        // large ones, and reads that run past the end.
        const ranges: [number, number][] = [
          [0, 30],
          [100, 4000],
          [262_100, 200],
          [50, 10],
          [500_000, 90_000],
        ];
        for (let k = 0; k < 100; k++)
          ranges.push([prng.u32() % bytes.length, prng.u32() % (k % 10 === 0 ? 300_000 : 5_000)]);
        ranges.push([bytes.length - 10, 100], [bytes.length, 10]);
        for (const [offset, length] of ranges) {
          const got = source.read(offset, length);
          expect(Buffer.from(got).equals(bytes.subarray(offset, offset + length))).to.equal(true);
          kept.push([offset, length, got]);
        }
        for (const [offset, length, got] of kept) {
          expect(Buffer.from(got).equals(bytes.subarray(offset, offset + length))).to.equal(true);
        }
      } finally {
        source.close?.();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
