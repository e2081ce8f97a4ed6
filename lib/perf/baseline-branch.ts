// The default branch's perf baseline, kept by the tool on a branch it owns (heal/perf-baseline): one JSON file per
// benchmark source, committed [skip ci] with lib/git.ts's never-forced push; other branches fetch it from origin.
import { basename, isAbsolute, relative } from "node:path";
import { commitAndPushFile, git, PushRefused } from "../git.ts";
import { redact } from "../redact.ts";
import { originDefaultBranch } from "../setup.ts";
import { makeBaseline, parseBaseline, writeBaseline, type PerfBaseline } from "./compare.ts";
import type { BenchResult } from "./results.ts";

export const BASELINE_BRANCH = "heal/perf-baseline";

/** One benchmark source (a result file) and the results read from it. */
export interface BenchSource {
  /** The result file as named on the command line (repo-relative or absolute). */
  file: string;
  results: BenchResult[];
}

/**
 * Where a source's baseline sits, both in the working tree and on the baseline branch: under the reports folder
 * (git ignores it, so the checkout stays clean), named after the result file's repo-relative path.
 */
export function baselinePath(root: string, reportsDir: string, file: string): string {
  const rel = relative(root, isAbsolute(file) ? file : `${root}/${file}`);
  // A file outside the repository is known by its name alone.
  const name = rel.startsWith("..") || isAbsolute(rel) ? basename(file) : rel;
  const safe = name
    .split(/[\\/]+/)
    .filter((seg) => seg !== "" && seg !== "." && seg !== "..")
    .map((seg) => seg.replace(/[^\w.@+-]/g, "_"))
    .join("/");
  return `${relative(root, reportsDir)
    .split(/[\\/]+/)
    .join("/")}/perf/baseline/${safe}.json`;
}

/**
 * The default branch: the event's repository.default_branch (Actions), else origin's HEAD; null when unknown
 * (then the run is treated as another branch's and only reads the baseline).
 */
export function defaultBranch(root: string, event: Record<string, unknown> | null): string | null {
  const repo = event?.repository as { default_branch?: unknown } | undefined;
  if (typeof repo?.default_branch === "string" && repo.default_branch) return repo.default_branch;
  return originDefaultBranch(root);
}

export type BaselineRead = { baseline: PerfBaseline; files: string[] } | { baseline: null; why: string };

/** Fetches origin's baseline branch and reads each source's file from it (merged); null with the reason when none. */
export function fetchBaseline(root: string, reportsDir: string, sources: string[], remote = "origin"): BaselineRead {
  const fetched = git(root, ["fetch", "--quiet", "--no-tags", remote, `refs/heads/${BASELINE_BRANCH}`]);
  if (fetched.status !== 0) {
    if (/couldn't find remote ref|no such ref/i.test(fetched.stderr))
      return { baseline: null, why: `${remote} has no ${BASELINE_BRANCH} yet (the default branch's first run writes it)` };
    return { baseline: null, why: `cannot fetch ${remote} ${BASELINE_BRANCH}: ${redact(fetched.stderr.split("\n")[0] ?? "")}` };
  }
  const tip = git(root, ["rev-parse", "FETCH_HEAD^{commit}"]).stdout;
  const found: { path: string; baseline: PerfBaseline }[] = [];
  for (const file of sources) {
    const path = baselinePath(root, reportsDir, file);
    const r = git(root, ["cat-file", "blob", `${tip}:${path}`]);
    if (r.status === 0) found.push({ path, baseline: parseBaseline(r.stdout, `${remote}/${BASELINE_BRANCH}:${path}`) });
  }
  if (found.length === 0) {
    const names = sources.map((f) => baselinePath(root, reportsDir, f)).join(", ");
    return { baseline: null, why: `${remote}/${BASELINE_BRANCH} has no baseline for ${names} yet` };
  }
  const first = found[0]!.baseline;
  return {
    baseline: { ...first, results: found.flatMap((f) => f.baseline.results) },
    files: found.map((f) => f.path),
  };
}

export interface BaselineStored {
  path: string;
  /** The new commit on the baseline branch, null when unchanged or refused. */
  commit: string | null;
  /** Why the push was refused (protected branch, hook, ruleset), else null. */
  refused: string | null;
}

/** Writes each source's baseline under the reports folder and commits it onto origin's baseline branch, never forcing. */
export function storeBaseline(
  root: string,
  reportsDir: string,
  sources: BenchSource[],
  meta: { branch: string | null; commit: string | null },
  remote = "origin",
): BaselineStored[] {
  const stored: BaselineStored[] = [];
  for (const source of sources) {
    const path = baselinePath(root, reportsDir, source.file);
    writeBaseline(`${root}/${path}`, makeBaseline(source.results, meta));
    const at = meta.commit ? ` at ${meta.commit.slice(0, 12)}` : "";
    const message = `chore(heal): perf baseline of ${path.replace(/^.*\/perf\/baseline\/|\.json$/g, "")}${at} [skip ci]`;
    try {
      const pushed = commitAndPushFile({ cwd: root, path, branch: BASELINE_BRANCH, remote, message });
      stored.push({ path, commit: pushed.commit, refused: null });
    } catch (e) {
      if (!(e instanceof PushRefused)) throw e;
      stored.push({ path, commit: null, refused: e.why });
    }
  }
  return stored;
}
