// bun scripts/audit.ts as a black box in local mode (no token): exit codes, stdout and the task file of advisory groups.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
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
      // One task file per dependency (advisory group), named by its ecosystem and package.
      const tasks = readdirSync(join(repo.dir, ".agent/tasks")).sort();
      expect(tasks).toEqual([
        "fix-audit-dev-npm-growl.yaml",
        "fix-audit-dev-pypi-aiohttp.yaml",
        "fix-audit-dev-pypi-django.yaml",
        "fix-audit-dev-pypi-lxml.yaml",
        "fix-audit-dev-pypi-twisted.yaml",
      ]);
      const read = (name: string) => parse(readFileSync(join(repo.dir, ".agent/tasks", name), "utf8"));
      expect(
        tasks
          .map((name) => read(name))
          .map((g: { package: string; installed: string; fixed: string[]; severity: string }) => [
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
      expect(read("fix-audit-dev-npm-growl.yaml")).toMatchObject({
        id: "audit-dev-npm-growl",
        kind: "audit",
        branch: "dev",
        ecosystem: "npm",
        dependency_paths: ["mocha-jenkins-reporter > mocha > growl"],
        advisories: [{ id: "npm:146", aliases: ["CVE-2017-16042"], url: "https://www.npmjs.com/advisories/146" }],
      });
      expect(r.stdout).toContain("- Task file: `.agent/tasks/fix-audit-dev-pypi-django.yaml`\n");
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
