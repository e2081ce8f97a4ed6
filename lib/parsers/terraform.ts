// `terraform validate -json` diagnostics (range.filename / range.start.line) and the human-readable
// diagnostics terraform and terragrunt print (`│ Error: ...` / `on main.tf line 6, in resource "x" "y":`),
// including terragrunt's per-unit log prefixes. Each error diagnostic is one failure (kind error).
import type { CaseStatus, Framework, TestCase } from "../types.ts";

interface Diagnostic {
  severity?: string;
  summary?: string;
  detail?: string;
  address?: string;
  range?: { filename?: string; start?: { line?: number } };
  snippet?: { context?: string | null; code?: string };
}

/** fullName of a diagnostic: `<block> > <summary>`, stable when lines move. */
function diagnosticName(context: string | null | undefined, summary: string): string {
  return context ? `${context} > ${summary}` : summary;
}

/** Parses an already-decoded `terraform validate -json` document. */
export function parseTerraformJson(doc: unknown, onCase: (c: TestCase) => void, framework: Framework = "terraform"): void {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error("not terraform validate -json output (expected an object)");
  const d = doc as { valid?: boolean; diagnostics?: unknown };
  if (!Array.isArray(d.diagnostics) && typeof d.valid !== "boolean") {
    throw new Error("not terraform validate -json output (no diagnostics)");
  }
  const diags = (Array.isArray(d.diagnostics) ? d.diagnostics : []) as Diagnostic[];
  const seen = new Map<string, number>();
  let errors = 0;
  for (const diag of diags) {
    if (!diag || typeof diag !== "object" || diag.severity !== "error") continue;
    errors++;
    const summary = String(diag.summary ?? "error");
    let fullName = diagnosticName(diag.snippet?.context ?? diag.address, summary);
    // Two identical diagnostics in one file/block stay two failures.
    const file = diag.range?.filename;
    const key = `${file}|${fullName}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n > 1) fullName = `${fullName} #${n}`;
    const line = diag.range?.start?.line;
    const message = [summary, diag.detail].filter(Boolean).join(": ");
    const code = diag.snippet?.code ? `\n  on ${file} line ${line}:\n  ${line}: ${diag.snippet.code}` : "";
    onCase({
      framework,
      fullName,
      file: file || undefined,
      line: typeof line === "number" && line > 0 ? line : undefined,
      status: "error",
      message,
      stack: `Error: ${summary}${code}\n\n${diag.detail ?? ""}`.trim(),
    });
  }
  if (errors === 0) onCase({ framework, fullName: "terraform validate", status: "passed" as CaseStatus });
}

// ---------- human-readable output (terraform validate without -json, terragrunt) ----------

/** Removes terragrunt's log prefix (`12:00:01.123 STDERR [unit] terraform: `, `[unit] `) and box drawing. */
function stripPrefix(line: string): { unit: string | null; text: string; boxEnd: boolean } {
  let text = line.replace(/\u001b\[[0-9;]*m/g, "");
  let unit: string | null = null;
  const tg = /^(?:\d{2}:\d{2}:\d{2}(?:\.\d+)?\s+)?(?:[A-Z]+\s+)?\[([^\]]+)\]\s+(?:(?:terraform|tofu):\s?)?(.*)$/.exec(text);
  if (tg) {
    unit = tg[1]!;
    text = tg[2]!;
  } else {
    const lvl = /^(?:time=\S+\s+)?(?:level=\w+\s+)?(?:prefix=\[([^\]]+)\]\s+)?msg=(.*)$/.exec(text);
    if (lvl) {
      unit = lvl[1] ?? null;
      text = lvl[2]!.replace(/^"|"$/g, "");
    }
  }
  const boxEnd = /^\s*╵/.test(text);
  text = text.replace(/^\s*[│╷╵]\s?/, "");
  return { unit, text, boxEnd };
}

export class TerraformTextParser {
  private current: { unit: string | null; summary: string; file?: string; line?: number; context?: string; body: string[] } | null = null;
  private seen = new Map<string, number>();
  private sawDiagnostic = false;
  private sawTerraform = false;
  private units = new Set<string>();

  private sawTerragrunt = false;

  constructor(private readonly onCase: (c: TestCase) => void) {}

  /** terragrunt when its prefixes or name appear, else plain terraform output. */
  private get framework(): Framework {
    return this.sawTerragrunt || this.units.size > 0 ? "terragrunt" : "terraform";
  }

  line(raw: string): void {
    const { unit, text, boxEnd } = stripPrefix(raw.replace(/\r$/, ""));
    if (unit) this.units.add(unit);
    if (/terraform|terragrunt|Success! The configuration is valid/i.test(raw)) this.sawTerraform = true;
    if (/terragrunt/i.test(raw)) this.sawTerragrunt = true;
    const err = /^Error: (.+)$/.exec(text.trim());
    if (err) {
      this.flush();
      this.current = { unit, summary: err[1]!.trim(), body: [] };
      return;
    }
    if (/^Warning: /.test(text.trim())) {
      this.flush();
      return;
    }
    const c = this.current;
    if (!c) return;
    const on = /^\s*on (.+?) line (\d+)(?:, in (.+?))?:\s*$/.exec(text);
    if (on && !c.file) {
      c.file = on[1]!;
      c.line = Number(on[2]);
      c.context = on[3];
      c.body.push(text);
      return;
    }
    // The end of a diagnostic box, or a new log line of terragrunt itself.
    if (boxEnd) {
      this.flush();
      return;
    }
    c.body.push(text);
  }

  private flush(): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    this.sawDiagnostic = true;
    const detail = c.body
      .filter((l) => !/^\s*on .+ line \d+/.test(l) && !/^\s*\d+:\s/.test(l))
      .join("\n")
      .trim()
      .replace(/\n(?=\S)/g, " ");
    let fullName = diagnosticName(c.context?.replace(/:$/, ""), c.summary);
    const file = c.file && c.unit && !c.file.startsWith("/") ? `${c.unit.replace(/\/$/, "")}/${c.file}` : c.file;
    const key = `${file}|${fullName}`;
    const n = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, n);
    if (n > 1) fullName = `${fullName} #${n}`;
    this.onCase({
      framework: this.framework,
      fullName,
      file,
      line: c.line,
      status: "error",
      message: detail ? `${c.summary}: ${detail}` : c.summary,
      stack: [`Error: ${c.summary}`, ...c.body].join("\n").trim(),
    });
  }

  end(): void {
    this.flush();
    if (!this.sawDiagnostic) {
      if (!this.sawTerraform) throw new Error("no terraform/terragrunt diagnostics found");
      this.onCase({ framework: this.framework, fullName: `${this.framework} validate`, status: "passed" });
    }
  }
}
