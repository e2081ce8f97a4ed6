// parseXunitNetFile on xUnit.net v2 XML: public files from publish-unit-test-result-action (Fixie's and a
// Jenkins plugin's xUnit-format reports, tests/fixtures/publish-unit-test-result/README.md), plus one
// hand-written file in the layout `dotnet test --logger xunit` writes for what those lack (assembly <errors>,
// a custom display name, CRLF text, source-file/line); there is no .NET SDK on this machine.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HealError } from "../../lib/errors.ts";
import { detectFormat, parseReport } from "../../lib/parsers/index.ts";
import { parseXunitNetFile } from "../../lib/parsers/xunit-net.ts";
import type { TestCase } from "../../lib/types.ts";

const PUTR = join(import.meta.dir, "../fixtures/publish-unit-test-result/xunit");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "heal-xunit-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function parse(path: string): Promise<TestCase[]> {
  const cases: TestCase[] = [];
  await parseXunitNetFile(path, (c) => cases.push(c));
  return cases;
}

test("Fixie's xUnit report: names, Pass/Fail/Skip, the exception type with its message, the stack trace", async () => {
  const path = join(PUTR, "mstest/fixie.xml");
  expect(await detectFormat(path)).toBe("xunit");
  const cases = await parse(path);
  expect(cases.map((c) => [c.fullName, c.status])).toEqual([
    ['[genericTestClass].ShouldBeString<System.String>("A")', "passed"],
    ['[genericTestClass].ShouldBeString<System.String>("B")', "passed"],
    ["[genericTestClass].ShouldBeString<System.Int32>(123)", "failed"],
    ["[testClass].Fail", "failed"],
    ["[testClass].FailByAssertion", "failed"],
    ["[testClass].Pass", "passed"],
    ["[testClass].Skip", "skipped"],
  ]);
  expect(cases[2]).toMatchObject({
    framework: "xunit",
    message: "Fixie.Tests.Assertions.AssertException: Expected: System.String\nActual:   System.Int32",
    stack: "   at [genericTestClassForStackTrace].ShouldBeString[T](T genericArgument) in [fileLocation]:line #",
    durationMs: 1234,
  });
  expect(cases[6]!.message).toBe("⚠ Skipped with attribute.");
});

test("display names that are sentences are put under their type", async () => {
  const cases = await parse(join(PUTR, "mstest/jenkinsci/testcase5.xml"));
  expect(cases.map((c) => c.fullName)).toContain("UnitTest.UnitTest > Install application.");
});

test("dotnet test --logger xunit: assembly errors become error cases, CRLF text is read as LF, source file and line kept", async () => {
  const path = join(dir, "TestResults.xml");
  writeFileSync(
    path,
    `\uFEFF<?xml version="1.0" encoding="utf-8"?>\r
<assemblies timestamp="12/04/2026 12:00:00">\r
  <assembly name="/src/Calc.Tests/bin/Debug/net8.0/Calc.Tests.dll" test-framework="xUnit.net 2.9.2.0" total="2" passed="0" failed="1" skipped="1" errors="1" time="0.120">\r
    <errors>\r
      <error type="test-class-cleanup" name="Calc.Tests.DbTests">\r
        <failure exception-type="System.InvalidOperationException"><message><![CDATA[connection already closed]]></message><stack-trace><![CDATA[   at Calc.Tests.DbTests.Dispose() in /src/Calc.Tests/DbTests.cs:line 20]]></stack-trace></failure>\r
      </error>\r
    </errors>\r
    <collection total="2" passed="0" failed="1" skipped="1" name="Test collection for Calc.Tests.CalculatorTests" time="0.100">\r
      <test name="Calc.Tests.CalculatorTests.AddsBig(a: 11, b: 2)" type="Calc.Tests.CalculatorTests" method="AddsBig" time="0.0041" result="Fail" source-file="/src/Calc.Tests/CalculatorTests.cs" source-line="17">\r
        <failure exception-type="Xunit.Sdk.EqualException">\r
          <message><![CDATA[Assert.Equal() Failure: Values differ\r
Expected: 13\r
Actual:   14]]></message>\r
          <stack-trace><![CDATA[   at Calc.Tests.CalculatorTests.AddsBig(Int32 a, Int32 b) in /src/Calc.Tests/CalculatorTests.cs:line 19]]></stack-trace>\r
        </failure>\r
      </test>\r
      <test name="Calc.Tests.CalculatorTests.Later" type="Calc.Tests.CalculatorTests" method="Later" time="0" result="Skip">\r
        <reason><![CDATA[not written yet]]></reason>\r
      </test>\r
    </collection>\r
  </assembly>\r
</assemblies>\r
`,
  );
  const cases: TestCase[] = [];
  expect(await parseReport(path, (c) => cases.push(c))).toEqual({ format: "xunit", cases: 3 });
  expect(cases).toEqual([
    {
      framework: "xunit",
      fullName: "test-class-cleanup: Calc.Tests.DbTests",
      status: "error",
      message: "System.InvalidOperationException: connection already closed",
      stack: "   at Calc.Tests.DbTests.Dispose() in /src/Calc.Tests/DbTests.cs:line 20",
    },
    {
      framework: "xunit",
      fullName: "Calc.Tests.CalculatorTests.AddsBig(a: 11, b: 2)",
      status: "failed",
      file: "/src/Calc.Tests/CalculatorTests.cs",
      line: 17,
      message: "Xunit.Sdk.EqualException: Assert.Equal() Failure: Values differ\nExpected: 13\nActual:   14",
      stack: "   at Calc.Tests.CalculatorTests.AddsBig(Int32 a, Int32 b) in /src/Calc.Tests/CalculatorTests.cs:line 19",
      durationMs: 4.1,
    },
    { framework: "xunit", fullName: "Calc.Tests.CalculatorTests.Later", status: "skipped", message: "not written yet", durationMs: 0 },
  ]);
});

test("a JUnit file given as xUnit names the root element it found", async () => {
  const path = join(dir, "junit.xml");
  writeFileSync(path, `<testsuites><testsuite name="s"/></testsuites>`);
  const err = await parse(path).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HealError);
  expect((err as HealError).message).toBe("root element <testsuites> is not xUnit.net XML (expected <assemblies> or <assembly>)");
});
