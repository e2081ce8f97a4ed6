#!/usr/bin/env bun
// toolchain: what the repository names for its tests' toolchain, as `key=value` lines for `$GITHUB_OUTPUT`: the
// Node.js version file or spec for actions/setup-node (.nvmrc, .node-version, package.json volta / devEngines /
// engines), the package manager for corepack (packageManager, else the lockfile), the Python version for
// actions/setup-python (.python-version, pyproject.toml requires-python), and the package stores' cache keys.
// With --store (after the set-up steps): the node package store's folder, from the package manager itself.
// Reads:  .agent/heal/config.yaml (optional: `stacks:`), the repository (cwd, or HEAL_REPO): version files,
//         package.json, lockfiles, requirements*.txt / pyproject.toml; RUNNER_OS, PIP_CACHE_DIR, XDG_CACHE_HOME.
// Writes: the outputs on stdout; what was read, and a store that could not be found, on stderr.
// Exit:   0 read (empty values: nothing to set up); 2 a version file names no version the set-up actions can
//         install (the file is named), or bad arguments.
// Token:  none.
import { type ExitCode, type FlagSpec, log, parseArgs, printHelpIfAsked, runMain } from "../lib/cli.ts";
import { loadConfig } from "../lib/config.ts";
import { detectStacks } from "../lib/detect.ts";
import { targetRoot } from "../lib/paths.ts";
import { readToolchain, storePath, toolchainOutputs } from "../lib/toolchain.ts";

const FLAGS: FlagSpec = {
  store: { type: "boolean", describe: "print node-store=<folder> of the package manager (run after it is set up)" },
};

/** One output line; a value never spans lines (the keys are ours, the values paths and specs). */
function line(key: string, value: string): string {
  return `${key}=${value.replace(/[\r\n]+/g, " ")}\n`;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  if (printHelpIfAsked(argv, "bun scripts/toolchain.ts [--store]\nPrints the toolchain the repository names, as key=value lines.", FLAGS))
    return 0;
  const { flags } = parseArgs(argv, FLAGS);
  const repoRoot = targetRoot();
  const config = await loadConfig(repoRoot);
  const toolchain = readToolchain(repoRoot, await detectStacks(repoRoot, config, { env }), env);
  if (flags.store) {
    let out = line("node-store", "");
    if (toolchain.nodeStore) {
      const found = storePath(toolchain.nodeStore, repoRoot, env);
      if ("path" in found) out = line("node-store", found.path);
      else log.warn(`toolchain: ${found.problem}; the package store is not cached`);
    }
    process.stdout.write(out);
    return 0;
  }
  const { node, packageManager: pm, python } = toolchain;
  log.info(`toolchain: node ${node ? `${node.spec} from ${node.source}` : "not named"}`);
  if (pm)
    log.info(`toolchain: ${pm.name}${pm.version ? `@${pm.version}` : ""} from ${pm.source}${pm.hash ? " (hash checked by corepack)" : ""}`);
  log.info(`toolchain: python ${python ? `${python.spec} from ${python.source}` : "not named"}`);
  process.stdout.write(
    Object.entries(toolchainOutputs(toolchain))
      .map(([k, v]) => line(k, v))
      .join(""),
  );
  return 0;
}

runMain(import.meta, (argv) => main(argv));
