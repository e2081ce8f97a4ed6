// A small GitHub Actions job runner for tests: runs one job of a workflow, and a local composite action's steps,
// in order, as the runner does: `if:` conditions, `${{ }}` expressions from the contexts the caller builds,
// env per step, GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH / GITHUB_STEP_SUMMARY files, bash as
// `bash --noprofile --norc -eo pipefail`, step outputs. `uses:` of an external action is handed to a
// simulator the test supplies (checkout: the clone is already there); a `uses:` the test maps to a folder
// runs that folder's action.yml as a composite action.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

type Ctx = Record<string, any>;

// ---- expressions ---------------------------------------------------------------------------------------------

type Tok = { t: "str" | "num" | "id" | "op"; v: string };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "'") {
      let s = "";
      i++;
      while (i < src.length) {
        if (src[i] === "'" && src[i + 1] === "'") (s += "'"), (i += 2);
        else if (src[i] === "'") break;
        else s += src[i++];
      }
      if (src[i] !== "'") throw new Error(`unterminated string in ${src}`);
      i++;
      out.push({ t: "str", v: s });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9.]+/.exec(src.slice(i))![0];
      out.push({ t: "num", v: m });
      i += m.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][\w-]*(\.[A-Za-z_*][\w-]*)*/.exec(src.slice(i))![0];
      out.push({ t: "id", v: m });
      i += m.length;
    } else {
      const two = src.slice(i, i + 2);
      if (["||", "&&", "==", "!=", "<=", ">="].includes(two)) out.push({ t: "op", v: two }), (i += 2);
      else if ("!(),<>".includes(c)) out.push({ t: "op", v: c }), i++;
      else throw new Error(`unexpected '${c}' in expression ${src}`);
    }
  }
  return out;
}

const truthy = (v: unknown) => !(v === null || v === undefined || v === false || v === 0 || v === "" || Number.isNaN(v));
const str = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
const eq = (a: unknown, b: unknown) =>
  typeof a === "string" && typeof b === "string" ? a.toLowerCase() === b.toLowerCase() : (a ?? null) === (b ?? null) || str(a) === str(b);

/** Evaluates one GitHub Actions expression (without `${{ }}`) against `ctx`, with the status of the job so far. */
export function evaluate(src: string, ctx: Ctx, status: { failed: boolean } = { failed: false }): unknown {
  const toks = lex(src);
  let p = 0;
  const peek = () => toks[p];
  const take = (v?: string) => {
    const t = toks[p++];
    if (!t || (v !== undefined && t.v !== v)) throw new Error(`expected ${v ?? "a token"} in ${src}`);
    return t;
  };
  const lookup = (path: string): unknown => {
    let cur: any = ctx;
    for (const part of path.split(".")) cur = cur == null ? undefined : cur[part];
    return cur ?? null;
  };
  const call = (name: string, args: unknown[]): unknown => {
    switch (name.toLowerCase()) {
      case "startswith":
        return str(args[0]).toLowerCase().startsWith(str(args[1]).toLowerCase());
      case "endswith":
        return str(args[0]).toLowerCase().endsWith(str(args[1]).toLowerCase());
      case "contains":
        return Array.isArray(args[0])
          ? args[0].some((x) => eq(x, args[1]))
          : str(args[0]).toLowerCase().includes(str(args[1]).toLowerCase());
      case "format":
        return str(args[0]).replace(/\{(\d+)\}/g, (_, n) => str(args[Number(n) + 1]));
      case "fromjson":
        return JSON.parse(str(args[0]));
      case "tojson":
        return JSON.stringify(args[0], null, 2);
      case "always":
        return true;
      case "success":
        return !status.failed;
      case "failure":
        return status.failed;
      case "cancelled":
        return false;
      default:
        throw new Error(`function ${name} is not supported by the test runner`);
    }
  };
  const primary = (): unknown => {
    const t = take();
    if (t.t === "str") return t.v;
    if (t.t === "num") return Number(t.v);
    if (t.t === "op" && t.v === "!") return !truthy(primary());
    if (t.t === "op" && t.v === "(") {
      const v = or();
      take(")");
      return v;
    }
    if (t.t === "id") {
      if (t.v === "true") return true;
      if (t.v === "false") return false;
      if (t.v === "null") return null;
      if (peek()?.v === "(") {
        take("(");
        const args: unknown[] = [];
        while (peek()?.v !== ")") {
          args.push(or());
          if (peek()?.v === ",") take(",");
        }
        take(")");
        return call(t.v, args);
      }
      return lookup(t.v);
    }
    throw new Error(`unexpected ${t.v} in ${src}`);
  };
  const cmp = (): unknown => {
    let l = primary();
    while (peek() && ["==", "!=", "<", ">", "<=", ">="].includes(peek()!.v)) {
      const op = take().v;
      const r = primary();
      l =
        op === "=="
          ? eq(l, r)
          : op === "!="
            ? !eq(l, r)
            : op === "<"
              ? Number(l) < Number(r)
              : op === ">"
                ? Number(l) > Number(r)
                : op === "<="
                  ? Number(l) <= Number(r)
                  : Number(l) >= Number(r);
    }
    return l;
  };
  const and = (): unknown => {
    let l = cmp();
    while (peek()?.v === "&&") {
      take();
      const r = cmp();
      l = truthy(l) ? r : l;
    }
    return l;
  };
  const or = (): unknown => {
    let l = and();
    while (peek()?.v === "||") {
      take();
      const r = and();
      l = truthy(l) ? l : r;
    }
    return l;
  };
  const v = or();
  if (p !== toks.length) throw new Error(`trailing tokens in ${src}`);
  return v;
}

/** Substitutes every `${{ … }}` in a string value. */
export function interpolate(value: unknown, ctx: Ctx, status?: { failed: boolean }): string {
  return str(value).replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e) => str(evaluate(e, ctx, status)));
}

/** An `if:` value: an expression with or without `${{ }}`; absent means success(). */
export function condition(value: unknown, ctx: Ctx, status: { failed: boolean }): boolean {
  if (value === undefined) return !status.failed;
  if (typeof value === "boolean") return value;
  const s = String(value).trim();
  const expr = s.startsWith("${{") && s.endsWith("}}") ? s.slice(3, -2) : s;
  // The runner adds success() unless the condition names a status function.
  const hasStatus = /\b(always|success|failure|cancelled)\(/.test(expr);
  return truthy(evaluate(expr, ctx, status)) && (hasStatus || !status.failed);
}

// ---- steps ------------------------------------------------------------------------------------------------------

export interface StepRecord {
  name: string;
  kind: "run" | "uses" | "skipped";
  uses?: string;
  with?: Record<string, string>;
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  outputs: Record<string, string>;
  env?: Record<string, string>;
}

/** An external action the test simulates: returns its outputs. */
export type Simulator = (uses: string, inputs: Record<string, string>, ctx: Ctx) => Record<string, string>;

export interface RunOptions {
  workspace: string;
  /** Base environment of every step (PATH, HOME, GITHUB_*, RUNNER_*). */
  env: Record<string, string>;
  /** github, vars, secrets, runner contexts. */
  ctx: Ctx;
  /** `uses:` value -> folder holding action.yml (a composite action run step by step). */
  localActions: Record<string, string>;
  simulate: Simulator;
  /** Folder for the GITHUB_OUTPUT etc. files. */
  tempDir: string;
}

function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) body.push(lines[i]!);
      out[heredoc[1]!] = body.join("\n");
    } else if (line.includes("=")) out[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
  }
  return out;
}

export class JobRunner {
  readonly records: StepRecord[] = [];
  readonly status = { failed: false };
  private envFromFile: Record<string, string> = {};
  private pathAdds: string[] = [];
  private seq = 0;
  constructor(private readonly o: RunOptions) {}

  /** Runs `steps` with `ctx` (github, inputs, steps, env …); returns the steps context they built. */
  async runSteps(
    steps: any[],
    ctx: Ctx,
    extraEnv: Record<string, string> = {},
  ): Promise<Record<string, { outputs: Record<string, string>; outcome: string }>> {
    const stepsCtx: Record<string, { outputs: Record<string, string>; outcome: string }> = {};
    for (const step of steps) {
      const local = { ...ctx, steps: stepsCtx };
      const name = interpolate(step.name ?? step.uses ?? step.run?.split("\n")[0], local, this.status);
      if (!condition(step.if, local, this.status)) {
        this.records.push({ name, kind: "skipped", outputs: {} });
        if (step.id) stepsCtx[step.id] = { outputs: {}, outcome: "skipped" };
        continue;
      }
      const stepEnv: Record<string, string> = { ...extraEnv };
      for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolate(v, local, this.status);
      let outputs: Record<string, string> = {};
      let ok = true;
      if (step.run !== undefined) {
        const r = await this.runScript(
          String(step.run),
          stepEnv,
          step["working-directory"] ? interpolate(step["working-directory"], local) : this.o.workspace,
        );
        outputs = r.outputs;
        ok = r.exitCode === 0;
        this.records.push({ name, kind: "run", exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, outputs, env: r.env });
      } else {
        const uses = String(step.uses);
        const inputs: Record<string, string> = {};
        for (const [k, v] of Object.entries(step.with ?? {})) inputs[k] = interpolate(v, local, this.status);
        const dir = this.o.localActions[uses];
        if (dir) {
          const before = this.status.failed;
          outputs = await this.runComposite(dir, inputs, ctx);
          ok = !this.status.failed || before;
          this.records.push({ name, kind: "uses", uses, with: inputs, outputs, exitCode: ok ? 0 : 1 });
        } else {
          outputs = this.o.simulate(uses, inputs, local);
          this.records.push({ name, kind: "uses", uses, with: inputs, outputs, exitCode: 0 });
        }
      }
      if (!ok) this.status.failed = true;
      if (step.id) stepsCtx[step.id] = { outputs, outcome: ok ? "success" : "failure" };
    }
    return stepsCtx;
  }

  private async runComposite(dir: string, inputs: Record<string, string>, outer: Ctx): Promise<Record<string, string>> {
    const action = parse(readFileSync(join(dir, "action.yml"), "utf8"));
    const github = { ...outer.github, action_path: dir };
    const resolved: Record<string, string> = {};
    for (const [name, spec] of Object.entries(action.inputs ?? {}) as [string, any][]) {
      resolved[name] = inputs[name] ?? (spec.default !== undefined ? interpolate(spec.default, { ...outer, github }) : "");
    }
    for (const k of Object.keys(inputs)) if (!(k in (action.inputs ?? {}))) throw new Error(`action input ${k} is not declared`);
    await this.runSteps(action.runs.steps, { ...outer, github, inputs: resolved }, { GITHUB_ACTION_PATH: dir });
    return {};
  }

  // Async: a GitHub double in this process must keep answering while the step runs.
  private async runScript(script: string, stepEnv: Record<string, string>, cwd: string) {
    const n = ++this.seq;
    const files = {
      GITHUB_OUTPUT: join(this.o.tempDir, `output-${n}`),
      GITHUB_ENV: join(this.o.tempDir, `env-${n}`),
      GITHUB_PATH: join(this.o.tempDir, `path-${n}`),
    };
    for (const f of Object.values(files)) writeFileSync(f, "");
    const scriptFile = join(this.o.tempDir, `step-${n}.sh`);
    writeFileSync(scriptFile, script);
    const env: Record<string, string> = {
      ...this.o.env,
      ...this.envFromFile,
      ...stepEnv,
      ...files,
      PATH: [...this.pathAdds, this.o.env.PATH].join(":"),
    };
    mkdirSync(cwd, { recursive: true });
    const proc = Bun.spawn(["bash", "--noprofile", "--norc", "-eo", "pipefail", scriptFile], { cwd, env, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    const r = { status: code, stdout, stderr };
    Object.assign(this.envFromFile, parseFileCommands(readFileSync(files.GITHUB_ENV, "utf8")));
    this.pathAdds.unshift(...readFileSync(files.GITHUB_PATH, "utf8").split("\n").filter(Boolean));
    return {
      exitCode: r.status ?? 1,
      stdout: r.stdout,
      stderr: r.stderr,
      outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, "utf8")),
      env,
    };
  }
}

/** Runs one job of a workflow file: its `if:`, then its steps. Returns null when the job's condition is false. */
export async function runJob(workflowPath: string, jobName: string, o: RunOptions): Promise<JobRunner | null> {
  const wf = parse(readFileSync(workflowPath, "utf8"));
  const job = wf.jobs[jobName];
  if (!job) throw new Error(`no job ${jobName}`);
  const runner = new JobRunner(o);
  if (job.if !== undefined && !condition(job.if, o.ctx, runner.status)) return null;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(job.env ?? {})) env[k] = interpolate(v, o.ctx);
  if (!existsSync(o.tempDir)) mkdirSync(o.tempDir, { recursive: true });
  await runner.runSteps(job.steps, o.ctx, env);
  return runner;
}
