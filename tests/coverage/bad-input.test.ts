// Reports that cannot be read: each gives one line naming the file, and the other reports still count.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { detectCoverageFormat, formatOfHead, readCoverage } from "../../lib/coverage/index.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

// Real runners and child processes on a shared 2-core machine: bunfig's timeout is not applied by bun 1.4.4.
setDefaultTimeout(120_000);

let repo: SampleRepo;
const GOOD_LCOV = "TN:\nSF:src/a.js\nDA:1,1\nDA:2,0\nend_of_record\n";

beforeAll(() => {
  repo = createSampleRepo({ "src/a.js": "a\nb\n", "src/b.js": "x\n" }, { nodeModules: false, git: false });
});
afterAll(() => repo.cleanup());

function file(name: string, content: string | Uint8Array): string {
  writeFileSync(join(repo.dir, name), content);
  return name;
}

async function errorsOf(name: string, content: string | Uint8Array): Promise<string[]> {
  file("good.info", GOOD_LCOV);
  file(name, content);
  const r = await readCoverage(repo.dir, [{ path: join(repo.dir, name) }, { path: join(repo.dir, "good.info") }]);
  // The good report is read whatever happened to the bad one.
  expect(r.files).toEqual([{ file: "src/a.js", linesTotal: 2, linesCovered: 1, pct: 50, uncovered: [[2, 2]] }]);
  expect(r.reports).toEqual([{ path: "good.info", format: "lcov" }]);
  for (const e of r.errors) {
    expect(e).not.toContain("\n");
    expect(e.startsWith(`${name}: `)).toBe(true);
    expect(e).toContain("a test report cannot be read");
  }
  return r.errors;
}

describe("one line naming the file, others still processed", () => {
  const cases: [string, string | Uint8Array, RegExp][] = [
    ["empty.info", "", /the file is empty/],
    ["binary.dat", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0, 0, 255, 254]), /binary content/],
    ["junit.xml", `<?xml version="1.0"?><testsuites><testsuite name="x"/></testsuites>`, /not a coverage report/],
    ["truncated.info", "TN:\nSF:src/a.js\nDA:1,1\n", /lcov line 3: the last record has no end_of_record/],
    ["garbage.info", "SF:src/a.js\nDA:one,two\nend_of_record\n", /lcov line 2: malformed "DA:one,two"/],
    [
      "truncated.json",
      `{"/x/src/a.js": {"path": "/x/src/a.js", "statementMap": {"0": {"start": {"line": 1`,
      /istanbul coverage-final.json: not valid JSON/,
    ],
    ["shape.json", `{"src/a.js": {"path": "src/a.js", "statementMap": {}, "s": 3}}`, /istanbul entry "src\/a.js" has no statementMap\/s/],
    [
      "py.json",
      `{"meta": {"version": "6.5.0"}, "files": {"src/a.js": {"executed_lines": 3}}}`,
      /coverage.py entry "src\/a.js" has no executed_lines\/missing_lines/,
    ],
    [
      "summary.json",
      `{"total": {"lines": {"total": 2, "covered": 1}}, "src/a.js": {"lines": {"total": 1, "covered": 5}}}`,
      /json-summary entry "src\/a.js" has no valid lines.total\/covered/,
    ],
    [
      "cut.xml",
      `<?xml version="1.0"?>\n<coverage line-rate="1">\n<packages><package><classes><class filename="src/a.js"><lines><line number="1" hits="1"/>`,
      /Cobertura XML: .*(unclosed|end)/i,
    ],
    [
      "clover-bad.xml",
      `<coverage clover="3.2.0"><project><file path="src/a.js"><line num="x" count="1" type="stmt"/></file></project></coverage>`,
      /Clover: a <line> in src\/a.js without a valid num\/count/,
    ],
    ["go.out", "mode: set\nexample.com/m/a.go:3.1,x 1 1\n", /Go coverprofile line 2: not a coverage block/],
    ["go-mode.out", "mode: sideways\n", /not a coverage report/],
  ];
  for (const [name, content, message] of cases) {
    test(name, async () => {
      const errors = await errorsOf(name, content);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
    });
  }

  test("entity expansion and XXE attempts in a Cobertura report are refused, nothing is fetched or expanded", async () => {
    const xxe = `<?xml version="1.0"?>
<!DOCTYPE coverage [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<coverage line-rate="1"><sources><source>&xxe;&b;</source></sources><packages/></coverage>`;
    const errors = await errorsOf("xxe.xml", xxe);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^xxe\.xml: Cobertura XML: refused a DOCTYPE with an internal subset \(entity declarations\) — /);
    expect(errors[0]).not.toContain("root:");
  });

  test("a missing file", async () => {
    const r = await readCoverage(repo.dir, [{ path: join(repo.dir, "nope.info") }]);
    expect(r.errors).toEqual(["nope.info: cannot open: ENOENT — a test report cannot be read: check the file, or pass --format"]);
    expect(r.files).toEqual([]);
  });

  test("an explicit format that does not fit the content is an error for that file, not a crash", async () => {
    file("lcov-as-xml.info", GOOD_LCOV);
    const r = await readCoverage(repo.dir, [{ path: join(repo.dir, "lcov-as-xml.info"), format: "cobertura" }]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^lcov-as-xml\.info: Cobertura XML: /);
  });
});

describe("detection by content, not by name", () => {
  test("an lcov file named .json, a Cobertura file named .txt", async () => {
    expect(await detectCoverageFormat(join(repo.dir, file("x.json", GOOD_LCOV)))).toBe("lcov");
    expect(
      await detectCoverageFormat(
        join(repo.dir, file("x.txt", `<?xml version="1.0" ?>\n<coverage version="7.4" line-rate="0.5"><sources/></coverage>`)),
      ),
    ).toBe("cobertura");
  });

  test("heads of each format", () => {
    expect(formatOfHead("mode: atomic\nx.go:1.1,2.2 1 0\n")).toBe("go");
    expect(formatOfHead("\uFEFFTN:\nSF:/a.js\n")).toBe("lcov");
    expect(formatOfHead(`<?xml version="1.0"?>\n<coverage generated="1" clover="3.2.0">`)).toBe("clover");
    // PHPUnit's Clover has no clover= attribute but a <project>.
    expect(
      formatOfHead(`<?xml version="1.0" encoding="UTF-8"?>\n<coverage generated="1700000000">\n  <project timestamp="1700000000">`),
    ).toBe("clover");
    expect(
      formatOfHead(
        `<?xml version="1.0" ?>\n<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">\n<coverage lines-valid="9">`,
      ),
    ).toBe("cobertura");
    expect(formatOfHead(`{"meta": {"format": 2, "version": "7.4.0", "timestamp": "x", "branch_coverage": false}, "files": {}}`)).toBe(
      "coveragepy",
    );
    expect(formatOfHead(`{"/a/b.js": {"path": "/a/b.js", "statementMap": {}}}`)).toBe("istanbul");
    expect(formatOfHead(`{"total": {"lines": {"total": 1}}}`)).toBe("istanbul-summary");
    expect(formatOfHead(`{"testResults": []}`)).toBeNull();
    expect(formatOfHead(`TAP version 13\nok 1 - x\n`)).toBeNull();
  });
});

describe("size", () => {
  // Time and memory are measured by bench/coverage-scale.ts (ratios against a bare read), not here.
  test("a 300,000-line Cobertura report streams through with exact per-file results", async () => {
    const rows: string[] = [];
    for (let c = 0; c < 300; c++) {
      rows.push(`<class name="c${c}" filename="gen/f${c}.py"><methods/><lines>`);
      for (let l = 1; l <= 1000; l++) rows.push(`<line number="${l}" hits="${l % 4 === 0 ? 0 : 3}"/>`);
      rows.push("</lines></class>");
    }
    const xml = `<?xml version="1.0" ?>\n<coverage line-rate="0.75"><sources><source>/ci/work</source></sources><packages><package name="gen"><classes>\n${rows.join("\n")}\n</classes></package></packages></coverage>\n`;
    file("big.xml", xml);
    const r = await readCoverage(repo.dir, [{ path: join(repo.dir, "big.xml") }]);
    expect(r.errors).toEqual([]);
    expect(r.files).toHaveLength(300);
    expect(r.files[0]).toMatchObject({ file: "gen/f0.py", linesTotal: 1000, linesCovered: 750, pct: 75 });
    expect(r.files[0]!.uncovered!.slice(0, 2)).toEqual([
      [4, 4],
      [8, 8],
    ]);
    expect(r.files.find((f) => f.file === "gen/f299.py")).toMatchObject({ linesTotal: 1000, linesCovered: 750 });
  });

  test("2,000,000 lcov lines (20,000 files) read in a separate process give every file", async () => {
    const parts: string[] = [];
    for (let f = 0; f < 20_000; f++) {
      parts.push(`TN:\nSF:src/gen/f${f}.ts\n`);
      for (let l = 1; l <= 100; l++) parts.push(`DA:${l},${l % 5 === 0 ? 0 : 2}\n`);
      parts.push("end_of_record\n");
    }
    file("big.info", parts.join(""));
    // A separate process, so its peak resident memory (maxRSS) is the read's alone.
    const script = `import { readCoverage } from ${JSON.stringify(join(import.meta.dir, "../../lib/coverage/index.ts"))};
const r = await readCoverage(${JSON.stringify(repo.dir)}, [{ path: ${JSON.stringify(join(repo.dir, "big.info"))} }]);
console.log(JSON.stringify({ files: r.files.length, first: r.files[0], last: r.files.at(-1), errors: r.errors }));`;
    const proc = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    const r = JSON.parse(out);
    expect(r.files).toBe(20_000);
    expect(r.errors).toEqual([]);
    expect(r.first).toMatchObject({ file: "src/gen/f0.ts", linesTotal: 100, linesCovered: 80, pct: 80 });
    expect(r.last).toMatchObject({
      linesTotal: 100,
      linesCovered: 80,
      uncovered: expect.arrayContaining([
        [5, 5],
        [100, 100],
      ]),
    });
  });
});
