// istanbul `coverage-final.json` (vitest json reporter with v8 or istanbul, jest, nyc, c8) and
// `coverage-summary.json` (json-summary: totals only, no line numbers).
import { HealError } from "../errors.ts";
import { isObject, readJsonReport } from "./json-report.ts";
import type { OnFileCoverage } from "./model.ts";

/**
 * Lines as istanbul-lib-coverage's FileCoverage#getLineCoverage counts them: each statement belongs to
 * its start line, and a line's hits are the highest of its statements'.
 */
export function istanbulLineHits(statementMap: Record<string, unknown>, s: Record<string, unknown>): Map<number, number> {
  const lines = new Map<number, number>();
  for (const [id, count] of Object.entries(s)) {
    const st = statementMap[id];
    if (!isObject(st) || !isObject(st.start)) continue;
    const line = Number(st.start.line);
    const hits = Number(count);
    if (!Number.isInteger(line) || line < 1 || !Number.isFinite(hits)) continue;
    const prev = lines.get(line);
    if (prev === undefined || prev < hits) lines.set(line, hits);
  }
  return lines;
}

export async function parseIstanbulFinal(path: string, onFile: OnFileCoverage): Promise<void> {
  const data = await readJsonReport(path, "istanbul coverage-final.json");
  let files = 0;
  for (const [key, value] of Object.entries(data)) {
    // nyc's older files wrap each entry as { data: {...} }.
    const entry = isObject(value) && isObject(value.data) && !("statementMap" in value) ? value.data : value;
    if (!isObject(entry) || !isObject(entry.statementMap) || !isObject(entry.s)) {
      throw new HealError("REPORT_UNREADABLE", `istanbul entry ${JSON.stringify(key.slice(0, 80))} has no statementMap/s`, path);
    }
    const file = typeof entry.path === "string" && entry.path ? entry.path : key;
    onFile({ file, lines: istanbulLineHits(entry.statementMap, entry.s) });
    files++;
  }
  if (files === 0) throw new HealError("REPORT_UNREADABLE", "istanbul coverage-final.json lists no file", path);
}

export async function parseIstanbulSummary(path: string, onFile: OnFileCoverage): Promise<void> {
  const data = await readJsonReport(path, "istanbul coverage-summary.json");
  if (!("total" in data)) throw new HealError("REPORT_UNREADABLE", 'json-summary without a "total" entry', path);
  for (const [key, value] of Object.entries(data)) {
    if (key === "total") continue;
    const lines = isObject(value) ? value.lines : undefined;
    const total = isObject(lines) ? Number(lines.total) : NaN;
    const covered = isObject(lines) ? Number(lines.covered) : NaN;
    if (!Number.isInteger(total) || !Number.isInteger(covered) || total < 0 || covered < 0 || covered > total) {
      throw new HealError(
        "REPORT_UNREADABLE",
        `json-summary entry ${JSON.stringify(key.slice(0, 80))} has no valid lines.total/covered`,
        path,
      );
    }
    onFile({ file: key, summary: { total, covered } });
  }
}
