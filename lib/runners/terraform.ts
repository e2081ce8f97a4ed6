// terraform validate -json: every folder with .tf files is a module validated on its own; `terraform init`
// (offline-safe) runs only when validation failed because providers or modules are not installed.
import { posix } from "node:path";
import { shellQuote } from "../test-selection.ts";
import type { RunnerAdapter } from "./adapter.ts";

interface TerraformValidate {
  valid?: boolean;
  diagnostics?: { severity?: string; summary?: string; range?: { filename?: string; start?: { line?: number } } }[];
}

function parseValidate(stdout: string): TerraformValidate | null {
  try {
    return JSON.parse(stdout) as TerraformValidate;
  } catch {
    return null;
  }
}

/** Validation that failed only because `terraform init` never ran (providers or modules not installed). */
function needsInit(v: TerraformValidate | null): boolean {
  return !!v?.diagnostics?.some((d) =>
    /Missing required provider|Module not installed|Module source has changed|Provider requirements cannot be satisfied/i.test(
      d.summary ?? "",
    ),
  );
}

export const terraform: RunnerAdapter = {
  name: "terraform",
  docs: {
    foundBy: "every folder with `*.tf` files, each validated alone",
    runAs: "`terraform validate -json` (after `terraform init -backend=false -input=false` only when providers or modules are missing)",
  },
  reportFormat: "terraform-json",
  // A folder terragrunt runs (when installed) is its unit, not a module of ours.
  findFolders: (tree) => {
    const terragrunt = tree.hasCommand("terragrunt");
    return tree.folders
      .filter((d) => [...d.files].some((f) => f.endsWith(".tf")) && !(terragrunt && d.files.has("terragrunt.hcl")))
      .map((d) => d.rel)
      .sort();
  },
  command: () => ["terraform", "validate"],
  plan: (stack, paths) => ({ argv: [...stack.command, "-json", "-no-color"], report: paths.rel("json"), reportIsStdout: true }),
  execute: async (stack, plan, steps) => {
    let result = await steps.exec(plan.argv, true);
    if (needsInit(parseValidate(result.stdout))) {
      // Offline-safe: no backend, no prompts; a module without providers downloads nothing.
      const init = await steps.exec([stack.command[0]!, "init", "-backend=false", "-input=false", "-no-color"], false);
      if (init.exitCode === 0) result = await steps.exec(plan.argv, true);
    }
    const v = parseValidate(result.stdout);
    for (const d of v?.diagnostics ?? []) {
      const where = d.range?.filename ? `${posix.join(stack.cwd, d.range.filename)}:${d.range.start?.line ?? 0}: ` : "";
      steps.echo(`${where}${d.severity ?? "error"}: ${d.summary ?? ""}\n`);
    }
    if (v?.valid) steps.echo(`${stack.cwd}: the configuration is valid\n`);
    return result;
  },
  rerunOne: (r) => `terraform -chdir=${shellQuote(r.failure.file ? posix.dirname(r.failure.file) : r.cwd)} validate`,
  targetCommand: () => null,
  coverage: () => null,
};
