// lib/root-causes.ts on failures from real runs: pytest and bun run small sample projects where many tests
// fail through one line of the code under test, and a few fail on their own. Grouping, the issue's group
// lines and the task YAML's root_causes are checked on what collectFailures made of their JUnit reports.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parse } from "yaml";
import { defaultConfig } from "../lib/config.ts";
import { collectFailures } from "../lib/failures.ts";
import { buildTemplateContext, renderIssue } from "../lib/render.ts";
import { groupRootCauses, innermostRepoFrame } from "../lib/root-causes.ts";
import { pytestSelector } from "../lib/runners/pytest.ts";
import { byteLength, MAX_BODY_BYTES } from "../lib/sanitize.ts";
import { buildTaskFile } from "../lib/task-context.ts";
import type { FailureRecord, FailureReport } from "../lib/types.ts";
import { createSampleRepo, type SampleRepo } from "./support/sample-repo.ts";

setDefaultTimeout(120_000);

const META = { repository: "acme/app", branch: "dev", commit: "0123456789abcdef0123456789abcdef01234567", runUrl: null };
const repos: SampleRepo[] = [];
afterAll(() => {
  for (const r of repos) r.cleanup();
});

const SIGNER_PY = `class BadSignature(Exception):
    pass


def verify(blob, signature):
    expected = sum(blob) % 251
    if signature != expected:
        raise BadSignature(f"signature {signature:#06x} does not match {expected:#06x}")
    return True
`;
const SIGNER_RAISE_LINE = 8;

// 25 tests fail inside src/signer.py, 6 fail each on its own line with its own error, 2 pass.
const TEST_SIGN_PY = `import pytest

from src.signer import verify


@pytest.mark.parametrize("case", range(25))
def test_signed_upload(case):
    assert verify(bytes([case, 1, 2]), 0x1F00 + case)


def test_total():
    assert sum([1, 2]) == 4


def test_name():
    assert "ada".title() == "ADA"


def test_items():
    assert [1, 2] == [2, 1]


def test_lookup():
    assert {"a": 1}["b"] == 1


def test_divide():
    assert 1 / 0 == 0


def test_flag():
    assert not True


def test_ok():
    assert verify(bytes([1]), 1)


def test_also_ok():
    assert True
`;

async function pytestRun(): Promise<{ repo: SampleRepo; report: FailureReport }> {
  const repo = createSampleRepo(
    { "conftest.py": "", "src/__init__.py": "", "src/signer.py": SIGNER_PY, "tests/test_sign.py": TEST_SIGN_PY },
    { nodeModules: false, branch: "dev" },
  );
  repos.push(repo);
  const xml = join(repo.dir, "pytest.xml");
  const r = spawnSync("/usr/bin/python3", ["-m", "pytest", `--junitxml=${xml}`, "-o", "junit_family=xunit1", "-p", "no:cacheprovider"], {
    cwd: repo.dir,
    encoding: "utf8",
  });
  expect(r.status).toBe(1);
  const report = await collectFailures({ repoRoot: repo.dir, reportPaths: [xml], meta: META });
  return { repo, report };
}

describe("root causes of a real pytest run", () => {
  test("25 failures raised at src/signer.py:8 form one group, named in order; the 6 others stay single", async () => {
    const { repo, report } = await pytestRun();
    expect(report.failures).toHaveLength(31);
    const { groups, rest } = groupRootCauses(report.failures, { repoRoot: repo.dir });
    expect(groups).toHaveLength(1);
    expect(groups[0]!.location).toBe(`src/signer.py:${SIGNER_RAISE_LINE}`);
    expect(groups[0]!.message).toStartWith("src.signer.BadSignature: signature 0x1f00 does not match");
    expect(groups[0]!.failures.map((f) => f.fullName).sort()).toEqual(
      Array.from({ length: 25 }, (_, i) => `tests/test_sign.py::test_signed_upload[${i}]`).sort(),
    );
    const others = ["total", "name", "items", "lookup", "divide", "flag"].map((n) => `tests/test_sign.py::test_${n}`);
    expect(rest.map((f) => f.fullName).sort()).toEqual([...others].sort());
    // Each single failure's innermost repo frame is its own assertion: lines 12, 16, 20, 24, 28, 32.
    expect(rest.map((f) => innermostRepoFrame(f, null)).sort()).toEqual(
      [12, 16, 20, 24, 28, 32].map((l) => `tests/test_sign.py:${l}`).sort(),
    );
  });

  test("the issue lists the group first (one line, 25 names), then the others; the task YAML carries the group", async () => {
    const { repo, report } = await pytestRun();
    const config = defaultConfig();
    const task = buildTaskFile({ report, config, repoRoot: repo.dir, branch: "dev" });
    const ctx = buildTemplateContext({ report, config, branch: "dev", taskPath: task.path, repoRoot: repo.dir });
    const body = renderIssue(ctx, repo.dir, config).body;
    expect(byteLength(body)).toBeLessThan(MAX_BODY_BYTES);
    const heading = body.split("\n").find((l) => l.startsWith("### 25 tests fail with"));
    expect(heading).toBe(
      `### 25 tests fail with \`src.signer.BadSignature: signature 0x1f00 does not match 0x0003\` at src/signer.py:${SIGNER_RAISE_LINE}`,
    );
    // The group's names in failures.json order, then the other failures.
    const grouped = report.failures.filter((f) => f.fullName.includes("test_signed_upload")).map((f) => f.fullName);
    expect(grouped).toHaveLength(25);
    expect(body).toContain(`${grouped.map((n) => `- ${n}`).join("\n")}\n\n### Other failures\n`);
    expect(body.match(/^### /gm)).toHaveLength(2);
    expect(body.indexOf("### 25 tests fail")).toBeLessThan(body.indexOf("**Test**: tests/test_sign.py::test_total\n"));
    expect(body).toContain("**Test**: tests/test_sign.py::test_total\n**File**: tests/test_sign.py:12\n**Error**: assert 3 == 4\n");
    // The same error is not repeated 25 times: the heading, and the first member's stack once.
    expect(body.match(/signature 0x1f\w\w does not match/g)).toEqual([
      "signature 0x1f00 does not match",
      "signature 0x1f00 does not match",
    ]);
    expect(body.match(/<summary>Stack trace/g)).toHaveLength(7);

    const data = parse(task.text);
    expect(data.root_causes).toEqual([
      {
        message: "src.signer.BadSignature: signature 0x1f00 does not match 0x0003",
        location: `src/signer.py:${SIGNER_RAISE_LINE}`,
        tests: grouped,
      },
    ]);
    expect(data.test_failures).toHaveLength(31);
  });
});

describe("root causes of a real bun run", () => {
  test("tests failing in one helper of src/ group by that frame; a frame in node_modules is never the location", async () => {
    const repo = createSampleRepo(
      {
        "src/parse.ts": `export function parsePort(text: string): number {\n  const n = Number(text);\n  if (!Number.isInteger(n)) throw new RangeError(\`bad port \${text}\`);\n  return n;\n}\n`,
        "node_modules/left-pad/index.js": "module.exports = function check(v) {\n  throw new TypeError('not a string: ' + v);\n};\n",
        "tests/port.test.ts": [
          `import { expect, test } from "bun:test";`,
          `import { parsePort } from "../src/parse.ts";`,
          `const check = require("left-pad");`,
          `for (const p of ["1.5", "2.5", "3.5"]) test(\`port \${p}\`, () => { expect(parsePort(p)).toBe(1); });`,
          `test("dep a", () => check(1));`,
          `test("dep b", () => check(2));`,
          "",
        ].join("\n"),
      },
      { nodeModules: false, branch: "dev" },
    );
    repos.push(repo);
    const xml = join(repo.dir, "bun.xml");
    const r = spawnSync(process.execPath, ["test", "--reporter=junit", `--reporter-outfile=${xml}`], { cwd: repo.dir, encoding: "utf8" });
    expect(r.status).toBe(1);
    const report = await collectFailures({ repoRoot: repo.dir, reportPaths: [xml], meta: META });
    const { groups, rest } = groupRootCauses(report.failures, { repoRoot: repo.dir });
    expect(groups.map((g) => [g.location, g.failures.map((f: FailureRecord) => f.fullName)])).toEqual([
      ["src/parse.ts:3", ["port 1.5", "port 2.5", "port 3.5"]],
    ]);
    // The dependency throws for both, but from two lines of the test file: two causes, not one.
    expect(rest.map((f) => [f.fullName, innermostRepoFrame(f, null)])).toEqual([
      ["dep a", "tests/port.test.ts:5"],
      ["dep b", "tests/port.test.ts:6"],
    ]);
  });
});

describe("root causes of a real vitest run", () => {
  test("a test file that fails to load and tests failing at the same repo frame with the same message are one group", async () => {
    const repo = createSampleRepo(
      {
        "package.json": JSON.stringify({ name: "routes", type: "module", scripts: { test: "vitest run" } }),
        "src/escape.js":
          "export function escape(s) {\n  if (s.includes('.json')) throw new TypeError(`cannot escape ${s}`);\n  return s;\n}\n",
        "tests/match.test.js": [
          `import { expect, test } from "vitest";`,
          `import { escape } from "../src/escape.js";`,
          `test("escapes a", () => expect(escape("/a.json")).toBe("/a"));`,
          `test("escapes b", () => expect(escape("/a.json")).toBe("/b"));`,
          "",
        ].join("\n"),
        // The same bug at import time: vitest fails the whole file (a file-level error, kind error).
        "tests/table.test.js": [
          `import { expect, test } from "vitest";`,
          `import { escape } from "../src/escape.js";`,
          `const ROUTES = [escape("/a.json")];`,
          `test("routes", () => expect(ROUTES).toHaveLength(1));`,
          "",
        ].join("\n"),
      },
      { nodeModules: true, branch: "dev" },
    );
    repos.push(repo);
    const xml = join(repo.dir, "vitest.xml");
    const r = spawnSync(join(repo.dir, "node_modules/.bin/vitest"), ["run", "--reporter=junit", `--outputFile=${xml}`], {
      cwd: repo.dir,
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    const report = await collectFailures({ repoRoot: repo.dir, reportPaths: [xml], meta: META });
    expect(report.failures.map((f) => [f.kind, f.fullName])).toEqual([
      ["failure", "escapes a"],
      ["failure", "escapes b"],
      ["error", "tests/table.test.js"],
    ]);
    const { groups, rest } = groupRootCauses(report.failures, { repoRoot: repo.dir });
    expect(groups.map((g) => [g.message, g.location, g.failures.map((f: FailureRecord) => f.fullName)])).toEqual([
      ["TypeError: cannot escape /a.json", "src/escape.js:2", ["escapes a", "escapes b", "tests/table.test.js"]],
    ]);
    expect(rest).toEqual([]);
  });
});

describe("root causes of a real pytest run with doctests (--doctest-modules)", () => {
  test("a doctest's message is its outcome, not the docstring listing: it groups with a test raising the same, and re-runs alone", async () => {
    const repo = createSampleRepo(
      {
        "conftest.py": "",
        "pkg/__init__.py": "",
        "pkg/seqs.py": [
          "def interleave(seqs):",
          '    """Interleave a sequence of sequences',
          "",
          "    >>> list(interleave([[1, 2], [3, 4]]))",
          "    [1, 3, 2, 4]",
          "    >>> interleave(None)",
          "    []",
          '    """',
          "    return [x for pair in zip(*seqs) for x in pair]",
          "",
          "",
          "def double(x):",
          '    """',
          "    >>> double(2)",
          "    5",
          '    """',
          "    return x * 2",
          "",
        ].join("\n"),
        "tests/test_seqs.py": "from pkg.seqs import interleave\n\n\ndef test_none():\n    assert interleave(None) == []\n",
      },
      { nodeModules: false, branch: "dev" },
    );
    repos.push(repo);
    const xml = join(repo.dir, "pytest.xml");
    spawnSync(
      "/usr/bin/python3",
      ["-m", "pytest", "--doctest-modules", `--junitxml=${xml}`, "-o", "junit_family=xunit1", "-p", "no:cacheprovider"],
      {
        cwd: repo.dir,
      },
    );
    const report = await collectFailures({ repoRoot: repo.dir, reportPaths: [xml], meta: META });
    expect(report.failures.map((f) => [f.fullName, f.message])).toEqual([
      ["pkg/seqs.py::pkg.seqs.interleave", "TypeError: zip() argument after * must be an iterable, not NoneType"],
      ["pkg/seqs.py::pkg.seqs.double", ">>> double(2)\nExpected:\n    5\nGot:\n    4"],
      ["tests/test_seqs.py::test_none", "TypeError: zip() argument after * must be an iterable, not NoneType"],
    ]);
    const { groups } = groupRootCauses(report.failures, { repoRoot: repo.dir });
    expect(groups.map((g) => [g.location, g.failures.map((f: FailureRecord) => f.fullName)])).toEqual([
      ["pkg/seqs.py:9", ["pkg/seqs.py::pkg.seqs.interleave", "tests/test_seqs.py::test_none"]],
    ]);
    // Each doctest re-runs alone (its node id), not its whole module.
    const one = spawnSync(
      "/usr/bin/python3",
      ["-m", "pytest", "--doctest-modules", "-p", "no:cacheprovider", pytestSelector(report.failures[1]!.fullName, "pkg/seqs.py", ".")],
      {
        cwd: repo.dir,
        encoding: "utf8",
      },
    );
    expect(one.stdout).toMatch(/^=+ 1 failed in /m);
  });
});
