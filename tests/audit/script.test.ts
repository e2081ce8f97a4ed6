// bun scripts/audit.ts as a black box in local mode (no token): exit codes, stdout and the task file of advisory groups.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { createSampleRepo } from "../support/sample-repo.ts";

const fixture = (n: string) => join(TOOLKIT_ROOT, "tests/fixtures/audit", n);

function audit(cwd: string, args: string[]) {
  const env = { ...process.env, GITHUB_TOKEN: "", GH_TOKEN: "", GITHUB_ACTIONS: "", GITHUB_REF_NAME: "dev" };
  const r = Bun.spawnSync([process.execPath, join(TOOLKIT_ROOT, "scripts/audit.ts"), ...args], { cwd, env });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe("scripts/audit.ts", () => {
  test("pip-audit and pnpm reports: exit 1, one task-file group per dependency with versions, paths and advisories", () => {
    const repo = createSampleRepo({}, { nodeModules: false });
    try {
      const r = audit(repo.dir, [fixture("pip-audit.json"), fixture("npm-v6-pnpm.json")]);
      expect(r.code).toBe(1);
      expect(r.stdout).toStartWith("## 🛡️ Security: 5 vulnerable dependencies in `dev`");
      const task = parse(readFileSync(join(repo.dir, ".agent/tasks/fix-audit-dev.yaml"), "utf8"));
      expect(
        task.advisory_groups.map((g: { package: string; installed: string; fixed: string[]; severity: string }) => [
          g.package,
          g.installed,
          g.fixed,
          g.severity,
        ]),
      ).toEqual([
        ["growl", "1.9.2", [">=1.10.2"], "critical"],
        ["aiohttp", "3.6.2", ["3.7.4"], "unknown"],
        ["django", "3.2.9", ["3.2.10"], "unknown"],
        ["lxml", "4.6.4", [], "unknown"],
        ["twisted", "18.9.0", ["19.2.1", "20.3.0rc1", "19.7.0rc1"], "unknown"],
      ]);
      expect(task.advisory_groups[0]).toMatchObject({
        dependency_paths: ["mocha-jenkins-reporter > mocha > growl"],
        advisories: [{ id: "npm:146", aliases: ["CVE-2017-16042"], url: "https://www.npmjs.com/advisories/146" }],
      });
    } finally {
      repo.cleanup();
    }
  }, 60_000);
  test("a report no audit tool wrote: exit 2 naming it", () => {
    const repo = createSampleRepo({ "x.json": '{"numTotalTests": 1}' }, { nodeModules: false });
    try {
      const r = audit(repo.dir, ["x.json"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("not an audit report this tool reads");
    } finally {
      repo.cleanup();
    }
  }, 60_000);
});
