// go test: its -json event stream on stdout (one module per folder with a go.mod).
import { posix } from "node:path";
import { escapeRegex, shellQuote } from "../test-selection.ts";
import type { RunnerAdapter } from "./adapter.ts";

/** A go test's own name: the last " > " segment (a JUnit dialect prefixes the package). */
const testName = (fullName: string) => fullName.split(" > ").pop()!;

/**
 * A `-run` pattern for these tests. go matches it level by level (`Test/sub`): each level is an anchored
 * alternation of the names at that depth. Names of different depths would cut each other's subtests
 * (`TestA` listed whole next to `TestB/x` runs only TestA's `x`), so then only the top level is given.
 */
export function goRunPattern(fullNames: string[]): string {
  const paths = fullNames.map((n) => testName(n).split("/"));
  const depth = paths.every((p) => p.length === paths[0]!.length) ? paths[0]!.length : 1;
  const levels = Array.from({ length: depth }, (_, i) => [...new Set(paths.map((p) => p[i]!))]);
  return levels
    .map((names) => (names.length === 1 ? `^${escapeRegex(names[0]!)}$` : `^(?:${names.map(escapeRegex).join("|")})$`))
    .join("/");
}

export const go: RunnerAdapter = {
  name: "go",
  docs: { foundBy: "every folder with a `go.mod` (a module; `vendor/` and `testdata/` left out)", runAs: "`go test ./... -json`" },
  reportFormat: "go-json",
  findFolders: (tree) =>
    tree.folders
      .filter((d) => d.files.has("go.mod") && !d.rel.split("/").some((seg) => seg === "vendor" || seg === "testdata"))
      .map((d) => d.rel)
      .sort(),
  command: () => ["go", "test", "./..."],
  plan: (stack, paths) => ({
    argv: stack.command.includes("-json") ? stack.command : [...stack.command, "-json"],
    report: paths.rel("json"),
    reportIsStdout: true,
  }),
  rerunOne: (r) => {
    if (!r.file) return null;
    const dir = posix.dirname(r.file);
    return `${r.prefix}go test ${shellQuote(dir === "." ? "." : `./${dir}`)} -run ${shellQuote(goRunPattern([r.failure.fullName]))}`;
  },
  targetCommand: (stack, tests) => [...stack.command, "-run", goRunPattern(tests.map((t) => t.fullName))],
  coverage: (stack, dir) => {
    const cmd = stack.command;
    const at = cmd.indexOf("test");
    if (at === -1) return null;
    const rest = cmd.slice(at + 1).filter((a) => a !== "-json");
    return {
      commands: [[...cmd.slice(0, at + 1), `-coverprofile=${posix.join(dir.abs, "coverage.out")}`, ...rest]],
      report: `${dir.rel}/coverage.out`,
      format: "go",
      env: {},
    };
  },
};
