// Masks secrets in any text before it leaves the process (GitHub, commits, YAML, logs, artifacts).
// Owner: safety (issue 5). One masking function that every outbound text passes through.
//
// Order, everywhere: redact -> neutralize (lib/sanitize.ts) -> truncate. Redaction runs on the whole
// text first, so a cut can never leave the visible half of a token (limitBody/limitTitle redact again).
//
// Masks are deterministic `[REDACTED:<kind>]` strings: the same input always gives the same output
// (task files stay byte-identical across runs) and the reader still sees what kind of value was there.
// redact() is idempotent: a mask never matches a pattern again.
//
// Speed: every pattern is linear (no nested quantifiers, bounded repetitions, literal prefixes), and
// environment values are replaced with plain substring search; tests/redact.test.ts bounds a 5 MB
// adversarial input.

export interface RedactOptions {
  /** Environment whose secret-looking values are masked too (default: process.env). */
  env?: Record<string, string | undefined>;
}

export type SecretKind =
  | "github-token"
  | "aws-access-key-id"
  | "aws-secret-key"
  | "slack-token"
  | "slack-webhook"
  | "private-key"
  | "jwt"
  | "npm-token"
  | "anthropic-key"
  | "openai-key"
  | "stripe-key"
  | "google-api-key"
  | "url-credentials"
  | "authorization"
  | "secret"
  | "env";

export function mask(kind: SecretKind): string {
  return `[REDACTED:${kind}]`;
}

interface Rule {
  kind: SecretKind;
  re: RegExp;
  /** Replaces the match; default: the whole match becomes the mask. */
  replace?: (match: string, ...groups: string[]) => string;
  /** A fixed part every match holds: a text without it is not scanned (the same result, sooner). */
  needs?: string;
}

const hasDigit = (s: string) => /\d/.test(s);

// Token shapes with a fixed, documented prefix. Order matters where one shape contains another
// (the long `ghs_<appid>_<jwt>` form contains a JWT; `sk-ant-` is also an `sk-`).
const RULES: Rule[] = [
  {
    kind: "private-key",
    // The whole block; a block cut before its END line is masked to the end of the text.
    re: /-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|$)/g,
    needs: "-----BEGIN",
  },
  // `\\.`: the same token inside a regex-escaped test name (a re-run command's `-t` pattern).
  { kind: "github-token", re: /ghs_(?:\\?[A-Za-z0-9._-]){36,}/g, needs: "ghs_" },
  { kind: "github-token", re: /gh[pour]_[A-Za-z0-9]{36,}/g },
  { kind: "github-token", re: /github_pat_[A-Za-z0-9_]{22,}/g, needs: "github_pat_" },
  // A token a runner shortened for display (pytest's diff: 'ghp_Q1w2E3r4...2D3f4G5h6J7k8'): its ends stay secret.
  { kind: "github-token", re: /\b(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{4,}(?:\.\.\.|…)[A-Za-z0-9_]*/g },
  { kind: "npm-token", re: /\bnpm_[A-Za-z0-9]{4,}(?:\.\.\.|…)[A-Za-z0-9]*/g, needs: "npm_" },
  { kind: "anthropic-key", re: /sk-ant-[A-Za-z0-9_-]{20,}/g, needs: "sk-ant-" },
  {
    kind: "openai-key",
    re: /\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}/g,
    replace: (m) => (hasDigit(m) ? mask("openai-key") : m),
    needs: "sk-",
  },
  { kind: "npm-token", re: /npm_[A-Za-z0-9]{36,}/g, needs: "npm_" },
  { kind: "slack-webhook", re: /hooks\\?\.slack\\?\.com\\?\/(?:services|workflows|triggers)(?:\\?[A-Za-z0-9+/_-]){8,}/g, needs: "hooks" },
  { kind: "slack-token", re: /xox[abposre]-[A-Za-z0-9-]{10,}/g, needs: "xox" },
  { kind: "slack-token", re: /\bxapp-\d-[A-Za-z0-9-]{10,}/g, needs: "xapp-" },
  { kind: "stripe-key", re: /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, needs: "k_" },
  { kind: "google-api-key", re: /AIza[0-9A-Za-z_-]{35}/g, needs: "AIza" },
  { kind: "aws-access-key-id", re: /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/g },
  {
    kind: "jwt",
    // The header is alphanumeric (base64url of `{"alg"...`): keeps candidate scans linear.
    re: /\bey[A-Za-z0-9]{10,}\\?\.ey[A-Za-z0-9_-]{10,}\\?\.(?:\\?[A-Za-z0-9_\-+/])*={0,2}/g,
  },
  {
    kind: "aws-secret-key",
    // Only in context: a bare 40-character base64 string is too common to mask on its own.
    re: /(aws_?secret_?(?:access_?)?key(?:_id)?|secret_?access_?key)(["']?\s{0,5}(?:=|:|=>)\s{0,5}["']?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    replace: (_m, name: string, sep: string) => `${name}${sep}${mask("aws-secret-key")}`,
  },
  {
    kind: "url-credentials",
    // scheme://user:password@host -> the password goes; the user name and host stay.
    re: /\b([a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/?#@'"`<>]{1,256}:)([^\s/?#@'"`<>]{1,256})@/gi,
    needs: "://",
    replace: (m, head: string, pw: string) => (pw.startsWith("[REDACTED") ? m : `${head}${mask("url-credentials")}@`),
  },
  {
    kind: "authorization",
    re: /\b(authorization["']?\s{0,5}[:=]\s{0,5}["']?(?:bearer|token|basic|bot)\s{1,5})([A-Za-z0-9._~+/=-]{8,})/gi,
    replace: (_m, head: string) => `${head}${mask("authorization")}`,
  },
  {
    kind: "authorization",
    re: /\b((?:bearer|token)\s{1,5})([A-Za-z0-9._~+/-]{20,}={0,2})/gi,
    replace: (m, head: string, value: string) =>
      hasDigit(value) && shannonEntropy(value) >= ENTROPY_THRESHOLD ? `${head}${mask("authorization")}` : m,
  },
];

/** Each rule's mask, made once. */
const MASKS = Object.fromEntries(RULES.map((r) => [r.kind, mask(r.kind)])) as Record<SecretKind, string>;

/** Bits per character of the value's own character distribution. */
export function shannonEntropy(s: string): number {
  if (!s) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const n = [...s].length;
  let h = 0;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Generic `name = value` assignments. Two classes of name:
 * - password-like (password, passwd, passphrase, secret): the value is masked whatever its entropy
 *   (a leaked low-entropy password is still a leak), when it is at least 6 characters long;
 * - key-like (token, api key, access key, auth key, credential, private key, key): the value is masked
 *   when it is at least 8 characters long and its Shannon entropy is >= ENTROPY_THRESHOLD bits per
 *   character, so `key: user.name` or `token = expected` in a test message stay readable.
 * Neither masks placeholders and references (`${X}`, `<token>`, `process.env.X`, `***`, type words).
 * With words between the name and the separator (`password for admin: …`, as gitleaks also reads it)
 * only a value of >= 8 characters with a digit and >= 3.0 bits per character is masked.
 */
export const ENTROPY_THRESHOLD = 3.0;
const PASSWORD_MIN = 6;
const KEY_MIN = 8;

const ASSIGNMENT =
  /(passw(?:or)?d|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth[_-]?key|credential|creds|key)([A-Za-z0-9_.-]{0,30}|[A-Za-z0-9_.-]{0,10}[ \t][ \tA-Za-z0-9_.-]{0,20})(["']?\s{0,5}(?:=|:=|:|=>|==)\s{0,5})(?:"([^"\r\n]{1,1024})"|'([^'\r\n]{1,1024})'|`([^`\r\n]{1,1024})`|([^\s"'`,;()[\]{}<>|]{1,256}))/gi;

const NOT_A_VALUE =
  /^(?:string|number|boolean|bool|str|int|bytes|object|any|unknown|none|null|nil|undefined|true|false|optional|required|redacted|masked|hidden|secret|password|token|empty|example|changeme|x+|\*+|\.+|-+)$/i;

function isPlaceholder(value: string): boolean {
  return (
    NOT_A_VALUE.test(value) ||
    value.startsWith("[REDACTED") ||
    /^[$%]\{|^\$\(|^\{\{|^<.*>$/.test(value) ||
    /^(?:process\.env|os\.environ|env|secrets|vars|self|this|ENV)[.[]/.test(value) ||
    // Code, not data: a dotted path or identifier without digits, followed by nothing secret-like.
    /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)
  );
}

/** Every assignment name holds one of these words (case-insensitive as ASSIGNMENT is): each is a quicker scan. */
const ASSIGNMENT_WORDS = [/key/i, /token/i, /secret/i, /pass/i, /cred/i];

function redactAssignments(text: string): string {
  // On a short text (a name, a path) one scan by the whole pattern is quicker than five.
  if (text.length > 256 && !ASSIGNMENT_WORDS.some((w) => w.test(text))) return text;
  ASSIGNMENT.lastIndex = 0;
  if (!ASSIGNMENT.test(text)) return text;
  ASSIGNMENT.lastIndex = 0;
  return text.replace(ASSIGNMENT, (m, keyword: string, rest: string, sep: string, dq?: string, sq?: string, bq?: string, bare?: string) => {
    const value = dq ?? sq ?? bq ?? bare ?? "";
    // `KeyError: 'name'`, `TokenError: ...`: an error class, not an assignment.
    if (/error|exception|warning/i.test(rest) || isPlaceholder(value)) return m;
    const passwordLike = /^(?:passw|passphrase|secret)/i.test(keyword);
    // Words between the name and the separator (`auth token for ci: …`) are prose: only a
    // high-entropy value is masked then, whatever the name.
    const prose = /[ \t]/.test(rest);
    if (prose && !(value.length >= KEY_MIN && shannonEntropy(value) >= ENTROPY_THRESHOLD && /\d/.test(value))) return m;
    const secret = passwordLike ? value.length >= PASSWORD_MIN : value.length >= KEY_MIN && shannonEntropy(value) >= ENTROPY_THRESHOLD;
    if (!secret) return m;
    const quote = dq !== undefined ? '"' : sq !== undefined ? "'" : bq !== undefined ? "`" : "";
    return `${keyword}${rest}${sep}${quote}${mask("secret")}${quote}`;
  });
}

// Environment variables whose values are secrets: a name segment (split on `_`) says so.
const SECRET_NAME_SEGMENT =
  /^(?:TOKEN|TOKENS|SECRET|SECRETS|PASSWORD|PASSWD|PASS|PASSPHRASE|KEY|KEYS|APIKEY|PAT|CREDENTIAL|CREDENTIALS|CREDS|AUTH|PRIVATE|SIGNATURE|SESSION|COOKIE|WEBHOOK|DSN)$/;
const SECRET_NAME_SUBSTRING = /TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|APIKEY|PRIVATEKEY/;
/** Names that match the rules above but hold no secret. */
const NOT_SECRET_NAMES = new Set(["SSH_AUTH_SOCK", "GPG_AGENT_INFO", "TOKENIZERS_PARALLELISM"]);
const ENV_MIN_LENGTH = 8;

export function isSecretEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  if (NOT_SECRET_NAMES.has(upper)) return false;
  if (SECRET_NAME_SUBSTRING.test(upper)) return true;
  return upper.split(/[_\-.]+/).some((seg) => SECRET_NAME_SEGMENT.test(seg));
}

function base64(s: string): string {
  return Buffer.from(s, "utf8").toString("base64");
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The literal strings to mask for one secret value: itself, base64 (std, url-safe, unpadded), URL-encoded. */
export function encodedForms(value: string): string[] {
  const forms = new Set<string>([value]);
  for (const raw of [value, `x-access-token:${value}`, `${value}:`, `:${value}`]) {
    const b = base64(raw);
    forms.add(b);
    forms.add(b.replace(/=+$/, ""));
    forms.add(b.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
  }
  // A lone surrogate has no URL form (encodeURI throws URIError): the value's other forms are masked all the same.
  if (!LONE_SURROGATE.test(value)) {
    forms.add(encodeURIComponent(value));
    forms.add(encodeURI(value));
    forms.add(encodeURIComponent(value).replace(/%20/g, "+"));
  }
  return [...forms].filter((f) => f.length >= ENV_MIN_LENGTH);
}

let envCache: { signature: string; literals: string[] } | null = null;
// redact() runs for every value of thousands of failures: name checks are cached (names are few and stable).
const secretNameCache = new Map<string, boolean>();

function secretName(name: string): boolean {
  let known = secretNameCache.get(name);
  if (known === undefined) {
    known = isSecretEnvName(name);
    if (secretNameCache.size < 10_000) secretNameCache.set(name, known);
  }
  return known;
}

/** Literal secret strings from the environment, longest first (so a value inside another goes second). */
export function secretLiterals(env: Record<string, string | undefined>): string[] {
  const values: string[] = [];
  for (const name in env) {
    const value = env[name];
    if (!value || value.length < ENV_MIN_LENGTH || !secretName(name)) continue;
    if (/^(?:true|false|null|undefined|\d+)$/i.test(value)) continue;
    values.push(value);
  }
  values.sort();
  const signature = values.join("\u0000");
  if (envCache?.signature === signature) return envCache.literals;
  const literals = [...new Set(values.flatMap(encodedForms))].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  envCache = { signature, literals };
  return literals;
}

function redactLiterals(text: string, literals: string[]): string {
  let out = text;
  const m = mask("env");
  for (const lit of literals) if (out.includes(lit)) out = out.split(lit).join(m);
  return out;
}

const PEM_END = /-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_BODY_LINE = /^[A-Za-z0-9+/=]{16,}$|^[A-Za-z-]+: .*$/;

/**
 * A key block whose BEGIN line was cut off (an output tail, a truncated log): the END line and the
 * base64 lines right above it are masked. Walks back line by line from each END, so it stays linear.
 */
function redactHeadlessKeys(text: string): string {
  if (!text.includes("PRIVATE KEY-----")) return text;
  let out = "";
  let last = 0;
  for (const m of text.matchAll(PEM_END)) {
    const endAt = m.index! + m[0].length;
    let start = m.index!;
    // The END line may follow base64 on the same line (JSON `\n` escapes, joined lines): take that run too.
    while (start > last && /[A-Za-z0-9+/=\\n]/.test(text[start - 1]!)) start--;
    for (;;) {
      const lineEnd = text.lastIndexOf("\n", start - 1);
      if (lineEnd < last) break;
      const lineStart = Math.max(last, text.lastIndexOf("\n", lineEnd - 1) + 1);
      const line = text.slice(lineStart, lineEnd).replace(/\r$/, "");
      if (!PEM_BODY_LINE.test(line.trim())) break;
      start = lineStart;
    }
    out += text.slice(last, start) + mask("private-key");
    last = endAt;
  }
  return out + text.slice(last);
}

/** Masks every secret found in `text`. Deterministic, idempotent, linear in the text's length. */
export function redact(text: string, opts: RedactOptions = {}): string {
  if (typeof text !== "string" || text.length === 0) return text;
  return redactWith(text, secretLiterals(opts.env ?? process.env));
}

/**
 * redact() with the environment read once: for a caller masking many texts in one go (parse-failures'
 * records), where reading the environment for each text costs more than the masking itself.
 */
export function redactor(opts: RedactOptions = {}): (text: string) => string {
  const literals = secretLiterals(opts.env ?? process.env);
  return (text) => (typeof text !== "string" || text.length === 0 ? text : redactWith(text, literals));
}

function redactWith(text: string, literals: string[]): string {
  // Exact values first: a known secret is masked whole even when no shape rule knows it.
  let out = redactLiterals(text, literals);
  for (const rule of RULES) {
    if (rule.needs !== undefined && !out.includes(rule.needs)) continue;
    rule.re.lastIndex = 0;
    // A test that finds nothing costs less than a replace that finds nothing (most texts hold no secret).
    if (!rule.re.test(out)) continue;
    rule.re.lastIndex = 0;
    out = rule.replace
      ? out.replace(rule.re, rule.replace as (substring: string, ...args: string[]) => string)
      : out.replace(rule.re, MASKS[rule.kind]);
  }
  return redactAssignments(redactHeadlessKeys(out));
}

/** Redacts every string inside a JSON-like value (for artifacts such as failures.json). */
export function redactDeep<T>(value: T, opts: RedactOptions = {}): T {
  if (typeof value === "string") return redact(value, opts) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, opts)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, opts);
    return out as T;
  }
  return value;
}
