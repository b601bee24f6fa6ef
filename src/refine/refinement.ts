/**
 * The refinement of an export: what is sealed and sold instead of the archive.
 *
 * `sealedPayloadOf(zip, options)` reads the export, refines every conversation not excluded into one
 * canonical JSON line (see `conversation.ts`), and returns the deterministic gzip payload
 * (`payload.ts`) with a {@link RefinementReport}; `verifyRefinement` recomputes it and compares it with a sealed plaintext byte for byte, stopping
 * at the first difference. {@link Refiner} does the same one conversation at a time, for a reader
 * that streams.
 *
 * Same export bytes and same options → the same payload, on every machine: no clock, no locale, no
 * randomness, no iteration over unordered collections.
 */
import { sha256 } from "@noble/hashes/sha256";

import { encodeAbiParameters } from "../codec/abi";
import { hexToBytes } from "../codec/hex";
import { keccak256 } from "../codec/keccak";
import { isObject, own, parseJsonEntry, type JsonObject, type JsonValue } from "../export/json";
import type { ExportLimits } from "../export/limits";
import { normalizeSalt } from "../export/source-hash";
import {
  conversationHead,
  formatTime,
  refineConversation,
  type ConversationContext,
  type RefinedFeedback,
} from "./conversation";
import { RefineError } from "./errors";
import { excludes, formatExclusion, parseExclusions, type Exclusion } from "./exclusions";
import { concatBytes, PayloadWriter, type PayloadSink } from "./payload";
import { Redactor } from "./redact";
import { readExportSource, type ExportSource } from "./source";

/** Version of the refined line format (`v` in every line). */
export const REFINED_SCHEMA_VERSION = 1;
/** Name of the format, in reports and dataset cards. */
export const REFINED_FORMAT = `datacoop-refined-chatgpt/${REFINED_SCHEMA_VERSION}`;

const CONVERSATION_SALT_LABEL = "DataCoop conversation id v1";
const MAX_FEEDBACK_TEXT = 2_000;
const MAX_TAGS = 16;

export interface RefineOptions {
  /**
   * The deployment's source-account salt (`0x` + 64 hex digits, `deploymentSalt(chainId, registry)`):
   * conversation ids are salted with it and the account's user id.
   */
  readonly salt: string;
  /** Exclusion rules (see `exclusions.ts`), as text or parsed. */
  readonly exclude?: readonly (string | Exclusion)[];
  /** Seconds instead of days in timestamps, and a time on each message. Default false. */
  readonly preciseTimes?: boolean;
  /** Include off-path branches (edits, regenerations). Default false. */
  readonly branches?: boolean;
  /** Archive limits for reading the export (the reader's defaults otherwise). */
  readonly limits?: Partial<ExportLimits>;
}

/**
 * The contributor's choices that shape the payload's bytes, in canonical form (`report.profile`): what a
 * validator is given, with the deployment's salt, to recompute the payload.
 */
export interface RefinementProfile {
  /** Exclusion rules, canonical text ({@link formatExclusion}). */
  readonly exclude: readonly string[];
  readonly preciseTimes: boolean;
  readonly branches: boolean;
}

/** What a refinement did; holds counts only, never text, titles or ids. */
export interface RefinementReport {
  readonly format: string;
  /** The options that shape the bytes, canonical: what a validator needs to recompute them. */
  readonly profile: RefinementProfile;
  /** Conversations in the export. */
  readonly conversations: number;
  /** Lines in the payload. */
  readonly refinedConversations: number;
  readonly excludedConversations: number;
  /** Conversations each rule excluded (a conversation counts under the first rule that names it). */
  readonly excludedBy: readonly { readonly rule: string; readonly conversations: number }[];
  /** Conversations left with no message after refinement (not written). */
  readonly emptyConversations: number;
  /** Units: refined messages on the visible paths. */
  readonly units: number;
  readonly messagesByRole: Readonly<Record<string, number>>;
  readonly branchMessages: number;
  /** Placeholders written, by class (`email`, `secret:github-token`, `owner:id`, ...), sorted by name. */
  readonly redactions: Readonly<Record<string, number>>;
  /** Messages left out by content type (known names, `other` for unknown ones). */
  readonly skippedContentTypes: Readonly<Record<string, number>>;
  /** Feedback records written (on their message, or on the conversation when they name none kept). */
  readonly feedbackRecords: number;
  readonly plaintextBytes: number;
  readonly payloadBytes: number;
}

/**
 * Where a conversation id comes from: `keccak256(abi.encode("DataCoop conversation id v1", bytes32 salt,
 * string userId))`, then per conversation the first 16 bytes of `sha256(key ‖ utf8(conversationId))`
 * (SHA-256 per conversation: the key's state is hashed once and cloned per id; keccak here cost 15 % of the
 * run, and ethers' sha256 with its hex round trips 7 %).
 * Stable for an account on one deployment (a newer export keeps its ids), unlinkable without the user id.
 */
export function conversationKey(salt: string, userId: string): Uint8Array {
  return hexToBytes(
    keccak256(
      encodeAbiParameters(
        [{ type: "string" }, { type: "bytes32" }, { type: "string" }],
        [CONVERSATION_SALT_LABEL, normalizeSalt(salt), userId],
      ),
    ),
  );
}

const utf8 = new TextEncoder();
const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
type Sha256 = ReturnType<typeof sha256.create>;
let keyed: { key: Uint8Array; state: Sha256 } | undefined;

/** The refined id of one conversation: `c_` + 32 hex digits. */
export function refinedConversationId(key: Uint8Array, conversationId: string): string {
  // The key is the same for every conversation of an export: its hash state is kept and cloned.
  if (keyed?.key !== key) keyed = { key, state: sha256.create().update(key) };
  const digest = keyed.state.clone().update(utf8.encode(conversationId)).digest();
  let id = "c_";
  for (let i = 0; i < 16; i++) id += HEX_BYTE[digest[i]];
  return id;
}

function sorted(map: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of [...map.keys()].sort()) out[key] = map.get(key) ?? 0;
  return out;
}

const TAG = /^[A-Za-z0-9][A-Za-z0-9 _-]{0,39}$/;

/** One `message_feedback.json` record, its comment not yet redacted; `undefined` if it is not one. */
function feedbackRecord(record: JsonObject): RefinedFeedback | undefined {
  const rating = own(record, "rating");
  if (rating !== "thumbsUp" && rating !== "thumbsDown") return undefined;
  // `content` is a JSON string such as {"tags": [...], "text": "..."}; anything else is ignored.
  let tags: string[] | undefined;
  let text: string | undefined;
  const content = own(record, "content");
  if (typeof content === "string" && content.length > 2 && content.length < 100_000) {
    let parsed: JsonValue = null;
    try {
      parsed = parseJsonEntry(new TextEncoder().encode(content), "message_feedback.json");
    } catch {
      parsed = null;
    }
    if (isObject(parsed)) {
      const rawTags = own(parsed, "tags");
      const kept = Array.isArray(rawTags)
        ? rawTags.filter((tag): tag is string => typeof tag === "string" && TAG.test(tag)).slice(0, MAX_TAGS)
        : [];
      if (kept.length > 0) tags = kept;
      const comment = own(parsed, "text");
      if (typeof comment === "string" && comment.trim().length > 0) {
        text = comment.slice(0, MAX_FEEDBACK_TEXT);
      }
    }
  }
  return { rating: rating === "thumbsUp" ? "up" : "down", tags, text };
}

/** Feedback by conversation id, then by message id (`""`: the record names no message). */
function indexFeedback(records: readonly JsonValue[]): Map<string, Map<string, RefinedFeedback[]>> {
  const index = new Map<string, Map<string, RefinedFeedback[]>>();
  for (const record of records) {
    if (!isObject(record)) continue;
    const conversation = own(record, "conversation_id");
    if (typeof conversation !== "string") continue;
    const message = own(record, "message_id");
    const refined = feedbackRecord(record);
    if (refined === undefined) continue;
    let byMessage = index.get(conversation);
    if (byMessage === undefined) index.set(conversation, (byMessage = new Map()));
    const key = typeof message === "string" ? message : "";
    const list = byMessage.get(key);
    if (list === undefined) byMessage.set(key, [refined]);
    else list.push(refined);
  }
  return index;
}

const NO_FEEDBACK: ReadonlyMap<string, readonly RefinedFeedback[]> = new Map();

/**
 * Refines conversations one at a time into canonical lines. Build one per export, feed it the raw
 * conversations in export order, then read {@link Refiner.report}.
 */
export class Refiner {
  private readonly context: ConversationContext;
  private readonly key: Uint8Array;
  private readonly exclusions: Exclusion[];
  private readonly excludedBy: number[];
  private readonly feedback: Map<string, Map<string, RefinedFeedback[]>>;
  private readonly roles = new Map<string, number>();
  private conversations = 0;
  private refined = 0;
  private empty = 0;
  private units = 0;
  private branchMessages = 0;
  private feedbackRecords = 0;

  /**
   * @param source the export's identity and feedback (its `conversations` are not read here)
   * @param options salt, exclusions, precision, branches
   * @throws RefineError `INVALID_OPTION` on a bad salt or exclusion rule
   */
  constructor(source: Pick<ExportSource, "userId" | "owner" | "feedback">, options: RefineOptions) {
    try {
      this.key = conversationKey(options.salt, source.userId);
    } catch {
      throw new RefineError("INVALID_OPTION", "The salt must be 0x followed by 64 hex digits (the deployment's salt).");
    }
    this.exclusions = parseExclusions(options.exclude);
    this.excludedBy = this.exclusions.map(() => 0);
    const redactor = new Redactor(source.owner);
    this.context = {
      redactor,
      preciseTimes: options.preciseTimes === true,
      branches: options.branches === true,
      skipped: new Map(),
    };
    this.feedback = indexFeedback(source.feedback);
  }

  /**
   * The line of one raw conversation, or `undefined` when it is excluded or has nothing left.
   * @param index its position in the export (for error messages)
   * @throws RefineError `MALFORMED_CONVERSATION`
   */
  refine(raw: JsonValue, index: number): string | undefined {
    this.conversations++;
    const head = conversationHead(raw, index);
    const refinedId = refinedConversationId(this.key, head.id);
    if (this.exclusions.length > 0) {
      const subject = { id: head.id, refinedId, title: head.title, day: formatTime(head.created, false) };
      const rule = this.exclusions.findIndex((exclusion) => excludes(exclusion, subject));
      if (rule >= 0) {
        this.excludedBy[rule]++;
        return undefined;
      }
    }
    const feedback = this.redactedFeedback(head.id);
    const conversation = refineConversation(this.context, head, refinedId, REFINED_SCHEMA_VERSION, feedback, index);
    if (conversation.messages.length === 0) {
      this.empty++;
      return undefined;
    }
    this.refined++;
    this.units += conversation.messages.length;
    for (const message of conversation.messages) {
      this.roles.set(message.role, (this.roles.get(message.role) ?? 0) + 1);
    }
    for (const branch of conversation.branches ?? []) this.branchMessages += branch.messages.length;
    for (const records of feedback.values()) this.feedbackRecords += records.length;
    return JSON.stringify(conversation);
  }

  /**
   * A conversation's feedback with comments redacted now, so the report counts only what is written
   * (records of excluded conversations are never redacted, nor counted).
   */
  private redactedFeedback(conversationId: string): ReadonlyMap<string, readonly RefinedFeedback[]> {
    const records = this.feedback.get(conversationId);
    if (records === undefined) return NO_FEEDBACK;
    const redactor = this.context.redactor;
    const out = new Map<string, RefinedFeedback[]>();
    for (const [message, list] of records) {
      out.set(
        message,
        list.map(({ rating, tags, text }) => ({
          rating,
          tags,
          text: text === undefined ? undefined : redactor.redact(text),
        })),
      );
    }
    return out;
  }

  /** Counts so far (`plaintextBytes`/`payloadBytes` come from the payload writer). */
  report(bytes: { plaintextBytes: number; payloadBytes: number }): RefinementReport {
    const excludedBy = this.exclusions.map((rule, i) => ({
      rule: formatExclusion(rule),
      conversations: this.excludedBy[i],
    }));
    return {
      format: REFINED_FORMAT,
      profile: {
        exclude: this.exclusions.map(formatExclusion),
        preciseTimes: this.context.preciseTimes,
        branches: this.context.branches,
      },
      conversations: this.conversations,
      refinedConversations: this.refined,
      excludedConversations: this.excludedBy.reduce((sum, n) => sum + n, 0),
      excludedBy,
      emptyConversations: this.empty,
      units: this.units,
      messagesByRole: sorted(this.roles),
      branchMessages: this.branchMessages,
      redactions: sorted(this.context.redactor.counts),
      skippedContentTypes: sorted(this.context.skipped),
      feedbackRecords: this.feedbackRecords,
      plaintextBytes: bytes.plaintextBytes,
      payloadBytes: bytes.payloadBytes,
    };
  }
}

/** Refines a source into `sink`, returning the report. */
export function refineSource(source: ExportSource, options: RefineOptions, sink: PayloadSink): RefinementReport {
  const refiner = new Refiner(source, options);
  const writer = new PayloadWriter(sink);
  let index = 0;
  for (const raw of source.conversations) {
    const line = refiner.refine(raw, index++);
    if (line !== undefined) writer.writeLine(line);
  }
  writer.finish();
  return refiner.report(writer);
}

/** A sealed payload and the report of the refinement that made it. */
export interface SealedPayload {
  /** The plaintext that is encrypted and sold: gzip of the refined lines (`payload.ts`). */
  readonly payload: Uint8Array;
  readonly report: RefinementReport;
}

/**
 * THE function from an export to the plaintext that is sealed: contributors seal its `payload`, validators
 * recompute it from the raw export ({@link verifyRefinement}) and attest `report.units`. Deterministic:
 * the same export bytes and options give the same payload on every machine.
 * @param exportZip the ChatGPT export `.zip`
 * @param options the deployment's salt and the contributor's {@link RefinementProfile} (exclusions, ...)
 * @throws ExportError on an unsafe or invalid archive; RefineError
 */
export function sealedPayloadOf(exportZip: Uint8Array, options: RefineOptions): SealedPayload {
  const chunks: Uint8Array[] = [];
  const report = refineSource(readExportSource(exportZip, options.limits), options, (chunk) => chunks.push(chunk));
  return { payload: concatBytes(chunks), report };
}

/**
 * Checks that `sealedPlaintext` is exactly the refinement of `exportZip` under `options`: recomputes
 * it and compares byte for byte as it is produced (the recomputation is never held in full).
 * @returns the report of the refinement (units = refined messages)
 * @throws RefineError `NOT_THE_REFINEMENT` at the first difference
 */
export function verifyRefinement(
  exportZip: Uint8Array,
  sealedPlaintext: Uint8Array,
  options: RefineOptions,
): RefinementReport {
  let at = 0;
  const mismatch = (): RefineError =>
    new RefineError(
      "NOT_THE_REFINEMENT",
      `The sealed payload differs from the refinement of the export at byte ${at} (options: ${JSON.stringify({
        exclusions: parseExclusions(options.exclude).length,
        preciseTimes: options.preciseTimes === true,
        branches: options.branches === true,
      })}); it was not made from this export with these options, so it gets no attestation.`,
    );
  const report = refineSource(readExportSource(exportZip, options.limits), options, (chunk) => {
    for (let i = 0; i < chunk.length; i++, at++) {
      if (at >= sealedPlaintext.length || sealedPlaintext[at] !== chunk[i]) throw mismatch();
    }
  });
  if (at !== sealedPlaintext.length) throw mismatch();
  return report;
}
