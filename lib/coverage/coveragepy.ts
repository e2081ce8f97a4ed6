// coverage.py JSON (`coverage json`, pytest-cov `--cov-report=json`): executed_lines and missing_lines per file.
import { HealError } from "../errors.ts";
import { isObject, readJsonReport } from "./json-report.ts";
import type { OnFileCoverage } from "./model.ts";

export async function parseCoveragePy(path: string, onFile: OnFileCoverage): Promise<void> {
  const data = await readJsonReport(path, "coverage.py JSON");
  if (!isObject(data.files)) throw new HealError("REPORT_UNREADABLE", 'coverage.py JSON without a "files" object', path);
  for (const [file, entry] of Object.entries(data.files)) {
    if (!isObject(entry) || !Array.isArray(entry.executed_lines) || !Array.isArray(entry.missing_lines)) {
      throw new HealError(
        "REPORT_UNREADABLE",
        `coverage.py entry ${JSON.stringify(file.slice(0, 80))} has no executed_lines/missing_lines`,
        path,
      );
    }
    const lines = new Map<number, number>();
    // Missing first, so a line listed in both (never, in practice) counts as executed.
    for (const n of entry.missing_lines) if (Number.isInteger(n) && (n as number) >= 1) lines.set(n as number, 0);
    // Line 0 is coverage.py's "module ran" marker for files without statements: not a line.
    for (const n of entry.executed_lines) if (Number.isInteger(n) && (n as number) >= 1) lines.set(n as number, 1);
    onFile({ file, lines });
  }
}
