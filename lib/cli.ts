// The single error boundary every script uses: parses flags, prints --help, maps errors to exit codes.
// Exit codes: 0 ok (tests passed), 1 tests failed (the script returns 1), 2 the tool could not do its job.
import pc from "picocolors";
import { HealError } from "./errors.ts";
import { forLog } from "./sanitize.ts";

export type ExitCode = 0 | 1 | 2;

export interface FlagSpec {
  [name: string]: { type: "string" | "boolean"; multiple?: boolean; describe: string; default?: string | boolean };
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Minimal strict flag parser: `--name value`, `--name=value`, `--flag`; unknown flags are a usage error. */
export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const flags: ParsedArgs["flags"] = {};
  const positionals: string[] = [];
  for (const [name, s] of Object.entries(spec)) if (s.default !== undefined) flags[name] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const s = spec[name];
    if (!s) throw new HealError("USAGE", `unknown option --${name}`);
    let value: string | boolean;
    if (s.type === "boolean") value = eq === -1 ? true : arg.slice(eq + 1) !== "false";
    else if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[++i];
      if (next === undefined) throw new HealError("USAGE", `--${name} needs a value`);
      value = next;
    }
    if (s.multiple) flags[name] = [...((flags[name] as string[] | undefined) ?? []), String(value)];
    else flags[name] = value;
  }
  return { flags, positionals };
}

export function helpText(header: string, spec: FlagSpec): string {
  const rows = Object.entries(spec).map(([n, s]) => `  --${n}${s.type === "string" ? " <value>" : ""}  ${s.describe}`);
  return `${header.trim()}\n\nOptions:\n${rows.join("\n")}\n  --help  show this help\n`;
}

/** When argv asks for --help, prints the help on stdout and returns true: the script then returns 0. */
export function printHelpIfAsked(argv: string[], header: string, spec: FlagSpec): boolean {
  if (!argv.includes("--help")) return false;
  process.stdout.write(helpText(header, spec));
  return true;
}

export const log = {
  info: (msg: string) => process.stderr.write(`${forLog(msg)}\n`),
  warn: (msg: string) => process.stderr.write(`${pc.yellow("warning:")} ${forLog(msg)}\n`),
  skip: (msg: string) => process.stderr.write(`${pc.dim("[skip]")} ${forLog(msg)}\n`),
};

/**
 * Runs `main` when the module is the entry point. `main` returns the exit code; a HealError becomes
 * one line on stderr and exit 2; anything else is an internal bug: one line plus where to report it.
 */
export function runMain(meta: ImportMeta, main: (argv: string[]) => Promise<ExitCode>): void {
  if (!meta.main) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${pc.red("error:")} ${forLog(describeError(err))}\n`);
      if (process.env.HEAL_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${forLog(err.stack)}\n`);
      process.exit(2);
    },
  );
}

export function describeError(err: unknown): string {
  if (err instanceof HealError) return err.oneLine();
  if (err instanceof Error) return `internal error: ${err.message.split("\n")[0]} (set HEAL_DEBUG=1 for the stack)`;
  return `internal error: ${String(err)}`;
}
