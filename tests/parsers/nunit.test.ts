// parseNUnitFile on hand-written files in the layouts nunit3-console (NUnit 3) and NUnit 2.6 write
// (tests/fixtures/reports/nunit3.xml, nunit2.xml; no .NET SDK on this machine, see ORIGINS.md).
import { expect, test } from "bun:test";
import { join } from "node:path";
import { HealError } from "../../lib/errors.ts";
import { parseNUnitFile } from "../../lib/parsers/nunit.ts";
import type { TestCase } from "../../lib/types.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/reports");

async function parse(name: string): Promise<TestCase[]> {
  const cases: TestCase[] = [];
  await parseNUnitFile(join(FIXTURES, name), (c) => cases.push(c));
  return cases;
}

test("NUnit 3: fullname, result+label to status, <reason> for skips, a timeout's label as its message", async () => {
  const cases = await parse("nunit3.xml");
  expect(cases.map((c) => [c.fullName, c.status, c.message])).toEqual([
    ["Calc.NUnitTests.CalculatorTests.AddsSmall", "passed", undefined],
    ["Calc.NUnitTests.CalculatorTests.AddsBig", "failed", "Expected: 13\n  But was:  14"],
    ["Calc.NUnitTests.CalculatorTests.Divides", "error", "System.DivideByZeroException : Attempted to divide by zero."],
    ["Calc.NUnitTests.CalculatorTests.IsEven(2)", "passed", undefined],
    ["Calc.NUnitTests.CalculatorTests.IsEven(3)", "failed", "Expected: True\n  But was:  False"],
    ["Calc.NUnitTests.CalculatorTests.Later", "skipped", "not ready"],
    ["Calc.NUnitTests.CalculatorTests.Slow", "failed", "Test exceeded Timeout value 100ms."],
  ]);
  expect(cases.every((c) => c.framework === "nunit")).toBe(true);
  const divides = cases.find((c) => c.fullName.endsWith("Divides"))!;
  expect(divides.stack).toBe(
    "   at Calc.Calculator.Divide(Int32 a, Int32 b) in /home/runner/work/calc/calc/Calc/Calculator.cs:line 9\n" +
      "   at Calc.NUnitTests.CalculatorTests.Divides() in /home/runner/work/calc/calc/Calc.NUnitTests/CalculatorTests.cs:line 23",
  );
  expect(divides.durationMs).toBe(2);
  // The suite-level "One or more child tests had errors" and <output>/<assertions> never leak into a case.
  expect(JSON.stringify(cases)).not.toContain("One or more child tests");
  expect(cases.find((c) => c.fullName.endsWith("AddsBig"))!.stack).not.toContain("computing");
});

test("NUnit 2: name is the full name, executed/result/success to status", async () => {
  const cases = await parse("nunit2.xml");
  expect(cases.map((c) => [c.fullName, c.status, c.message])).toEqual([
    ["Calc.Tests.CalculatorTests.AddsSmall", "passed", undefined],
    ["Calc.Tests.CalculatorTests.AddsBig", "failed", "Expected: 13\n  But was:  14"],
    ["Calc.Tests.CalculatorTests.Divides", "error", "System.DivideByZeroException : Attempted to divide by zero."],
    ["Calc.Tests.CalculatorTests.Later", "skipped", "not ready"],
  ]);
  expect(cases[1]!.stack).toBe("at Calc.Tests.CalculatorTests.AddsBig() in D:\\a\\calc\\calc\\Calc.Tests\\CalculatorTests.cs:line 17");
});

test("a JUnit file given as NUnit names the root element it found", async () => {
  const err = await parseNUnitFile(join(FIXTURES, "phpunit.xml"), () => {}).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HealError);
  expect((err as HealError).oneLine()).toStartWith(
    `${join(FIXTURES, "phpunit.xml")}: root element <testsuites> is not NUnit XML (expected <test-run>, <test-results> or <test-suite>)`,
  );
});

const PUTR = join(import.meta.dir, "../fixtures/publish-unit-test-result/nunit");

test("NUnit 2 without result or success attributes: a <failure> child fails the case (publish-unit-test-result fixture)", async () => {
  const cases: TestCase[] = [];
  await parseNUnitFile(join(PUTR, "nunit3/jenkins/NUnit-issue6353.xml"), (c) => cases.push(c));
  expect(cases.map((c) => [c.fullName, c.status, c.message, c.stack])).toEqual([
    ["SuccessfulTest", "passed", undefined, undefined],
    ["IgnoredTest", "skipped", "Reason", undefined],
    ["FailedTest", "failed", "Reason", "Here comes the stack trace"],
  ]);
});

test("a bare <test-suite type='Assembly'> root is NUnit 3 (publish-unit-test-result fixture)", async () => {
  const cases: TestCase[] = [];
  await parseNUnitFile(join(PUTR, "mstest/clicketyclackety.xml"), (c) => cases.push(c));
  expect(cases).toHaveLength(23);
  expect(cases[0]).toMatchObject({
    fullName: "MyProject.Tests.Real.UserInput.BakeDrawingCommandTests.BakeDrawings",
    status: "error", // result="Failed" label="Error": the test threw
  });
  expect(cases.filter((c) => c.status === "passed")).toHaveLength(13);
});
