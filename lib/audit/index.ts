// task audit: run the audits the repository's lockfiles call for (or read given reports), deduplicate the advisories
// and file the branch's "🛡️ Security" finding through the same pipeline as test failures (lib/finding-report.ts).
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { log } from "../cli.ts";
import { HealError } from "../errors.ts";
import {
  AUDIT_FINDING,
  findingRecord,
  findingTaskPath,
  groupTaskPaths,
  syncFinding,
  writeFindingFiles,
  type FindingSync,
} from "../finding-report.ts";
import { blobUrl } from "../git.ts";
import { openSession } from "../github/session.ts";
import { runSync } from "../process.ts";
import { renderTemplate } from "../render.ts";
import { inlineCode, limitChars, limitTitle, untrusted } from "../sanitize.ts";
import {
  advisoryKey,
  dedupeVulnerabilities,
  detectAuditFormat,
  groupByPackage,
  parseAudit,
  readAuditFile,
  type AdvisoryGroup,
  type AuditFormat,
  type Vulnerability,
} from "./reports.ts";

export interface AuditTool {
  name: string;
  argv: string[];
  format: AuditFormat;
}

/** The audits that match the repository's lockfiles and the tools on PATH, in a fixed order. */
export function planAudit(root: string, env: Record<string, string | undefined>): AuditTool[] {
  const has = (f: string) => existsSync(join(root, f));
  const onPath = (bin: string) => Bun.which(bin, { PATH: env.PATH ?? "" }) !== null;
  const tools: AuditTool[] = [];
  if (has("package-lock.json") && onPath("npm")) tools.push({ name: "npm audit", argv: ["npm", "audit", "--json"], format: "npm" });
  if (has("pnpm-lock.yaml") && onPath("pnpm")) tools.push({ name: "pnpm audit", argv: ["pnpm", "audit", "--json"], format: "npm-v6" });
  if (has("yarn.lock") && has(".yarnrc.yml") && onPath("yarn"))
    tools.push({ name: "yarn npm audit", argv: ["yarn", "npm", "audit", "--json", "--recursive"], format: "yarn-berry" });
  if ((has("bun.lock") || has("bun.lockb")) && onPath("bun"))
    tools.push({ name: "bun audit", argv: ["bun", "audit", "--json"], format: "bun" });
  if (has("requirements.txt") && onPath("pip-audit"))
    tools.push({ name: "pip-audit", argv: ["pip-audit", "-f", "json", "-r", "requirements.txt"], format: "pip-audit" });
  if (has("go.mod") && onPath("govulncheck")) {
    // GOVULNDB: a mirror or local copy of the Go vulnerability database (govulncheck's -db).
    const db = env.GOVULNDB ? ["-db", env.GOVULNDB] : [];
    tools.push({ name: "govulncheck", argv: ["govulncheck", ...db, "-json", "./..."], format: "govulncheck" });
  }
  if (onPath("osv-scanner") && tools.length === 0)
    tools.push({ name: "osv-scanner", argv: ["osv-scanner", "--format", "json", "-r", "."], format: "osv-scanner" });
  return tools;
}

export interface AuditRequest {
  /** Audit reports to read instead of running the tools. */
  reports: string[];
}

export interface AuditOutcome {
  vulnerabilities: Vulnerability[];
  groups: AdvisoryGroup[];
  markdown: string;
  sync: FindingSync | null;
}

/** The advisories the audits report now, deduplicated, and which audits said so (also verify's re-run). */
export function collectAudit(
  root: string,
  env: Record<string, string | undefined>,
  reports: string[],
): { vulnerabilities: Vulnerability[]; sources: string[] } {
  const found: Vulnerability[] = [];
  const sources: string[] = [];
  if (reports.length > 0) {
    for (const p of reports) {
      const r = readAuditFile(resolve(root, p));
      found.push(...r.vulnerabilities);
      sources.push(r.format);
    }
  } else {
    const tools = planAudit(root, env);
    if (tools.length === 0)
      throw new HealError(
        "NO_STACKS",
        `no lockfile here has an audit tool on PATH (npm, pnpm, yarn, bun, pip-audit, govulncheck, osv-scanner)`,
        root,
      );
    for (const t of tools) {
      log.info(`audit: ${t.argv.join(" ")}`);
      const r = runSync(t.argv, { cwd: root });
      const format = detectAuditFormat(r.stdout);
      // A tool that printed no report failed to audit: a clean result is never assumed from silence.
      if (format !== t.format)
        throw new HealError(
          "REPORT_UNREADABLE",
          `${t.name} exited ${r.exitCode} without a ${t.format} report: ${limitChars(r.stderr.trim(), 300)}`,
        );
      found.push(...parseAudit(r.stdout, format));
      sources.push(t.name);
    }
  }
  return { vulnerabilities: dedupeVulnerabilities(found), sources };
}

export async function runAudit(env: Record<string, string | undefined>, req: AuditRequest): Promise<AuditOutcome> {
  const session = await openSession(env);
  const { root, config } = session;
  const branch = session.branch ?? "HEAD";
  const { vulnerabilities, sources } = collectAudit(root, env, req.reports);
  const groups = groupByPackage(vulnerabilities);
  const shownBranch = untrusted(branch);
  // One task file per group (package): the first is the one the issue's task link and the hand-off name.
  const groupPaths = groupTaskPaths(
    config,
    branch,
    groups.map((g) => g.key),
  );
  const taskPath = groups.length > 0 ? groupPaths.get(groups[0]!.key)! : findingTaskPath(config, AUDIT_FINDING, branch);
  const runUrl = session.kind === "github" ? session.ctx.runUrl : null;
  // The branch's copy: the file each group's link opens once the push step has committed it.
  const fileUrl = (path: string) =>
    session.kind === "github" && session.branch
      ? blobUrl(session.ctx.serverUrl, session.ctx.repository, session.branch.split("/").map(encodeURIComponent).join("/"), path)
      : null;
  const ctx = {
    branch: inlineCode(shownBranch),
    count: groups.length,
    advisory_count: vulnerabilities.length,
    tools: [...new Set(sources)].join(", "),
    groups: groups.map((g) => ({
      package: inlineCode(untrusted(g.package)),
      ecosystem: untrusted(g.ecosystem),
      installed: g.installed ? untrusted(g.installed) : "unknown",
      fixed: g.fixed.length > 0 ? untrusted(g.fixed.join(", ")) : "none known",
      severity: g.severity,
      paths: [...new Set(g.advisories.flatMap((a) => a.paths))].slice(0, 5).map((p) => inlineCode(untrusted(p))),
      more_paths: Math.max(0, new Set(g.advisories.flatMap((a) => a.paths)).size - 5),
      advisories: g.advisories.map((a) => ({
        id: untrusted(a.id),
        url: a.url && /^https:\/\//.test(a.url) ? a.url : null,
        severity: a.severity,
        title: untrusted(limitChars(a.title, 200)),
      })),
      task_path: groupPaths.get(g.key)!,
      task_url: fileUrl(groupPaths.get(g.key)!),
    })),
    task_path: taskPath,
    run_url: runUrl,
    mention: config.agent.mention,
  };
  const body = renderTemplate("audit-issue.md", ctx, root, config).trim();
  const title = limitTitle(
    renderTemplate(
      "audit-issue-title.liquid",
      { branch: shownBranch, count: groups.length, advisory_count: vulnerabilities.length },
      root,
      config,
    ).trim(),
  );
  const records = vulnerabilities.map((v) =>
    findingRecord("audit", {
      key: advisoryKey(v),
      name: v.package,
      message: `${v.id} (${v.severity}): ${limitChars(v.title, 200)}`,
    }),
  );
  const tools = [...new Set(sources)];
  const tasks = groups.map((g) => {
    const path = groupPaths.get(g.key)!;
    return {
      path,
      task: {
        id: path.replace(/^.*\/fix-|\.yaml$/g, ""),
        auto_generated: true,
        kind: "audit",
        branch,
        github_issue: null,
        title: `Upgrade ${g.package} (${g.ecosystem}) on ${branch}`,
        tools,
        package: g.package,
        ecosystem: g.ecosystem,
        installed: g.installed,
        fixed: g.fixed,
        severity: g.severity,
        dependency_paths: [...new Set(g.advisories.flatMap((a) => a.paths))],
        advisories: g.advisories.map((a) => ({
          id: a.id,
          aliases: a.aliases,
          severity: a.severity,
          title: a.title,
          url: a.url,
          vulnerable_range: a.vulnerableRange,
        })),
        acceptance_criteria: [`the audit reports none of these advisories for ${g.package}`, "the tests pass"],
      } as Record<string, unknown>,
    };
  });
  const { dir } = writeFindingFiles({
    repoRoot: root,
    reportsDir: session.reportsDir,
    finding: AUDIT_FINDING,
    meta: {
      repository: session.kind === "github" ? session.ctx.repository : null,
      branch: session.branch,
      commit: session.kind === "github" ? session.ctx.sha : null,
      runUrl,
    },
    compared: vulnerabilities.length,
    records,
    title,
    body,
    labels: [...config.labels.healing.filter((l) => l !== "tdd" && l !== "bug"), "security"],
    taskPath,
    task: tasks[0]?.task ?? null,
    also: tasks.slice(1),
    branch,
  });
  writeFileSync(
    join(dir, "audit.json"),
    `${JSON.stringify({ tools: sources, vulnerabilities, groups: groups.map((g) => ({ ...g, advisories: g.advisories.map((a) => a.id) })) }, null, 2)}\n`,
  );
  writeFileSync(join(dir, "audit.md"), `${body}\n`);
  log.info(`audit: ${vulnerabilities.length} advisories in ${groups.length} dependencies (${sources.join(", ")})`);
  const sync = await syncFinding(
    env,
    AUDIT_FINDING,
    "origin",
    tasks.slice(1).map((t) => t.path),
  );
  return {
    vulnerabilities,
    groups,
    markdown: groups.length > 0 ? `${body}\n` : `No vulnerable dependency (${sources.join(", ")}).\n`,
    sync,
  };
}
