// Dependency-audit reports in one shape, detected by content: npm 7+ (`npm audit --json`), the npm 6 advisories
// report (`pnpm audit --json`), yarn 2+ (`yarn npm audit --json`, one object per line), `bun audit --json`,
// `pip-audit -f json`, `osv-scanner --format json` and the `govulncheck -json` stream. Each vulnerable package
// and advisory becomes one Vulnerability; dedupeVulnerabilities merges the same advisory seen twice.
import { readFileSync } from "node:fs";
import { HealError } from "../errors.ts";

export type AuditFormat = "npm" | "npm-v6" | "yarn-berry" | "bun" | "pip-audit" | "osv-scanner" | "govulncheck";
export type Severity = "critical" | "high" | "moderate" | "low" | "unknown";
export const SEVERITY_ORDER: Severity[] = ["critical", "high", "moderate", "low", "unknown"];

export interface Vulnerability {
  /** The advisory's id: its GHSA id when the report gives one, else the report's own (PYSEC-, GO-, MAL-, npm:NNN). */
  id: string;
  /** Other ids of the same advisory (CVE, GHSA, the npm number). */
  aliases: string[];
  package: string;
  ecosystem: string;
  /** Installed version(s), when the report says. */
  installed: string | null;
  /** The first fixed version, or the upgrade that fixes it (`express@4.18.3`), when known. */
  fixed: string | null;
  /** The vulnerable range, when the report gives one instead of versions. */
  vulnerableRange: string | null;
  severity: Severity;
  title: string;
  url: string | null;
  /** How the package is reached: dependency paths, or for govulncheck the call path. */
  paths: string[];
  format: AuditFormat;
}

/** How the pipeline names one advisory of one package across runs (its record key; verify matches on it). */
export function advisoryKey(v: Pick<Vulnerability, "ecosystem" | "package" | "id">): string {
  return `${v.ecosystem}/${v.package} ${v.id}`;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export function severityOf(v: unknown): Severity {
  const s = String(v ?? "").toLowerCase();
  if (s === "critical") return "critical";
  if (s === "high") return "high";
  if (s === "moderate" || s === "medium") return "moderate";
  if (s === "low" || s === "info") return "low";
  const score = Number(s);
  if (s !== "" && Number.isFinite(score))
    return score >= 9 ? "critical" : score >= 7 ? "high" : score >= 4 ? "moderate" : score > 0 ? "low" : "unknown";
  return "unknown";
}

const GHSA = /GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}/;
function ghsaIn(...texts: (string | null | undefined)[]): string | null {
  for (const t of texts) {
    const m = t ? GHSA.exec(t) : null;
    if (m) return m[0];
  }
  return null;
}

/** Splits a text of concatenated JSON values (govulncheck's stream, yarn's lines) into values. */
export function jsonValues(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === "}" || ch === "]") {
      depth--;
      if (depth === 0 && start >= 0) {
        out.push(JSON.parse(text.slice(start, i + 1)));
        start = -1;
      }
    }
  }
  return out;
}

/** The report's format, or null when it is none of them. */
export function detectAuditFormat(text: string): AuditFormat | null {
  let values: unknown[];
  try {
    values = jsonValues(text);
  } catch {
    return null;
  }
  if (values.length === 0) return null;
  const first = values[0];
  if (values.length > 1 || (isObj(first) && ("config" in first || "osv" in first || "finding" in first))) {
    if (values.some((v) => isObj(v) && ("finding" in v || "osv" in v || (isObj(v.config) && v.config.scanner_name === "govulncheck"))))
      return "govulncheck";
    if (values.every((v) => isObj(v) && typeof v.value === "string" && isObj(v.children))) return "yarn-berry";
    return null;
  }
  if (isObj(first) && typeof first.value === "string" && isObj(first.children)) return "yarn-berry";
  if (isObj(first) && first.auditReportVersion === 2 && isObj(first.vulnerabilities)) return "npm";
  if (isObj(first) && isObj(first.advisories)) return "npm-v6";
  if (isObj(first) && Array.isArray(first.results) && first.results.some((r) => isObj(r) && Array.isArray(r.packages)))
    return "osv-scanner";
  const deps = isObj(first) && Array.isArray(first.dependencies) ? first.dependencies : Array.isArray(first) ? first : null;
  if (deps && deps.length > 0 && deps.every((d) => isObj(d) && typeof d.name === "string" && ("vulns" in d || "skip_reason" in d)))
    return "pip-audit";
  if (
    isObj(first) &&
    Object.values(first).length > 0 &&
    Object.values(first).every((v) => Array.isArray(v) && v.every((a) => isObj(a) && "vulnerable_versions" in a))
  )
    return "bun";
  return null;
}

export function readAuditFile(path: string, format?: AuditFormat): { format: AuditFormat; vulnerabilities: Vulnerability[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new HealError("INPUT_MISSING", `cannot read the audit report (${(e as Error).message})`, path);
  }
  const f = format ?? detectAuditFormat(text);
  if (!f)
    throw new HealError(
      "REPORT_UNREADABLE",
      "not an audit report this tool reads (npm, pnpm, yarn, bun, pip-audit, osv-scanner, govulncheck)",
      path,
    );
  return { format: f, vulnerabilities: parseAudit(text, f) };
}

export function parseAudit(text: string, format: AuditFormat): Vulnerability[] {
  const values = jsonValues(text);
  switch (format) {
    case "npm":
      return parseNpm(values[0]);
    case "npm-v6":
      return parseNpm6(values[0]);
    case "yarn-berry":
      return values.flatMap(parseYarnLine);
    case "bun":
      return parseBun(values[0]);
    case "pip-audit":
      return parsePipAudit(values[0]);
    case "osv-scanner":
      return parseOsvScanner(values[0]);
    case "govulncheck":
      return parseGovulncheck(values);
  }
}

function parseNpm(data: unknown): Vulnerability[] {
  const out: Vulnerability[] = [];
  const vulns = isObj(data) && isObj(data.vulnerabilities) ? data.vulnerabilities : {};
  for (const [name, v] of Object.entries(vulns)) {
    if (!isObj(v)) continue;
    const fix = v.fixAvailable;
    const fixed = isObj(fix)
      ? fix.name === name
        ? String(fix.version)
        : `${fix.name}@${fix.version}`
      : fix === true
        ? "npm audit fix"
        : null;
    for (const via of Array.isArray(v.via) ? v.via : []) {
      // A string `via` names another vulnerable package this one depends on: reported under that package.
      if (!isObj(via)) continue;
      const url = str(via.url);
      const npmId = via.source !== undefined ? `npm:${via.source}` : null;
      const id = ghsaIn(url) ?? npmId ?? `npm:${name}`;
      out.push({
        id,
        aliases: npmId && npmId !== id ? [npmId] : [],
        package: str(via.name) ?? name,
        ecosystem: "npm",
        installed: null,
        fixed,
        vulnerableRange: str(via.range),
        severity: severityOf(via.severity),
        title: String(via.title ?? ""),
        url,
        paths: strs(v.nodes),
        format: "npm",
      });
    }
  }
  return out;
}

function parseNpm6(data: unknown): Vulnerability[] {
  const out: Vulnerability[] = [];
  const advisories = isObj(data) && isObj(data.advisories) ? data.advisories : {};
  for (const a of Object.values(advisories)) {
    if (!isObj(a)) continue;
    const url = str(a.url);
    const npmId = `npm:${a.id}`;
    const id = str(a.github_advisory_id) ?? ghsaIn(url) ?? npmId;
    const findings = Array.isArray(a.findings) ? a.findings.filter(isObj) : [];
    const patched = str(a.patched_versions);
    for (const f of findings.length > 0 ? findings : [{}]) {
      out.push({
        id,
        aliases: [...new Set([...(id !== npmId ? [npmId] : []), ...strs(a.cves)])],
        package: String(a.module_name ?? ""),
        ecosystem: "npm",
        installed: str(f.version),
        fixed: patched && patched !== "<0.0.0" ? patched : null,
        vulnerableRange: str(a.vulnerable_versions),
        severity: severityOf(a.severity),
        title: String(a.title ?? ""),
        url,
        paths: strs(f.paths).map((p) => p.split(">").join(" > ")),
        format: "npm-v6",
      });
    }
  }
  return out;
}

function parseYarnLine(line: unknown): Vulnerability[] {
  if (!isObj(line) || typeof line.value !== "string" || !isObj(line.children)) return [];
  const c = line.children;
  const url = str(c.URL);
  const rawId = typeof c.ID === "number" ? `npm:${c.ID}` : String(c.ID ?? line.value);
  const id = ghsaIn(url) ?? rawId;
  const tree = strs(c["Tree Versions"]);
  return [
    {
      id,
      aliases: rawId !== id ? [rawId] : [],
      package: line.value,
      ecosystem: "npm",
      installed: tree.length > 0 ? tree.join(", ") : null,
      fixed: null,
      vulnerableRange: str(c["Vulnerable Versions"]),
      severity: severityOf(c.Severity),
      title: String(c.Issue ?? ""),
      url,
      paths: strs(c.Dependents),
      format: "yarn-berry",
    },
  ];
}

function parseBun(data: unknown): Vulnerability[] {
  const out: Vulnerability[] = [];
  for (const [name, list] of Object.entries(isObj(data) ? data : {})) {
    for (const a of Array.isArray(list) ? list.filter(isObj) : []) {
      const url = str(a.url);
      const npmId = `npm:${a.id}`;
      const id = ghsaIn(url) ?? npmId;
      out.push({
        id,
        aliases: id !== npmId ? [npmId] : [],
        package: name,
        ecosystem: "npm",
        installed: null,
        fixed: null,
        vulnerableRange: str(a.vulnerable_versions),
        severity: severityOf(a.severity),
        title: String(a.title ?? ""),
        url,
        paths: [],
        format: "bun",
      });
    }
  }
  return out;
}

function parsePipAudit(data: unknown): Vulnerability[] {
  const deps = isObj(data) && Array.isArray(data.dependencies) ? data.dependencies : Array.isArray(data) ? data : [];
  const out: Vulnerability[] = [];
  for (const d of deps) {
    if (!isObj(d) || !Array.isArray(d.vulns)) continue;
    for (const v of d.vulns) {
      if (!isObj(v) || typeof v.id !== "string") continue;
      const fixes = strs(v.fix_versions);
      out.push({
        id: v.id,
        aliases: strs(v.aliases),
        package: String(d.name),
        ecosystem: "PyPI",
        installed: str(d.version),
        fixed: firstFixAbove(str(d.version), fixes),
        vulnerableRange: null,
        severity: "unknown",
        title: firstSentence(String(v.description ?? "")),
        url: `https://osv.dev/vulnerability/${v.id}`,
        paths: [],
        format: "pip-audit",
      });
    }
  }
  return out;
}

function parseOsvScanner(data: unknown): Vulnerability[] {
  const out: Vulnerability[] = [];
  for (const r of isObj(data) && Array.isArray(data.results) ? data.results : []) {
    if (!isObj(r)) continue;
    const source = isObj(r.source) ? str(r.source.path) : null;
    for (const p of Array.isArray(r.packages) ? r.packages : []) {
      if (!isObj(p) || !isObj(p.package)) continue;
      const pkg = p.package;
      const vulns = (Array.isArray(p.vulnerabilities) ? p.vulnerabilities : []).filter(isObj);
      const groups = (Array.isArray(p.groups) ? p.groups : []).filter(isObj);
      // osv-scanner groups the records that are one advisory (aliases); one group is one vulnerability.
      const units = groups.length > 0 ? groups.map((g) => strs(g.ids)) : vulns.map((v) => [String(v.id)]);
      for (const ids of units) {
        const records = vulns.filter((v) => ids.includes(String(v.id)));
        const main = records[0];
        if (!main) continue;
        const group = groups.find((g) => strs(g.ids).includes(String(main.id)));
        const aliases = new Set([...ids, ...records.flatMap((v) => strs(v.aliases)), ...strs(group?.aliases)]);
        aliases.delete(String(main.id));
        out.push({
          id: String(main.id),
          aliases: [...aliases].sort(),
          package: String(pkg.name),
          ecosystem: String(pkg.ecosystem ?? ""),
          installed: str(pkg.version),
          fixed: osvFixed(records, String(pkg.name)),
          vulnerableRange: null,
          severity: group?.max_severity !== undefined ? severityOf(group.max_severity) : osvSeverity(records),
          title: String(main.summary ?? firstSentence(String(main.details ?? ""))),
          url: `https://osv.dev/vulnerability/${main.id}`,
          paths: source ? [source] : [],
          format: "osv-scanner",
        });
      }
    }
  }
  return out;
}

function osvFixed(records: Json[], name: string): string | null {
  for (const v of records) {
    for (const a of Array.isArray(v.affected) ? v.affected.filter(isObj) : []) {
      if (isObj(a.package) && a.package.name !== name) continue;
      for (const range of Array.isArray(a.ranges) ? a.ranges.filter(isObj) : []) {
        for (const e of Array.isArray(range.events) ? range.events.filter(isObj) : []) if (typeof e.fixed === "string") return e.fixed;
      }
    }
  }
  return null;
}

function osvSeverity(records: Json[]): Severity {
  for (const v of records) {
    if (isObj(v.database_specific) && typeof v.database_specific.severity === "string") return severityOf(v.database_specific.severity);
  }
  return "unknown";
}

/** govulncheck: an OSV entry and its findings; a finding whose trace starts at a function is a called, vulnerable symbol. */
function parseGovulncheck(values: unknown[]): Vulnerability[] {
  const osv = new Map<string, Json>();
  const out = new Map<string, Vulnerability>();
  for (const v of values) {
    if (isObj(v) && isObj(v.osv) && typeof v.osv.id === "string") osv.set(v.osv.id, v.osv);
  }
  for (const v of values) {
    if (!isObj(v) || !isObj(v.finding)) continue;
    const f = v.finding;
    const trace = (Array.isArray(f.trace) ? f.trace : []).filter(isObj);
    const top = trace[0];
    if (!top || typeof top.function !== "string" || typeof f.osv !== "string") continue;
    const entry = osv.get(f.osv);
    const key = `${f.osv}\0${top.module}`;
    const path = trace
      .slice()
      .reverse()
      .map((t) => `${t.package ?? t.module}.${t.receiver ? `${t.receiver}.` : ""}${t.function}`)
      .join(" → ");
    const known = out.get(key);
    if (known) {
      if (!known.paths.includes(path)) known.paths.push(path);
      continue;
    }
    const dbUrl = entry && isObj(entry.database_specific) ? str(entry.database_specific.url) : null;
    out.set(key, {
      id: f.osv,
      aliases: strs(entry?.aliases),
      package: String(top.module),
      ecosystem: "Go",
      installed: str(top.version),
      fixed: str(f.fixed_version),
      vulnerableRange: null,
      severity: "unknown",
      title: String(entry?.summary ?? ""),
      url: dbUrl ?? `https://pkg.go.dev/vuln/${f.osv}`,
      paths: [path],
      format: "govulncheck",
    });
  }
  return [...out.values()];
}

/** Of several fixed versions (one per release line), the lowest above the installed one: the upgrade to make. */
export function firstFixAbove(installed: string | null, fixes: string[]): string | null {
  const parts = (v: string) => v.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  const cmp = (a: string, b: string) => {
    const pa = parts(a);
    const pb = parts(b);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
    return 0;
  };
  const sorted = [...fixes].sort(cmp);
  return (installed ? sorted.find((f) => cmp(f, installed) > 0) : undefined) ?? sorted[sorted.length - 1] ?? null;
}

function firstSentence(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  const m = /^(.{1,200}?[.!?])(\s|$)/.exec(line);
  return m ? m[1]! : line.slice(0, 200);
}

/**
 * One record per advisory and package: the same advisory seen under two ids (GHSA in one report, its npm number or
 * CVE in another) is one, its paths and aliases merged and its highest severity kept.
 */
export function dedupeVulnerabilities(list: Vulnerability[]): Vulnerability[] {
  const out: Vulnerability[] = [];
  for (const v of list) {
    const ids = new Set([v.id, ...v.aliases]);
    const same = out.find((o) => o.package === v.package && (ids.has(o.id) || o.aliases.some((a) => ids.has(a))));
    if (!same) {
      out.push({ ...v, aliases: [...v.aliases], paths: [...v.paths] });
      continue;
    }
    for (const a of [v.id, ...v.aliases]) if (a !== same.id && !same.aliases.includes(a)) same.aliases.push(a);
    for (const p of v.paths) if (!same.paths.includes(p)) same.paths.push(p);
    if (SEVERITY_ORDER.indexOf(v.severity) < SEVERITY_ORDER.indexOf(same.severity)) same.severity = v.severity;
    same.installed ??= v.installed;
    same.fixed ??= v.fixed;
    same.url ??= v.url;
  }
  return out;
}

export interface AdvisoryGroup {
  /** `<ecosystem>/<package>`: one task file per group. */
  key: string;
  package: string;
  ecosystem: string;
  installed: string | null;
  /** The highest fixed version any of its advisories names (as written). */
  fixed: string[];
  severity: Severity;
  advisories: Vulnerability[];
}

/** Vulnerabilities grouped by package: the unit a fix (one upgrade) addresses, worst first. */
export function groupByPackage(list: Vulnerability[]): AdvisoryGroup[] {
  const groups = new Map<string, AdvisoryGroup>();
  for (const v of list) {
    const key = `${v.ecosystem}/${v.package}`;
    const g = groups.get(key) ?? {
      key,
      package: v.package,
      ecosystem: v.ecosystem,
      installed: v.installed,
      fixed: [],
      severity: v.severity,
      advisories: [],
    };
    g.advisories.push(v);
    if (v.fixed && !g.fixed.includes(v.fixed)) g.fixed.push(v.fixed);
    if (SEVERITY_ORDER.indexOf(v.severity) < SEVERITY_ORDER.indexOf(g.severity)) g.severity = v.severity;
    g.installed ??= v.installed;
    groups.set(key, g);
  }
  const rank = (g: AdvisoryGroup) => SEVERITY_ORDER.indexOf(g.severity);
  return [...groups.values()]
    .map((g) => ({ ...g, advisories: g.advisories.sort((a, b) => a.id.localeCompare(b.id)) }))
    .sort((a, b) => rank(a) - rank(b) || a.key.localeCompare(b.key));
}
