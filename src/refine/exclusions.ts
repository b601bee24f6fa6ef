/**
 * The contributor's exclusions: conversations left out of the refinement, and so out of what is
 * sealed and sold. Three kinds, written as the command line takes them:
 *
 * - `<id>`: one conversation, by its export id (`conversation_id`) or its refined id (`c_...`);
 * - `title:/regex/flags`: every conversation whose (original) title matches (flags from `imsu`);
 * - `date:YYYY-MM-DD..YYYY-MM-DD`: every conversation created on a UTC day in the range, both ends
 *   included; either end may be left open (`date:..2024-06-30`), one day is `date:2024-06-01`.
 *
 * Parsing lives here so `export:refine`, `seal` and `contribute` honour the same rules, and the
 * canonical text of a rule ({@link formatExclusion}) is what a validator is given to recompute.
 */
import { RefineError } from "./errors";

export type Exclusion =
  | { readonly kind: "id"; readonly id: string }
  | { readonly kind: "title"; readonly pattern: RegExp }
  | { readonly kind: "date"; readonly from: string | undefined; readonly to: string | undefined };

/** What a conversation is matched on. */
export interface ExclusionSubject {
  readonly id: string;
  readonly refinedId: string;
  readonly title: string;
  /** Creation day, `YYYY-MM-DD` (UTC). */
  readonly day: string;
}

/** A title pattern longer than this is refused: validators run it too, so it must stay cheap. */
const MAX_PATTERN = 200;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[A-Za-z0-9_-]{1,128}$/;

function invalid(rule: string, why: string): RefineError {
  // A rule is the contributor's own input, not export data: quoting its shape helps and leaks nothing new.
  return new RefineError("INVALID_OPTION", `Exclusion ${JSON.stringify(rule.slice(0, 80))} ${why}`);
}

function day(text: string, rule: string): string | undefined {
  if (text === "") return undefined;
  const date = new Date(`${text}T00:00:00Z`);
  if (!DAY.test(text) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
    throw invalid(rule, "has an invalid date; write days as YYYY-MM-DD.");
  }
  return text;
}

/** Parses one rule. @throws RefineError `INVALID_OPTION` */
export function parseExclusion(rule: string): Exclusion {
  const text = rule.trim();
  if (text.startsWith("title:")) {
    const match = /^title:\/(.*)\/([imsu]*)$/s.exec(text);
    if (match === null) throw invalid(rule, "is not title:/regex/flags (flags among i, m, s, u).");
    if (match[1].length === 0 || match[1].length > MAX_PATTERN) {
      throw invalid(rule, `needs a pattern of 1 to ${MAX_PATTERN} characters.`);
    }
    try {
      return { kind: "title", pattern: new RegExp(match[1], match[2]) };
    } catch {
      throw invalid(rule, "is not a valid regular expression.");
    }
  }
  if (text.startsWith("date:")) {
    const range = text.slice(5);
    const [from, to, extra] = range.includes("..") ? range.split("..") : [range, range];
    if (extra !== undefined || (from === "" && to === "")) throw invalid(rule, "is not date:YYYY-MM-DD..YYYY-MM-DD.");
    const start = day(from, rule);
    const end = day(to, rule);
    if (start !== undefined && end !== undefined && start > end) throw invalid(rule, "ends before it starts.");
    return { kind: "date", from: start, to: end };
  }
  if (!ID.test(text)) throw invalid(rule, "is not a conversation id, title:/regex/ or date:FROM..TO.");
  return { kind: "id", id: text };
}

/**
 * Splits a comma-separated list of rules (`--exclude a,title:/x,y/i,date:..2024-01-31`); commas inside
 * a `title:/.../` pattern belong to the pattern.
 */
export function splitExclusionList(list: string): string[] {
  const rules: string[] = [];
  let at = 0;
  while (at < list.length) {
    while (list[at] === " ") at++;
    let end: number;
    if (list.startsWith("title:/", at)) {
      // The pattern ends at the last "/" before the next "," that follows a closing "/flags".
      const close = /\/[imsu]*\s*(?:,|$)/g;
      close.lastIndex = at + 7;
      let found: RegExpExecArray | null;
      do {
        found = close.exec(list);
      } while (found !== null && list[found.index - 1] === "\\");
      end = found === null ? list.length : found.index + found[0].length - (found[0].endsWith(",") ? 1 : 0);
    } else {
      end = list.indexOf(",", at);
      if (end < 0) end = list.length;
    }
    const rule = list.slice(at, end).trim();
    if (rule.length > 0) rules.push(rule);
    at = end + 1;
  }
  return rules;
}

/** Parses rules given as strings (each may be a comma-separated list) or already parsed. */
export function parseExclusions(rules: readonly (string | Exclusion)[] = []): Exclusion[] {
  return rules.flatMap((rule) => (typeof rule === "string" ? splitExclusionList(rule).map(parseExclusion) : [rule]));
}

/** The canonical text of a rule (what `parseExclusion` reads back to the same rule). */
export function formatExclusion(rule: Exclusion): string {
  switch (rule.kind) {
    case "id":
      return rule.id;
    case "title":
      return `title:/${rule.pattern.source}/${rule.pattern.flags}`;
    case "date":
      return `date:${rule.from ?? ""}..${rule.to ?? ""}`;
  }
}

/** Whether `rule` names the conversation. */
export function excludes(rule: Exclusion, subject: ExclusionSubject): boolean {
  switch (rule.kind) {
    case "id":
      return rule.id === subject.id || rule.id === subject.refinedId;
    case "title":
      return rule.pattern.test(subject.title);
    case "date":
      return (rule.from === undefined || subject.day >= rule.from) && (rule.to === undefined || subject.day <= rule.to);
  }
}
