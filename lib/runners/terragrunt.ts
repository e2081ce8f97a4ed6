// terragrunt validate -json: units are folders with a terragrunt.hcl and none below (the one above is the
// shared root config), found only when terragrunt is installed.
import { posix } from "node:path";
import { shellQuote } from "../test-selection.ts";
import type { RunnerAdapter } from "./adapter.ts";

const isUnder = (child: string, parent: string) => parent === "." || child.startsWith(`${parent}/`);

export const terragrunt: RunnerAdapter = {
  name: "terragrunt",
  docs: {
    foundBy: "folders with `terragrunt.hcl` (not the shared root one), only when `terragrunt` is installed",
    runAs: "`terragrunt validate -json`",
  },
  reportFormat: "terraform-json",
  findFolders: (tree) => {
    if (!tree.hasCommand("terragrunt")) return [];
    const dirs = tree.folders.filter((d) => d.files.has("terragrunt.hcl")).map((d) => d.rel);
    return dirs.filter((d) => !dirs.some((o) => o !== d && isUnder(o, d))).sort();
  },
  command: () => ["terragrunt", "validate"],
  plan: (stack, paths) => ({ argv: [...stack.command, "-json", "-no-color"], report: paths.rel("json"), reportIsStdout: true }),
  rerunOne: (r) => `cd ${shellQuote(r.failure.file ? posix.dirname(r.failure.file) : r.cwd)} && terragrunt validate`,
  targetCommand: () => null,
  coverage: () => null,
};
