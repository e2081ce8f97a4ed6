// bun test's console output, read only for what its JUnit report leaves out: test files that fail to load.
// Real output: bun test on a sample with a missing import and a syntax error.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseReport } from "../../lib/parsers/index.ts";
import type { TestCase } from "../../lib/types.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

let repo: SampleRepo;
let junit: string;
let consoleOut: string;

beforeAll(() => {
  repo = createSampleRepo(
    {
      "tests/ok.test.ts": 'import { expect, test } from "bun:test";\ntest("works", () => {\n  expect(1).toBe(2);\n});\n',
      "tests/missing.test.ts": 'import { test } from "bun:test";\nimport { gone } from "./gone";\ntest("never", () => { gone(); });\n',
      "tests/syntax.test.ts": 'import { test } from "bun:test";\n\ntest("never", () => {\n  const x = ;\n});\n',
    },
    { nodeModules: false, git: false },
  );
  const r = spawnSync(process.execPath, ["test", "--reporter=junit", "--reporter-outfile=report.xml"], {
    cwd: repo.dir,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  expect(r.status).toBe(1);
  junit = readFileSync(join(repo.dir, "report.xml"), "utf8");
  consoleOut = `${r.stdout}${r.stderr}`;
  writeFileSync(join(repo.dir, "bun.txt"), consoleOut);
});
afterAll(() => repo.cleanup());

describe("bun console output", () => {
  test("bun's JUnit report leaves out the files that failed to load (why this parser exists)", () => {
    expect(junit).toContain('name="works"');
    expect(junit).not.toContain("missing.test.ts");
  });

  test("each file that failed to load is one error named by the file, with bun's message", async () => {
    const cases: TestCase[] = [];
    const { format } = await parseReport(join(repo.dir, "bun.txt"), (c) => cases.push(c));
    expect(format).toBe("bun-console");
    const byFile = Object.fromEntries(cases.map((c) => [c.fullName, c]));
    expect(Object.keys(byFile).sort()).toEqual(["tests/missing.test.ts", "tests/syntax.test.ts"]);
    expect(byFile["tests/missing.test.ts"]).toMatchObject({ framework: "bun", file: "tests/missing.test.ts", status: "error" });
    expect(byFile["tests/missing.test.ts"]!.message).toStartWith("Cannot find module './gone' from ");
    expect(byFile["tests/syntax.test.ts"]!.status).toBe("error");
    expect(byFile["tests/syntax.test.ts"]!.stack).toContain("syntax.test.ts:4:");
  });

  test("output without load errors is a valid, empty result", async () => {
    const path = join(repo.dir, "clean.txt");
    writeFileSync(path, "bun test v1.4.4 (38afee6c8)\n\ntests/ok.test.ts:\n(pass) works [0.10ms]\n\n 1 pass\n 0 fail\n");
    const cases: TestCase[] = [];
    expect(await parseReport(path, (c) => cases.push(c))).toEqual({ format: "bun-console", cases: 0 });
  });
});
