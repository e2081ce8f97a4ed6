// .github/workflows/heal-metrics.yml: actionlint finds nothing, it is weekly and manual, read-only, pinned like the
// loop's workflow, and its "Compute the metrics" step, run for real with bash and go-task against the GitHub double,
// writes metrics.md to the job summary and the dashboard where the upload step looks.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { DEFAULT_TOKEN, startGitHubDouble } from "../support/github-double.ts";
import { NOW_EPOCH, seedHistory } from "./history.ts";

setDefaultTimeout(120_000);
const FILE = ".github/workflows/heal-metrics.yml";
const text = readFileSync(join(TOOLKIT_ROOT, FILE), "utf8");
const doc = parse(text);
const job = doc.jobs.metrics;
const temp: string[] = [];
afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe(FILE, () => {
  test("actionlint reports nothing", () => {
    const bin = Bun.which("actionlint") ?? Bun.which("actionlint", { PATH: `${process.env.HOME}/go/bin` });
    expect(bin, "actionlint is not on PATH: go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12").toBeTruthy();
    const r = spawnSync(bin!, ["-no-color", FILE], { cwd: TOOLKIT_ROOT, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("weekly and on demand, read-only, every action pinned by SHA like the loop's workflow", () => {
    expect(Object.keys(doc.on)).toEqual(["schedule", "workflow_dispatch"]);
    expect(doc.on.schedule).toEqual([{ cron: "23 6 * * 1" }]);
    expect(doc.permissions).toEqual({});
    expect(job.permissions).toEqual({ contents: "read", issues: "read" });
    const loop = readFileSync(join(TOOLKIT_ROOT, ".github/workflows/self-healing-tdd-loop.yml"), "utf8");
    const action = readFileSync(join(TOOLKIT_ROOT, "action.yml"), "utf8");
    const uses = [...text.matchAll(/uses: (\S+)@(\S+) # (v[\d.]+)/g)];
    expect(uses.map((u) => u[1])).toEqual(["actions/checkout", "oven-sh/setup-bun", "go-task/setup-task", "actions/upload-artifact"]);
    for (const [, name, sha, version] of uses) {
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
      expect(`${loop}\n${action}`).toContain(`${name}@${sha} # ${version}`);
    }
    for (const step of job.steps) if (step.run) expect(step.run).not.toContain("${{");
  });

  test("the metrics step, run as Actions runs it, writes metrics.md to the job summary and the files the upload names", async () => {
    const gh = await startGitHubDouble();
    try {
      seedHistory(gh);
      // A checkout of the toolkit: the Taskfile copied (its dir is the checkout), the code linked.
      const dir = mkdtempSync(join(tmpdir(), "heal-metrics-wf-"));
      temp.push(dir);
      copyFileSync(join(TOOLKIT_ROOT, "Taskfile.yml"), join(dir, "Taskfile.yml"));
      for (const part of ["scripts", "lib", "templates", "schemas", "node_modules", "package.json"])
        symlinkSync(join(TOOLKIT_ROOT, part), join(dir, part));
      const step = job.steps.find((s: { name?: string }) => s.name === "Compute the metrics");
      const summary = join(dir, "summary.md");
      // Async: the double answers from this process's event loop.
      const proc = Bun.spawn(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step.run], {
        cwd: dir,
        stdout: "pipe",
        stderr: "pipe",
        env: {
          PATH: `${process.env.HOME}/go/bin:${process.env.PATH}`,
          HOME: process.env.HOME,
          GITHUB_TOKEN: DEFAULT_TOKEN,
          GITHUB_REPOSITORY: gh.repository,
          GITHUB_API_URL: gh.url,
          GITHUB_STEP_SUMMARY: summary,
          METRICS_SINCE: "2026-11-01",
          METRICS_ORG: "",
          SOURCE_DATE_EPOCH: NOW_EPOCH,
          HEAL_GITHUB_TIMEOUT_MS: "30000",
          NO_COLOR: "1",
        },
      });
      const [stderr, status] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
      const r = { stderr, status };
      expect(r.stderr).toContain("metrics: 1 repository, 8 healing issues, 1 of 5 targets met, 3 GitHub requests");
      expect(r.status).toBe(0);
      const md = readFileSync(join(dir, ".agent/reports/metrics/metrics.md"), "utf8");
      expect(readFileSync(summary, "utf8")).toBe(md);
      expect(md).toContain("| Test coverage | > 80% | 81.2% | ✅ met |");
      const upload = job.steps.find((s: { name?: string }) => s.name === "Upload the dashboard");
      for (const path of upload.with.path.trim().split("\n")) expect(existsSync(join(dir, path.trim()))).toBe(true);
      expect(gh.violations).toEqual([]);
    } finally {
      await gh.close();
    }
  });
});
