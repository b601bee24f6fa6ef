/** Public result and option types of the export reader. */
import type { RoleCounts } from "./conversations";
import type { AttachmentCounts } from "./layout";
import type { ExportLimits } from "./limits";
import type { QualityBreakdown } from "./scorer";

export interface ScoreExportOptions {
  /** 32-byte hex salt for the source-account hash (`0x` + 64 hex digits). */
  readonly salt: string;
  /** Overrides of {@link DEFAULT_EXPORT_LIMITS}. */
  readonly limits?: Partial<ExportLimits>;
}

export interface ContentTypeCount {
  readonly name: string;
  readonly count: number;
}

export interface ExportStats {
  /** `single`: one `conversations.json`; `split`: `conversations-NNN.json` parts. */
  readonly layout: "single" | "split";
  readonly conversationFiles: number;
  readonly conversations: number;
  /** Conversations contributing at least one unit. */
  readonly conversationsWithUnits: number;
  /** Mapping nodes, including `message: null` roots. */
  readonly nodes: number;
  /** Non-null messages in every node, on or off the visible paths. */
  readonly messages: number;
  /** Non-null messages on the visible paths (`current_node` up to the root). */
  readonly visibleMessages: number;
  /** Visible-path messages flagged `is_visually_hidden_from_conversation`. */
  readonly hiddenMessages: number;
  /** Nodes off the visible paths: branches left by edits and regenerations. */
  readonly branches: number;
  /** Authors of all messages (`other` = any role not listed). */
  readonly roles: RoleCounts;
  /** User units. */
  readonly userMessages: number;
  /** Assistant units. */
  readonly assistantMessages: number;
  /** Visible user/assistant messages not counted because identical to an earlier one. */
  readonly duplicateMessages: number;
  /** User units that are near-duplicates of an earlier prompt (templated content; see `similarity.ts`). */
  readonly nearDuplicatePrompts: number;
  readonly userCharacters: number;
  readonly codeMessages: number;
  /** Distinct assistant model slugs, sorted: at most 16, and only slugs of `[a-z0-9._-]` (no personal data). */
  readonly models: readonly string[];
  readonly activeDays: number;
  /** Every known `content_type` met (all messages), sorted by name. */
  readonly contentTypes: readonly ContentTypeCount[];
  /** Messages of content types this reader does not know. */
  readonly otherContentTypes: number;
  /** Names of unknown content types, sorted: at most 16, and only names of `[a-z0-9._-]`. */
  readonly unknownContentTypes: readonly string[];
  readonly attachments: AttachmentCounts;
  readonly feedbackRecords: number;
  readonly modelComparisons: number;
  readonly sharedConversations: number;
  readonly hasManifest: boolean;
  readonly hasUserSettings: boolean;
  readonly hasChatHtml: boolean;
  /** Earliest conversation `create_time` and latest `update_time`, ISO 8601 UTC; `null` without conversations. */
  readonly dateRange: { readonly first: string | null; readonly last: string | null };
}

/** What the scorer reports for one export; contains no personal data. */
export interface ExportScore {
  readonly scorerVersion: string;
  /** `keccak256(abi.encode(bytes32 salt, string userId))`. */
  readonly sourceHash: string;
  /** Volume, a uint32 (see `index.ts`). */
  readonly units: number;
  /** Basis points, 0..10_000. */
  readonly quality: number;
  readonly breakdown: QualityBreakdown;
  readonly stats: ExportStats;
}
