// Every coverage format on REAL output: reports written by bun, vitest (v8 provider, all istanbul reporters),
// jest, coverage.py and go for sample projects whose unrun lines are known (tests/coverage/projects.ts).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { detectCoverageFormat, readCoverage, type FileCoverage } from "../../lib/coverage/index.ts";
import type { SampleRepo } from "../support/sample-repo.ts";
import { bunProject, goProject, hasGo, jestProject, pythonProject, runVitest, vitestProject } from "./projects.ts";

// Real runners and child processes on a shared 2-core machine: bunfig's timeout is not applied by bun 1.4.4.
setDefaultTimeout(120_000);

const repos: SampleRepo[] = [];
afterAll(() => {
  for (const r of repos) r.cleanup();
});

async function read(repo: SampleRepo, rel: string[], cwd = ".") {
  return readCoverage(
    repo.dir,
    rel.map((r) => ({ path: join(repo.dir, r), cwd })),
  );
}

// vitest's v8 provider (remapped to istanbul) counts the statements on lines 2, 6, 7, 9, 10, 12, 16, 17.
const VITEST_MATH: FileCoverage = {
  file: "src/math.js",
  linesTotal: 8,
  linesCovered: 3,
  pct: 37.5,
  uncovered: [
    [9, 10],
    [12, 12],
    [16, 17],
  ],
};
const VITEST_FULL: FileCoverage = { file: "src/full.js", linesTotal: 1, linesCovered: 1, pct: 100, uncovered: [] };

describe("vitest + @vitest/coverage-v8", () => {
  let repo: SampleRepo;
  beforeAll(() => {
    repo = vitestProject();
    repos.push(repo);
    runVitest(repo.dir, "cov");
  }, 120_000);

  for (const [name, format] of [
    ["coverage-final.json", "istanbul"],
    ["lcov.info", "lcov"],
    ["cobertura-coverage.xml", "cobertura"],
    ["clover.xml", "clover"],
  ] as const) {
    test(`${name} (${format}): exact lines and uncovered ranges`, async () => {
      expect(await detectCoverageFormat(join(repo.dir, "cov", name))).toBe(format);
      const r = await read(repo, [`cov/${name}`]);
      expect(r.errors).toEqual([]);
      expect(r.reports).toEqual([{ path: `cov/${name}`, format }]);
      expect(r.files).toEqual([VITEST_FULL, VITEST_MATH]);
    });
  }

  test("coverage-summary.json (json-summary): the same totals, ranges unknown", async () => {
    expect(await detectCoverageFormat(join(repo.dir, "cov/coverage-summary.json"))).toBe("istanbul-summary");
    const r = await read(repo, ["cov/coverage-summary.json"]);
    expect(r.files).toEqual([
      { ...VITEST_FULL, uncovered: null },
      { ...VITEST_MATH, uncovered: null },
    ]);
  });

  test("a summary next to a line report of the same files adds nothing: the line data wins", async () => {
    const r = await read(repo, ["cov/coverage-summary.json", "cov/lcov.info"]);
    expect(r.files).toEqual([VITEST_FULL, VITEST_MATH]);
  });

  test("two shards of the same files merge line by line (max hits per line)", async () => {
    // Shard 1 runs add/greet only, shard 2 runs sign(5) only: each alone misses what the other runs.
    runVitest(repo.dir, "shard1", ["tests/add.test.js"]);
    runVitest(repo.dir, "shard2", ["tests/sign.test.js"]);
    const one = await read(repo, ["shard1/coverage-final.json"]);
    expect(one.files.find((f) => f.file === "src/math.js")).toEqual({
      file: "src/math.js",
      linesTotal: 8,
      linesCovered: 1,
      pct: 12.5,
      uncovered: [
        [6, 7],
        [9, 10],
        [12, 12],
        [16, 17],
      ],
    });
    const two = await read(repo, ["shard2/lcov.info"]);
    expect(two.files.find((f) => f.file === "src/math.js")!.uncovered).toEqual([
      [2, 2],
      [9, 10],
      [12, 12],
      [16, 17],
    ]);
    // Different formats of different shards merge too.
    const merged = await read(repo, ["shard1/coverage-final.json", "shard2/lcov.info"]);
    expect(merged.files).toEqual([VITEST_FULL, VITEST_MATH]);
  });

  test("CI checkout paths (/home/runner/work/...) map back to the repository's files", async () => {
    const ci = "/home/runner/work/widgets/widgets";
    const lcov = readFileSync(join(repo.dir, "cov/lcov.info"), "utf8").replace(/^SF:/gm, `SF:${ci}/`);
    writeFileSync(join(repo.dir, "ci-lcov.info"), lcov);
    const cob = readFileSync(join(repo.dir, "cov/cobertura-coverage.xml"), "utf8").replace(
      /<source>[^<]*<\/source>/,
      `<source>${ci}</source>`,
    );
    writeFileSync(join(repo.dir, "ci-cobertura.xml"), cob);
    const win = readFileSync(join(repo.dir, "cov/clover.xml"), "utf8")
      .replaceAll(repo.dir, "D:\\a\\widgets\\widgets")
      .replace(/(path="[^"]*)\//g, "$1\\");
    writeFileSync(join(repo.dir, "ci-clover.xml"), win);
    for (const f of ["ci-lcov.info", "ci-cobertura.xml", "ci-clover.xml"]) {
      const r = await read(repo, [f]);
      expect({ f, files: r.files }).toEqual({ f, files: [VITEST_FULL, VITEST_MATH] });
    }
  });
});

describe("jest (babel-plugin-istanbul)", () => {
  let repo: SampleRepo;
  // CommonJS: `module.exports = ...` on line 19 (math.js) and line 4 (full.js) is a run statement too.
  const MATH: FileCoverage = {
    file: "src/math.js",
    linesTotal: 9,
    linesCovered: 4,
    pct: 44.44,
    uncovered: [
      [9, 10],
      [12, 12],
      [16, 17],
    ],
  };
  const FULL: FileCoverage = { file: "src/full.js", linesTotal: 2, linesCovered: 2, pct: 100, uncovered: [] };
  beforeAll(() => {
    repo = jestProject();
    repos.push(repo);
  }, 120_000);

  for (const [name, format] of [
    ["coverage-final.json", "istanbul"],
    ["lcov.info", "lcov"],
    ["clover.xml", "clover"],
    ["cobertura-coverage.xml", "cobertura"],
  ] as const) {
    test(`${name} (${format})`, async () => {
      expect(await detectCoverageFormat(join(repo.dir, "cov", name))).toBe(format);
      const r = await read(repo, [`cov/${name}`]);
      expect(r.errors).toEqual([]);
      expect(r.files).toEqual([FULL, MATH]);
    });
  }

  test("json-summary", async () => {
    const r = await read(repo, ["cov/coverage-summary.json"]);
    expect(r.files).toEqual([
      { ...FULL, uncovered: null },
      { ...MATH, uncovered: null },
    ]);
  });
});

describe("bun test --coverage-reporter=lcov", () => {
  test("bun counts function declaration lines: 5 of 11 lines of math.js", async () => {
    const repo = bunProject();
    repos.push(repo);
    const r = await read(repo, ["cov/lcov.info"]);
    expect(r.errors).toEqual([]);
    expect(r.files).toEqual([
      { file: "src/full.js", linesTotal: 2, linesCovered: 2, pct: 100, uncovered: [] },
      {
        file: "src/math.js",
        linesTotal: 11,
        linesCovered: 5,
        pct: 45.45,
        uncovered: [
          [9, 10],
          [12, 12],
          [15, 17],
        ],
      },
    ]);
  });
});

describe("coverage.py", () => {
  let repo: SampleRepo;
  const CALC: FileCoverage = {
    file: "pkg/calc.py",
    linesTotal: 11,
    linesCovered: 6,
    pct: 54.55,
    uncovered: [
      [8, 10],
      [14, 15],
    ],
  };
  const INIT: FileCoverage = { file: "pkg/__init__.py", linesTotal: 0, linesCovered: 0, pct: 100, uncovered: [] };
  const TESTS: FileCoverage = { file: "tests/test_calc.py", linesTotal: 5, linesCovered: 5, pct: 100, uncovered: [] };
  beforeAll(() => {
    repo = pythonProject();
    repos.push(repo);
  }, 120_000);

  test("coverage json: executed/missing lines; pytest's own files (dist-packages) are left out, counted", async () => {
    expect(await detectCoverageFormat(join(repo.dir, "cov/coverage.json"))).toBe("coveragepy");
    const r = await read(repo, ["cov/coverage.json"]);
    expect(r.errors).toEqual([]);
    expect(r.files).toEqual([INIT, CALC, TESTS]);
    expect(r.skippedFiles).toBeGreaterThan(10);
  });

  test("coverage xml (Cobertura, paths relative to its <source>)", async () => {
    expect(await detectCoverageFormat(join(repo.dir, "cov/coverage.xml"))).toBe("cobertura");
    const r = await read(repo, ["cov/coverage.xml"]);
    expect(r.errors).toEqual([]);
    expect(r.files).toEqual([INIT, CALC, TESTS]);
  });
});

describe.if(hasGo())("go test -coverprofile", () => {
  test("blocks become lines; import paths map to the module's files", async () => {
    const repo = goProject();
    repos.push(repo);
    expect(await detectCoverageFormat(join(repo.dir, "cov/cover.out"))).toBe("go");
    const r = await read(repo, ["cov/cover.out"]);
    expect(r.errors).toEqual([]);
    // Blocks 3-5, 7-8, 8-10 ran; 11, 11-13, 14 and 17-20 did not.
    expect(r.files).toEqual([
      {
        file: "calc/calc.go",
        linesTotal: 15,
        linesCovered: 7,
        pct: 46.67,
        uncovered: [
          [11, 14],
          [17, 20],
        ],
      },
    ]);
  });
});

test("a coverprofile recorded from `go test -coverprofile` (go 1.26.8, CALC_GO above) parses the same without Go installed", async () => {
  // Recorded on the toolkit's machine so the mapping is tested on CI machines without Go too.
  const profile = [
    "mode: set",
    "example.com/sample/calc/calc.go:3.24,5.2 1 1",
    "example.com/sample/calc/calc.go:7.22,8.11 1 1",
    "example.com/sample/calc/calc.go:8.11,10.3 1 1",
    "example.com/sample/calc/calc.go:11.2,11.11 1 0",
    "example.com/sample/calc/calc.go:11.11,13.3 1 0",
    "example.com/sample/calc/calc.go:14.2,14.10 1 0",
    "example.com/sample/calc/calc.go:17.24,20.2 2 0",
    "",
  ].join("\n");
  const { createSampleRepo } = await import("../support/sample-repo.ts");
  const { CALC_GO } = await import("./projects.ts");
  const repo = createSampleRepo(
    { "go.mod": "module example.com/sample\n", "calc/calc.go": CALC_GO, "cover.out": profile },
    { nodeModules: false, git: false },
  );
  repos.push(repo);
  const r = await read(repo, ["cover.out"]);
  expect(r.files).toEqual([
    {
      file: "calc/calc.go",
      linesTotal: 15,
      linesCovered: 7,
      pct: 46.67,
      uncovered: [
        [11, 14],
        [17, 20],
      ],
    },
  ]);
});
