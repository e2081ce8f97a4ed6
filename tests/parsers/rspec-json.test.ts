// parseRSpecJson through parseReport on `rspec --format json` output of a sample project written here: run live
// when rspec is installed (Debian's ruby-rspec), else its committed output (tests/fixtures/reports/rspec/,
// RSpec 3.12 on this very sample, see ORIGINS.md); the test's name says which.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectFormat, parseReport } from "../../lib/parsers/index.ts";
import type { TestCase } from "../../lib/types.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/reports/rspec");
const SAMPLE: Record<string, string> = {
  "lib/calc.rb": "module Calc\n  def self.add(a, b)\n    a + b + (a > 10 ? 1 : 0)\n  end\nend\n",
  "spec/calc_spec.rb": `require_relative "../lib/calc"

RSpec.describe Calc do
  describe ".add" do
    it "adds small numbers" do
      expect(Calc.add(1, 2)).to eq(3)
    end

    it "adds big numbers" do
      expect(Calc.add(11, 2)).to eq(13)
    end

    it "raises on nil" do
      Calc.add(nil, 1)
    end

    it "is not written yet" do
      pending("later")
      raise "nope"
    end

    xit "is skipped" do
    end
  end
end
`,
  "spec/broken_spec.rb": 'require_relative "../lib/missing"\n',
};

const live = Bun.which("rspec") !== null;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "heal-rspec-"));
  for (const [name, text] of Object.entries(SAMPLE)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The report of `rspec [files] --format json`: live, or the committed output of the same run. */
function report(name: string, files: string[]): string {
  if (!live) return join(FIXTURES, name);
  const out = join(dir, name);
  const r = spawnSync("rspec", [...files, "--format", "json", "--out", out], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  expect(r.status).toBe(1); // failing examples on purpose
  return out;
}

async function parse(path: string): Promise<TestCase[]> {
  const cases: TestCase[] = [];
  expect(await detectFormat(path)).toBe("rspec-json");
  await parseReport(path, (c) => cases.push(c));
  return cases;
}

describe(live ? "rspec --format json (live)" : "rspec --format json (committed output; rspec missing here)", () => {
  test("examples: full description, status, file and line of the example, exception class with its message", async () => {
    const cases = await parse(report("rspec.json", ["spec/calc_spec.rb"]));
    expect(cases.map((c) => [c.framework, c.fullName, c.status, c.file, c.line, c.message])).toEqual([
      ["rspec", "Calc.add adds small numbers", "passed", "./spec/calc_spec.rb", 5, undefined],
      [
        "rspec",
        "Calc.add adds big numbers",
        "failed",
        "./spec/calc_spec.rb",
        9,
        "RSpec::Expectations::ExpectationNotMetError: expected: 13\n     got: 14\n\n(compared using ==)",
      ],
      [
        "rspec",
        "Calc.add raises on nil",
        "failed",
        "./spec/calc_spec.rb",
        13,
        "NoMethodError: undefined method `+' for nil:NilClass\n\n    a + b + (a > 10 ? 1 : 0)\n      ^",
      ],
      ["rspec", "Calc.add is not written yet", "skipped", "./spec/calc_spec.rb", 17, "later"],
      ["rspec", "Calc.add is skipped", "skipped", "./spec/calc_spec.rb", 22, "Temporarily skipped with xit"],
    ]);
    // The backtrace keeps the frame of the failing line in the spec, for lib/location.ts.
    expect(cases[1]!.stack).toMatch(/\/spec\/calc_spec\.rb:10:in `block \(3 levels\)/);
    expect(cases[2]!.stack).toMatch(/\/lib\/calc\.rb:3:in `add'/);
  });

  test("a spec file that cannot load is an error named by its file (RSpec then runs no example)", async () => {
    const cases = await parse(report("rspec-load-error.json", []));
    expect(cases.map((c) => [c.fullName, c.status, c.file, c.message?.replace(/-- \S+\/lib\//, "-- lib/")])).toEqual([
      ["./spec/broken_spec.rb", "error", "./spec/broken_spec.rb", "LoadError: cannot load such file -- lib/missing"],
    ]);
    expect(cases[0]!.stack).toContain("# ./spec/broken_spec.rb:1:in `require_relative'");
  });
});
