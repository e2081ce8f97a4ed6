#!/usr/bin/env bun
// heal:write-report: render what people and the agent read from failures.json.
// Reads:  <reports_dir>/failures.json (required), <reports_dir>/runs.json (optional, for re-run commands),
//         .agent/heal/config.yaml, templates (repo overrides in .agent/heal/templates/ first).
// Writes: <reports_dir>/report.md, <reports_dir>/issue.json {title, body, labels, taskPath, taskId, removedTasks},
//         <reports_dir>/issue.md (the body exactly as it would be filed), and when tests failed
//         <tasks_dir>/fix-<task-id>.yaml (one per branch; older auto-generated ones of the branch are removed).
//         Prints the task file path on stdout when one was written.
// Exit:   0 written (whether tests passed or not), 2 input missing / config or template invalid.
// Token:  none.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ExitCode, type FlagSpec, log, parseArgs, printHelpIfAsked, runMain } from "../lib/cli.ts";
import { loadConfig } from "../lib/config.ts";
import { currentBranch } from "../lib/git.ts";
import { REPORT_FILES, targetRoot } from "../lib/paths.ts";
import { buildTemplateContext, renderIssue, renderReport } from "../lib/render.ts";
import { readRunsFile, requireFailuresFile, writeIssueFile } from "../lib/step-files.ts";
import { rerunCommand, stackOf, writeTaskContext } from "../lib/task-context.ts";
import { agentFailures } from "../lib/environment.ts";

const FLAGS: FlagSpec = {
  branch: { type: "string", describe: "branch name for the title and task id (default: failures.json, then git)" },
};

export async function main(argv: string[]): Promise<ExitCode> {
  if (printHelpIfAsked(argv, "bun scripts/write-report.ts [--branch <name>]\nWrites report.md, the issue and the task context.", FLAGS))
    return 0;
  const { flags } = parseArgs(argv, FLAGS);
  const repoRoot = targetRoot();
  const config = await loadConfig(repoRoot);
  const dir = config.reportsDir;
  const reportsDir = join(repoRoot, dir);
  const report = requireFailuresFile(reportsDir, dir);
  const runs = readRunsFile(reportsDir, dir);
  const branch = (flags.branch as string | undefined) ?? report.branch ?? currentBranch(repoRoot) ?? "local";

  // Environment failures are for people: the agent's task holds only its failures, and when there are none
  // but environment ones, no task is written and the branch's task files stay as they are.
  const forAgent = { ...report, failures: agentFailures(report.failures) };
  const task =
    forAgent.failures.length === 0 && report.failures.length > 0
      ? { file: null, changed: false, removed: [] }
      : writeTaskContext({ report: forAgent, config, repoRoot, branch, runs, githubIssue: null });
  const context = buildTemplateContext({
    report,
    config,
    branch,
    runs,
    taskPath: task.file?.path ?? null,
    taskId: task.file ? `fix-${task.file.taskId}` : null,
    rerun: (f) => rerunCommand(f, stackOf(f, runs, repoRoot), repoRoot),
    repoRoot,
  });
  const issue = renderIssue(context, repoRoot, config);
  writeFileSync(join(repoRoot, dir, REPORT_FILES.report), renderReport(context, repoRoot, config));
  // removedTasks: this branch's older auto-generated task files, deleted here; the GitHub step may delete them upstream too.
  writeIssueFile(reportsDir, {
    ...issue,
    taskPath: task.file?.path ?? null,
    taskId: task.file?.taskId ?? null,
    removedTasks: task.removed,
  });

  for (const rel of task.removed) log.info(`removed the outdated task context ${rel}`);
  if (task.file) {
    log.info(`${task.changed ? "wrote" : "unchanged"} ${task.file.path}`);
    process.stdout.write(`${task.file.path}\n`);
  } else {
    log.info(
      report.failures.length > 0
        ? "only set-up problems (environment), nothing for the agent: no task context written"
        : "all tests passed: no task context written",
    );
  }
  log.info(`wrote ${dir}/${REPORT_FILES.report}, ${dir}/${REPORT_FILES.issue}, ${dir}/${REPORT_FILES.issueBody}`);
  return 0;
}

runMain(import.meta, main);
