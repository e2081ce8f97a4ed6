// Reads a JSON coverage report whole: istanbul and coverage.py JSON are objects keyed by file, with no
// streaming form. Their size grows with the source measured, not with test output, so a cap suffices.
import { readFile, stat } from "node:fs/promises";
import { HealError } from "../errors.ts";

export const MAX_JSON_REPORT_BYTES = 256 * 1024 * 1024;

export async function readJsonReport(path: string, what: string): Promise<Record<string, unknown>> {
  const size = (await stat(path)).size;
  if (size > MAX_JSON_REPORT_BYTES) {
    throw new HealError("REPORT_UNREADABLE", `${what}: ${size} bytes is over the ${MAX_JSON_REPORT_BYTES}-byte limit`, path);
  }
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new HealError("REPORT_UNREADABLE", `${what}: not valid JSON (${(err as Error).message.split("\n")[0]})`, path);
  }
  if (!isObject(data)) throw new HealError("REPORT_UNREADABLE", `${what}: the top level is not an object`, path);
  return data;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
