import { afterAll, expect, test } from "bun:test";
import { readJsonFile, requireJsonFile } from "../lib/json-file.ts";
import { healErrorOf } from "./support/heal-error.ts";
import { createSampleRepo } from "./support/sample-repo.ts";

const repo = createSampleRepo(
  { "reports/ok.json": '{"runs":[1]}', "reports/broken.json": '{"runs":\n[' },
  { git: false, nodeModules: false },
);
afterAll(() => repo.cleanup());

test("readJsonFile: parsed JSON, null for a missing file", () => {
  expect(readJsonFile<{ runs: number[] }>(`${repo.dir}/reports/ok.json`)).toEqual({ runs: [1] });
  expect(readJsonFile(`${repo.dir}/reports/none.json`, "reports/none.json")).toBeNull();
});

test("readJsonFile: a broken file is INPUT_MISSING naming the file given, with the parser's first line", () => {
  const err = healErrorOf(() => readJsonFile(`${repo.dir}/reports/broken.json`, "reports/broken.json", "runs file"));
  expect(err.code).toBe("INPUT_MISSING");
  expect(err.file).toBe("reports/broken.json");
  expect(err.message).toStartWith("runs file is not valid JSON: ");
  expect(err.message).not.toContain("\n");
  expect(healErrorOf(() => readJsonFile(`${repo.dir}/reports/broken.json`)).message).toStartWith("not valid JSON: ");
});

test("requireJsonFile: a missing file is INPUT_MISSING with the step that writes it", () => {
  const err = healErrorOf(() => requireJsonFile(`${repo.dir}/reports/none.json`, "reports/none.json", "run heal:parse-failures first"));
  expect([err.code, err.file, err.message]).toEqual(["INPUT_MISSING", "reports/none.json", "not found (run heal:parse-failures first)"]);
  expect(requireJsonFile(`${repo.dir}/reports/ok.json`)).toEqual({ runs: [1] });
});
