// parse-failures as a user runs it: `bun scripts/parse-failures.ts` inside a repository; exit codes,
// the summary line on stderr, failures.json valid against its schema, meta from GitHub env or git.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Ajv from "ajv";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import type { FailureReport, RunsFile } from "../../lib/types.ts";
import { collectFailures } from "../../lib/failures.ts";
import { runMeta, writeReportJson } from "../../lib/failures/failures-file.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

const SCRIPT = join(TOOLKIT_ROOT, "scripts", "parse-failures.ts");
const schema = JSON.parse(readFileSync(join(TOOLKIT_ROOT, "schemas", "failures.schema.json"), "utf8"));
const validate = new Ajv({ allErrors: true }).compile(schema);

const report = (name: string, title: string, status: string, line: number) =>
  JSON.stringify({
    numTotalTests: 1,
    openHandles: [],
    testResults: [
      {
        name: `/home/runner/work/app/app/${name}`,
        status,
        message: "",
        assertionResults: [
          {
            ancestorTitles: ["Cart"],
            title,
            status,
            failureMessages:
              status === "failed"
                ? [`Error: expected 2 items, got 1\n    at Object.<anonymous> (/home/runner/work/app/app/${name}:${line}:9)`]
                : [],
            location: { line: 1, column: 1 },
          },
        ],
      },
    ],
  });

let repo: SampleRepo;

beforeAll(() => {
  const runs: RunsFile = {
    schemaVersion: 1,
    runs: [
      {
        stack: { id: "jest", framework: "jest", cwd: ".", command: ["jest"] },
        argv: ["jest", "--json"],
        exitCode: 1,
        signal: null,
        durationMs: 100,
        reports: [".agent/reports/raw/jest.json"],
        outputTail: "Tests: 1 failed",
      },
      {
        stack: { id: "pytest", framework: "pytest", cwd: "backend", command: ["pytest"] },
        argv: ["python3", "-m", "pytest"],
        exitCode: 3,
        signal: null,
        durationMs: 100,
        reports: [],
        outputTail: "INTERNALERROR> ImportError: cannot import name 'x'",
      },
    ],
  };
  repo = createSampleRepo({ "src/cart.test.js": "// 1\n// 2\n// 3\n", "backend/tests/test_a.py": "" }, { nodeModules: false });
  repo.write({
    ".agent/reports/runs.json": JSON.stringify(runs),
    ".agent/reports/raw/jest.json": report("src/cart.test.js", "adds an item", "failed", 3),
    "shards/a.json": report("src/cart.test.js", "adds an item", "failed", 2),
    "shards/b.json": report("src/cart.test.js", "removes an item", "passed", 1),
    "shards/c.json": "<testsuites><testsuite",
  });
});
afterAll(() => repo.cleanup());

function runScript(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GITHUB_") && k !== "HEAL_REPO"));
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: repo.dir, encoding: "utf8", env: { ...clean, NO_COLOR: "1", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const readReport = (path: string) => JSON.parse(readFileSync(path, "utf8")) as FailureReport;

describe("parse-failures", () => {
  test("with no arguments reads runs.json, writes a valid failures.json, exits 0 and prints one summary line", () => {
    const r = runScript([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    // The run that wrote no report is an environment failure (lib/environment.ts), counted apart.
    expect(r.stderr).toBe(
      "parse-failures: 2 tests, 0 passed, 1 failed, 0 errors, 0 skipped, 1 environment -> .agent/reports/failures.json\n",
    );
    const out = readReport(join(repo.dir, ".agent/reports/failures.json"));
    expect(validate(out)).toBe(true);
    expect(out.failures.map((f) => [f.fullName, f.file, f.line, f.kind])).toEqual([
      ["Cart > adds an item", "src/cart.test.js", 3, "failure"],
      ["pytest (environment)", null, null, "environment"],
    ]);
    expect(out.branch).toBe("dev");
    expect(out.commit).toBe(repo.git("rev-parse", "HEAD"));
    expect(out.repository).toBeNull();
    expect(out.runUrl).toBeNull();
  });

  test("GitHub Actions variables give repository, branch, commit and the run link", () => {
    const r = runScript(["--out", "gh.json"], {
      GITHUB_REPOSITORY: "acme/shop",
      GITHUB_REF_NAME: "prod",
      GITHUB_SHA: "b".repeat(40),
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_RUN_ID: "42",
      GITHUB_RUN_ATTEMPT: "2",
    });
    expect(r.code).toBe(0);
    const out = readReport(join(repo.dir, "gh.json"));
    expect(out).toMatchObject({
      repository: "acme/shop",
      branch: "prod",
      commit: "b".repeat(40),
      runUrl: "https://github.com/acme/shop/actions/runs/42/attempts/2",
    });
  });

  test("globs merge shards; an unreadable report is a warning line and the rest is still written", () => {
    const r = runScript(["shards/*.json", "shards/*.xml", "--out", "merged.json"]);
    expect(r.code).toBe(0);
    const out = readReport(join(repo.dir, "merged.json"));
    expect(validate(out)).toBe(true);
    expect(out.summary).toEqual({ total: 2, passed: 1, failed: 1, skipped: 0, errors: 0, flaky: 0 });
    expect(out.failures.map((f) => [f.fullName, f.line])).toEqual([["Cart > adds an item", 2]]);
    // shards/c.json is a cut XML file that the glob also matches.
    expect(out.reportErrors).toEqual(["shards/*.xml: no file matches this pattern", expect.stringMatching(/^shards\/c\.json: .+/)]);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toEqual([
      "warning: shards/*.xml: no file matches this pattern",
      `warning: ${out.reportErrors![1]}`,
      "parse-failures: 2 tests, 1 passed, 1 failed, 0 errors, 0 skipped, 2 unreadable reports -> merged.json",
    ]);
  });

  test("a truncated report among the arguments is named in reportErrors", () => {
    const r = runScript(["shards/a.json", "shards/c.json", "--out", "trunc.json"]);
    expect(r.code).toBe(0);
    const out = readReport(join(repo.dir, "trunc.json"));
    expect(out.reportErrors).toHaveLength(1);
    expect(out.reportErrors![0]).toStartWith("shards/c.json: ");
    expect(out.failures).toHaveLength(1);
  });

  test("exit 2 with one line when there is nothing to read, a bad flag, or failures.json cannot be written", () => {
    const empty = createSampleRepo({}, { nodeModules: false, git: false });
    try {
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GITHUB_")));
      const none = spawnSync(process.execPath, [SCRIPT], { cwd: empty.dir, encoding: "utf8", env: { ...clean, NO_COLOR: "1" } });
      expect(none.status).toBe(2);
      expect(none.stderr).toStartWith("error: ");
      expect(none.stderr).toContain("no report given and no runs.json found");
      expect(none.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(existsSync(join(empty.dir, ".agent/reports/failures.json"))).toBe(false);
    } finally {
      empty.cleanup();
    }
    const badFormat = runScript(["shards/a.json", "--format", "csv", "--out", "x.json"]);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('unknown report format "csv"');
    const unknownFlag = runScript(["--bogus"]);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("unknown option --bogus");
    const unwritable = runScript(["shards/a.json", "--out", "src/cart.test.js/failures.json"]);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toContain("cannot write failures.json");
  });

  test("--runs: a missing or broken runs file is exit 2 naming it", () => {
    const missing = runScript(["--runs", "nope/runs.json"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toStartWith("error: nope/runs.json: runs file not found");
    repo.write({ "bad-runs.json": "{ not json" });
    const broken = runScript(["--runs", "bad-runs.json"]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("bad-runs.json: runs file is not valid JSON");
  });

  test("--help prints usage and exits 0", () => {
    const r = runScript(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: bun scripts/parse-failures.ts");
    expect(r.stdout).toContain("--runs <value>");
  });
});

describe("writeReportJson", () => {
  test("records spooled on disk and sorted by key give the same bytes as collectFailures' sorted report", async () => {
    // Many records across files, lines and names (and duplicate names): the streamed order must be the sorted one.
    const junit = `<testsuites>${Array.from({ length: 300 }, (_, i) =>
      i % 5 === 0
        ? `<testsuite name="s${i % 7}" file="nowhere.js"><testcase name="t${(i * 37) % 50}" classname="c"><failure message="boom ${i}">Error: boom</failure></testcase></testsuite>`
        : `<testsuite name="s${i % 7}" file="src/cart.test.js"><testcase name="t${(i * 37) % 50}" classname="c"><failure message="boom ${i}">Error: boom\n    at x (src/cart.test.js:${(i % 3) + 1}:2)</failure></testcase></testsuite>`,
    ).join("")}</testsuites>`;
    repo.write({ "many/r.xml": junit });
    const r = runScript(["many/r.xml", "--out", "many/failures.json"]);
    expect(r.code).toBe(0);
    const want = await collectFailures({ repoRoot: repo.dir, reportPaths: ["many/r.xml"], meta: runMeta(repo.dir, {}) });
    expect(want.failures).toHaveLength(300);
    expect(want.failures.filter((f) => f.file === null && f.line === null)).toHaveLength(60);
    expect(readFileSync(join(repo.dir, "many/failures.json"), "utf8")).toBe(`${JSON.stringify(want, null, 2)}\n`);
  });

  test("writes exactly the bytes of JSON.stringify(report, null, 2) plus a newline, one record at a time", () => {
    const dir = mkdtempSync(join(tmpdir(), "heal-write-json-"));
    try {
      const record = (n: number): FailureReport["failures"][number] => ({
        id: `abc${n}`,
        framework: "pytest",
        fullName: `tests/a.py::test_${n}[\"quoted\" \\ tab\t]`,
        file: n % 2 ? null : "tests/a.py",
        line: n % 2 ? null : n,
        message: `assert ${n} == 0\n  + where … ünïcode ☃ \u2028`,
        stack: "line 1\n    line 2\r\nline 3",
        kind: n % 3 ? "failure" : "error",
        ...(n === 2 ? { attempts: 3 } : {}),
      });
      const meta = { schemaVersion: 1, repository: "o/r", branch: null, commit: "abc", runUrl: null } as const;
      const summary = { total: 5, passed: 1, failed: 2, skipped: 0, errors: 1, flaky: 1 };
      const cases: FailureReport[] = [
        { ...meta, summary, failures: [] },
        { ...meta, summary, failures: [record(1)] },
        {
          ...meta,
          summary,
          failures: [record(1), record(2), record(3)],
          flaky: [{ fullName: "t > x", file: null, framework: "jest", attempts: 2 }],
          reportErrors: ["a.xml: not XML", 'b.json: "broken"'],
        },
        { ...meta, summary, failures: [record(4)], flaky: undefined, reportErrors: [] } as FailureReport,
      ];
      for (const [i, report] of cases.entries()) {
        const path = join(dir, `r${i}.json`);
        writeReportJson(path, report);
        expect(readFileSync(path, "utf8")).toBe(`${JSON.stringify(report, null, 2)}\n`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
