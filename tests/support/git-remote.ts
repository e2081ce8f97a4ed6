// A real bare repository as `origin`, a working clone of it, and a second clone that pushes "concurrently",
// so push, rebase and retry logic is tested against real git rather than a mock.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { runGit } from "./sample-repo.ts";

export interface BareRemote {
  /** The bare repository (`origin` of cloneDir). */
  bareDir: string;
  /** A working clone on `branch`, origin = bareDir, upstream set. */
  cloneDir: string;
  branch: string;
  /** Commits `files` from another clone and pushes them to the bare repo: the push the tool's push will race. Returns the new sha. */
  pushFromElsewhere(files: Record<string, string>, message: string): string;
  /** `git log --format=%s` of a branch in the bare repo, newest first. */
  log(branch?: string): string[];
  /** File content at `ref:path` in the bare repo, or null when absent. */
  show(ref: string, path: string): string | null;
  /** The sha a branch points at in the bare repo, or null. */
  head(branch?: string): string | null;
  /**
   * A folder holding a `git` wrapper to put first on PATH: before each of the next `times` `git push` calls
   * (from anyone), another clone pushes a commit to the branch first, so that push loses a real race.
   * `races()` reads how many were staged.
   */
  racingGit(times: number): { binDir: string; races: () => number };
  /**
   * Installs a pre-receive hook in the bare repository that refuses every push to `branch` (what a protected
   * branch, a ruleset or a server hook does), with GitHub's wording; other branches are accepted.
   */
  refusePushesTo(branch: string): void;
  /** Runs git in the working clone. */
  git(...args: string[]): string;
  cleanup(): void;
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const abs = join(dir, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
}

export function createBareRemote(initialFiles: Record<string, string> = { "README.md": "# widgets\n" }, branch = "dev"): BareRemote {
  const root = mkdtempSync(join(tmpdir(), "heal-remote-"));
  const bareDir = join(root, "origin.git");
  const seedDir = join(root, "seed");
  const cloneDir = join(root, "clone");
  const otherDir = join(root, "elsewhere");

  runGit(root, ["init", "-q", "--bare", "-b", branch, bareDir]);
  mkdirSync(seedDir);
  runGit(seedDir, ["init", "-q", "-b", branch]);
  writeFiles(seedDir, initialFiles);
  runGit(seedDir, ["add", "-A"]);
  runGit(seedDir, ["commit", "-qm", "initial commit"]);
  runGit(seedDir, ["remote", "add", "origin", bareDir]);
  runGit(seedDir, ["push", "-q", "origin", `${branch}:${branch}`]);
  rmSync(seedDir, { recursive: true, force: true });

  runGit(root, ["clone", "-q", "-b", branch, bareDir, cloneDir]);
  runGit(root, ["clone", "-q", "-b", branch, bareDir, otherDir]);

  const bare = (...args: string[]) => runGit(bareDir, args);
  return {
    bareDir,
    cloneDir,
    branch,
    pushFromElsewhere(files, message) {
      runGit(otherDir, ["pull", "-q", "--rebase", "origin", branch]);
      writeFiles(otherDir, files);
      runGit(otherDir, ["add", "-A"]);
      runGit(otherDir, ["commit", "-qm", message]);
      runGit(otherDir, ["push", "-q", "origin", `HEAD:${branch}`]);
      return runGit(otherDir, ["rev-parse", "HEAD"]);
    },
    log(b = branch) {
      const out = bare("log", "--format=%s", b);
      return out ? out.split("\n") : [];
    },
    show(ref, path) {
      // Not runGit: it trims, and a file's exact bytes matter here.
      const r = spawnSync("git", ["show", `${ref}:${path}`], { cwd: bareDir, encoding: "utf8" });
      return r.status === 0 ? r.stdout : null;
    },
    head(b = branch) {
      try {
        return bare("rev-parse", "--verify", "-q", `refs/heads/${b}`);
      } catch {
        return null;
      }
    },
    racingGit(times) {
      const binDir = mkdtempSync(join(root, "racing-git-"));
      const counter = join(binDir, "races");
      writeFileSync(counter, "0");
      const realGit = spawnSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).stdout.trim();
      const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
      const id = "-c user.name=Other -c user.email=other@example.com";
      writeFileSync(
        join(binDir, "git"),
        `#!/bin/sh
for a in "$@"; do
  if [ "$a" = push ]; then
    n=$(cat ${q(counter)})
    if [ "$n" -lt ${times} ]; then
      n=$((n + 1)); echo "$n" > ${q(counter)}
      ( cd ${q(otherDir)} && ${q(realGit)} pull -q --rebase origin ${q(branch)} && echo "race $n" >> races.txt &&
        ${q(realGit)} add races.txt && ${q(realGit)} ${id} commit -qm "concurrent push $n" &&
        ${q(realGit)} push -q origin HEAD:${q(branch)} ) >/dev/null 2>&1 || echo "racing-git: staging race $n failed" >&2
    fi
    break
  fi
done
exec ${q(realGit)} "$@"
`,
      );
      chmodSync(join(binDir, "git"), 0o755);
      return { binDir, races: () => Number(readFileSync(counter, "utf8")) };
    },
    refusePushesTo(refused) {
      const hook = join(bareDir, "hooks", "pre-receive");
      writeFileSync(
        hook,
        `#!/bin/sh
while read old new ref; do
  if [ "$ref" = "refs/heads/${refused}" ]; then
    echo "error: GH006: Protected branch update failed for $ref." >&2
    exit 1
  fi
done
exit 0
`,
      );
      chmodSync(hook, 0o755);
    },
    git: (...args) => runGit(cloneDir, args),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
