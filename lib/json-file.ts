// The JSON files the steps hand each other (failures.json, runs.json, issue.json, github.json) are read
// here: a missing file is null (the caller knows whether that is an error), a broken one is a HealError
// naming the file, so a user sees which file to regenerate instead of a stack trace.
import { existsSync, readFileSync } from "node:fs";
import { HealError } from "./errors.ts";

/**
 * The parsed JSON at `abs`, or null when there is no such file. Throws INPUT_MISSING naming `rel` when
 * the file is not JSON; `what` names the file in the message ("runs file is not valid JSON: ...").
 */
export function readJsonFile<T>(abs: string, rel: string = abs, what?: string): T | null {
  if (!existsSync(abs)) return null;
  try {
    return JSON.parse(readFileSync(abs, "utf8")) as T;
  } catch (err) {
    const reason = (err as Error).message.split("\n")[0];
    throw new HealError("INPUT_MISSING", `${what ? `${what} is ` : ""}not valid JSON: ${reason}`, rel);
  }
}

/** Like readJsonFile, but a missing file is INPUT_MISSING too: `not found`, then `hint` (which step writes it). */
export function requireJsonFile<T>(abs: string, rel: string = abs, hint?: string): T {
  if (!existsSync(abs)) throw new HealError("INPUT_MISSING", `not found${hint ? ` (${hint})` : ""}`, rel);
  return readJsonFile<T>(abs, rel) as T;
}
