// The bad-input suite (issue 5): unsafe strings (secrets of every kind, an env-only secret with its
// encoded forms, mentions, closing keywords, forged markers, raw HTML, invisible characters, fences,
// workflow commands, YAML specials, 1 MB messages) placed in every field a runner can put them in:
// test and describe names, assertion diffs, thrown errors, stack traces (helper frames), file names,
// source excerpts and console output. Real sample projects (bun test and pytest) go through the real
// local pipeline (`task -x -t Taskfile.yml heal`, no token), then every published output is read back:
// no secret survives, no mention or closing keyword is live, no HTML or marker is forged, and the task
// YAML parses back with exactly the (redacted) names of failures.json.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { spawnSync } from "node:child_process";
import { parseMarker } from "../../lib/marker.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { redact } from "../../lib/redact.ts";
import { openFence } from "../../lib/sanitize.ts";
import { parseYamlSafe } from "../../lib/safe-yaml.ts";
import type { FailureReport } from "../../lib/types.ts";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";
import { envSecret, fakeSecrets, unsafeBunProject, unsafePytestProject, unsafeValues } from "./unsafe-strings.ts";

const TASKFILE = join(TOOLKIT_ROOT, "Taskfile.yml");
const TASK_BIN = Bun.which("task");
const PYTHON = "/usr/bin/python3";
const ENV_SECRET = envSecret();
const SECRETS = fakeSecrets();
const MB = 1024 * 1024;

/** Every string that must never be published, with a name for the failure message. */
function forbidden(): { what: string; text: string }[] {
  const out: { what: string; text: string }[] = [];
  for (const s of SECRETS) {
    out.push({ what: `${s.kind} ${s.secret.slice(0, 6)}…`, text: s.secret });
    // A partial leak (a cut token): the middle 16 characters of the secret part.
    const core = s.secret.replace(/^-----BEGIN[^\n]*\n/, "");
    const mid = Math.floor(core.length / 2);
    out.push({ what: `part of ${s.kind}`, text: core.slice(mid - 8, mid + 8) });
  }
  ENV_SECRET.leaks.forEach((l, i) => out.push({ what: `env secret form ${i}`, text: l }));
  return out;
}

// ---------- running heal as a user does ----------

function healEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(GITHUB_|GH_|RUNNER_|HEAL_)/.test(k) || k === "CI") continue;
    env[k] = v;
  }
  env.PATH = [dirname(process.execPath), TASK_BIN ? dirname(TASK_BIN) : "", dirname(PYTHON), env.PATH ?? ""].filter(Boolean).join(":");
  env[ENV_SECRET.name] = ENV_SECRET.value;
  return env;
}

interface Published {
  /** Repo-relative path (or "stdout"/"stderr") -> text. */
  texts: Map<string, string>;
  code: number | null;
  failures: FailureReport;
  taskFiles: string[];
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

function heal(repo: SampleRepo): Published {
  if (!TASK_BIN) throw new Error("go-task is not on PATH: go install github.com/go-task/task/v3/cmd/task@v3.54.0");
  const r = spawnSync(TASK_BIN, ["-x", "-t", TASKFILE, "heal"], {
    cwd: repo.dir,
    encoding: "utf8",
    env: healEnv(),
    timeout: 240_000,
    maxBuffer: 256 * MB,
  });
  const texts = new Map<string, string>([
    ["stdout", r.stdout ?? ""],
    ["stderr", r.stderr ?? ""],
  ]);
  // Everything the workflow uploads (.agent/reports/, runners' raw reports included) and commits (.agent/tasks/).
  for (const f of [...listFiles(join(repo.dir, ".agent/reports")), ...listFiles(join(repo.dir, ".agent/tasks"))]) {
    texts.set(relative(repo.dir, f), readFileSync(f, "utf8"));
  }
  const failuresPath = join(repo.dir, ".agent/reports/failures.json");
  return {
    texts,
    code: r.status,
    failures: existsSync(failuresPath) ? JSON.parse(readFileSync(failuresPath, "utf8")) : ({ failures: [] } as unknown as FailureReport),
    taskFiles: listFiles(join(repo.dir, ".agent/tasks")).map((f) => relative(repo.dir, f)),
  };
}

// The agent's trigger (anthropics/claude-code-action) and a `contains()` workflow gate.
const TRIGGER = /(^|\s)@claude([\s.,!?;:]|$)/gi;
const LIVE_MENTION = /(^|[^\w`])@([A-Za-z0-9][A-Za-z0-9-]*)/g;
const CLOSING = /\b(close[sd]?|fix(e[sd])?|resolve[sd]?)\b:?\s+(#\d|[\w.-]+\/[\w.-]+#\d|https?:\/\/\S+\/(issues|pull)\/\d)/i;
const REFERENCE = /(^|[^\w&])#\d|\b[\w.-]+\/[\w.-]+#\d/;
const INVISIBLE = /[\u200b\u200c\u2060\ufeff\u202a-\u202e\u2066-\u2069]/;

/** Markdown with fenced code blocks and inline code spans removed: where HTML would be rendered. */
function outsideCode(markdown: string): string {
  const kept: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split("\n")) {
    const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence === null && m && !(m[1]![0] === "`" && m[2]!.includes("`"))) fence = m[1]!;
    else if (fence !== null && m && m[1]![0] === fence[0] && m[1]!.length >= fence.length && m[2]!.trim() === "") fence = null;
    else if (fence === null) kept.push(line.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, ""));
  }
  return kept.join("\n");
}

/** Figures for docs/safety.md, printed at the end. */
const figures = { badInputs: 0, placements: 0, outputsChecked: 0, bytesChecked: 0, secretsPublished: 0, runners: [] as string[] };

const repos: SampleRepo[] = [];
afterAll(() => {
  // HEAL_KEEP_SAMPLES=1 keeps the sample repositories for a look at what was published.
  if (process.env.HEAL_KEEP_SAMPLES) console.log(`samples kept: ${repos.map((r) => r.dir).join(" ")}`);
  else repos.forEach((r) => r.cleanup());
  console.log(`bad-input figures: ${JSON.stringify(figures)}`);
});

function suite(runner: "bun" | "pytest", project: (v: { label: string; value: string }[]) => Record<string, string>, placements: number) {
  describe(`bad input through task heal: ${runner}`, () => {
    let out: Published;
    let repo: SampleRepo;
    const values = unsafeValues();

    beforeAll(() => {
      repo = createSampleRepo(project(values), { branch: "dev", nodeModules: runner === "bun" });
      repos.push(repo);
      out = heal(repo);
      figures.runners.push(runner);
      figures.badInputs += values.length + 1; // + the 1 MB message
      figures.placements += placements;
    }, 300_000);

    test("heal ran to the end: exit 1, every output written", () => {
      expect({ code: out.code, stderrTail: out.code === 1 ? "" : out.texts.get("stderr")!.slice(-2000) }).toEqual({
        code: 1,
        stderrTail: "",
      });
      for (const f of ["failures.json", "report.md", "issue.json", "issue.md", "runs.json"]) {
        expect(out.texts.has(`.agent/reports/${f}`)).toBe(true);
      }
      expect(out.taskFiles.length).toBe(1);
      expect(out.failures.failures.length).toBeGreaterThanOrEqual(values.length * 2);
    });

    test("no secret survives in any published text (reports, issue, task YAML, stdout, stderr)", () => {
      const leaks: string[] = [];
      for (const [where, text] of out.texts) {
        if (where.startsWith(".agent/reports/raw/")) continue; // the runners' own reports: see the next test
        figures.outputsChecked++;
        figures.bytesChecked += Buffer.byteLength(text);
        for (const f of forbidden()) if (text.includes(f.text)) leaks.push(`${where}: ${f.what}`);
      }
      figures.secretsPublished += leaks.length;
      expect(leaks).toEqual([]);
    });

    test("the runners' raw reports (uploaded with .agent/reports/) hold no secret either", () => {
      const leaks: string[] = [];
      for (const [where, text] of out.texts) {
        if (!where.startsWith(".agent/reports/raw/")) continue;
        figures.outputsChecked++;
        figures.bytesChecked += Buffer.byteLength(text);
        for (const f of forbidden()) if (text.includes(f.text)) leaks.push(`${where}: ${f.what}`);
      }
      figures.secretsPublished += leaks.length;
      expect(leaks).toEqual([]);
    });

    test("issue.md: no live mention but the tool's own, no reference or closing keyword, no HTML, no forged marker", () => {
      const body = out.texts.get(".agent/reports/issue.md")!;
      const issue = JSON.parse(out.texts.get(".agent/reports/issue.json")!) as { title: string; body: string };
      expect(issue.body).toBe(body);
      // claude-code-action's trigger runs on the raw body, code blocks included: only the template's
      // own hand-off line may match (it is lost when the body is cut to 65,536 bytes).
      const triggers = [...body.matchAll(TRIGGER)];
      expect(triggers.length).toBeLessThanOrEqual(1);
      if (triggers.length === 1) expect(body).toContain("\n@claude Please fix these test failures");
      // GitHub notifies no one from code, where `@name` shows as printed (issue 8): prose only.
      expect([...outsideCode(body).matchAll(LIVE_MENTION)].map((m) => m[2]).filter((n) => n !== "claude")).toEqual([]);
      expect(body.toLowerCase().split("@claude").length - 1).toBe(triggers.length);
      expect(CLOSING.test(body)).toBe(false);
      expect(REFERENCE.test(body)).toBe(false);
      expect(INVISIBLE.test(body)).toBe(false);
      // Raw HTML is inert inside code blocks (shown as text); outside them none may be left.
      const prose = outsideCode(body);
      for (const tag of ["<img", "<details open", "<b>", "<summary>x", "</summary>x"]) expect(prose).not.toContain(tag);
      expect(body).not.toContain("<!--");
      expect(parseMarker(body)).toBeNull();
      expect(openFence(body)).toBeNull();
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(65_536);
      expect(issue.title.length).toBeLessThanOrEqual(256);
      expect(TRIGGER.test(issue.title)).toBe(false);
    });

    test("the Actions log (stdout, stderr) carries no workflow command from test output", () => {
      for (const where of ["stderr", "stdout"]) {
        const lines = out.texts.get(where)!.split(/\r\n|[\n\r\u2028\u2029\u0085]/);
        const commands = lines.filter((l) => /^\s*::[a-z-]+( [^:]*)?::/i.test(l.replace(/\x1b\[[0-9;]*m/g, "")));
        expect({ where, commands }).toEqual({ where, commands: [] });
        expect(out.texts.get(where)!.includes("##[")).toBe(false);
      }
    });

    test("the task YAML parses back safely with exactly the redacted names of failures.json", () => {
      const taskText = out.texts.get(out.taskFiles[0]!)!;
      const task = parseYamlSafe(taskText, out.taskFiles[0]!) as { test_failures: { test: string }[] };
      const env = { [ENV_SECRET.name]: ENV_SECRET.value };
      const yamlNames = task.test_failures.map((t) => t.test).sort();
      const jsonNames = out.failures.failures.map((f) => redact(f.fullName, { env })).sort();
      expect(yamlNames).toEqual(jsonNames);
      // Each unsafe name made it through, redacted and otherwise unchanged (whitespace as the report gave it).
      const norm = (s: string) => s.replace(/\s+/g, " ").trim();
      const names = new Set(yamlNames.map(norm));
      const missing = values
        .filter((v) => !v.label.startsWith("hostile-invisible")) // runners may drop or escape control characters
        .map((v) =>
          runner === "bun"
            ? `describe ${v.label} ${v.value} > name ${v.label} ${v.value}`
            : `tests/test_unsafe.py::test_name[${v.label} ${v.value}]`,
        )
        .map((n) => norm(redact(n, { env })))
        .filter((n) => !names.has(n));
      expect(missing).toEqual([]);
    });

    test("failures.json is redacted too (it is uploaded as an artifact)", () => {
      const text = out.texts.get(".agent/reports/failures.json")!;
      for (const f of forbidden()) expect(text.includes(f.text)).toBe(false);
      expect(text).toContain("[REDACTED:github-token]");
      expect(text).toContain("[REDACTED:env]");
    });
  });
}

// Placements per runner: bun puts each value in 5 fields (describe name, test name, diff, thrown message,
// helper stack) plus console output; pytest in 4 (parametrize id = name, diff, helper stack, console).
suite("bun", unsafeBunProject, unsafeValues().length * 6 + 3);
const hasPytest = spawnSync(PYTHON, ["-m", "pytest", "--version"]).status === 0;
if (!hasPytest) throw new Error(`pytest is missing: apt-get install python3-pytest (${PYTHON} -m pytest)`);
suite("pytest", unsafePytestProject, unsafeValues().length * 4 + 3);

// Keep the figures where docs/safety.md can cite them from a run.
afterAll(() => {
  const dir = process.env.HEAL_FIGURES_DIR;
  if (dir) writeFileSync(join(dir, "bad-input.json"), `${JSON.stringify(figures, null, 2)}\n`);
});
