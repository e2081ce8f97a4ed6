// Commits one file (and the deletion of others) onto a branch of `origin` and pushes it, racing pushes
// included, never forcing.
// The commit is built on the remote branch's tip with a private index (plumbing), so it works from a
// detached HEAD (pull_request checkouts), a shallow clone, or a working tree with other changes; when
// a concurrent push wins, the commit is rebuilt on the new tip (what a rebase of one file does) and
// pushed again, a bounded number of times.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HealError } from "./errors.ts";
import { runSync } from "./process.ts";
import { redact } from "./redact.ts";

/** Actions' bot identity, used when the checkout has no git user configured. */
export const BOT_IDENTITY = {
  name: "github-actions[bot]",
  email: "41898282+github-actions[bot]@users.noreply.github.com",
};

interface GitResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function git(cwd: string, args: string[], env: Record<string, string> = {}): GitResult {
  const auth = args[0] === "fetch" || args[0] === "push" ? authEnv(cwd, process.env) : {};
  const r = runSync(["git", ...args], { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0", ...auth, ...env } });
  return { status: r.exitCode ?? 1, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

/**
 * The job's token for one fetch or push, as the Authorization header checkout would persist, but given to that
 * git process alone (GIT_CONFIG_* variables, scoped to GITHUB_SERVER_URL): never written to git config, so
 * the code under test cannot read it there (the workflows check out with persist-credentials: false).
 * Nothing when there is no token, or when the checkout already persisted credentials (no second header).
 */
export function authEnv(cwd: string, env: Record<string, string | undefined>): Record<string, string> {
  const token = env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim();
  if (!token) return {};
  const server = (env.GITHUB_SERVER_URL?.trim() || "https://github.com").replace(/\/+$/, "");
  if (!/^https?:\/\//.test(server)) return {};
  const persisted = runSync(["git", "config", "--get-regexp", "^http\\..*extraheader$"], { cwd, env: process.env });
  if (persisted.exitCode === 0 && persisted.stdout.trim() !== "") return {};
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  const n = Number(env.GIT_CONFIG_COUNT ?? 0) || 0;
  return {
    GIT_CONFIG_COUNT: String(n + 1),
    [`GIT_CONFIG_KEY_${n}`]: `http.${server}/.extraheader`,
    [`GIT_CONFIG_VALUE_${n}`]: `AUTHORIZATION: basic ${basic}`,
  };
}

function gitOk(cwd: string, args: string[], env: Record<string, string> = {}): string {
  const r = git(cwd, args, env);
  if (r.status !== 0) throw new HealError("GIT_PUSH_FAILED", `git ${args[0]} failed: ${redact(r.stderr.split("\n")[0] ?? "")}`);
  return r.stdout;
}

/**
 * The branch a run is about: the checked-out branch; on a detached HEAD (pull_request checkouts, tags,
 * `git checkout <sha>`) GITHUB_HEAD_REF, else GITHUB_REF_NAME, else the one local branch whose tip is HEAD,
 * else `detached-<sha7>`. null outside a repository or before the first commit.
 */
export function currentBranch(cwd: string, env: Record<string, string | undefined> = process.env): string | null {
  const r = git(cwd, ["symbolic-ref", "--short", "-q", "HEAD"]);
  if (r.status === 0 && r.stdout) return r.stdout;
  const fromActions = env.GITHUB_HEAD_REF?.trim() || env.GITHUB_REF_NAME?.trim();
  if (fromActions) return fromActions;
  const head = git(cwd, ["rev-parse", "-q", "--verify", "HEAD"]);
  if (head.status !== 0 || !head.stdout) return null;
  const at = git(cwd, ["for-each-ref", "--points-at", "HEAD", "--format=%(refname:short)", "refs/heads/"]);
  const branches = at.status === 0 ? at.stdout.split("\n").filter(Boolean) : [];
  // Two branches at the same commit say nothing about which one this is.
  return branches.length === 1 ? branches[0]! : `detached-${head.stdout.slice(0, 7)}`;
}

/** Whether `sha` is HEAD or one of its ancestors (false when the object is absent, e.g. a shallow clone). */
/** Whether git ignores `rel` (a folder: end it with "/") in the repository at `cwd`; null outside a repository. */
export function isIgnored(cwd: string, rel: string): boolean | null {
  const r = git(cwd, ["check-ignore", "-q", "--", rel]);
  return r.status === 0 ? true : r.status === 1 ? false : null;
}

export function isAncestor(cwd: string, sha: string): boolean {
  return git(cwd, ["merge-base", "--is-ancestor", sha, "HEAD"]).status === 0;
}

/** The checked-out commit's message, or null outside a repository. */
export function currentHeadMessage(cwd: string): string | null {
  const r = git(cwd, ["log", "-1", "--format=%B"]);
  return r.status === 0 ? r.stdout : null;
}

export interface CommitFileOptions {
  cwd: string;
  /**
   * Repo-relative POSIX path of the file to commit (its current content in the working tree). Omitted:
   * a removal-only commit of `remove` (e.g. a green run deleting the branch's task files).
   */
  path?: string;
  /** More repo-relative files committed with `path` in the same commit (e.g. one task file per advisory group). */
  also?: string[];
  branch: string;
  message: string;
  remote?: string;
  /** Push attempts after the first rejected one. Default 3. */
  retries?: number;
  /**
   * Repo-relative POSIX paths to delete in the same commit (e.g. outdated task files). Paths absent from
   * the remote branch are ignored; a path equal to `path` is refused.
   */
  remove?: string[];
  /**
   * When the remote's copy differs from the file, whether the two still count as the same (e.g. they differ
   * only in volatile values): then nothing is committed and the remote keeps its copy.
   */
  equivalent?: (remoteText: string, localText: string) => boolean;
}

export interface CommitFileResult {
  /** The new commit, or null when the branch already had this exact file content (and none of `remove`). */
  commit: string | null;
  /**
   * The remote branch tip after the step (the new commit, or the unchanged tip); null only for a
   * removal-only call on a branch with no commit at all (nothing to remove).
   */
  tip: string | null;
  /** Pushes tried (0 when unchanged). */
  pushAttempts: number;
  /** The `remove` paths this commit deleted on the remote branch (empty when no commit). */
  removed: string[];
}

/**
 * Commits `path` (and deletes `remove`) onto `remote/branch` and pushes; when the branch already has
 * this content and none of the paths to remove, no commit. Without `path`, the commit only deletes.
 * Never forces.
 */
export function commitAndPushFile(opts: CommitFileOptions): CommitFileResult {
  const remote = opts.remote ?? "origin";
  const retries = opts.retries ?? 3;
  const message = redact(opts.message);
  const remove = [...new Set(opts.remove ?? [])];
  const also = opts.path === undefined ? [] : [...new Set(opts.also ?? [])].filter((rel) => rel !== opts.path);
  for (const rel of also) {
    if (!isPlainRelPath(rel) || remove.includes(rel))
      throw new HealError("GIT_PUSH_FAILED", "refusing to commit this path: not a plain repo-relative file kept by this commit", rel);
  }
  for (const rel of remove) {
    if (!isPlainRelPath(rel) || rel === opts.path) {
      throw new HealError(
        "GIT_PUSH_FAILED",
        "refusing to delete this path: not a plain repo-relative file other than the one committed",
        rel,
      );
    }
  }
  if (opts.path === undefined && remove.length === 0)
    throw new HealError("GIT_PUSH_FAILED", "nothing to commit: no file and no path to remove");
  const file = opts.path === undefined ? null : { path: opts.path, blob: gitOk(opts.cwd, ["hash-object", "-w", "--", opts.path]) };
  const files = file ? [file, ...also.map((rel) => ({ path: rel, blob: gitOk(opts.cwd, ["hash-object", "-w", "--", rel]) }))] : [];
  const env = identityEnv(opts.cwd);
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    const parent = fetchTip(opts.cwd, remote, opts.branch);
    // Computed on each attempt: a concurrent push may have added or deleted one of them meanwhile.
    const removed = parent ? remove.filter((rel) => blobAt(opts.cwd, parent, rel) !== null) : [];
    const fileUnchanged = files.every((f) => parent !== null && sameFile(opts.cwd, blobAt(opts.cwd, parent, f.path), f, opts.equivalent));
    if (fileUnchanged && removed.length === 0) {
      return { commit: null, tip: parent, pushAttempts: attempt - 1, removed: [] };
    }
    const commit = buildCommit(opts.cwd, parent, files, removed, message, env);
    const push = git(opts.cwd, ["push", "--porcelain", remote, `${commit}:refs/heads/${opts.branch}`]);
    if (push.status === 0) {
      fastForwardLocal(opts.cwd, opts.branch, parent, commit, files, removed);
      return { commit, tip: commit, pushAttempts: attempt, removed };
    }
    if (!isRaceRejection(push.stdout + "\n" + push.stderr)) {
      throw new PushRefused(remote, opts.branch, redact(firstError(push)));
    }
  }
  throw new HealError(
    "GIT_PUSH_FAILED",
    `git push to ${remote} ${opts.branch} was rejected ${retries + 1} times by concurrent pushes (never forced)`,
  );
}

/** The remote refused the push itself (protected branch, pre-receive hook, ruleset, permissions), not a race. */
export class PushRefused extends HealError {
  readonly branch: string;
  readonly why: string;
  constructor(remote: string, branch: string, why: string) {
    super("GIT_PUSH_FAILED", `git push to ${remote} ${branch} failed: ${why}`);
    this.branch = branch;
    this.why = why;
  }
}

function fetchTip(cwd: string, remote: string, branch: string): string | null {
  const r = git(cwd, ["fetch", "--quiet", "--no-tags", remote, `refs/heads/${branch}`]);
  if (r.status !== 0) {
    if (/couldn't find remote ref|no such ref/i.test(r.stderr)) {
      // New branch on the remote: start from the local HEAD.
      const head = git(cwd, ["rev-parse", "--verify", "-q", "HEAD"]);
      return head.status === 0 ? head.stdout : null;
    }
    throw new HealError("GIT_PUSH_FAILED", `git fetch ${remote} ${branch} failed: ${redact(firstError(r))}`);
  }
  return gitOk(cwd, ["rev-parse", "FETCH_HEAD^{commit}"]);
}

/** The remote's blob is the file's, or (with `equivalent`) its text counts as the same. */
function sameFile(
  cwd: string,
  remoteBlob: string | null,
  file: { path: string; blob: string },
  equivalent: CommitFileOptions["equivalent"],
): boolean {
  if (remoteBlob === file.blob) return true;
  if (remoteBlob === null || !equivalent) return false;
  // Raw bytes, not git()'s trimmed stdout: a trailing newline is content too.
  const remote = runSync(["git", "cat-file", "blob", remoteBlob], { cwd, env: process.env });
  const local = runSync(["git", "cat-file", "blob", file.blob], { cwd, env: process.env });
  return remote.exitCode === 0 && local.exitCode === 0 && equivalent(remote.stdout, local.stdout);
}

function blobAt(cwd: string, commit: string, path: string): string | null {
  const r = git(cwd, ["rev-parse", "--verify", "-q", `${commit}:${path}`]);
  return r.status === 0 ? r.stdout : null;
}

/** `a/b.yaml`: no leading slash, no `.`/`..`/empty segment, no backslash or NUL. */
function isPlainRelPath(rel: string): boolean {
  return rel.length > 0 && !/[\\\0]/.test(rel) && rel.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}

function buildCommit(
  cwd: string,
  parent: string | null,
  files: { path: string; blob: string }[],
  remove: string[],
  message: string,
  env: Record<string, string>,
): string {
  const dir = mkdtempSync(join(tmpdir(), "heal-index-"));
  try {
    const indexEnv = { ...env, GIT_INDEX_FILE: join(dir, "index") };
    if (parent) gitOk(cwd, ["read-tree", parent], indexEnv);
    for (const f of files) gitOk(cwd, ["update-index", "--add", "--cacheinfo", `100644,${f.blob},${f.path}`], indexEnv);
    if (remove.length > 0) gitOk(cwd, ["update-index", "--force-remove", "--", ...remove], indexEnv);
    const tree = gitOk(cwd, ["write-tree"], indexEnv);
    return gitOk(cwd, ["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-m", message], indexEnv);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Keeps a checkout that sits on the branch in step with what was pushed: the branch moves to the new
 * commit (compare-and-swap on the old tip) and the file's index entry follows, as do the entries of
 * deleted paths that are gone from the working tree; other staged or unstaged work is left exactly as
 * it was. Any other state (detached, behind, ahead) is not touched.
 */
function fastForwardLocal(
  cwd: string,
  branch: string,
  parent: string | null,
  commit: string,
  files: { path: string; blob: string }[],
  removed: string[],
): void {
  const head = git(cwd, ["symbolic-ref", "--short", "-q", "HEAD"]);
  const headSha = git(cwd, ["rev-parse", "-q", "--verify", "HEAD"]);
  if (head.stdout !== branch || !parent || headSha.stdout !== parent) return;
  if (git(cwd, ["update-ref", "-m", "heal: task context pushed", `refs/heads/${branch}`, commit, parent]).status !== 0) return;
  for (const f of files) git(cwd, ["update-index", "--add", "--cacheinfo", `100644,${f.blob},${f.path}`]);
  const gone = removed.filter((rel) => !existsSync(join(cwd, rel)));
  if (gone.length > 0) git(cwd, ["update-index", "--force-remove", "--", ...gone]);
}

function identityEnv(cwd: string): Record<string, string> {
  const name = git(cwd, ["config", "user.name"]).stdout;
  const email = git(cwd, ["config", "user.email"]).stdout;
  const env: Record<string, string> = {};
  if (!process.env.GIT_AUTHOR_NAME && !name) env.GIT_AUTHOR_NAME = BOT_IDENTITY.name;
  if (!process.env.GIT_AUTHOR_EMAIL && !email) env.GIT_AUTHOR_EMAIL = BOT_IDENTITY.email;
  if (!process.env.GIT_COMMITTER_NAME && !name) env.GIT_COMMITTER_NAME = BOT_IDENTITY.name;
  if (!process.env.GIT_COMMITTER_EMAIL && !email) env.GIT_COMMITTER_EMAIL = BOT_IDENTITY.email;
  return env;
}

function isRaceRejection(text: string): boolean {
  return /\[rejected\]|non-fast-forward|fetch first|stale info|cannot lock ref|failed to update ref/i.test(text);
}

function firstError(r: GitResult): string {
  const lines = `${r.stderr}\n${r.stdout}`.split("\n").map((l) => l.trim());
  return lines.find((l) => /error|fatal|rejected|denied/i.test(l)) ?? lines.find(Boolean) ?? `exit ${r.status}`;
}

/** `<server>/<owner>/<repo>/blob/<sha>/<path>`: the file as it was at that commit. */
export function blobUrl(serverUrl: string, repository: string, sha: string, path: string): string {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `${serverUrl.replace(/\/+$/, "")}/${repository}/blob/${sha}/${encoded}`;
}
