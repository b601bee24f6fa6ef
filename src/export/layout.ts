/**
 * Where things are in a ChatGPT export archive.
 *
 * Core files sit at the top level: `conversations.json`, or (newer exports) `conversations-000.json`,
 * `conversations-001.json`, ... with `export_manifest.json`; `user.json`; optionally
 * `message_feedback.json`, `model_comparisons.json`, `shared_conversations.json`,
 * `user_settings.json` and `chat.html`. Everything else is an attachment: `file-...` uploads,
 * `dalle-generations/...` images, `user-.../...` folders. When split files are present they are
 * authoritative and a legacy `conversations.json` beside them is not read.
 */
import type { SafeZip, ZipEntry } from "./archive";
import { ExportFormatError } from "./errors";

export const CONVERSATIONS_FILE = "conversations.json";
export const USER_FILE = "user.json";
export const MANIFEST_FILE = "export_manifest.json";
export const FEEDBACK_FILE = "message_feedback.json";
export const COMPARISONS_FILE = "model_comparisons.json";
export const SHARED_FILE = "shared_conversations.json";
export const SETTINGS_FILE = "user_settings.json";
export const CHAT_HTML_FILE = "chat.html";

const SPLIT_FILE = /^conversations-(\d{3,})\.json$/;

export interface AttachmentCounts {
  total: number;
  /** Uploaded files (`file-...`) outside the folders below. */
  files: number;
  /** Images under `dalle-generations/`. */
  dalleGenerations: number;
  /** Files under a `user-...` folder. */
  userFolders: number;
  /** Anything else that is not a core file. */
  other: number;
}

export interface ExportLayout {
  readonly layout: "single" | "split";
  /** Conversation files in reading order. */
  readonly conversationFiles: readonly ZipEntry[];
  readonly user: ZipEntry;
  readonly manifest: ZipEntry | undefined;
  readonly feedback: ZipEntry | undefined;
  readonly comparisons: ZipEntry | undefined;
  readonly shared: ZipEntry | undefined;
  readonly settings: ZipEntry | undefined;
  readonly chatHtml: ZipEntry | undefined;
  readonly attachments: AttachmentCounts;
}

function isCoreFile(name: string): boolean {
  switch (name) {
    case CONVERSATIONS_FILE:
    case USER_FILE:
    case MANIFEST_FILE:
    case FEEDBACK_FILE:
    case COMPARISONS_FILE:
    case SHARED_FILE:
    case SETTINGS_FILE:
    case CHAT_HTML_FILE:
      return true;
    default:
      return SPLIT_FILE.test(name);
  }
}

function missing(problem: string, entry: string, zip: SafeZip): ExportFormatError {
  const nested = zip.entries.find((e) => e.name.endsWith(`/${entry}`));
  const advice =
    nested === undefined
      ? "Upload the complete .zip exactly as OpenAI sent it (ChatGPT → Settings → Data controls → Export data)."
      : `It was found inside a folder ("${nested.name}"): the export seems to have been unpacked and re-zipped; upload the original .zip instead.`;
  return new ExportFormatError("MISSING_FILE", problem, entry, advice);
}

function countAttachments(entries: readonly ZipEntry[]): AttachmentCounts {
  const counts: AttachmentCounts = { total: 0, files: 0, dalleGenerations: 0, userFolders: 0, other: 0 };
  for (const entry of entries) {
    if (entry.isDirectory || isCoreFile(entry.name)) continue;
    counts.total++;
    const base = entry.name.slice(entry.name.lastIndexOf("/") + 1);
    if (entry.name.startsWith("dalle-generations/")) counts.dalleGenerations++;
    else if (entry.name.startsWith("user-") && entry.name.includes("/")) counts.userFolders++;
    else if (base.startsWith("file-") || base.startsWith("file_")) counts.files++;
    else counts.other++;
  }
  return counts;
}

function splitFiles(zip: SafeZip): ZipEntry[] {
  const split: { index: number; entry: ZipEntry }[] = [];
  for (const entry of zip.entries) {
    const match = SPLIT_FILE.exec(entry.name);
    if (match !== null) split.push({ index: Number(match[1]), entry });
  }
  split.sort((a, b) => a.index - b.index);
  split.forEach(({ index, entry }, position) => {
    if (index !== position) {
      const expected = `conversations-${String(position).padStart(3, "0")}.json`;
      if (index < position) {
        throw new ExportFormatError("NOT_AN_EXPORT", `"${entry.name}" numbers a conversations part twice.`, entry.name);
      }
      throw missing(`"${expected}" is missing although "${entry.name}" is present.`, expected, zip);
    }
  });
  return split.map((s) => s.entry);
}

/** Finds the core files; a missing `user.json` or conversations file is `MISSING_FILE`. */
export function locateExportFiles(zip: SafeZip): ExportLayout {
  const split = splitFiles(zip);
  const single = zip.get(CONVERSATIONS_FILE);
  const conversationFiles = split.length > 0 ? split : single !== undefined ? [single] : [];
  if (conversationFiles.length === 0) {
    throw missing(
      `The archive has no "${CONVERSATIONS_FILE}" (nor "conversations-000.json").`,
      CONVERSATIONS_FILE,
      zip,
    );
  }
  const user = zip.get(USER_FILE);
  if (user === undefined) throw missing(`The archive has no "${USER_FILE}".`, USER_FILE, zip);
  return {
    layout: split.length > 0 ? "split" : "single",
    conversationFiles,
    user,
    manifest: zip.get(MANIFEST_FILE),
    feedback: zip.get(FEEDBACK_FILE),
    comparisons: zip.get(COMPARISONS_FILE),
    shared: zip.get(SHARED_FILE),
    settings: zip.get(SETTINGS_FILE),
    chatHtml: zip.get(CHAT_HTML_FILE),
    attachments: countAttachments(zip.entries),
  };
}
