// Which of a package's chained runner segments (one stack each, same folder and runner: `vitest run && vitest run
// --config x`) a test belongs to. Folder and runner cannot tell them apart: the run's report names the test file
// (task file, report.md), and verification, without those reports, reads the task file's own re-run command.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { relToStack, shellQuote } from "../test-selection.ts";
import type { Stack } from "../types.ts";

/** Report texts read once per path (the task file and report.md ask once per failure). */
const texts = new Map<string, string>();

function reportText(path: string): string {
  let text = texts.get(path);
  if (text === undefined) {
    try {
      text = readFileSync(path, "utf8");
    } catch {
      text = "";
    }
    if (texts.size >= 8) texts.clear(); // a few reports at a time: never every report of a large run in memory
    texts.set(path, text);
  }
  return text;
}

const siblings = <S extends Stack>(picked: S, stacks: S[]) =>
  stacks.filter((s) => s.segment && s.cwd === picked.cwd && s.framework === picked.framework);

/** Of `picked`'s sibling segments, the one whose run's report names `file` (quoted, relative or absolute); else `picked`. */
export function segmentByReport<S extends Stack>(
  picked: S,
  runs: { stack: S; reports: string[] }[],
  file: string | null,
  repoRoot: string | undefined,
): S {
  if (!picked.segment || !file || !repoRoot) return picked;
  const needles = [`"${relToStack(picked.cwd, file)}"`, `"${join(repoRoot, file)}"`];
  const mine = siblings(
    picked,
    runs.map((r) => r.stack),
  );
  const run = runs.find(
    (r) => mine.includes(r.stack) && r.reports.some((p) => needles.some((n) => reportText(join(repoRoot, p)).includes(n))),
  );
  return run?.stack ?? picked;
}

/** Of `picked`'s sibling segments, the one whose command the task file's re-run runs (the longest that fits); else `picked`. */
export function segmentByRerun<S extends Stack>(picked: S, stacks: S[], rerun: string | null | undefined): S {
  if (!picked.segment || !rerun) return picked;
  const prefix = picked.cwd === "." ? "" : `cd ${shellQuote(picked.cwd)} && `;
  let best: { stack: S; length: number } | null = null;
  for (const s of siblings(picked, stacks)) {
    const text = `${prefix}${s.command.map(shellQuote).join(" ")}`;
    if ((rerun === text || rerun.startsWith(`${text} `)) && (!best || text.length > best.length)) best = { stack: s, length: text.length };
  }
  return best?.stack ?? picked;
}
