#!/usr/bin/env bun
// verify: check an agent's fix for a healing issue (seed step 9), on a pull request or a push to an agent
// branch (`claude/issue-<N>-...`). The issue comes from the branch name, or `Fixes #N` in the body of a pull
// request whose author has write access; it must be the tool's own healing issue (trusted marker).
// The previously failing tests come from the task file the tool committed on the issue's branch, believed
// only when its failure ids are exactly the issue's marker's. They are re-run first (targeted), then the
// whole suite (run-tests). Pass: ✅ on the issue and the pull request, the issue closed (verify.close_on:
// pass) or left to `Fixes #N` (merge). Fail: ❌ with what still fails, and the agent is asked again
// (agent token comment, or repository_dispatch); the failure that reaches agent.max_attempts labels the
// issue needs-human and mentions nobody; past the daily mention cap (budget.daily_mentions, counted like
// heal:hand-off) nobody is asked either. A test that was deleted, renamed or skipped is not healed.
// Kill switch: an issue labelled heal:paused (labels.paused) is left alone. A re-run of the same run and
// attempt does nothing (its marker is already on the issue), nor does a head commit already verified by
// another run (the agent's push and its pull request): checked before the tests and again after them.
// A pull request closed as merged whose head has a passing verification closes the issue (close_on: merge).
// A performance or security issue (its marker's kind) is verified on the rule that filed it, with the same
// comments' markers, attempts, hand-off and close: perf compares --bench results (else perf.results, after
// perf.command) with the baseline (--baseline, else origin's heal/perf-baseline) by lib/perf's rule, healed when
// none of the issue's benchmarks regresses; audit runs the audits again (or reads --audit-report files), healed
// when none of the issue's advisories remains and then the whole suite passes.
// Reads:  GitHub Actions variables and event, .agent/heal/config.yaml, the task file(s) on origin/<branch>,
//         the repository's tests; perf: --bench files and the baseline; audit: lockfiles and tools, or reports.
//         Local mode (no token): --task <file> (a perf or audit task file too) or the one task file in the tree.
// Writes: <reports>/raw-targeted/*, <reports>/raw/*, runs.json, verify.json; comments, label, closed issue.
// Exit:   0 healed or nothing to verify (no linked issue, paused, closed, already verified by this run),
//         1 not healed, 2 the tool could not do its job (no matching task file, GitHub refused).
// Token:  issues: write, pull-requests: write (comments); contents: read (fetch the task file);
//         contents: write for a repository_dispatch retry; the agent token needs issues: write.
import { parseArgs, printHelpIfAsked, runMain, type ExitCode, type FlagSpec } from "../lib/cli.ts";
import { verifyFix } from "../lib/github/verification.ts";

const FLAGS: FlagSpec = {
  issue: { type: "string", describe: "the healing issue number (default: from the branch or the pull request)" },
  task: { type: "string", describe: "local mode: the task file whose failures (or benchmarks, or advisories) to verify" },
  bench: {
    type: "string",
    multiple: true,
    describe: "performance issue: this run's benchmark result file (repeatable; default: perf.results after perf.command)",
  },
  baseline: { type: "string", describe: "performance issue: the baseline file (default: origin's heal/perf-baseline)" },
  "audit-report": {
    type: "string",
    multiple: true,
    describe: "security issue: an audit report to read instead of running the audits (repeatable)",
  },
};
const HELP = `task verify [-- --issue N] [--task .agent/tasks/fix-<id>.yaml] [--bench <file>...] [--audit-report <file>...]
Re-runs the previously failing tests of a healing issue, then the whole suite, and reports on GitHub.`;

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<ExitCode> {
  if (printHelpIfAsked(argv, HELP, FLAGS)) return 0;
  const { flags } = parseArgs(argv, FLAGS);
  const { code, printed } = await verifyFix(env, {
    issue: flags.issue as string | undefined,
    task: flags.task as string | undefined,
    bench: flags.bench as string[] | undefined,
    baseline: flags.baseline as string | undefined,
    auditReports: flags["audit-report"] as string[] | undefined,
  });
  if (printed) process.stdout.write(`${JSON.stringify(printed)}\n`);
  return code;
}

runMain(import.meta, main);
