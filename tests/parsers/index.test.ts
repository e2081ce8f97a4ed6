// The dispatcher: formats detected from content on the real runners' reports, explicit formats and
// aliases, and every kind of bad file giving one HealError line that names the file.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { HealError } from "../../lib/errors.ts";
import { detectFormat, normalizeFormat, parseReport, sniff } from "../../lib/parsers/index.ts";
import type { TestCase } from "../../lib/types.ts";
import { buildCorpus, type Corpus } from "../support/samples.ts";

let corpus: Corpus;
let dir: string;

beforeAll(async () => {
  corpus = await buildCorpus();
  dir = mkdtempSync(join(tmpdir(), "heal-dispatch-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function failure(path: string, format?: string): Promise<HealError> {
  try {
    await parseReport(path, () => {}, { format });
  } catch (err) {
    return err as HealError;
  }
  throw new Error(`${path} parsed without error`);
}

describe("detectFormat", () => {
  test("recognizes every real report of the corpus by content", async () => {
    const seen: string[] = [];
    for (const p of corpus.projects) {
      for (const r of p.reports) {
        expect(`${p.runner}/${basename(r.path)}: ${await detectFormat(r.path)}`).toBe(`${p.runner}/${basename(r.path)}: ${r.format}`);
        seen.push(r.format);
      }
    }
    expect(new Set(seen)).toEqual(
      new Set([
        "junit",
        "jest-json",
        "bun-console",
        ...(Bun.which("go") ? ["go-json"] : []),
        ...(Bun.which("terraform") ? ["terraform-json"] : []),
      ]),
    );
  });

  test("reads the XML root past prolog, comments and doctype: JUnit, TRX, NUnit, xUnit.net", () => {
    expect(sniff('\uFEFF<?xml version="1.0"?>\n<!-- generated -->\n<testsuite name="x">')).toBe("junit");
    expect(
      sniff('<?xml version="1.0" encoding="utf-8"?><TestRun id="1" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">'),
    ).toBe("trx");
    expect(sniff('<?xml version="1.0"?><!DOCTYPE x [ <!ENTITY a "b"> ]><test-run id="2">')).toBe("nunit");
    expect(sniff('<?xml version="1.0"?><test-suite type="Assembly" name="a.dll">')).toBe("nunit");
    expect(sniff('\uFEFF<?xml version="1.0" encoding="utf-8" ?>\n<assemblies timestamp="x"><assembly name="a.dll">')).toBe("xunit");
    expect(sniff("<html><body>502 Bad Gateway</body></html>")).toBeNull();
  });

  test("a JUnit suite counting a failure it does not list is never green: one failed case stands for it (publish-unit-test-result fixture)", async () => {
    const path = join(import.meta.dir, "../fixtures/publish-unit-test-result/junit-xml/no-cases-but-tests.xml");
    const cases: TestCase[] = [];
    expect(await parseReport(path, (c) => cases.push(c))).toEqual({
      format: "junit",
      cases: 1,
      unlisted: [{ suite: "pytest", tests: 6, failures: 1, errors: 0, skipped: 2 }],
    });
    expect(cases).toEqual([
      {
        framework: "junit",
        fullName: "pytest > (failures the report counts but does not list)",
        status: "failed",
        message: '<testsuite name="pytest"> counts 1 more failures than the test cases it lists',
        unlistedCount: 1,
      },
    ]);
  });

  test("tells the JSON dialects and line formats apart", () => {
    expect(sniff('{"stats":{"suites":1},"tests":[],"passes":[]}')).toBe("mocha-json");
    expect(sniff('{"format_version":"1.0","valid":true,"diagnostics":[]}')).toBe("terraform-json");
    expect(sniff('{"tests":[{"fullName":"a","status":"failed"}]}')).toBe("jest-json");
    expect(sniff('go: downloading x v1\n{"Time":"2024-01-01T00:00:00Z","Action":"start","Package":"p"}')).toBe("go-json");
    expect(sniff("TAP version 13\nok 1 - a\n1..1\n")).toBe("tap");
    expect(sniff("ok 1 - a\nnot ok 2 - b\n1..2\n")).toBe("tap");
    expect(sniff("bun test v1.4.4 (38afee6c8)\n\ntests/a.test.ts:\n")).toBe("bun-console");
    expect(sniff('{"version":"3.12.0","examples":[{"id":"./spec/a_spec.rb[1:1]","full_description":"A b"}]}')).toBe("rspec-json");
    expect(sniff('{"version":"3.12.0","messages":["x"],"examples":[],"summary_line":"0 examples"}')).toBe("rspec-json");
    expect(sniff('{"name":"x"}')).toBeNull();
  });

  test("sniffing 64 KB of adversarial text does not hang (no pattern runs across lines)", () => {
    const started = performance.now();
    for (const text of ["│ \n".repeat(21_000), " \n".repeat(32_000) + "x", "ok \n".repeat(16_000), `{${'"a":'.repeat(16_000)}`])
      sniff(text);
    // A hang guard against catastrophic backtracking (that would take minutes), not a speed target.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(sniff("hello world")).toBeNull();
  });
});

describe("explicit formats", () => {
  test("aliases map to formats; an unknown name is a usage error listing the known ones", () => {
    expect(normalizeFormat("vitest")).toBe("jest-json");
    expect(normalizeFormat("terragrunt")).toBe("terraform-text");
    expect(normalizeFormat("JUnit")).toBe("junit");
    expect(() => normalizeFormat("csv")).toThrow('unknown report format "csv" (known: junit, trx, nunit, xunit, jest-json, rspec-json');
  });

  test("--format overrides sniffing: a jest report read as go-json fails naming the file", async () => {
    const jest = corpus.projects.find((p) => p.runner === "jest")!.reports.find((r) => r.format === "jest-json")!;
    const err = await failure(jest.path, "go-json");
    expect(err).toBeInstanceOf(HealError);
    expect(err.oneLine()).toStartWith(`${jest.path}: go-json: no go test -json events found`);
  });

  test("JSON after console noise (jest --json to stdout) is still read", async () => {
    const path = file(
      "noisy.json",
      'console.log src/a.js:3\n  hello\n{"testResults":[{"name":"/x/a.test.js","status":"passed","assertionResults":[{"ancestorTitles":[],"title":"t","status":"passed"}]}]}\n',
    );
    const cases: TestCase[] = [];
    expect((await parseReport(path, (c) => cases.push(c), { format: "jest-json" })).format).toBe("jest-json");
    expect(cases.map((c) => c.fullName)).toEqual(["t"]);
  });
});

describe("bad input: one line naming the file, never a stack", () => {
  const cases: [string, () => string, string][] = [
    ["missing", () => join(dir, "nope.xml"), "file not found"],
    [
      "a folder",
      () => (mkdirSync(join(dir, "folder.json"), { recursive: true }), join(dir, "folder.json")),
      "is a folder, not a report file",
    ],
    ["empty", () => file("empty.json", ""), "empty file"],
    [
      "binary",
      () => file("binary.xml", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])),
      "binary data, not a text test report",
    ],
    [
      "not UTF-8",
      () => file("latin1.json", new Uint8Array([0x7b, 0x22, 0x74, 0xe9, 0x73, 0x74, 0x22, 0x3a, 0x31, 0x7d])),
      "not UTF-8 text",
    ],
    [
      "truncated JSON",
      () => file("cut.json", '{"numTotalTests":3,"testResults":[{"name":"/a.test.js","assertionResults":[{"title":"x"'),
      "invalid JSON (",
    ],
    ["unknown text", () => file("notes.txt", "just some notes\n"), "not a known test report format (pass --format to say which)"],
    ["unknown JSON", () => file("package.json", '{"name":"x","version":"1.0.0"}'), "not a known test report format"],
  ];
  for (const [name, make, detail] of cases) {
    test(name, async () => {
      const path = make();
      const err = await failure(path);
      expect(err).toBeInstanceOf(HealError);
      expect(err.code).toBe("REPORT_UNREADABLE");
      expect(err.file).toBe(path);
      const line = err.oneLine();
      expect(line).toContain(detail);
      expect(line).toStartWith(`${path}: `);
      expect(line.includes("\n")).toBe(false);
    });
  }
});
