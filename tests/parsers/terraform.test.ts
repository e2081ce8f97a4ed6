// terraform validate (-json and human output) from the real terraform when installed, else the output
// captured below from terraform v1.11.4; terragrunt's prefixed output (not installed here: sample below).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseReport } from "../../lib/parsers/index.ts";
import type { CaseStatus, TestCase } from "../../lib/types.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

const MAIN_TF = `variable "name" {
  type = string
}

resource "terraform_data" "example" {
  input = var.nmae
}

output "greeting" {
  value = local.missing
}
`;

// `terraform validate -json` (v1.11.4) on MAIN_TF.
const CAPTURED_JSON = JSON.stringify({
  format_version: "1.0",
  valid: false,
  error_count: 2,
  warning_count: 0,
  diagnostics: [
    {
      severity: "error",
      summary: "Reference to undeclared local value",
      detail: 'A local value with the name "missing" has not been declared.',
      range: { filename: "main.tf", start: { line: 10, column: 11, byte: 127 }, end: { line: 10, column: 24, byte: 140 } },
      snippet: {
        context: 'output "greeting"',
        code: "  value = local.missing",
        start_line: 10,
        highlight_start_offset: 10,
        highlight_end_offset: 23,
        values: [],
      },
    },
    {
      severity: "error",
      summary: "Reference to undeclared input variable",
      detail: 'An input variable with the name "nmae" has not been declared. Did you mean "name"?',
      range: { filename: "main.tf", start: { line: 6, column: 11, byte: 85 }, end: { line: 6, column: 19, byte: 93 } },
      snippet: {
        context: 'resource "terraform_data" "example"',
        code: "  input = var.nmae",
        start_line: 6,
        highlight_start_offset: 10,
        highlight_end_offset: 18,
        values: [],
      },
    },
  ],
});

// `terraform validate -no-color` (v1.11.4) on MAIN_TF, stderr.
const CAPTURED_TEXT = `
Error: Reference to undeclared input variable

  on main.tf line 6, in resource "terraform_data" "example":
   6:   input = var.nmae

An input variable with the name "nmae" has not been declared. Did you mean
"name"?

Error: Reference to undeclared local value

  on main.tf line 10, in output "greeting":
  10:   value = local.missing

A local value with the name "missing" has not been declared.
`;

let repo: SampleRepo;
let jsonOut: string;
let textOut: string;

beforeAll(() => {
  repo = createSampleRepo({ "main.tf": MAIN_TF }, { nodeModules: false, git: false });
  if (Bun.which("terraform")) {
    const env = { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
    const j = spawnSync("terraform", ["validate", "-json", "-no-color"], { cwd: repo.dir, encoding: "utf8", env });
    expect(j.status).toBe(1);
    jsonOut = j.stdout;
    const t = spawnSync("terraform", ["validate", "-no-color"], { cwd: repo.dir, encoding: "utf8", env });
    textOut = t.stderr.slice(t.stderr.indexOf("Error: Reference"));
  } else {
    process.stderr.write("terraform is not on PATH: checking the terraform v1.11.4 output captured in this test\n");
    jsonOut = CAPTURED_JSON;
    textOut = CAPTURED_TEXT;
  }
});
afterAll(() => repo.cleanup());

async function casesOf(name: string, text: string, format?: string): Promise<{ format: string; cases: TestCase[] }> {
  const path = join(repo.dir, name);
  writeFileSync(path, text);
  const cases: TestCase[] = [];
  const r = await parseReport(path, (c) => cases.push(c), { format });
  return { format: r.format, cases };
}

const EXPECTED: {
  fullName: string;
  file: string | undefined;
  line: number | undefined;
  status: CaseStatus;
  message: string | undefined;
}[] = [
  {
    fullName: 'output "greeting" > Reference to undeclared local value',
    file: "main.tf",
    line: 10,
    status: "error",
    message: 'Reference to undeclared local value: A local value with the name "missing" has not been declared.',
  },
  {
    fullName: 'resource "terraform_data" "example" > Reference to undeclared input variable',
    file: "main.tf",
    line: 6,
    status: "error",
    message: 'Reference to undeclared input variable: An input variable with the name "nmae" has not been declared. Did you mean "name"?',
  },
];

const brief = (cases: TestCase[]) =>
  cases
    .map((c) => ({ fullName: c.fullName, file: c.file, line: c.line, status: c.status, message: c.message }))
    .sort((a, b) => a.line! - b.line!)
    .reverse();

describe("terraform validate", () => {
  test("-json: one error per diagnostic, named by block and summary, with range filename and line", async () => {
    const { format, cases } = await casesOf("validate.json", jsonOut);
    expect(format).toBe("terraform-json");
    expect(cases.every((c) => c.framework === "terraform")).toBe(true);
    expect(brief(cases)).toEqual(EXPECTED);
  });

  test("the captured -json output gives the same cases (guards the fallback without terraform)", async () => {
    expect(brief((await casesOf("captured.json", CAPTURED_JSON)).cases)).toEqual(EXPECTED);
  });

  test("human output gives the same names, files and lines", async () => {
    for (const [name, text] of [
      ["validate.txt", textOut],
      ["captured.txt", CAPTURED_TEXT],
    ] as const) {
      const { format, cases } = await casesOf(name, text);
      expect(format).toBe("terraform-text");
      expect(cases.every((c) => c.framework === "terraform")).toBe(true);
      expect(brief(cases).map(({ fullName, file, line }) => ({ fullName, file, line }))).toEqual(
        EXPECTED.map(({ fullName, file, line }) => ({ fullName, file, line })),
      );
    }
  });

  test("a valid configuration is one passed case", async () => {
    const { cases } = await casesOf(
      "valid.json",
      JSON.stringify({ format_version: "1.0", valid: true, error_count: 0, warning_count: 0, diagnostics: [] }),
    );
    expect(cases).toEqual([{ framework: "terraform", fullName: "terraform validate", status: "passed" }]);
  });
});

describe("terragrunt", () => {
  test("run-all validate output: per-unit prefixes give the unit folder; each diagnostic is an error", async () => {
    // terragrunt is not installed here. Written in the log format of terragrunt >= 0.67
    // (`HH:MM:SS.mmm LEVEL [unit] terraform: <line>`, docs "Logging"), wrapping terraform's diagnostics above.
    const out = [
      "14:31:08.123 INFO   The stack at . will be processed in the following order for command validate:",
      "Group 1",
      "- Module ./infra/app",
      "",
      "14:31:08.456 STDERR [infra/app] terraform: ╷",
      "14:31:08.456 STDERR [infra/app] terraform: │ Error: Reference to undeclared input variable",
      "14:31:08.456 STDERR [infra/app] terraform: │ ",
      '14:31:08.456 STDERR [infra/app] terraform: │   on main.tf line 6, in resource "terraform_data" "example":',
      "14:31:08.456 STDERR [infra/app] terraform: │    6:   input = var.nmae",
      "14:31:08.456 STDERR [infra/app] terraform: │ ",
      '14:31:08.456 STDERR [infra/app] terraform: │ An input variable with the name "nmae" has not been declared. Did you mean',
      '14:31:08.456 STDERR [infra/app] terraform: │ "name"?',
      "14:31:08.456 STDERR [infra/app] terraform: ╵",
      "14:31:08.500 ERROR  [infra/app] terraform invocation failed in ./infra/app",
      "14:31:08.501 STDOUT [infra/db] terraform: Success! The configuration is valid.",
    ].join("\n");
    const { format, cases } = await casesOf("terragrunt.txt", out);
    expect(format).toBe("terraform-text");
    expect(cases).toEqual([
      {
        framework: "terragrunt",
        fullName: 'resource "terraform_data" "example" > Reference to undeclared input variable',
        file: "infra/app/main.tf",
        line: 6,
        status: "error",
        message:
          'Reference to undeclared input variable: An input variable with the name "nmae" has not been declared. Did you mean "name"?',
        stack: expect.stringContaining("on main.tf line 6"),
      },
    ]);
  });
});
