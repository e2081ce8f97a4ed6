// task test-quality's analysis: find the repository's test files, read their tests (JS/TS by tokens, Python by
// its ast), and check them against the SOP's rules. Skip ages come from `git blame --porcelain` of the skip line.
// Names stay as written here (test-quality.json); whatever shows them on GitHub or in a log sanitizes them.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import fg from "fast-glob";
import { git } from "../git.ts";
import { findJsTests } from "./js-tests.ts";
import type { FoundTest, TestLanguage, TestQualityFinding, TestQualityRule } from "./model.ts";
import { TEST_QUALITY_RULES } from "./model.ts";
import { findPythonTests } from "./python-tests.ts";
import { checkTests, type RuleInput } from "./rules.ts";

export const JS_TEST_GLOBS = [
  "**/*.{test,spec}.{js,jsx,ts,tsx,mjs,cjs,mts,cts}",
  "**/__tests__/**/*.{js,jsx,ts,tsx,mjs,cjs,mts,cts}",
  "test/**/*.{js,mjs,cjs}",
];
export const PY_TEST_GLOBS = ["**/test_*.py", "**/*_test.py"];
const IGNORE = ["**/node_modules/**", "**/.git/**", "**/.venv/**", "**/venv/**", "**/dist/**", "**/build/**", "**/coverage/**"];

export interface TestQualitySummary {
  /** Test files read, per language. */
  files: { js: number; python: number };
  tests: { js: number; python: number };
  maxSkipAgeDays: number;
  findings: TestQualityFinding[];
  counts: Record<TestQualityRule, number>;
  /** Files that could not be read (a Python syntax error), one line each. */
  errors: string[];
}

export interface AnalyzeOptions {
  maxSkipAgeDays: number;
  /** Unix seconds; default now. */
  now?: number;
  python?: string;
  /** Extra folders to leave out (the reports folder). */
  ignore?: string[];
}

export async function analyzeTestQuality(root: string, opts: AnalyzeOptions): Promise<TestQualitySummary> {
  const ignore = [...IGNORE, ...(opts.ignore ?? []).map((d) => `${d.replace(/\/+$/, "")}/**`)];
  const jsFiles = fg.sync(JS_TEST_GLOBS, { cwd: root, ignore, onlyFiles: true, dot: false }).sort();
  const pyFiles = fg.sync(PY_TEST_GLOBS, { cwd: root, ignore, onlyFiles: true, dot: false }).sort();
  const jsTests: FoundTest[] = [];
  for (const file of jsFiles) jsTests.push(...findJsTests(file, readFileSync(join(root, file), "utf8")));
  const py = await findPythonTests(root, pyFiles, opts.python ?? "python3");
  const blame = new BlameCache(root);
  const findings = checkTests([...byStack(root, "js", jsTests), ...byStack(root, "python", py.tests)], {
    maxSkipAgeDays: opts.maxSkipAgeDays,
    now: opts.now ?? Math.floor(Date.now() / 1000),
    lineTime: (f, l) => blame.lineTime(f, l),
  });
  const counts = Object.fromEntries(TEST_QUALITY_RULES.map((r) => [r, 0])) as Record<TestQualityRule, number>;
  for (const f of findings) counts[f.rule]++;
  return {
    files: { js: jsFiles.length, python: pyFiles.length },
    tests: { js: jsTests.length, python: py.tests.length },
    maxSkipAgeDays: opts.maxSkipAgeDays,
    findings,
    counts,
    errors: py.errors,
  };
}

// A stack's root: the nearest folder above a test file holding one of these (else the repository).
const STACK_MARKERS: Record<TestLanguage, string[]> = {
  js: ["package.json", "deno.json"],
  python: ["pyproject.toml", "setup.py", "setup.cfg", "pytest.ini", "tox.ini"],
};

/** Tests grouped by stack (language + root folder), so duplicates are looked for within one stack only. */
export function byStack(root: string, language: TestLanguage, tests: FoundTest[]): RuleInput[] {
  const rootOf = new Map<string, string>();
  const stackRoot = (file: string): string => {
    let dir = dirname(file);
    for (;;) {
      const known = rootOf.get(dir);
      if (known !== undefined) return known;
      if (dir === "." || STACK_MARKERS[language].some((m) => existsSync(join(root, dir, m)))) {
        rootOf.set(dir, dir);
        return dir;
      }
      dir = dirname(dir);
    }
  };
  const groups = new Map<string, FoundTest[]>();
  for (const t of tests) {
    const key = stackRoot(t.file);
    const list = groups.get(key) ?? [];
    list.push(t);
    groups.set(key, list);
  }
  return [...groups.values()].map((list) => ({ language, tests: list }));
}

/** When each line was written: the author time git blame gives the commit that last changed it. */
export class BlameCache {
  private readonly files = new Map<string, Map<number, number | null>>();
  constructor(private readonly root: string) {}

  lineTime(file: string, line: number): number | null {
    let lines = this.files.get(file);
    if (!lines) {
      lines = new Map();
      this.files.set(file, lines);
    }
    if (lines.has(line)) return lines.get(line)!;
    const r = git(this.root, ["blame", "--porcelain", "-L", `${line},${line}`, "--", file]);
    const time = r.status === 0 ? parseBlameTime(r.stdout) : null;
    lines.set(line, time);
    return time;
  }
}

/** author-time of a one-line `git blame --porcelain`; null for a line not committed yet (all-zero commit). */
export function parseBlameTime(porcelain: string): number | null {
  if (/^0{40} /.test(porcelain)) return null;
  const m = /^author-time (\d+)$/m.exec(porcelain);
  return m ? Number(m[1]) : null;
}
