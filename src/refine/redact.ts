/**
 * De-identification of free text: personal data and secrets become typed placeholders.
 *
 * The rules are our own (see `docs/dataset.md` for why no library was used), written from the
 * published formats of each identifier and token. They run in a fixed order, each as one regular
 * expression pass, so the output is a pure function of the text and the owner's identifiers:
 *
 * | order | class | placeholder | how a match is confirmed |
 * |---|---|---|---|
 * | 1 | PEM private keys (RSA, EC, DSA, OpenSSH, PGP, PKCS#8) | `[SECRET:private-key]` | armour line |
 * | 2 | credentials in URLs (`scheme://user:password@`) | `[SECRET:url-credentials]` | shape |
 * | 3 | passwords and keys assigned in code, config, connection strings, env | `[SECRET:password]`, `[SECRET:credential]` | key name |
 * | 4 | provider tokens (AWS, GCP, Azure, GitHub, GitLab, OpenAI, Anthropic, Slack, Stripe, npm, Hugging Face), JWTs | `[SECRET:<kind>]` | documented prefix and length |
 * | 5 | the owner's own id, e-mail, phone and name from `user.json` | `[USER_ID]`, `[EMAIL]`, `[PHONE]`, `[NAME]` | exact (phone: last 9 digits, any formatting) |
 * | 6 | e-mail addresses | `[EMAIL]` | shape |
 * | 7 | IBANs | `[IBAN]` | ISO 13616 mod-97 checksum |
 * | 8 | payment card numbers | `[CARD]` | Luhn checksum and issuer prefix |
 * | 9 | IPv6, then IPv4 addresses (loopback and unspecified kept) | `[IP]` | every field in range |
 * | 10 | phone numbers, international (`+…`) and national (NANP, trunk `0` forms) | `[PHONE]` | 8 to 15 digits |
 *
 * Earlier rules win: a key inside a URL is redacted as a key before the URL rules look at it, and no
 * placeholder can be matched by a later rule (placeholders hold no digits, no `@`, no `::`).
 * Matching is deliberately conservative on shapes that real text is full of: dates, times, version
 * numbers, commit hashes, UUIDs and plain numbers without a checksum stay as they are.
 */

/** Placeholder counts by class name (`email`, `secret:github-token`, `owner:email`, ...). */
export type RedactionCounts = Map<string, number>;

/** The account's own identifiers, read from `user.json` (never written anywhere). */
export interface OwnerIdentifiers {
  readonly id?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly name?: string;
}

type Replace = (match: string, groups: readonly (string | undefined)[]) => string | undefined;

/** Characters a text contains, found once per text: a rule whose pattern needs one the text lacks is skipped. */
const DIGIT = 1;
const AT = 2;
const COLON = 4;
const EQUALS = 8;
const PLUS = 16;
const DOT = 32;
const TOKEN = 64;
const HAS_DIGIT = /\d/;
// The literals every provider token contains (`TOKEN_KINDS`; the Azure client secret has `Q~` after
// four characters), searched behind a rarer character each: one regex alternation of all of them
// cannot skip ahead and cost a sixth of the whole refinement, `includes` runs natively at memory speed.
const UNDERSCORE_TOKEN_HINT = /gh[pousr]_|github_pat_|_live_|_test_|whsec_|npm_|hf_/;
const A_TOKEN_HINT = /A(?:KIA|SIA|BIA|CCA|3T|Iza)/;

/** Whether the text contains one of the literals of the provider tokens (see `TOKEN_KINDS`). */
function hasTokenHint(text: string): boolean {
  return (
    (text.includes("_") && UNDERSCORE_TOKEN_HINT.test(text)) ||
    (text.includes("-") &&
      ((text.includes("k-") && text.includes("sk-")) || text.includes("glpat-") || text.includes("GOCSPX-"))) ||
    (text.includes("A") && A_TOKEN_HINT.test(text)) ||
    (text.includes("~") && text.includes("Q~")) ||
    (text.includes("J") && text.includes("eyJ")) ||
    text.includes("xox") ||
    (text.includes(".") && (text.includes("ya29.") || text.includes(".slack")))
  );
}

/** The features of a text, by native searches (each far cheaper than a JavaScript pass over the characters). */
function features(text: string): number {
  return (
    (HAS_DIGIT.test(text) ? DIGIT : 0) |
    (text.includes("@") ? AT : 0) |
    (text.includes(":") ? COLON : 0) |
    (text.includes("=") ? EQUALS : 0) |
    (text.includes("+") ? PLUS : 0) |
    (text.includes(".") ? DOT : 0) |
    (hasTokenHint(text) ? TOKEN : 0)
  );
}

interface Rule {
  /** Counted under this name. */
  readonly name: string;
  readonly pattern: RegExp;
  /** Every feature the pattern needs (all must be present). */
  readonly needs?: number;
  /** Of these features, at least one must be present. */
  readonly needsAny?: number;
  /** A further cheap test the text must pass before the pattern runs (most text has no `://`, ...). */
  readonly probe?: (text: string) => boolean;
  /** The replacement, or `undefined` to keep the match (a checksum failed). Default: `[NAME]` uppercased. */
  readonly replace?: Replace;
}

// ---------------------------------------------------------------------------------------------
// Checksums
// ---------------------------------------------------------------------------------------------

/** Luhn (mod 10) check of a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes of the card networks (Visa, Mastercard, Amex, Diners, JCB, Discover, UnionPay, Maestro). */
const CARD_PREFIX = /^(?:4|5[0-9]|2[2-7]|3[0456789]|6[0-9])/;

function isCardNumber(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && CARD_PREFIX.test(digits) && luhnValid(digits);
}

/** ISO 13616 check: move the first four characters to the end, letters to 10..35, the number mod 97 is 1. */
export function ibanValid(compact: string): boolean {
  if (compact.length < 15 || compact.length > 34) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    // Digits fold in one at a time, letters as two digits (A = 10); the remainder stays below 97 * 100.
    if (c >= 48 && c <= 57) remainder = (remainder * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) remainder = (remainder * 100 + (c - 55)) % 97;
    else return false;
  }
  return remainder === 1;
}

function digitCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

const PRIVATE_KEY: Rule = {
  name: "secret:private-key",
  // Through the END line; a key pasted without it takes the base64 (and header) lines that follow, also
  // JSON-escaped (`\n`), up to the first line that is neither.
  pattern:
    /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----(?:[\s\S]*?-----END \1PRIVATE KEY\2-----|(?:(?:\\n|\r?\n)(?:[A-Za-z0-9+/=]+|[A-Za-z-]+: [^\n\\]*)?)*)/g,
  probe: (text) => text.includes("-----BEGIN"),
  replace: () => "[SECRET:private-key]",
};

const URL_CREDENTIALS: Rule = {
  name: "secret:url-credentials",
  pattern: /\b([a-z][a-z0-9+.-]{1,20}:\/\/)[^\s:@/?#[\]]+:[^\s@/?#[\]]+@/gi,
  needs: COLON,
  probe: (text) => text.includes("://"),
  replace: (_match, [scheme]) => `${scheme}[SECRET:url-credentials]@`,
};

/** Values a tutorial writes instead of a real secret; replacing them would only lose context. */
const DUMMY_VALUE = /^(?:\$|<|\{\{|%|\*+$|x+$|\.{3}$)/i;

const QUOTED_SECRET: Rule = {
  name: "secret:password",
  // `password = "..."`, `"api_key": "..."`, `token: '...'`: the key names a secret and the value is quoted.
  pattern:
    /(\b[A-Za-z0-9_]*?(pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)["']?\s*[:=]\s*)(["'`])([^"'`\n]{1,300})\3/gi,
  needsAny: COLON | EQUALS,
  probe: (text) => /(?:pass|pwd|secret|token|key)\w*["']?\s*[:=]/i.test(text),
  replace: (_match, [prefix, key, quote, value]) => {
    if (value === undefined || DUMMY_VALUE.test(value)) return undefined;
    const kind = /^(?:pass|pwd)/i.test(key ?? "") ? "password" : "credential";
    return `${prefix}${quote}[SECRET:${kind}]${quote}`;
  },
};

const CONNECTION_PASSWORD: Rule = {
  name: "secret:password",
  // Connection strings, query strings and env assignments: `Password=...;`, `?pwd=...&`, `PGPASSWORD=...`.
  pattern: /(\b[A-Za-z0-9_]*?(?:password|passwd|pwd)\s*=\s*)([^\s;&'"`,)]{1,300})/gi,
  needs: EQUALS,
  probe: (text) => /(?:pass(?:word|wd)?|pwd)\s*=/i.test(text),
  replace: (_match, [prefix, value]) =>
    value === undefined || DUMMY_VALUE.test(value) || value.startsWith("[SECRET:")
      ? undefined
      : `${prefix}[SECRET:password]`,
};

/**
 * Provider tokens, one alternative per kind (documented prefixes and lengths). The capture group
 * that matched names the kind; order matters only where prefixes nest (`sk-ant-` before `sk-`).
 */
const TOKEN_KINDS = [
  ["aws-access-key", String.raw`(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])`],
  ["gcp-api-key", String.raw`AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])`],
  ["gcp-oauth-secret", String.raw`GOCSPX-[0-9A-Za-z_-]{28}(?![A-Za-z0-9_-])`],
  ["gcp-access-token", String.raw`ya29\.[0-9A-Za-z_-]{20,}`],
  ["github-token", String.raw`(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255})(?![A-Za-z0-9_])`],
  ["gitlab-token", String.raw`glpat-[0-9A-Za-z_-]{20,}`],
  ["anthropic-key", String.raw`sk-ant-[A-Za-z0-9_-]{20,}`],
  ["openai-key", String.raw`sk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{32,}`],
  ["slack-token", String.raw`xox[abposr]-[A-Za-z0-9-]{10,}`],
  ["slack-webhook", String.raw`hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+`],
  ["stripe-key", String.raw`(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}|whsec_[0-9A-Za-z]{24,}`],
  ["npm-token", String.raw`npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])`],
  ["huggingface-token", String.raw`hf_[A-Za-z0-9]{34,}(?![A-Za-z0-9])`],
  ["azure-client-secret", String.raw`[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])`],
  ["jwt", String.raw`eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}`],
] as const;

const PROVIDER_TOKEN: Rule = {
  name: "secret:token",
  pattern: new RegExp(`(?<![A-Za-z0-9_-])(?:${TOKEN_KINDS.map(([, source]) => `(${source})`).join("|")})`, "g"),
  needs: TOKEN,
  replace: (_match, groups) => {
    const index = groups.findIndex((group) => group !== undefined);
    return `[SECRET:${TOKEN_KINDS[index][0]}]`;
  },
};

const AWS_SECRET_KEY: Rule = {
  name: "secret:aws-secret-key",
  // A secret access key is 40 base64 characters with no prefix: only its key name identifies it.
  pattern: /(aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
  needsAny: COLON | EQUALS,
  probe: (text) => /secret/i.test(text),
  replace: (_match, [prefix]) => `${prefix}[SECRET:aws-secret-key]`,
};

const AZURE_KEY: Rule = {
  name: "secret:azure-key",
  // Storage/Service Bus connection strings and SAS URLs.
  pattern: /((?:AccountKey|SharedAccessKey)=|[?&]sig=)[A-Za-z0-9%+/=]{30,}/g,
  needs: EQUALS,
  probe: (text) => text.includes("Key=") || text.includes("sig="),
  replace: (_match, [prefix]) => `${prefix}[SECRET:azure-key]`,
};

const EMAIL: Rule = {
  name: "email",
  pattern: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
  needs: AT,
};

const IBAN: Rule = {
  name: "iban",
  pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?(?=[A-Z0-9]{0,2}\d)[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g,
  needs: DIGIT,
  replace: (match) => (ibanValid(match.replace(/ /g, "")) ? "[IBAN]" : undefined),
};

const CARD: Rule = {
  name: "card",
  // Contiguous, or grouped 4-4-4-x / 4-6-5 with one separator used throughout.
  pattern: /(?<![\w.-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{4,5})(?![\w-]|[.,]\d)/g,
  needs: DIGIT,
  replace: (match) => (isCardNumber(match.replace(/[ -]/g, "")) ? "[CARD]" : undefined),
};

const H16 = "[0-9A-Fa-f]{1,4}";
const IPV6_FORMS = [
  `(?:${H16}:){7}${H16}`,
  `(?:${H16}:){1,7}:`,
  `(?:${H16}:){1,6}:${H16}`,
  `(?:${H16}:){1,5}(?::${H16}){1,2}`,
  `(?:${H16}:){1,4}(?::${H16}){1,3}`,
  `(?:${H16}:){1,3}(?::${H16}){1,4}`,
  `(?:${H16}:){1,2}(?::${H16}){1,5}`,
  `${H16}:(?::${H16}){1,6}`,
  `:(?::${H16}){1,7}`,
];

const IPV6_FIELD = /:[0-9A-Fa-f]{1,4}:/;
const IPV6: Rule = {
  name: "ip",
  pattern: new RegExp(`(?<![\\w:.])(?:${IPV6_FORMS.join("|")})(?:%[A-Za-z0-9]+)?(?![\\w:]|\\.\\d)`, "g"),
  needs: COLON | DIGIT,
  // Every form holds `::` or a field between two colons; times (`12:30`) and code rarely do.
  probe: (text) => text.includes("::") || IPV6_FIELD.test(text),
  // Two fields at least and a digit somewhere: `::1` (loopback) stays, and so does code such as `a::b`.
  replace: (match) => {
    const fields = match.split(":").filter((field) => field.length > 0).length;
    return fields >= 2 && /\d/.test(match) ? "[IP]" : undefined;
  },
};

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4: Rule = {
  name: "ip",
  // Not inside a longer dotted run (`1.2.3.4.5`, `v1.2.3.4`) nor after "version": those are versions or OIDs.
  pattern: new RegExp(`(?<![\\w.])(?<![Vv]ersion\\s?)${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, "g"),
  needs: DIGIT | DOT,
  replace: (match) => (match.startsWith("127.") || match === "0.0.0.0" ? undefined : "[IP]"),
};

const PHONE_INTERNATIONAL: Rule = {
  name: "phone",
  pattern: /(?<![\w+])\+\d(?:[ .-]?\(?\d+\)?){1,7}(?![\w-])/g,
  needs: DIGIT | PLUS,
  replace: (match) => {
    const digits = digitCount(match);
    return digits >= 8 && digits <= 15 ? "[PHONE]" : undefined;
  },
};

const PHONE_NATIONAL: Rule = {
  name: "phone",
  // NANP `(415) 555-2671`, `415-555-2671`, `1-800-555-0199`; trunk-prefix forms `020 7946 0958`,
  // `06 12 34 56 78`, `030/1234567`, one separator throughout. Dates (`05.12.2024`) have too few digits.
  pattern:
    /(?<![\w.+/-])(?:(?:1[ .-])?(?:\(\d{3}\) ?|\d{3}([ .-]))\d{3}[ .-]\d{4}|0\d{1,4}([ ./-])\d{2,8}(?:\2\d{2,8}){0,3})(?![\w/-]|[.,]\d)/g,
  needs: DIGIT,
  replace: (match) => {
    const digits = digitCount(match);
    return digits >= 9 && digits <= 13 ? "[PHONE]" : undefined;
  },
};

// ---------------------------------------------------------------------------------------------
// The owner's identifiers
// ---------------------------------------------------------------------------------------------

const NON_ASCII = /[^\0-\x7f]/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** Rules for the account's own identifiers: exact, wherever they appear (also inside paths and URLs). */
function ownerRules(owner: OwnerIdentifiers): Rule[] {
  const rules: Rule[] = [];
  const id = owner.id?.trim();
  if (id !== undefined && id.length >= 4) {
    rules.push({
      name: "owner:id",
      pattern: new RegExp(escapeRegExp(id), "g"),
      probe: (text) => text.includes(id),
      replace: () => "[USER_ID]",
    });
  }
  const email = owner.email?.trim();
  if (email !== undefined && email.includes("@")) {
    rules.push({
      name: "owner:email",
      pattern: new RegExp(escapeRegExp(email), "gi"),
      needs: AT,
      replace: () => "[EMAIL]",
    });
  }
  const phoneDigits = (owner.phone ?? "").replace(/\D/g, "");
  if (phoneDigits.length >= 7) {
    // The last nine digits are the same in the international and every national spelling of a number.
    const tail = phoneDigits.slice(-9).split("").join("[\\s().-]*");
    rules.push({
      name: "owner:phone",
      pattern: new RegExp(`(?<![\\d+])\\+?(?:\\d[\\s().-]*){0,6}?${tail}(?!\\d)`, "g"),
      needs: DIGIT,
      replace: () => "[PHONE]",
    });
  }
  const name = owner.name?.trim().replace(/\s+/g, " ");
  if (name !== undefined && name.length >= 3) {
    const words = name.split(" ");
    const forms = [words.map(escapeRegExp).join("\\s+")];
    // The surname alone identifies too; a first name alone is too common a word to remove everywhere.
    const surname = words[words.length - 1];
    if (words.length > 1 && surname.length >= 3) forms.push(escapeRegExp(surname));
    // Every match holds the last word. For an ASCII word in ASCII text, case-insensitive matching is
    // exactly `toLowerCase` (outside ASCII, `iu` also folds e.g. U+212A KELVIN SIGN to `k`), so that text
    // skips the pattern (and its look-behind at every position) unless the lower-cased word is present.
    const last = surname.toLowerCase();
    rules.push({
      name: "owner:name",
      pattern: new RegExp(`(?<![\\p{L}\\p{N}])(?:${forms.join("|")})(?![\\p{L}\\p{N}])`, "giu"),
      probe: NON_ASCII.test(last) ? undefined : (text) => NON_ASCII.test(text) || text.toLowerCase().includes(last),
      replace: () => "[NAME]",
    });
  }
  return rules;
}

const SECRET_KIND = /\[SECRET:([a-z0-9-]+)\]/;

/** The placeholder a class name maps to by default (`email` → `[EMAIL]`). */
function defaultPlaceholder(name: string): string {
  return `[${name.toUpperCase()}]`;
}

/**
 * Applies every rule to text, in order, counting what it replaced. One instance per export (the
 * owner rules are built once); `redact` is pure apart from the counts.
 */
export class Redactor {
  private readonly rules: readonly Rule[];
  readonly counts: RedactionCounts = new Map();

  constructor(owner: OwnerIdentifiers = {}) {
    this.rules = [
      PRIVATE_KEY,
      URL_CREDENTIALS,
      AWS_SECRET_KEY,
      QUOTED_SECRET,
      CONNECTION_PASSWORD,
      AZURE_KEY,
      PROVIDER_TOKEN,
      ...ownerRules(owner),
      EMAIL,
      IBAN,
      CARD,
      IPV6,
      IPV4,
      PHONE_INTERNATIONAL,
      PHONE_NATIONAL,
    ];
  }

  /** The text with every match replaced by its placeholder. */
  redact(text: string): string {
    let out = text;
    // Replacements only remove these characters (placeholders hold none but `:`), so one look suffices.
    const present = features(text);
    for (const rule of this.rules) {
      if (rule.needs !== undefined && (present & rule.needs) !== rule.needs) continue;
      if (rule.needsAny !== undefined && (present & rule.needsAny) === 0) continue;
      if (rule.probe !== undefined && !rule.probe(out)) continue;
      out = out.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
        // `rest` is the capture groups, then the offset, the whole string (and named groups, unused).
        const groups = rest.slice(0, rest.length - 2) as (string | undefined)[];
        const replacement = rule.replace === undefined ? defaultPlaceholder(rule.name) : rule.replace(match, groups);
        if (replacement === undefined) return match;
        // Secret rules name their kind in the placeholder (`[SECRET:github-token]`); count by that kind.
        const kind = rule.name.startsWith("secret:") ? SECRET_KIND.exec(replacement) : null;
        const name = kind === null ? rule.name : `secret:${kind[1]}`;
        this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
        return replacement;
      });
    }
    return out;
  }
}
