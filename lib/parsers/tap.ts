// TAP 13/14 (node --test --test-reporter=tap, tap, tape, bats): `ok`/`not ok` lines, indented subtests,
// YAML diagnostics blocks (`---` ... `...`) with location/error/stack. Parents that fail only because a subtest
// failed, and tests cancelled because their parent's hook failed, are not failures of their own.
import { parse as parseYaml } from "yaml";
import type { CaseStatus, TestCase } from "../types.ts";

interface Pending {
  indent: number;
  status: CaseStatus;
  name: string;
  directive?: string;
  yaml: string[];
  yamlIndent: number;
  inYaml: boolean;
}

const RESULT = /^(\s*)(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$/;
const SUBTEST = /^(\s*)# Subtest: (.*)$/;

export class TapParser {
  /** Names of the open `# Subtest:` headers by indentation level. */
  private stack: { indent: number; name: string }[] = [];
  private pending: Pending | null = null;
  private sawTap = false;

  constructor(
    private readonly onCase: (c: TestCase) => void,
    private readonly framework: TestCase["framework"] = "tap",
  ) {}

  line(raw: string): void {
    const text = raw.replace(/\r$/, "");
    const p = this.pending;
    if (p?.inYaml) {
      if (/^\s*\.\.\.\s*$/.test(text)) {
        p.inYaml = false;
        this.flush();
        return;
      }
      p.yaml.push(text.slice(Math.min(p.yamlIndent, /^\s*/.exec(text)![0].length)));
      return;
    }
    if (p && /^\s*---\s*$/.test(text)) {
      p.inYaml = true;
      p.yamlIndent = /^\s*/.exec(text)![0].length;
      return;
    }
    if (/^\s*TAP version \d+/.test(text) || /^\s*\d+\.\.\d+/.test(text)) {
      this.sawTap = true;
      if (p) this.flush();
      return;
    }
    const sub = SUBTEST.exec(text);
    if (sub) {
      if (p) this.flush();
      const indent = sub[1]!.length;
      this.stack = this.stack.filter((s) => s.indent < indent);
      this.stack.push({ indent, name: sub[2]!.trim() });
      return;
    }
    const m = RESULT.exec(text);
    if (m) {
      if (p) this.flush();
      this.sawTap = true;
      let desc = m[4] ?? "";
      let directive: string | undefined;
      const hash = /\s#\s*(SKIP|TODO)\b(.*)$/i.exec(desc) ?? /^#\s*(SKIP|TODO)\b(.*)$/i.exec(desc);
      if (hash) {
        directive = hash[1]!.toUpperCase();
        desc = desc.slice(0, hash.index).trim();
      }
      desc = desc.replace(/\\#/g, "#").trim();
      const status: CaseStatus = directive ? "skipped" : m[2] === "ok" ? "passed" : "failed";
      this.pending = { indent: m[1]!.length, status, name: desc, directive, yaml: [], yamlIndent: 0, inYaml: false };
      return;
    }
    // Any other line ends a result that had no YAML block.
    if (p && text.trim() && !/^\s*#/.test(text)) this.flush();
  }

  private flush(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    // The `# Subtest:` header at this indentation names the same test; the ones above it are its parents.
    const parents = this.stack.filter((s) => s.indent < p.indent).map((s) => s.name);
    this.stack = this.stack.filter((s) => s.indent < p.indent);
    let diag: Record<string, unknown> = {};
    if (p.yaml.length) {
      try {
        const parsed = parseYaml(p.yaml.join("\n"), { maxAliasCount: 0 }) as unknown;
        if (parsed && typeof parsed === "object") diag = parsed as Record<string, unknown>;
      } catch {
        diag = { error: p.yaml.join("\n") };
      }
    }
    const failureType = typeof diag.failureType === "string" ? diag.failureType : "";
    if (p.status === "failed" && (failureType === "subtestsFailed" || failureType === "cancelledByParent")) return;
    const name = p.name || "(unnamed)";
    const location = typeof diag.location === "string" ? diag.location : typeof diag.at === "string" ? diag.at : undefined;
    const loc = location ? /^(.*?):(\d+)(?::\d+)?$/.exec(location) : null;
    const tc: TestCase = {
      framework: this.framework,
      fullName: [...parents, name].join(" > "),
      file: loc ? loc[1] : undefined,
      line: loc ? Number(loc[2]) : undefined,
      status: p.status,
      durationMs: typeof diag.duration_ms === "number" ? diag.duration_ms : undefined,
    };
    if (p.status === "failed") {
      const error = diag.error ?? diag.message;
      const comparison =
        "expected" in diag || "actual" in diag
          ? `${typeof diag.operator === "string" ? `${diag.operator}: ` : ""}expected ${JSON.stringify(diag.expected)}, got ${JSON.stringify(diag.actual)}`
          : undefined;
      tc.message = typeof error === "string" ? error.trim() : error !== undefined ? JSON.stringify(error) : (comparison ?? name);
      // node writes `stack`, tape writes the failing frame as `at`.
      const frames = [diag.stack, diag.at].filter((x): x is string => typeof x === "string");
      tc.stack = [tc.message, ...frames].filter(Boolean).join("\n");
      // A failing before/after hook stops its suite: an error, like a failing fixture.
      if (failureType === "hookFailed") tc.status = "error";
    }
    this.onCase(tc);
  }

  end(): void {
    if (this.pending) {
      this.pending.inYaml = false;
      this.flush();
    }
    if (!this.sawTap) throw new Error("no TAP results found");
  }
}
