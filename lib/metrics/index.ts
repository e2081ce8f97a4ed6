// task metrics: which repositories, read them, compute, write metrics.json, metrics.md and dashboard.html.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { HealConfig } from "../config.ts";
import { HealError } from "../errors.ts";
import { createGitHubClient, repoClient, type GitHubClient, type GitHubClientOptions } from "../github/client.ts";
import { requireJsonFile } from "../json-file.ts";
import { redactDeep } from "../redact.ts";
import type { RunsFile } from "../types.ts";
import { collectRepository, listOrgRepositories } from "./collect.ts";
import { computeMetrics } from "./compute.ts";
import { renderDashboard } from "./dashboard.ts";
import { renderMetricsMarkdown } from "./markdown.ts";
import type { MetricsReport, RepositoryHistory } from "./model.ts";

export const METRICS_FILES = { json: "metrics.json", markdown: "metrics.md", dashboard: "dashboard.html" } as const;

export interface MetricsOptions {
  root: string;
  config: HealConfig;
  token: string;
  apiUrl: string;
  client?: Pick<GitHubClientOptions, "timeoutMs" | "retryBaseMs" | "pacing">;
  /** owner/name, each read; empty with no org -> nothing to read (the caller defaults to GITHUB_REPOSITORY). */
  repos: string[];
  /** Every repository of this organisation where the tool has an issue. */
  org: string | null;
  since: string | null;
  /** Folder for the three files (relative to root). */
  outDir: string;
  /** Glob(s) of runs.json artifacts, relative to root. */
  runs: string[];
  botLogin: string;
  now: Date;
}

export interface MetricsResult {
  report: MetricsReport;
  markdown: string;
  files: { json: string; markdown: string; dashboard: string };
}

/** `--since 2026-11-01` or a full ISO time -> ISO time; anything else is a usage error. */
export function parseSince(value: string): string {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? Date.parse(`${value}T00:00:00Z`)
    : /^\d{4}-\d{2}-\d{2}T/.test(value)
      ? Date.parse(value)
      : NaN;
  if (Number.isNaN(t)) throw new HealError("USAGE", `--since ${value} is not a date (YYYY-MM-DD or an ISO time)`);
  return new Date(t).toISOString().replace(/\.000Z$/, "Z");
}

export async function runMetrics(o: MetricsOptions): Promise<MetricsResult> {
  const gh = createGitHubClient({ token: o.token, baseUrl: o.apiUrl, ...o.client });
  let requests = 0;
  gh.hook.before("request", () => {
    requests++;
  });
  const histories = await collectAll(gh, o);
  const report = redactDeep(
    computeMetrics({
      histories,
      rules: {
        botLogin: o.botLogin,
        needsHumanLabel: o.config.labels.needsHuman,
        agentBranchPrefix: o.config.agent.branchPrefix,
        recurrenceDays: 30,
      },
      runs: readRuns(o.root, o.runs),
      since: o.since,
      now: o.now.toISOString().replace(/\.\d{3}Z$/, "Z"),
      requests,
    }),
  );
  const dir = resolve(o.root, o.outDir);
  mkdirSync(dir, { recursive: true });
  const markdown = renderMetricsMarkdown(report);
  const files = {
    json: join(dir, METRICS_FILES.json),
    markdown: join(dir, METRICS_FILES.markdown),
    dashboard: join(dir, METRICS_FILES.dashboard),
  };
  writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files.markdown, markdown);
  writeFileSync(files.dashboard, renderDashboard(report));
  return { report, markdown, files };
}

async function collectAll(gh: GitHubClient, o: MetricsOptions): Promise<RepositoryHistory[]> {
  const labels = [o.config.labels.healing[0] ?? "auto-healing", o.config.labels.coverage[0] ?? "auto-healing"];
  const opts = { botLogin: o.botLogin, labels, since: o.since };
  const out: RepositoryHistory[] = [];
  const named = [...new Set(o.repos)];
  for (const full of named) out.push(await collectRepository(repoClient(gh, full), opts));
  if (o.org) {
    for (const full of await listOrgRepositories(gh, o.org)) {
      if (named.some((n) => n.toLowerCase() === full.toLowerCase())) continue;
      const history = await collectRepository(repoClient(gh, full), opts);
      // A repository where the tool never filed an issue does not run the loop.
      if (history.issues.length > 0) out.push(history);
    }
  }
  return out;
}

function readRuns(root: string, globs: string[]): RunsFile[] {
  const files = new Set<string>();
  for (const pattern of globs) {
    const matched = [...new Bun.Glob(pattern).scanSync({ cwd: root, absolute: true, onlyFiles: true })].sort();
    if (matched.length === 0) throw new HealError("INPUT_MISSING", `--runs ${pattern} matches no file`, pattern);
    for (const f of matched) files.add(f);
  }
  return [...files].map((abs) => {
    const rel = relative(root, abs);
    const data = requireJsonFile<RunsFile>(abs, rel);
    if (data?.schemaVersion !== 1 || !Array.isArray(data.runs) || !data.runs.every((r) => r?.stack?.id && typeof r.durationMs === "number"))
      throw new HealError("REPORT_UNREADABLE", "not a runs.json written by heal:run-tests (schemaVersion 1, runs[])", rel);
    return data;
  });
}
