// GitHub Actions workflow commands (annotations, log groups), written only inside Actions. Every value is
// redacted and escaped, so test output cannot end a command early, start another one or leak a secret.
import { redact } from "./redact.ts";

type Env = Record<string, string | undefined>;

/** GitHub shows at most 10 error annotations per step; more are dropped. */
export const MAX_ERROR_ANNOTATIONS = 10;

export function inActions(env: Env = process.env): boolean {
  return env.GITHUB_ACTIONS === "true";
}

/** A command's message: redacted; `%`, CR, LF escaped as the runner expects; no `::` left to start a command. */
export function escapeData(text: string): string {
  return redact(text).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/::/g, ":\uFF1A");
}

/** A command's property value: escapeData plus `:` and `,`, which end a property. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export interface Annotation {
  file?: string | null;
  line?: number | null;
  title?: string;
}

/** `::error file=…,line=…,title=…::message` (or warning/notice), one line. */
export function annotation(level: "error" | "warning" | "notice", message: string, at: Annotation = {}): string {
  const props: string[] = [];
  if (at.file) props.push(`file=${escapeProperty(at.file)}`);
  if (at.file && at.line && at.line > 0) props.push(`line=${at.line}`);
  if (at.title) props.push(`title=${escapeProperty(at.title)}`);
  return `::${level}${props.length > 0 ? ` ${props.join(",")}` : ""}::${escapeData(message)}`;
}

/** Writes a warning annotation to stderr inside Actions; returns whether it did. */
export function warnAnnotation(message: string, env: Env = process.env, write = (s: string) => process.stderr.write(s)): boolean {
  if (!inActions(env)) return false;
  write(`${annotation("warning", message)}\n`);
  return true;
}

/** `::group::title` / `::endgroup::` around a block of log output (Actions folds it). */
export function groupStart(title: string): string {
  return `::group::${escapeData(title)}`;
}
export const GROUP_END = "::endgroup::";
