/**
 * A streaming JSON reader for archive entries: one top-level array item (a conversation) at a time.
 *
 * Why not `JSON.parse` on the entry: it needs the whole entry as one string (V8 caps strings at
 * 2^29 − 24 characters, about the size of a 50,000-conversation `conversations.json`) and builds
 * the whole file as objects, so memory grows with the file, and with the number of tiny values
 * in it far beyond its byte size. Why not a streaming library: the maintained ones (stream-json,
 * clarinet, @streamparser/json) emit one JavaScript event per token and cost 3–10× `JSON.parse`
 * in CPU; a byte-level parser that builds objects in JavaScript measured 2–3× slower too.
 *
 * So the work is split: {@link JsonItemStream.write} is fed the inflated bytes chunk by chunk; a
 * small byte-level state machine finds where each item of the top-level array ends (tracking
 * strings, escapes and nesting) and enforces, as bytes arrive, the limits on nesting depth, string
 * length, item size and tokens (every `{`, `[`, `,` and `:`: an upper bound on the values and keys
 * an item can build). The bytes of an item that spans chunks are gathered in one buffer, so memory
 * is bounded by the largest item, not the file. A complete item is then checked to be valid UTF-8
 * (`buffer.isUtf8`, which rejects overlong forms, encoded surrogates and code points above
 * U+10FFFF) and handed to the native `JSON.parse`, which checks the grammar and builds it.
 *
 * With a selection (the conversations), items are instead read by `json-select.ts`, which checks
 * the grammar and reports only the selected values to a sink (`conversations.ts` keeps them in
 * typed arrays); an item that lies within one chunk is read in that single pass, with the same
 * limits. One the chunk ends in is kept and parsed again on its bytes joined to the next chunk
 * (most items are far smaller than a chunk); only one that runs past that chunk too, or past the
 * end of the entry, is scanned and gathered as above, exactly as if it had never been carried, so
 * it meets the limits in the same order and gives the same error codes. The sink is told the item is
 * complete (`onItem`) only after the UTF-8 and size checks, so no content check can run before
 * them and error codes do not depend on where the chunks were cut.
 * `JSON.parse` never sets a prototype from a `__proto__` key (it becomes an own property), and
 * callers read parsed values through own-property lookups (`json.ts`).
 */
import { isUtf8 } from "node:buffer";

import { ExportFormatError, type FormatErrorCode } from "./errors";
import type { JsonValue } from "./json";
import {
  INCOMPLETE,
  MALFORMED,
  PARSE_PADDING,
  SelectiveParser,
  STRING_TOO_LONG,
  TOO_DEEP,
  type Compiled,
  type SelectionSink,
} from "./json-select";

export interface JsonReadLimits {
  readonly maxDepth: number;
  readonly maxStringBytes: number;
  /** Most bytes of one top-level item (or of a whole non-array document). */
  readonly maxItemBytes: number;
  /** Most tokens (`{`, `[`, `,`, `:`) in one top-level item: bounds what parsing it can build. */
  readonly maxItemValues: number;
}

/** Tokens read across every entry of one export, against `max`. */
export class ValueBudget {
  used = 0;
  constructor(readonly max: number) {}
}

/** Largest copy buffer kept between items (chunks of split parts reach 16 MiB). */
const SCRATCH_KEPT = 16 * 1024 * 1024 + 64;

const enum Top {
  Bom,
  Start,
  /** Just after the opening `[`: an item or `]`. */
  FirstItem,
  /** After a comma: an item. */
  NextItem,
  /** Inside an item. */
  InItem,
  AfterItem,
  Done,
}

const enum Scan {
  /** Between tokens of the current item. */
  Code,
  /** Inside a string. */
  String,
  /** Inside a string, just after a backslash. */
  Escape,
  /** Inside a top-level number or literal (ends at a delimiter). */
  Bare,
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isBareStart(c: number): boolean {
  return c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e;
}

/** How the items of a top-level array are read when they are read selectively (see {@link JsonItemStream}). */
export interface SelectedItems {
  readonly selection: Compiled;
  readonly sink: SelectionSink;
  /** The item `index` was parsed into the sink; `parser` still reads its strings. */
  readonly onItem: (index: number, parser: SelectiveParser) => void;
}

/** What a document holds at its top level. */
export type TopLevel = "array" | "value";

/**
 * Push parser for one entry: top-level array items go to `onItem` one at a time; a document that
 * is not an array is built whole (same limits) and given to `onItem` with index `-1`.
 */
export class JsonItemStream {
  private top = Top.Bom;
  private scan = Scan.Code;
  private depth = 0;
  private bomSeen = 0;
  /** Bytes of the current item gathered from earlier chunks. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;
  private kind: TopLevel | undefined;
  /** Tokens of the current item so far. */
  private tokens = 0;
  /** Bytes of the current string so far (when inside one). */
  private stringBytes = 0;
  private readonly parser: SelectiveParser | undefined;
  /** The current chunk, copied with zero padding for the parser (see `PARSE_PADDING`). */
  private scratch: Buffer = Buffer.alloc(0);
  private scratchOf: Uint8Array | undefined;
  /** An array item the last chunk ended in, not yet scanned: its bytes are `scratch[carryFrom, carryFrom + carried)`. */
  private carryFrom = 0;
  private carried = 0;

  constructor(
    private readonly entry: string,
    private readonly limits: JsonReadLimits,
    private readonly budget: ValueBudget,
    private readonly onItem: (value: JsonValue, index: number) => void,
    /** Called once the first significant byte shows whether the document is an array. */
    private readonly onKind: (kind: TopLevel) => void = () => undefined,
    /**
     * Read each top-level array item with `json-select.ts` instead of `JSON.parse`: its selected
     * values go to `selected.sink` while it is parsed, then `selected.onItem` is called once the
     * item is known to be valid (grammar, UTF-8, limits), while the sink may still decode strings
     * of it through the parser. A document that is not an array is still built whole and goes to `onItem`.
     */
    private readonly selected?: SelectedItems,
  ) {
    this.parser = selected === undefined ? undefined : new SelectiveParser(limits.maxDepth - 1, limits.maxStringBytes);
  }

  private fail(code: FormatErrorCode, problem: string): ExportFormatError {
    return new ExportFormatError(code, `"${this.entry}" ${problem}.`, this.entry);
  }

  private malformed(): ExportFormatError {
    return this.fail("MALFORMED_JSON", "is not valid JSON (truncated or edited?)");
  }

  private setKind(kind: TopLevel): void {
    this.kind = kind;
    this.onKind(kind);
  }

  write(chunk: Uint8Array): void {
    let b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.scratchOf = undefined;
    let i = 0;
    const carried = this.carried;
    if (carried > 0) {
      // The item the last chunk ended in, parsed again on its bytes joined to this chunk: most
      // such items end within it, and are then read without the scan for their end.
      const joined = this.join(b);
      const end = this.parseSelected(this.scratch, 0, joined.length, false);
      if (end >= 0) {
        b = joined;
        i = end;
        this.top = Top.AfterItem;
      } else {
        // Longer than a chunk: from here it goes the scanning way, as if it had never been carried.
        this.uncarry(this.scratch.subarray(0, carried));
      }
    }
    const n = b.length;
    let itemStart = this.pendingBytes > 0 ? 0 : -1;
    while (i < n) {
      if (this.top === Top.InItem) {
        // Scan the current item until it ends or the chunk does.
        const end = this.scanItem(b, i);
        if (end < 0) break;
        this.finishItem(b, itemStart, end);
        itemStart = -1;
        i = end;
        this.top = this.kind === "array" ? Top.AfterItem : Top.Done;
        continue;
      }
      const c = b[i];
      if (this.top === Top.Bom) {
        const bom = [0xef, 0xbb, 0xbf];
        if (c === bom[this.bomSeen]) {
          this.bomSeen++;
          i++;
          if (this.bomSeen === 3) this.top = Top.Start;
          continue;
        }
        if (this.bomSeen > 0) throw this.fail("MALFORMED_JSON", "is not valid UTF-8 text");
        this.top = Top.Start;
      }
      if (isWhitespace(c)) {
        i++;
        continue;
      }
      switch (this.top) {
        case Top.Start:
          if (c === 0x5b) {
            this.setKind("array");
            this.top = Top.FirstItem;
            i++;
          } else if (c === 0x7b || c === 0x22 || isBareStart(c)) {
            this.setKind("value");
            this.top = Top.InItem;
            this.beginItem(c);
            itemStart = i;
          } else {
            throw this.malformed();
          }
          break;
        case Top.FirstItem:
        case Top.NextItem:
          if (c === 0x5d && this.top === Top.FirstItem) {
            this.top = Top.Done;
            i++;
            break;
          }
          if (c !== 0x7b && c !== 0x5b && c !== 0x22 && !isBareStart(c)) throw this.malformed();
          if (this.parser !== undefined) {
            // Fast path: the item lies within this chunk (most do), so it is parsed in one pass
            // with no prior scan for its end; one that runs past the chunk goes the scanning way.
            const end = this.parseSelected(this.padded(b), i, b.length, false);
            if (end >= 0) {
              i = end;
              this.top = Top.AfterItem;
              break;
            }
            if (n - i <= this.limits.maxItemBytes) {
              // Runs past the chunk: keep its bytes (they stay in `scratch`) for the next write.
              this.carryFrom = i;
              this.carried = n - i;
              return;
            }
          }
          this.top = Top.InItem;
          this.beginItem(c);
          itemStart = i;
          break;
        case Top.AfterItem:
          if (c === 0x2c) this.top = Top.NextItem;
          else if (c === 0x5d) this.top = Top.Done;
          else throw this.malformed();
          i++;
          break;
        default:
          throw this.malformed();
      }
    }
    if (this.top === Top.InItem && itemStart >= 0) this.hold(b.subarray(itemStart));
  }

  /** Signals the end of the entry; throws if the document is incomplete. */
  end(): TopLevel {
    if (this.carried > 0) this.uncarry(this.scratch.subarray(this.carryFrom, this.carryFrom + this.carried));
    if (this.top === Top.InItem && this.scan === Scan.Bare && this.kind === "value" && this.depth === 0) {
      // A bare top-level number or literal ends with the input.
      this.finishItem(Buffer.alloc(0), 0, 0);
      this.top = Top.Done;
    }
    if (this.top !== Top.Done || this.kind === undefined) throw this.malformed();
    return this.kind;
  }

  private beginItem(c: number): void {
    this.depth = 0;
    this.tokens = 0;
    this.scan = c === 0x22 ? Scan.Code : isBareStart(c) ? Scan.Bare : Scan.Code;
  }

  /**
   * Moves the carried bytes to the front of `scratch` and appends `chunk` (then the padding);
   * returns the joined bytes, as `scratch` seen by {@link padded}.
   */
  private join(chunk: Buffer): Buffer {
    const from = this.carryFrom;
    const carried = this.carried;
    this.carried = 0;
    const total = carried + chunk.length;
    if (this.scratch.length < total + PARSE_PADDING) {
      const bigger = Buffer.alloc(Math.max(total + PARSE_PADDING, 2 * this.scratch.length));
      this.scratch.copy(bigger, 0, from, from + carried);
      this.scratch = bigger;
    } else {
      this.scratch.copyWithin(0, from, from + carried);
    }
    chunk.copy(this.scratch, carried);
    this.scratch.fill(0, total, total + PARSE_PADDING);
    const joined = this.scratch.subarray(0, total);
    this.scratchOf = joined;
    return joined;
  }

  /**
   * Reads a carried item's bytes so far the way an item that spans chunks is read (scan, then
   * hold): limits are then checked in the same order whatever the chunks, so are the error codes.
   */
  private uncarry(bytes: Buffer): void {
    this.carried = 0;
    this.top = Top.InItem;
    this.beginItem(bytes[0]);
    // The parser found the item unfinished within these bytes, so the scan finds no end in them either.
    if (this.scanItem(bytes, 0) >= 0) throw this.malformed();
    this.hold(bytes);
  }

  private hold(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pendingBytes += bytes.length;
    if (this.pendingBytes > this.limits.maxItemBytes) throw this.tooLarge();
    // Copy: the chunk's memory may be reused by the inflater.
    this.pending.push(Buffer.from(bytes));
  }

  private tooLarge(): ExportFormatError {
    const what = this.kind === "array" ? `item #${this.index}` : "content";
    return this.fail(
      "JSON_VALUE_TOO_LARGE",
      `has ${what} above the limit of ${this.limits.maxItemBytes} bytes or ${this.limits.maxItemValues} values`,
    );
  }

  /**
   * Advances through the current item from `i`; returns the index just past its end, or -1 when
   * the chunk ends first. Only nesting, strings and tokens are tracked here; `JSON.parse` checks
   * the grammar.
   */
  private scanItem(b: Buffer, i: number): number {
    const n = b.length;
    const maxDepth = this.limits.maxDepth - (this.kind === "array" ? 1 : 0);
    const maxString = this.limits.maxStringBytes;
    let depth = this.depth;
    let scan = this.scan;
    let tokens = this.tokens;
    let result = -1;
    outer: while (i < n) {
      if (scan === Scan.String) {
        // Most bytes are string content: find the closing quote (natively for long strings); a
        // quote ends the string unless an odd run of backslashes precedes it.
        const from = i;
        let q = -1;
        const short = Math.min(n, i + 24);
        for (; i < short; i++) {
          const c = b[i];
          if (c === 0x22) {
            q = i;
            break;
          }
          if (c === 0x5c) {
            i++;
            if (i === n) {
              scan = Scan.Escape;
              break;
            }
          }
        }
        if (q < 0 && scan === Scan.String && i >= short) {
          for (;;) {
            q = i < n ? b.indexOf(0x22, i) : -1;
            if (q < 0) {
              // The string goes on in the next chunk; an odd backslash run at the end escapes its first byte.
              let run = 0;
              while (n - 1 - run >= i && b[n - 1 - run] === 0x5c) run++;
              if (run % 2 === 1) scan = Scan.Escape;
              i = n;
              break;
            }
            let run = 0;
            while (q - 1 - run >= i && b[q - 1 - run] === 0x5c) run++;
            if (run % 2 === 0) break;
            i = q + 1;
            q = -1;
          }
        }
        if (q < 0) {
          this.stringBytes += n - from;
          if (this.stringBytes > maxString) throw this.stringTooLong();
          break;
        }
        this.stringBytes += q - from;
        if (this.stringBytes > maxString) throw this.stringTooLong();
        i = q + 1;
        scan = Scan.Code;
        if (depth === 0) {
          result = i;
          break;
        }
        continue;
      }
      if (scan === Scan.Escape) {
        scan = Scan.String;
        this.stringBytes++;
        i++;
        continue;
      }
      const c = b[i];
      if (scan === Scan.Bare) {
        if (c === 0x2c || c === 0x5d || c === 0x7d || isWhitespace(c)) {
          result = i;
          break;
        }
        i++;
        continue;
      }
      i++;
      if (c === 0x22) {
        scan = Scan.String;
        this.stringBytes = 0;
      } else if (c === 0x2c || c === 0x3a) {
        tokens++;
      } else if (c === 0x7b || c === 0x5b) {
        tokens++;
        if (++depth > maxDepth) {
          throw this.fail("JSON_TOO_DEEP", `nests values deeper than the limit of ${this.limits.maxDepth}`);
        }
      } else if (c === 0x7d || c === 0x5d) {
        if (--depth === 0) {
          result = i;
          break;
        }
        if (depth < 0) throw this.malformed();
      }
    }
    if (tokens > this.limits.maxItemValues) throw this.tooLarge();
    this.tokens = tokens;
    this.depth = depth;
    this.scan = scan;
    return result;
  }

  private countValues(tokens: number): void {
    this.budget.used += tokens + 1;
    if (this.budget.used > this.budget.max) {
      throw this.fail("JSON_TOO_MANY_VALUES", `brings the export above the limit of ${this.budget.max} JSON values`);
    }
  }

  /**
   * Parses the array item at `b[start]` with the selection and hands it on; returns the index
   * just past it, or -1 when `b` ends first (only when not `complete`: `b` then holds the whole
   * item, as found by the scan).
   */
  private parseSelected(b: Buffer, start: number, n: number, complete: boolean): number {
    const parser = this.parser as SelectiveParser;
    const selected = this.selected as SelectedItems;
    try {
      parser.parse(b, start, n, selected.selection, selected.sink);
    } catch (error) {
      if (error === INCOMPLETE) {
        if (complete) throw this.malformed();
        return -1;
      }
      if (error === MALFORMED) throw this.malformed();
      if (error === TOO_DEEP) {
        throw this.fail("JSON_TOO_DEEP", `nests values deeper than the limit of ${this.limits.maxDepth}`);
      }
      if (error === STRING_TOO_LONG) throw this.stringTooLong();
      throw error;
    }
    const end = parser.end;
    if (end - start > this.limits.maxItemBytes || parser.tokens > this.limits.maxItemValues) throw this.tooLarge();
    // The parser skips strings without decoding them: the whole item is checked here.
    if (!isUtf8(b.subarray(start, end))) {
      throw this.fail("MALFORMED_JSON", "is not valid UTF-8 text");
    }
    this.countValues(parser.tokens);
    selected.onItem(this.index++, parser);
    parser.release();
    return end;
  }

  /** `bytes` followed by zeros, in a buffer reused from call to call (the parser copies what it keeps). */
  private padded(bytes: Buffer): Buffer {
    if (this.scratchOf === bytes) return this.scratch;
    if (this.scratch.length < bytes.length + PARSE_PADDING) {
      this.scratch = Buffer.alloc(Math.max(bytes.length + PARSE_PADDING, 2 * this.scratch.length));
    }
    bytes.copy(this.scratch, 0);
    this.scratch.fill(0, bytes.length, bytes.length + PARSE_PADDING);
    this.scratchOf = bytes;
    return this.scratch;
  }

  private stringTooLong(): ExportFormatError {
    return this.fail(
      "JSON_STRING_TOO_LONG",
      `has a string longer than the limit of ${this.limits.maxStringBytes} bytes`,
    );
  }

  private finishItem(b: Buffer, start: number, end: number): void {
    let bytes: Buffer;
    if (this.pendingBytes > 0) {
      const tail = b.subarray(0, end);
      const total = this.pendingBytes + tail.length;
      if (total > this.limits.maxItemBytes) throw this.tooLarge();
      this.pending.push(tail);
      bytes = Buffer.concat(this.pending, total);
      this.pending = [];
      this.pendingBytes = 0;
    } else {
      bytes = b.subarray(start, end);
      if (bytes.length > this.limits.maxItemBytes) throw this.tooLarge();
    }
    if (this.parser !== undefined && this.kind === "array") {
      if (this.parseSelected(this.padded(bytes), 0, bytes.length, true) !== bytes.length) throw this.malformed();
      // An item gathered over many chunks can be large: do not keep its copy.
      if (this.scratch.length > SCRATCH_KEPT) this.scratch = Buffer.alloc(0);
      this.scratchOf = undefined;
      return;
    }
    if (!isUtf8(bytes)) throw this.fail("MALFORMED_JSON", "is not valid UTF-8 text");
    this.countValues(this.tokens);
    let value: JsonValue;
    try {
      value = JSON.parse(bytes.toString("utf8")) as JsonValue;
    } catch {
      throw this.malformed();
    }
    const index = this.kind === "array" ? this.index++ : -1;
    this.onItem(value, index);
  }
}
