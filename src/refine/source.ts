/**
 * What the refinement reads from an export, as plain values, one conversation at a time.
 *
 * The refiner never touches the archive itself: it consumes an {@link ExportSource}, whose
 * `conversations` are the raw JSON objects of `conversations.json` (or its `conversations-NNN.json`
 * parts) in file order, exactly what the export reader parses. {@link readExportSource} builds one
 * from `.zip` bytes with the reader's own safe-zip and layout code; when the reader streams (one
 * conversation at a time), only this adapter changes and the refinement stays as it is.
 */
import { bytesSource, SafeZip, type ZipEntry } from "../export/archive";
import { ExportFormatError } from "../export/errors";
import { isObject, own, parseJsonEntry, type JsonValue } from "../export/json";
import { locateExportFiles } from "../export/layout";
import { resolveLimits, type ExportLimits } from "../export/limits";
import type { OwnerIdentifiers } from "./redact";

/** Everything the refinement needs from one export. */
export interface ExportSource {
  /** `user.json`'s `id`: salts the conversation ids and is redacted wherever it appears. */
  readonly userId: string;
  /** The account's identifiers from `user.json`, redacted wherever they appear. */
  readonly owner: OwnerIdentifiers;
  /** `message_feedback.json` records (empty without the file). */
  readonly feedback: readonly JsonValue[];
  /** Raw conversations in export order (files in order, then array order). */
  readonly conversations: Iterable<JsonValue>;
}

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" && value.trim().length > 0 ? value : undefined;
}

/** The identifiers of a parsed `user.json`; `undefined` unless it has an id. */
export function ownerFromUserJson(user: JsonValue): { userId: string; owner: OwnerIdentifiers } | undefined {
  if (!isObject(user)) return undefined;
  const userId = text(own(user, "id"));
  if (userId === undefined) return undefined;
  const name =
    text(own(user, "name")) ??
    ([text(own(user, "first_name")), text(own(user, "last_name"))].filter((part) => part !== undefined).join(" ") ||
      undefined);
  return {
    userId,
    owner: { id: userId, email: text(own(user, "email")), phone: text(own(user, "phone_number")), name },
  };
}

/**
 * Opens an export `.zip` (with the reader's archive checks and limits) as an {@link ExportSource}.
 * Conversation files are parsed lazily, one file at a time, as `conversations` is iterated.
 * @throws ExportError when the archive is unsafe or not an export
 */
/** One entry inflated whole, with the archive's checks (declared size, ratio, CRC). */
function inflateEntry(zip: SafeZip, entry: ZipEntry): Uint8Array {
  const chunks: Uint8Array[] = [];
  zip.inflateSync(entry, (chunk) => chunks.push(chunk.slice()));
  return Buffer.concat(chunks);
}

export function readExportSource(bytes: Uint8Array, limits?: Partial<ExportLimits>): ExportSource {
  const zip = SafeZip.open(bytesSource(bytes), resolveLimits(limits));
  const layout = locateExportFiles(zip);
  const identity = ownerFromUserJson(parseJsonEntry(inflateEntry(zip, layout.user), layout.user.name));
  if (identity === undefined) {
    throw new ExportFormatError(
      "FAKE_EXPORT",
      `"${layout.user.name}" has no account id, which every real ChatGPT export has.`,
      layout.user.name,
    );
  }
  const feedbackJson =
    layout.feedback === undefined ? [] : parseJsonEntry(inflateEntry(zip, layout.feedback), layout.feedback.name);
  function* conversations(): Generator<JsonValue> {
    for (const entry of layout.conversationFiles) {
      const list = parseJsonEntry(inflateEntry(zip, entry), entry.name);
      if (!Array.isArray(list)) {
        throw new ExportFormatError(
          "NOT_AN_EXPORT",
          `"${entry.name}" is not a JSON array of conversations.`,
          entry.name,
        );
      }
      yield* list;
    }
  }
  return {
    ...identity,
    feedback: Array.isArray(feedbackJson) ? feedbackJson : [],
    conversations: { [Symbol.iterator]: conversations },
  };
}
