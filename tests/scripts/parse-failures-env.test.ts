// The environment task heal:parse-failures gives the script: the Taskfile and PARSE_FAILURES_ENV agree, and the
// pinned bun accepts it (an option JSC does not know stops bun before the script runs).
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { PARSE_FAILURES_ENV } from "../../lib/failures/failures-file.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";

test("Taskfile's heal:parse-failures sets exactly PARSE_FAILURES_ENV", () => {
  const taskfile = parse(readFileSync(join(TOOLKIT_ROOT, "Taskfile.yml"), "utf8")) as { tasks: Record<string, { env?: unknown }> };
  expect(taskfile.tasks["heal:parse-failures"]!.env).toEqual(PARSE_FAILURES_ENV);
});

test("bun runs parse-failures with that environment, and gives the same failures.json as without it", () => {
  // Hand-written in Surefire's layout (origin: tests/fixtures/reports/ORIGINS.md): failures, reruns, a flaky test.
  const xml = join(TOOLKIT_ROOT, "tests", "fixtures", "reports", "surefire-rerun.xml");
  const dir = mkdtempSync(join(tmpdir(), "heal-env-"));
  const run = (env: Record<string, string>) => {
    const out = join(dir, "failures.json");
    const r = spawnSync(process.execPath, [join(TOOLKIT_ROOT, "scripts", "parse-failures.ts"), xml, "--out", out], {
      cwd: TOOLKIT_ROOT,
      encoding: "utf8",
      env: {
        ...(process.env as Record<string, string>),
        GITHUB_REPOSITORY: "o/r",
        GITHUB_SHA: "a".repeat(40),
        GITHUB_REF_NAME: "main",
        ...env,
      },
    });
    expect(r.stderr).not.toContain("invalid JSC environment variable");
    expect(r.status).toBe(0);
    return readFileSync(out, "utf8");
  };
  const withEnv = run({ ...PARSE_FAILURES_ENV });
  expect(JSON.parse(withEnv).summary.total).toBeGreaterThan(0);
  expect(withEnv).toBe(run({}));
  rmSync(dir, { recursive: true, force: true });
});
