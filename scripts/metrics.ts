#!/usr/bin/env bun
// metrics: how well the loop meets the SOP's targets, from what the tool left on GitHub (task metrics).
// Reads:  the tool's issues (its labels, created by its identity, with its trusted hidden marker), their comments
//         by that identity and the coverage issue's renamed events, in --repo repositories (default
//         GITHUB_REPOSITORY) and every repository of --org where the tool filed an issue; runs.json files (--runs).
//         .agent/heal/config.yaml (labels, bot_login, agent.branch_prefix).
// Writes: <out>/metrics.json (schemas/metrics.schema.json), <out>/metrics.md, <out>/dashboard.html (self-contained);
//         stdout: metrics.md. SOURCE_DATE_EPOCH, when set, is "now" (reproducible reports).
// Exit:   0 written (targets missed are figures, not errors), 2 the tool could not do its job (no token, bad
//         flags, GitHub refused a read).
// Token:  GITHUB_TOKEN / GH_TOKEN with issues: read (metadata: read to list --org's repositories).
import { relative } from "node:path";
import { log, parseArgs, printHelpIfAsked, runMain, type ExitCode, type FlagSpec } from "../lib/cli.ts";
import { loadConfig } from "../lib/config.ts";
import { HealError } from "../lib/errors.ts";
import { githubContext } from "../lib/github/context.ts";
import { parseSince, runMetrics } from "../lib/metrics/index.ts";

const FLAGS: FlagSpec = {
  since: { type: "string", describe: "only issues created on or after this date (YYYY-MM-DD); default 90 days ago" },
  repo: { type: "string", multiple: true, describe: "owner/name to read (repeatable); default GITHUB_REPOSITORY" },
  org: { type: "string", describe: "also every repository of this organisation where the tool filed an issue" },
  out: { type: "string", describe: "folder for metrics.json, metrics.md and dashboard.html", default: ".agent/reports/metrics" },
  runs: { type: "string", multiple: true, describe: "glob of runs.json artifacts to add test-run figures (repeatable)" },
  "bot-login": { type: "string", describe: "the tool's identity whose posts count; default config bot_login" },
};
const HELP = `task metrics -- [--repo owner/name ...] [--org org] [--since YYYY-MM-DD] [--out dir] [--runs 'glob']
Computes the loop's figures (time to fix, fix success, recurrence, human intervention, coverage) from the tool's
issues and comments, and writes metrics.json, metrics.md and a self-contained dashboard.html.`;
const DEFAULT_DAYS = 90;

type Env = Record<string, string | undefined>;

export async function main(argv: string[], env: Env = process.env): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  const { flags } = parseArgs(argv, FLAGS);
  const root = env.HEAL_REPO ?? process.cwd();
  const config = await loadConfig(root);
  const token = env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim();
  if (!token) throw new HealError("GITHUB_AUTH", "task metrics reads GitHub: set GITHUB_TOKEN or GH_TOKEN");
  const repos = (flags.repo as string[] | undefined) ?? [];
  const org = (flags.org as string | undefined) ?? null;
  if (repos.length === 0 && !org && env.GITHUB_REPOSITORY) repos.push(env.GITHUB_REPOSITORY);
  if (repos.length === 0 && !org) throw new HealError("USAGE", "name a repository: --repo owner/name, --org org, or set GITHUB_REPOSITORY");
  const epoch = Number(env.SOURCE_DATE_EPOCH);
  const now = env.SOURCE_DATE_EPOCH && Number.isFinite(epoch) ? new Date(epoch * 1000) : new Date();
  const since = flags.since
    ? parseSince(flags.since as string)
    : parseSince(new Date(now.getTime() - DEFAULT_DAYS * 86_400_000).toISOString());
  const ctx = githubContext({ ...env, GITHUB_TOKEN: token, GITHUB_REPOSITORY: repos[0] ?? `${org}/-` });
  const result = await runMetrics({
    root,
    config,
    token,
    apiUrl: ctx?.apiUrl ?? "https://api.github.com",
    client: ctx?.clientTuning,
    repos,
    org,
    since,
    outDir: flags.out as string,
    runs: (flags.runs as string[] | undefined) ?? [],
    botLogin: (flags["bot-login"] as string | undefined) ?? config.botLogin,
    now,
  });
  const met = result.report.targets.filter((t) => t.met === true).length;
  log.info(
    `metrics: ${plural(result.report.repositories.length, "repository", "repositories")}, ${result.report.figures.healingIssues} healing issues, ${met} of ${result.report.targets.length} targets met, ${result.report.requests} GitHub requests`,
  );
  for (const f of Object.values(result.files)) log.info(`wrote ${relative(root, f)}`);
  process.stdout.write(result.markdown);
  return 0;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

runMain(import.meta, main);
