// parseTrxFile on tests/fixtures/reports/dotnet.trx: hand-written in the layout `dotnet test --logger trx`
// writes (VSTest with the xUnit and MSTest adapters; there is no .NET SDK on this machine, see ORIGINS.md).
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HealError } from "../../lib/errors.ts";
import { parseTrxFile, timeSpanToMs } from "../../lib/parsers/trx.ts";
import type { TestCase } from "../../lib/types.ts";

const TRX = join(import.meta.dir, "../fixtures/reports/dotnet.trx");

async function parse(path: string): Promise<TestCase[]> {
  const cases: TestCase[] = [];
  await parseTrxFile(path, (c) => cases.push(c));
  return cases;
}

describe("dotnet test --logger trx", () => {
  test("every result, with the class from <TestDefinitions> (read after <Results>), outcome mapped to status", async () => {
    const cases = await parse(TRX);
    expect(cases.map((c) => [c.fullName, c.status, c.durationMs])).toEqual([
      ["Calc.Tests.CalculatorTests.AddsSmall", "passed", 1.2],
      ["Calc.Tests.CalculatorTests.AddsBig", "failed", 4.3],
      ["Calc.Tests.CalculatorTests.Skipped", "skipped", 1],
      // MSTest writes the bare method name as testName: the class comes from TestMethod/@className.
      ["Calc.MsTests.DivisionTests.Divides", "error", 2.1],
      // A data-driven test: the rows under <InnerResults> are the cases, the parent only sums them up.
      ["Calc.MsTests.DivisionTests.IsEven (2)", "passed", 1],
      ["Calc.MsTests.DivisionTests.IsEven (3)", "failed", 2],
    ]);
    expect(cases.every((c) => c.framework === "trx" && c.file === undefined && c.line === undefined)).toBe(true);
  });

  test("ErrorInfo/Message is the message (CRLF normalised), ErrorInfo/StackTrace the stack, StdOut ignored", async () => {
    const cases = await parse(TRX);
    const big = cases.find((c) => c.fullName === "Calc.Tests.CalculatorTests.AddsBig")!;
    expect(big.message).toBe("Assert.Equal() Failure: Values differ\nExpected: 13\nActual:   14");
    expect(big.stack).toStartWith(
      "   at Calc.Tests.CalculatorTests.AddsBig() in /home/runner/work/calc/calc/Calc.Tests/CalculatorTests.cs:line 17\n",
    );
    expect(big.stack).not.toContain("\r");
    const skipped = cases.find((c) => c.status === "skipped")!;
    expect(skipped.message).toBeUndefined();
    expect(skipped.stack).toBeUndefined();
    expect(cases.find((c) => c.fullName.endsWith("IsEven (3)"))!.stack).toContain("DivisionTests.cs:line 22");
  });

  test("a result whose test definition is missing keeps its testName", async () => {
    const dir = mkdtempSync(join(tmpdir(), "heal-trx-"));
    try {
      const p = join(dir, "partial.trx");
      writeFileSync(
        p,
        `<?xml version="1.0" encoding="utf-8"?><TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"><Results>
<UnitTestResult testId="x" testName="Lonely.Test" outcome="Timeout" duration="1.00:00:01.5"/></Results></TestRun>`,
      );
      expect(await parse(p)).toEqual([{ framework: "trx", fullName: "Lonely.Test", status: "error", durationMs: 86_401_500 }]);
      const junit = join(dir, "junit.trx");
      writeFileSync(junit, `<testsuites><testsuite name="a"/></testsuites>`);
      const err = await parseTrxFile(junit, () => {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HealError);
      expect((err as HealError).oneLine()).toStartWith(`${junit}: root element <testsuites> is not TRX (expected <TestRun>)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("timeSpanToMs reads .NET TimeSpan text", () => {
  expect(timeSpanToMs("00:00:00.0043000")).toBe(4.3);
  expect(timeSpanToMs("01:02:03")).toBe(3_723_000);
  expect(timeSpanToMs("nonsense")).toBeUndefined();
});
