// TAP from a real runner: `node --test --test-reporter=tap` on a generated test file (nested suites,
// assertion, thrown error, skip, todo, failing before hook), plus plain TAP 13 as tape/bats write it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseReport } from "../../lib/parsers/index.ts";
import type { TestCase } from "../../lib/types.ts";
import { lineOf } from "../support/samples.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

const SOURCE = `import { before, describe, it, test } from "node:test";
import assert from "node:assert/strict";

describe("Calculator", () => {
  describe("addition", () => {
    it("adds two numbers", () => {
      assert.equal(1 + 2, 4); // FAIL:nested
    });
    it("adds zero", () => {
      assert.equal(0 + 0, 0);
    });
  });
});

test("throws an error", () => {
  throw new Error("boom"); // FAIL:thrown
});

test("skipped one", { skip: "not yet" }, () => {});
test("todo one", { todo: true }, () => {});

describe("with database", () => {
  before(() => {
    throw new Error("database fixture failed"); // FAIL:hook
  });
  it("reads rows", () => {});
});
`;

let repo: SampleRepo;
let tapPath: string;

beforeAll(() => {
  repo = createSampleRepo({ "test/math.test.mjs": SOURCE }, { nodeModules: false, git: false });
  const node = Bun.which("node");
  if (!node) throw new Error("node is required for the TAP test (node --test --test-reporter=tap)");
  const r = spawnSync(node, ["--test", "--test-reporter=tap", "test/math.test.mjs"], { cwd: repo.dir, encoding: "utf8" });
  expect(r.status).toBe(1);
  tapPath = join(repo.dir, "out.tap");
  writeFileSync(tapPath, r.stdout);
});
afterAll(() => repo.cleanup());

async function casesOf(path: string): Promise<{ format: string; cases: TestCase[] }> {
  const cases: TestCase[] = [];
  const r = await parseReport(path, (c) => cases.push(c));
  return { format: r.format, cases };
}

describe("TAP", () => {
  test("node --test: leaf tests with ' > ' names, location from the YAML block, stack frames kept", async () => {
    const { format, cases } = await casesOf(tapPath);
    expect(format).toBe("tap");
    const summary = cases.map((c) => `${c.status} ${c.fullName}`);
    expect(summary).toEqual([
      "failed Calculator > addition > adds two numbers",
      "passed Calculator > addition > adds zero",
      "failed throws an error",
      "skipped skipped one",
      "skipped todo one",
      "error with database",
    ]);
    const nested = cases[0]!;
    expect(nested.file).toBe(join(repo.dir, "test/math.test.mjs"));
    expect(nested.line).toBe(6);
    expect(nested.message).toContain("3 !== 4");
    expect(nested.stack).toContain(`math.test.mjs:${lineOf(SOURCE, "FAIL:nested")}:`);
    expect(cases[2]!.message).toBe("boom");
    expect(cases[5]!.message).toBe("database fixture failed");
    expect(cases[5]!.stack).toContain(`math.test.mjs:${lineOf(SOURCE, "FAIL:hook")}:`);
  });

  test("plain TAP 13 (tape/bats style) with directives and escaped hashes", async () => {
    // Written the way tape 5 prints it (origin: the TAP 13 specification's examples).
    const path = join(repo.dir, "plain.tap");
    writeFileSync(
      path,
      [
        "TAP version 13",
        "# parsing",
        "ok 1 - reads a number",
        "not ok 2 - reads a \\# sign",
        "  ---",
        "    operator: equal",
        "    expected: '#'",
        "    actual: ''",
        "    at: Test.<anonymous> (/ci/app/test/parse.js:12:5)",
        "  ...",
        "ok 3 - unicode 計算 # SKIP no fonts",
        "not ok 4 - later # TODO write it",
        "not ok 5 - no diagnostics",
        "1..5",
      ].join("\n"),
    );
    const { format, cases } = await casesOf(path);
    expect(format).toBe("tap");
    expect(cases.map((c) => [c.fullName, c.status, c.file ?? null, c.line ?? null])).toEqual([
      ["reads a number", "passed", null, null],
      ["reads a # sign", "failed", null, null],
      ["unicode 計算", "skipped", null, null],
      ["later", "skipped", null, null],
      ["no diagnostics", "failed", null, null],
    ]);
    expect(cases[1]!.message).toBe('equal: expected "#", got ""');
    expect(cases[1]!.stack).toContain("/ci/app/test/parse.js:12:5");
    expect(cases[4]!.message).toBe("no diagnostics");
  });
});
