/**
 * Reads a ChatGPT export archive end to end and scores it. Pure: bytes in, a value out; nothing
 * is cached or written, and the same bytes always give the same result (no clock, no locale).
 *
 * Order: archive checks (`SafeZip.open`), core files located, every other entry inflated and
 * verified, `user.json` → source hash, manifest, conversations, side files, chat.html, spam check,
 * score.
 */
import { readFile, stat } from "node:fs/promises";

import { SafeZip, type ZipEntry } from "./archive";
import { isKnownContentType } from "./content";
import { ExportTally } from "./conversations";
import { ExportArchiveError, ExportFormatError } from "./errors";
import { isObject, own, parseJsonEntry, type JsonValue } from "./json";
import { locateExportFiles, type ExportLayout } from "./layout";
import { resolveLimits, type ExportLimits } from "./limits";
import { isSpam, SCORER_VERSION, scoreQuality } from "./scorer";
import { normalizeSalt, sourceAccountHash } from "./source-hash";
import type { ContentTypeCount, ExportScore, ExportStats, ScoreExportOptions } from "./types";

const UINT32_MAX = 0xffffffff;
const HTML_SNIFF_BYTES = 64 * 1024;
const SPLIT_NAME = /^conversations-\d{3,}\.json$/;

function readJson(zip: SafeZip, entry: ZipEntry): JsonValue {
  return parseJsonEntry(zip.read(entry), entry.name);
}

function readUserId(zip: SafeZip, entry: ZipEntry): string {
  const user = readJson(zip, entry);
  const id = isObject(user) ? own(user, "id") : undefined;
  if (typeof id !== "string" || id.trim().length === 0) {
    throw new ExportFormatError(
      "FAKE_EXPORT",
      `"${entry.name}" has no account id, which every real ChatGPT export has.`,
      entry.name,
    );
  }
  return id;
}

/** Every `conversations-NNN.json` the manifest names must be in the archive. */
function checkManifest(zip: SafeZip, entry: ZipEntry): void {
  const stack: JsonValue[] = [readJson(zip, entry)];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") {
      if (SPLIT_NAME.test(value) && zip.get(value) === undefined) {
        throw new ExportFormatError(
          "MISSING_FILE",
          `"${entry.name}" lists "${value}" but the archive does not contain it.`,
          value,
          "The export is incomplete; download it again from ChatGPT → Settings → Data controls → Export data.",
        );
      }
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (isObject(value)) {
      for (const key of Object.keys(value)) stack.push(value[key]);
    }
  }
}

/**
 * Inflates (and discards) every entry that is not parsed below: attachments, chat.html, a legacy
 * conversations.json. The archive is later encrypted and handed to buyers as is, so all of it,
 * not only what is scored, must be within the limits and intact.
 */
function verifyUnparsedEntries(zip: SafeZip, layout: ExportLayout): void {
  const parsed = new Set<ZipEntry | undefined>([
    layout.user,
    layout.manifest,
    layout.feedback,
    layout.comparisons,
    layout.shared,
    layout.settings,
    ...layout.conversationFiles,
  ]);
  for (const entry of zip.entries) if (!parsed.has(entry)) zip.verify(entry);
}

function countRecords(zip: SafeZip, entry: ZipEntry | undefined): number {
  if (entry === undefined) return 0;
  const value = readJson(zip, entry);
  return Array.isArray(value) ? value.filter((record) => isObject(record)).length : 0;
}

function checkChatHtml(zip: SafeZip, entry: ZipEntry): void {
  const head = new TextDecoder("utf-8").decode(zip.readPrefix(entry, HTML_SNIFF_BYTES)).toLowerCase();
  if (!head.includes("<html") && !head.includes("<!doctype html")) {
    throw new ExportFormatError("NOT_AN_EXPORT", `"${entry.name}" is not an HTML page.`, entry.name);
  }
}

function tallyConversations(zip: SafeZip, layout: ExportLayout): ExportTally {
  const tally = new ExportTally();
  for (const entry of layout.conversationFiles) {
    const conversations = readJson(zip, entry);
    if (!Array.isArray(conversations)) {
      throw new ExportFormatError("NOT_AN_EXPORT", `"${entry.name}" is not a JSON array of conversations.`, entry.name);
    }
    for (let i = 0; i < conversations.length; i++) tally.add(conversations[i], entry.name, i);
  }
  return tally;
}

function isoTime(seconds: number | undefined): string | null {
  return seconds === undefined ? null : new Date(Math.round(seconds * 1000)).toISOString();
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface SideFiles {
  readonly feedbackRecords: number;
  readonly modelComparisons: number;
  readonly sharedConversations: number;
}

function buildStats(tally: ExportTally, layout: ExportLayout, side: SideFiles): ExportStats {
  const names = [...tally.contentTypes.keys()].sort(byName);
  const contentTypes: ContentTypeCount[] = names.map((name) => ({ name, count: tally.contentTypes.get(name) ?? 0 }));
  return {
    layout: layout.layout,
    conversationFiles: layout.conversationFiles.length,
    conversations: tally.conversations,
    conversationsWithUnits: tally.conversationsWithUnits,
    nodes: tally.nodes,
    messages: tally.messages,
    visibleMessages: tally.visibleMessages,
    hiddenMessages: tally.hiddenMessages,
    branches: tally.branchNodes,
    roles: { ...tally.roles },
    userMessages: tally.userUnits,
    assistantMessages: tally.assistantUnits,
    duplicateMessages: tally.duplicates,
    userCharacters: tally.userChars,
    codeMessages: tally.codeUnits,
    models: [...tally.models].sort(byName),
    activeDays: tally.activeDays.size,
    contentTypes,
    unknownContentTypes: names.filter((name) => !isKnownContentType(name)),
    attachments: { ...layout.attachments },
    feedbackRecords: side.feedbackRecords,
    modelComparisons: side.modelComparisons,
    sharedConversations: side.sharedConversations,
    hasManifest: layout.manifest !== undefined,
    hasUserSettings: layout.settings !== undefined,
    hasChatHtml: layout.chatHtml !== undefined,
    dateRange: { first: isoTime(tally.firstTime), last: isoTime(tally.lastTime) },
  };
}

/** Reads, validates and scores an export held in memory. Throws an `ExportError` on rejection. */
export function scoreExportBytes(bytes: Uint8Array, options: ScoreExportOptions): ExportScore {
  const salt = normalizeSalt(options.salt);
  const zip = SafeZip.open(bytes, resolveLimits(options.limits));
  const layout = locateExportFiles(zip);
  verifyUnparsedEntries(zip, layout);
  const sourceHash = sourceAccountHash(readUserId(zip, layout.user), salt);
  if (layout.manifest !== undefined) checkManifest(zip, layout.manifest);
  const tally = tallyConversations(zip, layout);
  const side: SideFiles = {
    feedbackRecords: countRecords(zip, layout.feedback),
    modelComparisons: countRecords(zip, layout.comparisons),
    sharedConversations: countRecords(zip, layout.shared),
  };
  if (layout.settings !== undefined) readJson(zip, layout.settings);
  if (layout.chatHtml !== undefined) checkChatHtml(zip, layout.chatHtml);

  const inputs = {
    conversationsWithUnits: tally.conversationsWithUnits,
    units: tally.units,
    userUnits: tally.userUnits,
    userChars: tally.userChars,
    activeDays: tally.activeDays.size,
    codeUnits: tally.codeUnits,
    feedbackRecords: side.feedbackRecords + side.modelComparisons,
    models: tally.models.size,
    duplicates: tally.duplicates,
  };
  if (isSpam(inputs)) {
    throw new ExportFormatError(
      "SPAM",
      `${inputs.duplicates} of ${inputs.units + inputs.duplicates} messages repeat earlier ones word for word.`,
      undefined,
      "Exports made of repeated content are not accepted; contribute your genuine conversation history.",
    );
  }
  const { quality, breakdown } = scoreQuality(inputs);
  return {
    scorerVersion: SCORER_VERSION,
    sourceHash,
    units: Math.min(tally.units, UINT32_MAX),
    quality,
    breakdown,
    stats: buildStats(tally, layout, side),
  };
}

async function readArchiveFile(path: string, limits: ExportLimits): Promise<Uint8Array> {
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      throw new ExportArchiveError("UNREADABLE", `"${path}" is not a regular file.`);
    }
    if (info.size > limits.maxArchiveBytes) {
      throw new ExportArchiveError(
        "TOO_LARGE",
        `The archive is ${info.size} bytes, above the limit of ${limits.maxArchiveBytes}.`,
      );
    }
    return new Uint8Array(await readFile(path));
  } catch (error) {
    if (error instanceof ExportArchiveError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ExportArchiveError("UNREADABLE", `Cannot read "${path}" (${reason}).`);
  }
}

/** Reads, validates and scores an export given as bytes or as a path to the `.zip`. */
export async function scoreExport(input: Uint8Array | string, options: ScoreExportOptions): Promise<ExportScore> {
  if (typeof input !== "string") return scoreExportBytes(input, options);
  normalizeSalt(options.salt);
  const bytes = await readArchiveFile(input, resolveLimits(options.limits));
  return scoreExportBytes(bytes, options);
}
