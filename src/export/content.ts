/**
 * Message `content` by `content_type`.
 *
 * Only `text`, `multimodal_text` and `code` carry what a person or the model "said" and count
 * toward volume. Every other type (`execution_output`, `tether_browsing_display`, `tether_quote`,
 * `thoughts`, `reasoning_recap`, `user_editable_context`, `system_error`, and any type not seen
 * before) is counted by name in the statistics and otherwise ignored; none of them can make the
 * reader fail.
 */
import { isSelectedObject as isObject, type Selected, type SelectedObject } from "./json-select";

/** Content types this reader knows by name; anything else is reported as unknown. */
export function isKnownContentType(type: string): boolean {
  switch (type) {
    case "text":
    case "multimodal_text":
    case "code":
    case "execution_output":
    case "tether_browsing_display":
    case "tether_quote":
    case "thoughts":
    case "reasoning_recap":
    case "user_editable_context":
    case "system_error":
      return true;
    default:
      return false;
  }
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

const NOTHING: ContentReading = Object.freeze({ countable: false, text: "", assets: [], isCode: false });

function partsText(parts: readonly Selected[], assets: string[] | undefined): string {
  let text = "";
  for (const part of parts) {
    if (typeof part === "string") {
      text = text.length === 0 ? part : `${text}\n${part}`;
    } else if (assets !== undefined && isObject(part)) {
      const transcript = part.content_type === "audio_transcription" ? part.text : undefined;
      if (typeof transcript === "string") {
        text = text.length === 0 ? transcript : `${text}\n${transcript}`;
        continue;
      }
      const pointer = part.asset_pointer;
      const kind = part.content_type;
      assets.push(typeof pointer === "string" ? pointer : typeof kind === "string" ? kind : "object");
    }
  }
  return text;
}

/** Reads a message's content; `type` is its (already validated) `content_type`. */
export function readContent(content: SelectedObject, type: string): ContentReading {
  let text: string;
  const assets: string[] = [];
  switch (type) {
    case "text": {
      const parts = content.parts;
      text = Array.isArray(parts) ? partsText(parts, undefined) : "";
      break;
    }
    case "multimodal_text": {
      const parts = content.parts;
      text = Array.isArray(parts) ? partsText(parts, assets) : "";
      break;
    }
    case "code": {
      const code = content.text;
      text = typeof code === "string" ? code : "";
      break;
    }
    default:
      return NOTHING;
  }
  text = text.trim();
  return { countable: true, text, assets, isCode: type === "code" || text.includes("```") };
}
