// `go test -json` (test2json events), tolerant of non-JSON lines mixed in (stderr merged, `go: downloading`,
// build errors printed as text by Go before 1.24). Build failures and package-level failures become errors.
import type { CaseStatus, TestCase } from "../types.ts";

interface GoEvent {
  Action?: string;
  Package?: string;
  Test?: string;
  Output?: string;
  Elapsed?: number;
  ImportPath?: string;
  FailedBuild?: string;
}

interface TestState {
  pkg: string;
  name: string;
  output: string[];
}

const NOISE = /^(=== (RUN|PAUSE|CONT|NAME)\s|--- (FAIL|PASS|SKIP):\s|\s*--- (FAIL|PASS|SKIP):)/;

/** The package part of a build ImportPath like `example.com/m/pkg [example.com/m/pkg.test]`. */
function pkgOf(importPath: string): string {
  return importPath.replace(/\s*\[.*\]$/, "").replace(/\.test$/, "");
}

export class GoJsonParser {
  private tests = new Map<string, TestState>();
  private failedNames = new Map<string, Set<string>>();
  private pkgOutput = new Map<string, string[]>();
  private buildOutput = new Map<string, string[]>();
  private textBuild: { pkg: string | null; lines: string[] } = { pkg: null, lines: [] };
  private failedInPkg = new Set<string>();
  private sawEvent = false;
  private nonJson = 0;

  constructor(private readonly onCase: (c: TestCase) => void) {}

  line(raw: string): void {
    const text = raw.replace(/\r$/, "");
    if (!text.trim()) return;
    let ev: GoEvent | null = null;
    if (text.startsWith("{")) {
      try {
        ev = JSON.parse(text) as GoEvent;
      } catch {
        ev = null;
      }
    }
    if (!ev || typeof ev !== "object" || typeof ev.Action !== "string") {
      this.nonJson++;
      this.textLine(text);
      return;
    }
    this.sawEvent = true;
    this.event(ev);
  }

  /** Build errors printed as plain text: `# pkg` then `file.go:L:C: msg` lines. */
  private textLine(text: string): void {
    const header = /^# (\S+)/.exec(text);
    if (header) {
      this.textBuild = { pkg: pkgOf(header[1]!), lines: [] };
      return;
    }
    if (this.textBuild.pkg && /^\S.*\.go:\d+(:\d+)?: /.test(text)) {
      const list = this.buildOutput.get(this.textBuild.pkg) ?? [];
      list.push(text);
      this.buildOutput.set(this.textBuild.pkg, list);
    }
  }

  private event(ev: GoEvent): void {
    const action = ev.Action!;
    if (action === "build-output" && ev.ImportPath) {
      const pkg = pkgOf(ev.ImportPath);
      const out = (ev.Output ?? "").replace(/\n$/, "");
      if (!out.startsWith("# ")) {
        const list = this.buildOutput.get(pkg) ?? [];
        list.push(out);
        this.buildOutput.set(pkg, list);
      }
      return;
    }
    if (action === "build-fail") return;
    const pkg = ev.Package ?? "";
    if (!ev.Test) {
      if (action === "output" && ev.Output !== undefined) {
        const list = this.pkgOutput.get(pkg) ?? [];
        list.push(ev.Output.replace(/\n$/, ""));
        this.pkgOutput.set(pkg, list);
      } else if (action === "fail") this.packageFailed(pkg, ev);
      return;
    }
    const key = `${pkg}\u0000${ev.Test}`;
    let t = this.tests.get(key);
    if (!t) {
      t = { pkg, name: ev.Test, output: [] };
      this.tests.set(key, t);
    }
    if (action === "output" && ev.Output !== undefined) t.output.push(ev.Output.replace(/\n$/, ""));
    else if (action === "pass" || action === "fail" || action === "skip") this.finish(t, action, ev.Elapsed);
  }

  private finish(t: TestState, action: string, elapsed?: number): void {
    this.tests.delete(`${t.pkg}\u0000${t.name}`);
    const own = t.output.filter((l) => !NOISE.test(l));
    const status: CaseStatus = action === "pass" ? "passed" : action === "skip" ? "skipped" : "failed";
    if (status === "failed") {
      const failed = this.failedNames.get(t.pkg) ?? new Set<string>();
      const childFailed = [...failed].some((n) => n.startsWith(`${t.name}/`));
      failed.add(t.name);
      this.failedNames.set(t.pkg, failed);
      this.failedInPkg.add(t.pkg);
      // A parent fails because a subtest failed: the subtest is the failure, not the parent.
      if (childFailed && own.every((l) => !l.trim())) return;
    }
    const tc: TestCase = {
      framework: "go",
      fullName: t.name,
      // The package import path: the locator maps it to the package folder (suffix match).
      file: t.pkg,
      status,
      durationMs: typeof elapsed === "number" ? Math.round(elapsed * 1000) : undefined,
    };
    if (status === "failed") {
      const text = own.join("\n").replace(/^\n+|\s+$/g, "");
      const panic = /^panic: .*/m.exec(text);
      if (panic) tc.status = "error";
      tc.message = panic ? panic[0] : messageOf(own);
      tc.stack = text;
    }
    this.onCase(tc);
  }

  private packageFailed(pkg: string, ev: GoEvent): void {
    // A dependency that failed to build or download names itself in FailedBuild, with its own output.
    const build = this.buildOutput.get(pkg) ?? (ev.FailedBuild ? this.buildOutput.get(pkgOf(ev.FailedBuild)) : undefined);
    const output = (this.pkgOutput.get(pkg) ?? []).filter((l) => !NOISE.test(l));
    if (ev.FailedBuild || build || output.some((l) => /\[build failed\]|\[setup failed\]/.test(l))) {
      const lines = build ?? output.filter((l) => !/^FAIL\s/.test(l));
      const text = lines.join("\n").trim();
      this.onCase({
        framework: "go",
        fullName: `${pkg} [${output.some((l) => l.includes("[setup failed]")) ? "setup" : "build"} failed]`,
        file: pkg,
        status: "error",
        message: messageOf(lines) || `${pkg} failed to build`,
        stack: text,
      });
      return;
    }
    if (this.failedInPkg.has(pkg)) return;
    // The package failed outside any test: TestMain, a panic in init, a timeout.
    const text = output
      .filter((l) => !/^(FAIL|ok)\s/.test(l))
      .join("\n")
      .trim();
    this.onCase({
      framework: "go",
      fullName: pkg,
      file: pkg,
      status: "error",
      message: (/^panic: .*/m.exec(text)?.[0] ?? messageOf(output)) || `package ${pkg} failed`,
      stack: text,
    });
  }

  end(): void {
    // Tests still open when the stream ended (the binary was killed): report them as errors.
    for (const t of this.tests.values()) {
      const text = t.output
        .filter((l) => !NOISE.test(l))
        .join("\n")
        .trim();
      if (!text) continue;
      this.onCase({
        framework: "go",
        fullName: t.name,
        file: t.pkg,
        status: "error",
        message: messageOf(t.output) || "test did not finish",
        stack: text,
      });
    }
    this.tests.clear();
    if (!this.sawEvent) throw new Error(`no go test -json events found (${this.nonJson} other lines)`);
  }
}

/**
 * testify prints `file_test.go:12: ` and then labelled blocks (`\tError Trace:\t...`, `\tError:\t...`,
 * `\tMessages:\t...`): the message is the Error block (with expected/actual) and the Messages line.
 */
function testifyMessage(lines: string[]): string | null {
  const label = /^\s+\t([A-Z][\w ]*?):\s*\t(.*)$/;
  const start = lines.findIndex((l) => label.exec(l)?.[1] === "Error");
  if (start === -1) return null;
  const out: string[] = [];
  let keep = false;
  for (const line of lines.slice(start)) {
    const m = label.exec(line);
    if (m) {
      keep = m[1] === "Error" || m[1] === "Messages";
      if (keep) out.push(m[2]!.trimEnd());
      continue;
    }
    const cont = /^\s+\t\s+\t(.*)$/.exec(line);
    if (!cont) break;
    if (keep) out.push(cont[1]!.trimEnd());
  }
  return out.filter((l) => l.trim()).join("\n") || null;
}

/** First meaningful output line with go's `file_test.go:12: ` prefix kept (or testify's Error block). */
function messageOf(lines: string[]): string {
  const testify = testifyMessage(lines);
  if (testify) return testify;
  const first = lines.map((l) => l.trim()).find((l) => l && !NOISE.test(l) && !/^(FAIL|ok)\s/.test(l)) ?? "";
  const i = lines.findIndex((l) => l.trim() === first);
  const rest = lines
    .slice(i + 1)
    .filter((l) => /^\s{8,}\S/.test(l))
    .map((l) => l.trim());
  return [first, ...rest].join("\n");
}
