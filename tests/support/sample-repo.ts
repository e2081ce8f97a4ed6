// Builds throwaway sample repositories for tests: real files, real git, the toolkit's node_modules linked in.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";

export interface SampleRepo {
  dir: string;
  /** Writes (or overwrites) files relative to the repo. */
  write(files: Record<string, string>): void;
  /** Runs git in the repo; throws with git's stderr on failure. */
  git(...args: string[]): string;
  cleanup(): void;
}

export interface SampleRepoOptions {
  /** Link the toolkit's node_modules (vitest, jest, jest-junit) into the repo root. Default true. */
  nodeModules?: boolean;
  /** `git init` with a first commit on `branch`. Default true. */
  git?: boolean;
  branch?: string;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Sample Dev",
  GIT_AUTHOR_EMAIL: "dev@example.com",
  GIT_COMMITTER_NAME: "Sample Dev",
  GIT_COMMITTER_EMAIL: "dev@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
};

export function runGit(cwd: string, args: string[]): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...GIT_ENV } });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${r.stderr}`);
  return r.stdout.trim();
}

export function createSampleRepo(files: Record<string, string>, opts: SampleRepoOptions = {}): SampleRepo {
  const dir = mkdtempSync(join(tmpdir(), "heal-sample-"));
  const write = (more: Record<string, string>) => {
    for (const [rel, text] of Object.entries(more)) {
      const abs = join(dir, rel);
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, text);
    }
  };
  write(files);
  if (opts.nodeModules !== false) symlinkSync(join(TOOLKIT_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  const git = (...args: string[]) => runGit(dir, args);
  if (opts.git !== false) {
    git("init", "-q", "-b", opts.branch ?? "dev");
    write({ ".gitignore": "node_modules\n.agent/reports/\n__pycache__/\n.pytest_cache/\n.terraform/\n" });
    git("add", "-A");
    git("commit", "-qm", "sample project");
  }
  return { dir, write, git, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
