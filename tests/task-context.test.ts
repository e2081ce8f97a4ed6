import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import { defaultConfig } from "../lib/config.ts";
import { HealError } from "../lib/errors.ts";
import {
  branchSlug,
  buildTaskFile,
  rerunCommand,
  setTaskIssue,
  sourceExcerpt,
  stackOf,
  taskIdFor,
  writeTaskContext,
} from "../lib/task-context.ts";
import type { FailureRecord, FailureReport, Stack } from "../lib/types.ts";
import { tempFolders } from "./support/temp-folders.ts";

// These tests start real runners and scripts; a loaded CI machine needs more than bun's 5 s default.
setDefaultTimeout(60_000);

const repo = tempFolders();

const SOURCE = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join("\n");

function failure(over: Partial<FailureRecord> = {}): FailureRecord {
  return {
    id: "aaaaaaaaaaaa",
    framework: "bun",
    fullName: "math > adds",
    file: "tests/math.test.ts",
    line: 10,
    message: "expect(received).toBe(expected)\n\nExpected: 3\nReceived: 4",
    stack: "at tests/math.test.ts:10:15",
    kind: "failure",
    ...over,
  };
}

function report(failures: FailureRecord[]): FailureReport {
  return {
    schemaVersion: 1,
    repository: null,
    branch: "dev",
    commit: null,
    runUrl: null,
    summary: { total: 5, passed: 5 - failures.length, failed: failures.length, skipped: 0, errors: 0 },
    failures,
  };
}

describe("task id", () => {
  test("same failures in any order give the same id; another set gives another", () => {
    const a = taskIdFor("dev", ["b1", "a1", "c1"]);
    expect(a).toMatch(/^test-failures-dev-[0-9a-f]{8}$/);
    expect(taskIdFor("dev", ["c1", "b1", "a1"])).toBe(a);
    expect(taskIdFor("dev", ["a1", "b1"])).not.toBe(a);
    expect(taskIdFor("prod", ["a1", "b1", "c1"])).toBe(`test-failures-prod-${a.slice(-8)}`);
  });

  test("branch slugs are filename-safe", () => {
    expect(branchSlug("feature/Login UI")).toBe("feature-login-ui");
    expect(branchSlug("../../etc")).toBe("etc");
    expect(branchSlug("@@@")).toBe("branch");
    expect(branchSlug("x".repeat(100)).length).toBe(40);
  });
});

describe("the task YAML", () => {
  test("has the seed's fields plus each failure's location, message, source lines and re-run command", () => {
    const dir = repo({ "tests/math.test.ts": SOURCE });
    const file = buildTaskFile({ report: report([failure()]), config: defaultConfig(), repoRoot: dir, branch: "dev" });
    expect(file.path).toBe(`.agent/tasks/fix-${file.taskId}.yaml`);
    const data = parse(file.text);
    expect(Object.keys(data)).toEqual([
      "id",
      "title",
      "type",
      "priority",
      "auto_generated",
      "branch",
      "github_issue",
      "root_causes",
      "test_failures",
      "acceptance_criteria",
      "implementation_approach",
      "related_docs",
    ]);
    expect(data.id).toBe(`fix-${file.taskId}`);
    expect(data.title).toBe("Fix test failures in dev");
    expect(data.type).toBe("bug-fix");
    expect(data.priority).toBe("high");
    expect(data.auto_generated).toBe(true);
    expect(data.github_issue).toBeNull();
    expect(data.acceptance_criteria).toContain("Coverage remains >= 80%");
    expect(data.related_docs).toContain(".agent/sops/SOP_TDD_WORKFLOW.md");
    expect(data.test_failures).toEqual([
      {
        id: "aaaaaaaaaaaa",
        test: "math > adds",
        framework: "bun",
        kind: "failure",
        file: "tests/math.test.ts",
        line: 10,
        message: "expect(received).toBe(expected)\n\nExpected: 3\nReceived: 4",
        source: [
          "   5 | line 5",
          "   6 | line 6",
          "   7 | line 7",
          "   8 | line 8",
          "   9 | line 9",
          "> 10 | line 10",
          "  11 | line 11",
          "  12 | line 12",
          "  13 | line 13",
        ].join("\n"),
        stack: "at tests/math.test.ts:10:15",
        rerun: "bun test tests/math.test.ts -t '^math adds$'",
      },
    ]);
    // The template's comments survive: a maintainer reads them where they edit.
    expect(file.text).toStartWith("# Task context for the agent");
  });

  test("test names with YAML specials round-trip unchanged", () => {
    const names = [
      "key: value",
      "# not a comment",
      "&anchor and *alias",
      "!!python/object:os.system",
      "multi\nline\n---\n...",
      "---",
      "  leading and trailing spaces  ",
      "'single' \"double\" `back`",
      "{flow: map} [flow, seq]",
      "tab\there ünïcödé 日本語 🎉",
      "null",
      "true",
      "0x1F",
      "@claude > ok",
      "yes",
      "on",
      "1:20",
      "0o17",
      "~",
      "line\u2028separator",
      "trailing newline\n",
      "  indented\nblock",
    ];
    const failures = names.map((n, i) => failure({ id: `${i}`.padStart(12, "0"), fullName: n, message: n, line: i + 1 }));
    const dir = repo({ "tests/math.test.ts": SOURCE });
    const file = buildTaskFile({ report: report(failures), config: defaultConfig(), repoRoot: dir, branch: "dev" });
    // Read back as YAML 1.2 and as YAML 1.1 (PyYAML's dialect): the same strings.
    for (const version of ["1.2", "1.1"] as const) {
      const data = parse(file.text, { customTags: [], version });
      const back = new Map<string, { test: string; message: string }>(data.test_failures.map((t: { id: string }) => [t.id, t]));
      names.forEach((n, i) => {
        expect(back.get(`${i}`.padStart(12, "0"))!.test).toBe(n);
        expect(back.get(`${i}`.padStart(12, "0"))!.message).toBe(n.trimEnd());
      });
    }
  });

  test("no timestamps, stable order: rebuilding with the failures in another order changes no byte", () => {
    const dir = repo({ "tests/math.test.ts": SOURCE });
    const fs = [failure({ id: "111111111111", line: 3 }), failure({ id: "222222222222", fullName: "math > subtracts", line: 7 })];
    const a = buildTaskFile({ report: report(fs), config: defaultConfig(), repoRoot: dir, branch: "dev" });
    const b = buildTaskFile({ report: report([...fs].reverse()), config: defaultConfig(), repoRoot: dir, branch: "dev" });
    expect(b.text).toBe(a.text);
    expect(b.path).toBe(a.path);
  });

  test("liquid renders inside strings only: a branch name cannot add YAML keys; maintainer keys stay", () => {
    const dir = repo({
      ".agent/heal/templates/task.yaml":
        "# ours\ntitle: 'Repair {{ branch }} ({{ failure_count }})'\npriority: critical\nowner: team-a # who triages\nacceptance_criteria:\n  - 'coverage >= {{ coverage_threshold }}'\n",
    });
    const file = buildTaskFile({ report: report([failure()]), config: defaultConfig(), repoRoot: dir, branch: "x\npriority: low" });
    const data = parse(file.text);
    expect(data.title).toBe("Repair x\npriority: low (1)");
    expect(data.priority).toBe("critical");
    expect(data.owner).toBe("team-a");
    expect(data.acceptance_criteria).toEqual(["coverage >= 80"]);
    expect(file.text).toContain("owner: team-a # who triages");
    expect(Object.keys(data)).toEqual([
      "title",
      "priority",
      "owner",
      "acceptance_criteria",
      "id",
      "auto_generated",
      "branch",
      "github_issue",
      "root_causes",
      "test_failures",
    ]);
  });

  test("a template typo names the template file", () => {
    const dir = repo({ ".agent/heal/templates/task.yaml": "title: '{{ brnch }}'\n" });
    let err: unknown;
    try {
      buildTaskFile({ report: report([failure()]), config: defaultConfig(), repoRoot: dir, branch: "dev" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HealError);
    expect((err as HealError).file).toBe(".agent/heal/templates/task.yaml");
  });

  test("secrets in messages are redacted", () => {
    const token = `ghp_${"Zz09".repeat(10)}`;
    const file = buildTaskFile({
      report: report([failure({ message: `auth failed with ${token}` })]),
      config: defaultConfig(),
      repoRoot: repo(),
      branch: "dev",
    });
    expect(file.text).not.toContain(token);
  });
});

describe("precision: values as the runner printed them, secrets masked", () => {
  const PRINTED =
    "crc mismatch: got crc 0x1f2e for 123e4567-e89b-12d3-a456-426614174000 at 2026-11-30T14:28:57.261Z in /tmp/tmp.QddxSzpUyI/blob.bin (12.5ms)";
  const GHP = `ghp_${"Zz09".repeat(10)}`;

  test("hex, UUID, timestamp, temp path and duration stay verbatim in message and stack; a GitHub token and an AWS key are masked", () => {
    const dir = repo({ "tests/math.test.ts": SOURCE });
    const f = failure({
      message: `${PRINTED}\nupload with ${GHP} as AKIAZ7Q3XJ4WBRT2MNP5`,
      stack: "at check (tests/math.test.ts:10:15) +0x7fe0e4e43fd0\n Start at  14:32:24\n Duration  211ms",
    });
    const text = buildTaskFile({ report: report([f]), config: defaultConfig(), repoRoot: dir, branch: "dev" }).text;
    expect(text).toContain(
      [
        "    message: |-",
        `      ${PRINTED}`,
        "      upload with [REDACTED:github-token] as [REDACTED:aws-access-key-id]",
        "    source: |2-",
      ].join("\n"),
    );
    expect(text).toContain(
      [
        "    stack: |-",
        "      at check (tests/math.test.ts:10:15) +0x7fe0e4e43fd0",
        "       Start at  14:32:24",
        "       Duration  211ms",
        "    rerun:",
      ].join("\n"),
    );
    expect(text).not.toContain(GHP);
    expect(text).not.toContain("AKIAZ7Q3XJ4WBRT2MNP5");
  });

  test("values that change between runs change the file's bytes, never its id or path", () => {
    const dir = repo({ "tests/math.test.ts": SOURCE });
    const build = (message: string) =>
      buildTaskFile({ report: report([failure({ message })]), config: defaultConfig(), repoRoot: dir, branch: "dev" });
    const a = build("crc 0x1f2e at 14:02:03");
    const b = build("crc 0x9a7c at 14:05:59");
    expect(b.taskId).toBe(a.taskId);
    expect(b.path).toBe(a.path);
    expect(a.text).toContain('message: "crc 0x1f2e at 14:02:03"');
    expect(b.text).toContain('message: "crc 0x9a7c at 14:05:59"');
  });

  test("a text past 4,000 characters keeps its head and its tail", () => {
    const dir = repo({ "tests/math.test.ts": SOURCE });
    const stack = `${"a".repeat(3500)}${"m".repeat(6000)}${"z".repeat(900)}at run (tests/math.test.ts:10:15)`;
    const data = parse(buildTaskFile({ report: report([failure({ stack })]), config: defaultConfig(), repoRoot: dir, branch: "dev" }).text);
    expect(data.test_failures[0].stack).toBe(
      `${"a".repeat(3000)}\n… (6433 characters cut here; the full text is in report.md) …\n${"m".repeat(67)}${"z".repeat(900)}at run (tests/math.test.ts:10:15)`,
    );
  });
});

describe("root causes in the task YAML", () => {
  test("failures with one normalised message at one repository frame form a group; the others stay single", () => {
    const dir = repo({ "tests/math.test.ts": SOURCE, "src/signer.py": "x\n".repeat(200) });
    const shared = (i: number) =>
      failure({
        id: `${i}`.padStart(12, "0"),
        framework: "pytest",
        fullName: `tests/test_sign.py::test_sign[${i}]`,
        file: "tests/test_sign.py",
        line: 5 + i,
        message: `BadSignature: signature 0x${(0x1f00 + i).toString(16)} does not match`,
        stack: [
          `tests/test_sign.py:${5 + i}: in test_sign`,
          "    sign(b)",
          "/home/runner/work/app/app/src/signer.py:123: in sign",
          "    raise BadSignature(...)",
          "E   BadSignature: signature does not match",
        ].join("\n"),
      });
    const lonely = failure({ id: "999999999999", fullName: "math > adds" });
    const fs = [shared(2), lonely, shared(1), shared(3)];
    const data = parse(buildTaskFile({ report: report(fs), config: defaultConfig(), repoRoot: dir, branch: "dev" }).text);
    expect(data.root_causes).toEqual([
      {
        message: "BadSignature: signature 0x1f01 does not match",
        location: "src/signer.py:123",
        tests: ["tests/test_sign.py::test_sign[1]", "tests/test_sign.py::test_sign[2]", "tests/test_sign.py::test_sign[3]"],
      },
    ]);
    expect(data.test_failures.map((t: { id: string }) => t.id)).toEqual(["999999999999", "000000000001", "000000000002", "000000000003"]);
  });
});

describe("source excerpt", () => {
  test("clamps at the file's edges and never reads outside the repository", () => {
    const dir = repo({ "a.py": "one\ntwo\nthree\n" });
    expect(sourceExcerpt(dir, "a.py", 1)).toBe("> 1 | one\n  2 | two\n  3 | three");
    expect(sourceExcerpt(dir, "a.py", 4)).toBeNull();
    expect(sourceExcerpt(dir, "a.py", 99)).toBeNull();
    expect(sourceExcerpt(dir, "../../../etc/passwd", 1)).toBeNull();
    expect(sourceExcerpt(dir, "missing.py", 1)).toBeNull();
    expect(sourceExcerpt(dir, "a.py", null)).toBeNull();
  });
});

describe("re-run commands", () => {
  const stack = (framework: Stack["framework"], cwd = ".", command = ["x"]): Stack => ({ id: framework, framework, cwd, command });
  test("one per framework, from the repo root", () => {
    expect(rerunCommand(failure({ framework: "vitest", fullName: "a > b (c)", file: "src/a.test.ts" }), stack("vitest"))).toBe(
      "npx vitest run src/a.test.ts -t '^a b \\(c\\)$'",
    );
    expect(rerunCommand(failure({ framework: "jest", fullName: "it's > fine", file: "web/x.test.js" }), stack("jest", "web"))).toBe(
      "cd web && npx jest x.test.js -t '^it'\\''s fine$'",
    );
    expect(
      rerunCommand(
        failure({ framework: "pytest", fullName: "tests/test_x.py::TestA::test_b[1-2]", file: "api/tests/test_x.py" }),
        stack("pytest", "api"),
      ),
    ).toBe("cd api && python3 -m pytest 'tests/test_x.py::TestA::test_b[1-2]'");
    // The interpreter the stack ran with; a virtualenv in the repo relative to the stack folder.
    const f = failure({ framework: "pytest", fullName: "tests/test_x.py::test_b", file: "api/tests/test_x.py" });
    expect(rerunCommand(f, stack("pytest", "api", ["/usr/bin/python3", "-m", "pytest"]), "/repo")).toBe(
      "cd api && /usr/bin/python3 -m pytest tests/test_x.py::test_b",
    );
    expect(rerunCommand(f, stack("pytest", "api", ["/repo/api/.venv/bin/python", "-m", "pytest", "-q"]), "/repo")).toBe(
      "cd api && .venv/bin/python -m pytest tests/test_x.py::test_b",
    );
    expect(rerunCommand(f, stack("pytest", "api", ["/repo/.venv/bin/python", "-m", "pytest"]), "/repo")).toBe(
      "cd api && ../.venv/bin/python -m pytest tests/test_x.py::test_b",
    );
    expect(rerunCommand(f, stack("pytest", "api", ["poetry", "run", "pytest", "-x"]), "/repo")).toBe(
      "cd api && poetry run pytest tests/test_x.py::test_b",
    );
    // A collection error is named after the module: re-run its file.
    const collection = failure({ framework: "pytest", fullName: "tests/test_a.py::tests.test_a", file: "tests/test_a.py", kind: "error" });
    expect(rerunCommand(collection, stack("pytest"))).toBe("python3 -m pytest tests/test_a.py");
    expect(rerunCommand(failure({ framework: "terraform", fullName: "Invalid expression", file: "infra/db/main.tf" }))).toBe(
      "terraform -chdir=infra/db validate",
    );
    expect(
      rerunCommand(failure({ framework: "runner", fullName: "bun test crashed", file: null }), stack("runner", ".", ["bun", "test"])),
    ).toBe("bun test");
    expect(rerunCommand(failure({ framework: "junit" }))).toBeNull();
    // A crashed runner's record names no file: the stack's whole command, as it ran.
    const crash = failure({ framework: "vitest", fullName: "web (runner exited 1)", file: null, line: null, kind: "error" });
    expect(rerunCommand(crash, stack("vitest", "web", ["/repo/node_modules/.bin/vitest", "run", "--config", "a b.ts"]), "/repo")).toBe(
      "cd web && ../node_modules/.bin/vitest run --config 'a b.ts'",
    );
    expect(rerunCommand(crash)).toBeNull();
  });

  test("the bun command really runs just that test, names with regex specials included", () => {
    const dir = repo({
      "t/a.test.ts": [
        'import { describe, test, expect } from "bun:test";',
        'describe("calc (v2)", () => {',
        '  test("adds [1+1]", () => { expect(1 + 1).toBe(3); });',
        '  test("adds [1+1] twice", () => { expect(1).toBe(1); });',
        '  test("other", () => { expect(1).toBe(1); });',
        "});",
      ].join("\n"),
    });
    const cmd = rerunCommand(failure({ fullName: "calc (v2) > adds [1+1]", file: "t/a.test.ts" }), stack("bun"))!;
    const r = spawnSync("sh", ["-c", cmd], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
    });
    const out = r.stdout + r.stderr;
    expect(out).toContain("(fail) calc (v2) > adds [1+1]");
    expect(out).not.toContain("(pass)");
    expect(out).toMatch(/Ran 1 test across 1 file/);
  });
});

describe("stackOf", () => {
  test("the deepest stack folder holding the file, same framework; a runner record by its stack id", () => {
    const run = (s: Stack) => ({ stack: s, argv: s.command, exitCode: 1, signal: null, durationMs: 1, reports: [], outputTail: "" });
    const root: Stack = { id: "pytest", framework: "pytest", cwd: ".", command: ["python3", "-m", "pytest"] };
    const api: Stack = { id: "pytest-api", framework: "pytest", cwd: "api", command: ["python3", "-m", "pytest"] };
    const web: Stack = { id: "jest-web", framework: "jest", cwd: "web", command: ["npx", "jest"] };
    const runs = { schemaVersion: 1 as const, runs: [root, api, web].map(run) };
    expect(stackOf(failure({ framework: "pytest", file: "api/tests/test_x.py" }), runs)).toBe(api);
    expect(stackOf(failure({ framework: "pytest", file: "tests/test_y.py" }), runs)).toBe(root);
    expect(stackOf(failure({ framework: "runner", fullName: "jest-web (runner exited 1)", file: null }), runs)).toBe(web);
  });
});

describe("writeTaskContext", () => {
  test("one file per branch: a new failure set replaces the old file, other branches and hand-written files stay", () => {
    const dir = repo({ "tests/math.test.ts": SOURCE, ".agent/tasks/fix-manual.yaml": "id: manual\n" });
    const config = defaultConfig();
    const first = writeTaskContext({ report: report([failure()]), config, repoRoot: dir, branch: "dev" });
    expect(first.changed).toBe(true);
    const prod = writeTaskContext({ report: report([failure()]), config, repoRoot: dir, branch: "prod" });
    const same = writeTaskContext({ report: report([failure()]), config, repoRoot: dir, branch: "dev" });
    expect(same.changed).toBe(false);
    expect(same.removed).toEqual([]);
    // A person took over this one: never removed.
    const edited = join(dir, ".agent/tasks/fix-test-failures-dev-0000beef.yaml");
    writeFileSync(edited, "auto_generated: false\nbranch: dev\n");
    const next = writeTaskContext({ report: report([failure({ id: "bbbbbbbbbbbb" })]), config, repoRoot: dir, branch: "dev" });
    expect(next.removed).toEqual([first.file!.path]);
    expect(readdirSync(join(dir, ".agent/tasks")).sort()).toEqual(
      [
        "fix-manual.yaml",
        "fix-test-failures-dev-0000beef.yaml",
        next.file!.path.split("/").pop()!,
        prod.file!.path.split("/").pop()!,
      ].sort(),
    );
    const green = writeTaskContext({ report: report([]), config, repoRoot: dir, branch: "dev" });
    expect(green.file).toBeNull();
    expect(green.removed).toEqual([next.file!.path]);
    expect(existsSync(join(dir, prod.file!.path))).toBe(true);
  });

  test("setTaskIssue fills github_issue and keeps every other byte", () => {
    const dir = repo({ "tests/math.test.ts": SOURCE });
    const { file } = writeTaskContext({ report: report([failure()]), config: defaultConfig(), repoRoot: dir, branch: "dev" });
    const before = readFileSync(join(dir, file!.path), "utf8");
    expect(setTaskIssue(dir, file!.path, "octo/repo#7")).toBe(true);
    const after = readFileSync(join(dir, file!.path), "utf8");
    expect(after).toBe(before.replace("github_issue: ~", 'github_issue: "octo/repo#7"'));
    expect(setTaskIssue(dir, file!.path, "octo/repo#7")).toBe(false);
    // heal runs again on the same failures: the link stays, no byte changes.
    const again = writeTaskContext({ report: report([failure()]), config: defaultConfig(), repoRoot: dir, branch: "dev" });
    expect(again.changed).toBe(false);
    expect(readFileSync(join(dir, file!.path), "utf8")).toBe(after);
  });
});
