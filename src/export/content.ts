/**
 * Message `content` by `content_type`.
 *
 * Only `text`, `multimodal_text` and `code` carry what a person or the model "said" and count
 * toward volume. Every other type (`execution_output`, `tether_browsing_display`, `tether_quote`,
 * `thoughts`, `reasoning_recap`, `user_editable_context`, `system_error`, and any type not seen
 * before) is counted by name in the statistics and otherwise ignored; none of them can make the
 * reader fail.
 */

/** Content types this reader knows by name; anything else is reported as unknown. */
export const KNOWN_CONTENT_TYPES = [
  "text",
  "multimodal_text",
  "code",
  "execution_output",
  "tether_browsing_display",
  "tether_quote",
  "thoughts",
  "reasoning_recap",
  "user_editable_context",
  "system_error",
] as const;

const KNOWN = new Set<string>(KNOWN_CONTENT_TYPES);

/** Whether `type` is one of {@link KNOWN_CONTENT_TYPES}. */
export function isKnownContentType(type: string): boolean {
  return KNOWN.has(type);
}

export interface ContentReading {
  /** Whether this type can count toward volume (`text`, `multimodal_text`, `code`). */
  readonly countable: boolean;
  /** The spoken/written text, trimmed; empty for types that do not count. */
  readonly text: string;
  /** Non-text parts (image/audio/file pointers), identified by their pointer when they have one. */
  readonly assets: readonly string[];
  /** A code message, or text holding a fenced code block. */
  readonly isCode: boolean;
}

/**
 * A message's `content` as the reader keeps it (`ConversationBuilder` in `conversations.ts`): each
 * accessor gives a string member, or undefined when the member is absent or not a string.
 */
export interface ContentSource {
  /** Elements of `parts`, or -1 when `parts` is not an array. */
  partsLength(): number;
  /** Part `i` when it is a string. */
  partString(i: number): string | undefined;
  /** Whether part `i` is an object (not an array, not null). */
  partIsObject(i: number): boolean;
  partType(i: number): string | undefined;
  partText(i: number): string | undefined;
  partAsset(i: number): string | undefined;
  /** `content.text`. */
  codeText(): string | undefined;
}

const NOTHING: ContentReading = Object.freeze({ countable: false, text: "", assets: [], isCode: false });

function partsText(content: ContentSource, assets: string[] | undefined): string {
  let text = "";
  const length = content.partsLength();
  for (let i = 0; i < length; i++) {
    const part = content.partString(i);
    if (part !== undefined) {
      text = text.length === 0 ? part : `${text}\n${part}`;
    } else if (assets !== undefined && content.partIsObject(i)) {
      const kind = content.partType(i);
      const transcript = kind === "audio_transcription" ? content.partText(i) : undefined;
      if (transcript !== undefined) {
        text = text.length === 0 ? transcript : `${text}\n${transcript}`;
        continue;
      }
      assets.push(content.partAsset(i) ?? kind ?? "object");
    }
  }
  return text;
}

/** Reads a message's content; `type` is its (already validated) `content_type`. */
export function readContent(content: ContentSource, type: string): ContentReading {
  let text: string;
  const assets: string[] = [];
  switch (type) {
    case "text":
      text = partsText(content, undefined);
      break;
    case "multimodal_text":
      text = partsText(content, assets);
      break;
    case "code":
      text = content.codeText() ?? "";
      break;
    default:
      return NOTHING;
  }
  text = text.trim();
  return { countable: true, text, assets, isCode: type === "code" || text.includes("```") };
}
