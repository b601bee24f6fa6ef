/**
 * Reads a ChatGPT export archive end to end and scores it. Pure: bytes in, a value out; nothing
 * is cached or written, and the same bytes always give the same result (no clock, no locale).
 *
 * Order, cheapest checks first so a doomed archive costs little: archive structure
 * (`SafeZip.open`: directory, names, declared sizes and ratios, tiling), core files located,
 * `user.json` → source hash, manifest, side files, the conversations (streamed one at a time),
 * then chat.html and every attachment inflated and verified, spam check, score.
 *
 * The sequence is written once, as a generator that yields "inflate this entry into this sink"
 * steps; {@link scoreExportBytes} runs it synchronously, {@link scoreExport} runs it letting the
 * event loop run every 4 MiB of output and reads a file from disk in slices instead of loading it.
 * Both inflate with one reused native zlib handle on the calling thread (`native-inflate.ts`), or
 * with fflate where there is none (a browser).
 */
import { bytesSource, fileSource, SafeZip, type ByteSource, type ChunkSink, type ZipEntry } from "./archive";
import { CONVERSATION_FIELDS, ConversationBuilder, ExportTally } from "./conversations";
import { ExportArchiveError, ExportError, ExportFormatError } from "./errors";
import { isObject, own, type JsonValue } from "./json";
import { JsonItemStream, ValueBudget, type JsonReadLimits, type SelectedItems, type TopLevel } from "./json-stream";
import { locateExportFiles, type ExportLayout } from "./layout";
import { resolveLimits, type ExportLimits } from "./limits";
import { isSpam, SCORER_VERSION, scoreQuality, type QualityInputs } from "./scorer";
import { normalizeSalt, sourceAccountHash } from "./source-hash";
import type { ContentTypeCount, ExportScore, ExportStats, ScoreExportOptions } from "./types";

const UINT32_MAX = 0xffffffff;
const HTML_SNIFF_BYTES = 64 * 1024;
const SPLIT_NAME = /^conversations-\d{3,}\.json$/;
/** A string with an unpaired UTF-16 surrogate (valid JSON through `\u` escapes, not valid text). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** One step of a reading: inflate `entry` into `sink`. */
interface ReadStep {
  readonly entry: ZipEntry;
  readonly sink: ChunkSink;
}

type Reading<T> = Generator<ReadStep, T, void>;

/** Per-export JSON state: the limits and the shared value budget. */
interface JsonContext {
  readonly limits: JsonReadLimits;
  readonly budget: ValueBudget;
}

function jsonContext(limits: ExportLimits): JsonContext {
  return {
    limits: {
      maxDepth: limits.maxJsonDepth,
      maxStringBytes: limits.maxJsonStringBytes,
      maxItemBytes: limits.maxConversationBytes,
      maxItemValues: limits.maxConversationValues,
    },
    budget: new ValueBudget(limits.maxJsonValues),
  };
}

/** Streams a JSON entry: array items (or the whole non-array document, index -1) to `onItem`. */
function* readJson(
  json: JsonContext,
  entry: ZipEntry,
  onItem: (value: JsonValue, index: number) => void,
  onKind?: (kind: TopLevel) => void,
  selected?: SelectedItems,
): Reading<TopLevel> {
  const stream = new JsonItemStream(entry.name, json.limits, json.budget, onItem, onKind, selected);
  yield { entry, sink: (chunk) => stream.write(chunk) };
  return stream.end();
}

/** Inflates an entry only to check it (attachments): within the limits, exact size, CRC. */
function* verify(entry: ZipEntry): Reading<void> {
  yield { entry, sink: () => undefined };
}

function* readUserId(json: JsonContext, entry: ZipEntry): Reading<string> {
  let user: JsonValue = null;
  yield* readJson(json, entry, (value, index) => {
    if (index < 0) user = value;
  });
  const id = isObject(user) ? own(user, "id") : undefined;
  if (typeof id !== "string" || id.trim().length === 0 || LONE_SURROGATE.test(id)) {
    throw new ExportFormatError(
      "FAKE_EXPORT",
      `"${entry.name}" has no valid account id, which every real ChatGPT export has.`,
      entry.name,
    );
  }
  return id;
}

/** Every `conversations-NNN.json` the manifest names must be in the archive. */
function* checkManifest(json: JsonContext, zip: SafeZip, entry: ZipEntry): Reading<void> {
  const check = (root: JsonValue): void => {
    const stack: JsonValue[] = [root];
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
  };
  yield* readJson(json, entry, check);
}

/** Objects in a side file's top-level array (0 when it is not an array). */
function* countRecords(json: JsonContext, entry: ZipEntry | undefined): Reading<number> {
  if (entry === undefined) return 0;
  let count = 0;
  yield* readJson(json, entry, (value, index) => {
    if (index >= 0 && isObject(value)) count++;
  });
  return count;
}

function* checkChatHtml(entry: ZipEntry): Reading<void> {
  const head: Uint8Array[] = [];
  let held = 0;
  yield {
    entry,
    sink: (chunk) => {
      if (held < HTML_SNIFF_BYTES) {
        const part = chunk.subarray(0, HTML_SNIFF_BYTES - held);
        head.push(part.slice());
        held += part.length;
      }
    },
  };
  const text = new TextDecoder("utf-8").decode(Buffer.concat(head)).toLowerCase();
  if (!text.includes("<html") && !text.includes("<!doctype html")) {
    throw new ExportFormatError("NOT_AN_EXPORT", `"${entry.name}" is not an HTML page.`, entry.name);
  }
}

function* tallyConversations(json: JsonContext, layout: ExportLayout, limits: ExportLimits): Reading<ExportTally> {
  const tally = new ExportTally(limits.maxConversationNodes);
  const conversation = new ConversationBuilder();
  for (const entry of layout.conversationFiles) {
    yield* readJson(
      json,
      entry,
      // Arrays go to `selected`; anything else is rejected by `onKind` first.
      () => undefined,
      (kind) => {
        if (kind !== "array") {
          throw new ExportFormatError(
            "NOT_AN_EXPORT",
            `"${entry.name}" is not a JSON array of conversations.`,
            entry.name,
          );
        }
      },
      {
        selection: CONVERSATION_FIELDS,
        sink: conversation,
        onItem: (index) => tally.add(conversation, entry.name, index),
      },
    );
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
    nearDuplicatePrompts: tally.nearDuplicates,
    userCharacters: tally.userChars,
    codeMessages: tally.codeUnits,
    models: [...tally.listedModels].sort(byName),
    activeDays: tally.activeDays.size,
    contentTypes,
    otherContentTypes: tally.otherContentTypes,
    unknownContentTypes: [...tally.unknownContentTypes].sort(byName),
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

/** Every entry not parsed above: attachments, a legacy conversations.json, unknown files. */
function unparsedEntries(zip: SafeZip, layout: ExportLayout): ZipEntry[] {
  const parsed = new Set<ZipEntry | undefined>([
    layout.user,
    layout.manifest,
    layout.feedback,
    layout.comparisons,
    layout.shared,
    layout.settings,
    layout.chatHtml,
    ...layout.conversationFiles,
  ]);
  return zip.entries.filter((entry) => !parsed.has(entry));
}

/** The whole reading, as steps (see the module doc). */
function* readExport(zip: SafeZip, limits: ExportLimits, salt: string): Reading<ExportScore> {
  const json = jsonContext(limits);
  const layout = locateExportFiles(zip);
  const userId = yield* readUserId(json, layout.user);
  let sourceHash: string;
  try {
    sourceHash = sourceAccountHash(userId, salt);
  } catch {
    // Never pass the underlying message on: it may quote the id.
    throw new ExportFormatError(
      "FAKE_EXPORT",
      `"${layout.user.name}" has an account id that cannot be hashed.`,
      layout.user.name,
    );
  }
  if (layout.manifest !== undefined) yield* checkManifest(json, zip, layout.manifest);
  const side: SideFiles = {
    feedbackRecords: yield* countRecords(json, layout.feedback),
    modelComparisons: yield* countRecords(json, layout.comparisons),
    sharedConversations: yield* countRecords(json, layout.shared),
  };
  if (layout.settings !== undefined) yield* readJson(json, layout.settings, () => undefined);
  const tally = yield* tallyConversations(json, layout, limits);
  // The archive is later encrypted and handed to buyers as is, so all of it, not only what is
  // scored, must be within the limits and intact; checked last, being the costliest and least telling.
  if (layout.chatHtml !== undefined) yield* checkChatHtml(layout.chatHtml);
  for (const entry of unparsedEntries(zip, layout)) yield* verify(entry);

  const inputs: QualityInputs = {
    conversationsWithUnits: tally.conversationsWithUnits,
    units: tally.units,
    userUnits: tally.userUnits,
    userChars: tally.userChars,
    activeDays: tally.activeDays.size,
    codeUnits: tally.codeUnits,
    feedbackRecords: side.feedbackRecords + side.modelComparisons,
    models: tally.models.size,
    duplicates: tally.duplicates,
    nearDuplicates: tally.nearDuplicates,
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

/** Reads, validates and scores an export held in memory, synchronously. Throws an `ExportError` on rejection. */
export function scoreExportBytes(bytes: Uint8Array, options: ScoreExportOptions): ExportScore {
  const salt = normalizeSalt(options.salt);
  const limits = resolveLimits(options.limits);
  const zip = SafeZip.open(bytesSource(bytes), limits);
  const reading = readExport(zip, limits, salt);
  for (let step = reading.next(); ; step = reading.next()) {
    if (step.done === true) return step.value;
    zip.inflateSync(step.value.entry, step.value.sink);
  }
}

async function scoreSource(source: ByteSource, limits: ExportLimits, salt: string): Promise<ExportScore> {
  const zip = SafeZip.open(source, limits);
  const reading = readExport(zip, limits, salt);
  for (let step = reading.next(); ; step = reading.next()) {
    if (step.done === true) return step.value;
    await zip.inflateAsync(step.value.entry, step.value.sink);
  }
}

function openArchiveFile(path: string, limits: ExportLimits): ByteSource {
  let source: ByteSource;
  try {
    source = fileSource(path);
  } catch (error) {
    if (error instanceof ExportError) throw error;
    const code = (error as { code?: unknown }).code;
    throw new ExportArchiveError("UNREADABLE", `Cannot read "${path}"${typeof code === "string" ? ` (${code})` : ""}.`);
  }
  if (source.size > limits.maxArchiveBytes) {
    source.close?.();
    throw new ExportArchiveError(
      "TOO_LARGE",
      `The archive is ${source.size} bytes, above the limit of ${limits.maxArchiveBytes}.`,
    );
  }
  return source;
}

/**
 * Reads, validates and scores an export given as bytes or as a path to the `.zip`, inflating with
 * Node's native zlib. A path is read in slices (the archive is never loaded whole). Same result
 * as {@link scoreExportBytes}.
 */
export async function scoreExport(input: Uint8Array | string, options: ScoreExportOptions): Promise<ExportScore> {
  const salt = normalizeSalt(options.salt);
  const limits = resolveLimits(options.limits);
  if (typeof input !== "string") return scoreSource(bytesSource(input), limits, salt);
  const source = openArchiveFile(input, limits);
  try {
    return await scoreSource(source, limits, salt);
  } finally {
    source.close?.();
  }
}
