#!/usr/bin/env bun
// heal:finish: the last step of `task heal`: one summary line, where the outputs are, and the exit code.
// Reads:  <reports_dir>/failures.json (required), <reports_dir>/issue.json and github.json (optional),
//         GITHUB_TOKEN / GH_TOKEN / GITHUB_REPOSITORY (only to say whether this was local mode).
// Writes: stdout: one `output:` line per file written, then the summary line (the tool's last); nothing else.
//         stderr: a warning when git does not ignore the reports folder. In Actions
//         (GITHUB_ACTIONS=true), stderr: one `::error file=…,line=…::` annotation per failure, the first 10.
// Exit:   0 tests passed, 1 tests failed (every output is written by then), 2 failures.json missing or unreadable.
// Token:  none.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { annotation, inActions, MAX_ERROR_ANNOTATIONS } from "../lib/annotations.ts";
import { type ExitCode, type FlagSpec, log, parseArgs, printHelpIfAsked, runMain } from "../lib/cli.ts";
import { loadConfig } from "../lib/config.ts";
import { agentFailures } from "../lib/environment.ts";
import { HealError } from "../lib/errors.ts";
import { isIgnored } from "../lib/git.ts";
import { localModeReason } from "../lib/github/context.ts";
import { REPORT_FILES, targetRoot } from "../lib/paths.ts";
import { forLog, limitChars } from "../lib/sanitize.ts";
import { readFailuresFile, readGitHubFile, readIssueFile } from "../lib/step-files.ts";

const FLAGS: FlagSpec = {};

export async function main(argv: string[]): Promise<ExitCode> {
  if (printHelpIfAsked(argv, "bun scripts/finish-heal.ts\nPrints the heal summary; exit 1 when tests failed.", FLAGS)) return 0;
  parseArgs(argv, FLAGS);
  const repoRoot = targetRoot();
  const config = await loadConfig(repoRoot);
  const dir = config.reportsDir;
  const failuresRel = `${dir}/${REPORT_FILES.failures}`;
  const reportsDir = join(repoRoot, dir);
  const report = readFailuresFile(reportsDir, dir);
  if (!report) throw new HealError("INPUT_MISSING", "not found or has no failures list (run task heal)", failuresRel);
  const issue = readIssueFile(reportsDir, dir);
  const github = readGitHubFile(reportsDir, dir);

  const s = report.summary;
  const failing = report.failures.length;
  const counts = `${s.passed} passed, ${s.failed} failed, ${s.errors} errors, ${s.skipped} skipped${s.flaky ? `, ${s.flaky} flaky` : ""}${s.environment ? `, ${s.environment} could not run` : ""}`;
  // Stacks that could not run (set-up problems, lib/environment.ts) are not failing tests: said apart.
  const tests = agentFailures(report.failures).length;
  const blocked = failing - tests;
  const parts = [
    ...(tests > 0 ? [`${tests} failing test${tests === 1 ? "" : "s"}`] : []),
    ...(blocked > 0 ? [`${blocked} stack${blocked === 1 ? "" : "s"} that could not run (set-up, see report.md)`] : []),
  ];
  const verdict = failing > 0 ? `🔴 ${parts.join(" and ")}` : "✅ all tests passed";
  const local = localModeReason();
  const where = local
    ? `local mode: ${local.replace(/ \(local mode\)$/, "")}, nothing was sent to GitHub`
    : github?.issueUrl
      ? `healing issue ${github.action ?? "synced"}: ${github.issueUrl}`
      : "GitHub: no healing issue";
  // Reports hold raw test output: committed by accident they would publish it (task setup ignores the folder).
  if (isIgnored(repoRoot, `${dir}/`) === false) log.warn(`${dir}/ is not ignored by git: add it to .gitignore (task setup does)`);
  const lines: string[] = [];
  const outputs = [failuresRel, `${dir}/${REPORT_FILES.report}`, `${dir}/${REPORT_FILES.issue}`, `${dir}/${REPORT_FILES.issueBody}`];
  if (issue?.taskPath) outputs.push(issue.taskPath);
  for (const rel of outputs) if (existsSync(join(repoRoot, rel))) lines.push(`output: ${rel}`);
  // The summary is the tool's last line.
  lines.push(`heal: ${verdict} (${counts}); ${where}`);
  process.stdout.write(`${forLog(lines.join("\n"))}\n`);
  // In Actions the first failures become annotations on their lines (GitHub shows 10 per step); on stderr, as stdout holds only the lines above.
  if (inActions()) {
    for (const f of report.failures.slice(0, MAX_ERROR_ANNOTATIONS)) {
      const first = f.message.split("\n").find((l) => l.trim() !== "") ?? "failed";
      process.stderr.write(
        `${annotation("error", limitChars(first, 500), { file: f.file, line: f.line, title: limitChars(f.fullName, 200) })}\n`,
      );
    }
  }
  return failing > 0 ? 1 : 0;
}

runMain(import.meta, main);
