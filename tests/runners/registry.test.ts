// The registry is the one list of runners: the README's stack table, both schemas' runner enums and the
// adapters' own names must say the same.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { REPORT_FORMATS } from "../../lib/parsers/index.ts";
import { ADAPTERS, adapterFor } from "../../lib/runners/index.ts";

const names = ADAPTERS.map((a) => a.name);
const read = (rel: string) => readFileSync(join(TOOLKIT_ROOT, rel), "utf8");

/** The rows of the README's stack table ("### Stack detection"), cells trimmed. */
function stackTable(): string[][] {
  const section = read("README.md")
    .split("### Stack detection")[1]!
    .split(/\n#{2,3} /)[0]!;
  return section
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| stack |"))
    .map((l) =>
      l
        .slice(2, -2)
        .split(" | ")
        .map((c) => c.trim()),
    );
}

describe("runner registry", () => {
  test("every adapter is registered once under its own name", () => {
    expect(new Set(names).size).toBe(names.length);
    for (const a of ADAPTERS) expect(adapterFor(a.name)).toBe(a);
    expect(adapterFor("junit")).toBeUndefined();
    expect(adapterFor("runner")).toBeUndefined();
  });

  test("the README's stack table has one row per adapter, in registry order, with the adapter's own words", () => {
    expect(stackTable()).toEqual(ADAPTERS.map((a) => [a.name, a.docs.foundBy, a.docs.runAs]));
  });

  test("both schemas accept every runner of the registry", () => {
    const config = JSON.parse(read("schemas/config.schema.json"));
    const failures = JSON.parse(read("schemas/failures.schema.json"));
    const stackEnum: string[] = config.properties.stacks.items.properties.framework.enum;
    const failureEnum: string[] = failures.definitions.framework.enum;
    expect(names.filter((n) => !stackEnum.includes(n))).toEqual([]);
    expect(names.filter((n) => !failureEnum.includes(n))).toEqual([]);
    // The runners come first, in registry order; report-only dialects follow.
    expect(stackEnum.slice(0, names.length)).toEqual(names);
    expect(failureEnum.slice(0, names.length)).toEqual(names);
  });

  test("each adapter names a report format the parsers read", () => {
    for (const a of ADAPTERS)
      expect({ runner: a.name, known: REPORT_FORMATS.includes(a.reportFormat) }).toEqual({ runner: a.name, known: true });
  });
});
