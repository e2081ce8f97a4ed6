// task perf: read benchmark results, compare them with the default branch's baseline, and file the branch's
// "⏱️ Performance regression" finding through the same pipeline as test failures (lib/finding-report.ts).
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { warnAnnotation } from "../annotations.ts";
import { log } from "../cli.ts";
import { HealError } from "../errors.ts";
import { findingRecord, findingTaskPath, PERF_FINDING, syncFinding, writeFindingFiles, type FindingSync } from "../finding-report.ts";
import { openSession } from "../github/session.ts";
import { runSync } from "../process.ts";
import { renderTemplate } from "../render.ts";
import { inlineCode, limitTitle, untrusted } from "../sanitize.ts";
import { runBenchmarks } from "./benchmarks.ts";
import { BASELINE_BRANCH, defaultBranch, fetchBaseline, storeBaseline, type BaselineStored, type BenchSource } from "./baseline-branch.ts";
import {
  comparePerf,
  makeBaseline,
  readBaseline,
  writeBaseline,
  type PerfBaseline,
  type PerfComparison,
  type PerfVerdict,
} from "./compare.ts";
import { readBenchFile, type BenchResult, type PerfFormat } from "./results.ts";

export interface PerfRequest {
  /** Benchmark result files (repo-relative or absolute); none: the config's perf.results, after perf.command. */
  results: string[];
  format?: PerfFormat;
  /** Baseline file; default: origin's heal/perf-baseline branch (fetched). */
  baseline?: string;
  /** Write this run's results as the baseline here too. */
  saveBaseline?: string;
  /** On the default branch, store this run as the baseline even when it regressed (an accepted slowdown). */
  updateBaseline?: boolean;
  thresholdPct?: number;
}

export interface PerfOutcome {
  verdict: PerfVerdict | null;
  markdown: string;
  sync: FindingSync | null;
  /** On the default branch: each source's baseline file and its commit on heal/perf-baseline; null elsewhere. */
  stored: BaselineStored[] | null;
}

/** Formats nanoseconds for people: `850 ns`, `12.3 µs`, `1.20 ms`, `2.50 s`. */
export function formatNs(ns: number): string {
  if (ns < 1e3) return `${ns.toPrecision(3)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}

function testText(c: PerfComparison): string {
  if (!c.test) return "threshold only";
  const name = c.test.method === "welch" ? "Welch's t" : "Mann-Whitney U";
  return `${name} p=${c.test.p.toPrecision(2)}`;
}

export async function runPerf(env: Record<string, string | undefined>, req: PerfRequest): Promise<PerfOutcome> {
  const session = await openSession(env);
  const { root, config } = session;
  const branch = session.branch ?? "HEAD";
  const threshold = req.thresholdPct ?? config.perf.threshold;
  const files = req.results.length > 0 ? req.results : config.perf.results;
  if (files.length === 0) throw new HealError("USAGE", "name at least one benchmark result file (or perf.results in the config)");
  if (req.results.length === 0 && config.perf.command) runBenchmarks(root, config, env);
  const sources: BenchSource[] = files.map((file) => ({ file, results: readBenchFile(resolve(root, file), req.format).results }));
  const current: BenchResult[] = sources.flatMap((s) => s.results);
  const commit = session.kind === "github" ? session.ctx.sha : headCommit(root);
  const onDefault = session.branch !== null && session.branch === defaultBranch(root, session.kind === "github" ? session.ctx.event : null);

  let baseline: PerfBaseline | null;
  if (req.baseline) baseline = readBaseline(resolve(root, req.baseline));
  else {
    const read = fetchBaseline(root, session.reportsDir, files);
    baseline = read.baseline;
    if (read.baseline) log.info(`perf: baseline from origin/${BASELINE_BRANCH}: ${read.files.join(", ")}`);
    else log.skip(`perf: no baseline: ${read.why}; nothing compared`);
  }
  if (req.saveBaseline) {
    writeBaseline(resolve(root, req.saveBaseline), makeBaseline(current, { branch: session.branch, commit }));
    log.info(`perf: baseline of ${current.length} benchmarks written to ${req.saveBaseline}`);
  }
  // Only a run without regression replaces the default branch's baseline: a slowdown stays measured against the last good run.
  const store = (regressed: number): BaselineStored[] | null => {
    if (!onDefault) return null;
    if (regressed > 0 && !req.updateBaseline) {
      const n = `${regressed} benchmark${regressed === 1 ? "" : "s"}`;
      log.skip(`perf: ${BASELINE_BRANCH} not updated: ${n} regressed (--update-baseline stores this run anyway)`);
      return null;
    }
    if (session.kind !== "github") {
      log.skip(`perf: push the baseline to origin ${BASELINE_BRANCH}: ${session.reason}`);
      return null;
    }
    const stored = storeBaseline(root, session.reportsDir, sources, { branch: session.branch, commit });
    for (const s of stored) {
      if (s.refused) {
        const text = `the push of the perf baseline ${s.path} to ${BASELINE_BRANCH} was refused (${s.refused}); the old baseline stays`;
        if (!warnAnnotation(text, env)) log.warn(text);
      } else
        log.info(
          `perf: baseline ${s.path} ${s.commit ? `committed to ${BASELINE_BRANCH} (${s.commit.slice(0, 12)})` : `unchanged on ${BASELINE_BRANCH}`}`,
        );
    }
    return stored;
  };
  if (!baseline) {
    return {
      verdict: null,
      markdown: `No baseline: ${current.length} benchmarks recorded, none compared.\n`,
      sync: null,
      stored: store(0),
    };
  }

  const verdict = comparePerf(baseline.results, current, { thresholdPct: threshold });
  const regressions = [...verdict.regressions].sort((a, b) => b.ratio - a.ratio);
  const shownBranch = untrusted(branch);
  const taskPath = findingTaskPath(config, PERF_FINDING, branch);
  const range = baseline.commit && commit ? `${baseline.commit.slice(0, 12)}..${commit.slice(0, 12)}` : "";
  const ctx = {
    branch: inlineCode(shownBranch),
    threshold,
    alpha: verdict.alpha,
    commit_range: range ? inlineCode(range) : "",
    regressions: regressions.map((r) => ({
      name: inlineCode(untrusted(r.name)),
      baseline: formatNs(r.baselineNs),
      current: formatNs(r.currentNs),
      ratio: r.ratio.toFixed(2),
      test: testText(r),
      samples: `${r.baselineN} vs ${r.currentN}`,
    })),
    unmatched_count: verdict.unmatched.length,
    task_path: taskPath,
    run_url: session.kind === "github" ? session.ctx.runUrl : null,
    mention: config.agent.mention,
  };
  const body = renderTemplate("perf-issue.md", ctx, root, config).trim();
  const title = limitTitle(
    renderTemplate("perf-issue-title.liquid", { branch: shownBranch, regression_count: regressions.length }, root, config).trim(),
  );
  const records = regressions.map((r) =>
    findingRecord("perf", {
      key: r.name,
      name: r.name,
      message: `${formatNs(r.baselineNs)} -> ${formatNs(r.currentNs)} (x${r.ratio.toFixed(2)}, ${testText(r)})`,
    }),
  );
  const task =
    regressions.length > 0
      ? {
          id: `perf-${taskPath.replace(/^.*\/fix-perf-|\.yaml$/g, "")}`,
          auto_generated: true,
          kind: "perf",
          branch,
          github_issue: null,
          title: `Make the regressed benchmarks on ${branch} fast again`,
          threshold_pct: threshold,
          alpha: verdict.alpha,
          commit_range: { baseline: baseline.commit, current: commit },
          regressions: regressions.map((r) => ({
            benchmark: r.name,
            format: r.format,
            baseline_ns: Number(r.baselineNs.toPrecision(6)),
            current_ns: Number(r.currentNs.toPrecision(6)),
            ratio: Number(r.ratio.toFixed(4)),
            samples: { baseline: r.baselineN, current: r.currentN },
            test: r.test ? { method: r.test.method, p: Number(r.test.p.toPrecision(4)) } : null,
          })),
          acceptance_criteria: [
            `each benchmark above is within ${threshold}% of its baseline, or the difference is within noise (p >= ${verdict.alpha})`,
            "the benchmarks and the baseline are unchanged",
          ],
        }
      : null;
  const { dir } = writeFindingFiles({
    repoRoot: root,
    reportsDir: session.reportsDir,
    finding: PERF_FINDING,
    meta: { repository: session.kind === "github" ? session.ctx.repository : null, branch: session.branch, commit, runUrl: ctx.run_url },
    compared: verdict.compared.length,
    records,
    title,
    body,
    labels: [...config.labels.healing.filter((l) => l !== "tdd" && l !== "bug"), "performance"],
    taskPath,
    task,
  });
  writeFileSync(
    join(dir, "perf.json"),
    `${JSON.stringify({ ...verdict, baseline: { commit: baseline.commit, branch: baseline.branch }, commit }, null, 2)}\n`,
  );
  writeFileSync(join(dir, "perf.md"), `${body}\n`);
  for (const c of verdict.compared) log.info(`perf: ${c.regression ? "REGRESSION" : "ok"} ${untrusted(c.name)}: ${c.reason}`);
  const sync = await syncFinding(env, PERF_FINDING);
  const stored = store(regressions.length);
  return {
    verdict,
    markdown: regressions.length > 0 ? `${body}\n` : `No regression beyond ${threshold}% in ${verdict.compared.length} benchmarks.\n`,
    sync,
    stored,
  };
}

function headCommit(root: string): string | null {
  try {
    const r = runSync(["git", "rev-parse", "HEAD"], { cwd: root });
    return r.exitCode === 0 ? r.stdout.trim() : null;
  } catch {
    return null;
  }
}
