// Fuzz test: real reports (the corpus the real runners write, tests/support/samples.ts, plus the committed
// files for TRX, NUnit, Surefire, PHPUnit and mocha) mutated many thousands of times with a seeded PRNG
// (byte flips, truncation, tag duplication, deleted closing tags, entities and DOCTYPEs, huge attributes,
// random unicode, splices), each parsed through parseReport (lib/parsers/index.ts), so every format is
// covered. Asserts: nothing but HealError is thrown, emitted cases are well-formed and bounded, and no
// input hangs: the fuzz loop runs in a child process (this file, HEAL_FUZZ_WORKER=1) under a watchdog.
//
// Reproduce: HEAL_FUZZ_SEED=<seed printed> bun test tests/fuzz/reports.fuzz.test.ts
// Knobs: HEAL_FUZZ_BUDGET_MS (default 30000), HEAL_FUZZ_MAX (default 20000 mutations).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../support/prng.ts";

interface Seed {
  path: string;
  /** Format name as parseReport knows it; half of the runs pass it, half let the content decide. */
  format: string;
}

interface FuzzSummary {
  seed: number;
  mutations: number;
  seeds: number;
  ms: number;
  parsed: number;
  healErrors: number;
  cases: number;
  byFormat: Record<string, number>;
  crashes: { mutation: string; error: string; file?: string }[];
  slow: { mutation: string; ms: number; file?: string }[];
}

const PER_INPUT_MS = 5_000;
const MAX_MUTANT_BYTES = 2 * 1024 * 1024;
const XML_FORMATS = new Set(["junit", "trx", "nunit", "xunit"]);

function registerTest(): void {
  let work: string;
  let seeds: Seed[] = [];
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "heal-fuzz-"));
    const { buildCorpus } = await import("../support/samples.ts");
    const corpus = await buildCorpus();
    for (const p of corpus.projects) for (const r of p.reports) seeds.push({ path: r.path, format: r.format });
    const fixtures = join(import.meta.dir, "../fixtures/reports");
    for (const [name, format] of [
      ["dotnet.trx", "trx"],
      ["nunit3.xml", "nunit"],
      ["nunit2.xml", "nunit"],
      ["surefire-rerun.xml", "junit"],
      ["phpunit.xml", "junit"],
      ["mocha-junit.xml", "junit"],
      ["gotestsum.xml", "junit"],
      ["googletest.xml", "junit"],
      ["rspec/rspec.json", "rspec-json"],
      ["rspec/rspec-load-error.json", "rspec-json"],
      ["../publish-unit-test-result/xunit/mstest/fixie.xml", "xunit"],
      ["../publish-unit-test-result/junit-xml/junit.multiresult.xml", "junit"],
      ["../publish-unit-test-result/nunit/mstest/clicketyclackety.xml", "nunit"],
    ] as const)
      seeds.push({ path: join(fixtures, name), format });
    seeds = seeds.filter((s) => readFileSync(s.path).length > 0);
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const budgetMs = Number(process.env.HEAL_FUZZ_BUDGET_MS ?? 30_000);
  test(
    "thousands of mutated real reports: only HealError, well-formed bounded cases, no hang",
    async () => {
      const formats = new Set(seeds.map((s) => s.format));
      // The corpus always has bun, vitest, jest and pytest: JUnit XML and jest JSON at least.
      expect([...formats]).toEqual(expect.arrayContaining(["junit", "jest-json", "trx", "nunit"]));
      const seedFile = join(work, "seeds.json");
      writeFileSync(seedFile, JSON.stringify(seeds));
      const seed = Number(process.env.HEAL_FUZZ_SEED ?? 20261130);
      const summary = await runWorker({ seedFile, seed, budgetMs, out: work });
      const formatsLine = Object.entries(summary.byFormat)
        .map(([f, n]) => `${f} ${n}`)
        .join(", ");
      process.stderr.write(
        `fuzz: ${summary.mutations} mutations of ${summary.seeds} real reports in ${(summary.ms / 1000).toFixed(1)} s (seed ${summary.seed}): ` +
          `${summary.parsed} parsed (${summary.cases} cases), ${summary.healErrors} HealError; by format: ${formatsLine}\n`,
      );
      expect(summary.crashes).toEqual([]);
      expect(summary.slow).toEqual([]);
      // The loop really ran, and both outcomes happened (mutations that still parse, and ones refused).
      expect(summary.mutations).toBeGreaterThanOrEqual(Math.min(2_000, Number(process.env.HEAL_FUZZ_MAX ?? 20_000)));
      expect(summary.parsed).toBeGreaterThan(0);
      expect(summary.healErrors).toBeGreaterThan(0);
    },
    budgetMs + 120_000,
  );
}

/** Runs the worker; kills it when it stops making progress (a hang) and reports the input it was on. */
function runWorker(opts: { seedFile: string; seed: number; budgetMs: number; out: string }): Promise<FuzzSummary> {
  const progress = join(opts.out, "current.json");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      env: {
        ...process.env,
        HEAL_FUZZ_WORKER: "1",
        HEAL_FUZZ_SEEDS: opts.seedFile,
        HEAL_FUZZ_SEED: String(opts.seed),
        HEAL_FUZZ_BUDGET_MS: String(opts.budgetMs),
        HEAL_FUZZ_OUT: opts.out,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // Worker budget + the slowest allowed input + start-up: anything longer is a hang.
    const watchdog = setTimeout(
      () => {
        child.kill("SIGKILL");
        let current = "unknown";
        try {
          current = readFileSync(progress, "utf8");
        } catch {
          // the worker never started an input
        }
        reject(new Error(`fuzz worker hung (killed); last input: ${current}`));
      },
      opts.budgetMs + PER_INPUT_MS + 60_000,
    );
    child.on("close", (code) => {
      clearTimeout(watchdog);
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0 || !last.startsWith("{")) return reject(new Error(`fuzz worker exited ${code}: ${stderr.slice(-2000)}`));
      resolve(JSON.parse(last) as FuzzSummary);
    });
  });
}

// ---------------------------------------------------------------- worker

const prng = mulberry32;

type Mutation = (buf: Buffer, rand: () => number, other: Buffer) => [Buffer, string];

const ENTITY_SNIPPETS = [
  "&lol;",
  "&#0;",
  "&#x110000;",
  "&#xD800;",
  "&amp",
  "&#65;",
  "&;",
  '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
  '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
  "<![CDATA[ ]]> ]]>",
  "<?pi data?>",
  "<!-- -- -->",
  "\u0000",
  '{"a":',
  "]}",
  "\\u0000",
  "not ok 1 - x\n",
  // Report text that must never be used as an object key.
  ' name="__proto__"',
  ' outcome="constructor"',
  '"__proto__"',
  "constructor",
];
const UNICODE = ["\u{1F600}", "\uFFFE", "\uFEFF", "\u202E", "\u2028", "é", "\u0301", "\uD800", "\u0085", "\u200B", "𝒳", "\r\n", "\t"];

const pos = (rand: () => number, n: number) => Math.floor(rand() * (n + 1));
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** Finds a random occurrence of a byte pattern (returns -1 when none). */
function randomIndexOf(buf: Buffer, needle: string, rand: () => number): number {
  const start = pos(rand, buf.length);
  const i = buf.indexOf(needle, start);
  return i !== -1 ? i : buf.indexOf(needle);
}

const MUTATIONS: Record<string, Mutation> = {
  "flip bytes": (buf, rand) => {
    const out = Buffer.from(buf);
    const n = 1 + Math.floor(rand() * 8);
    for (let i = 0; i < n && out.length; i++) out[Math.floor(rand() * out.length)] = Math.floor(rand() * 256);
    return [out, `${n} bytes`];
  },
  truncate: (buf, rand) => {
    const at = pos(rand, buf.length);
    return [buf.subarray(0, at), `at ${at}`];
  },
  "duplicate a tag": (buf, rand) => {
    const open = randomIndexOf(buf, "<", rand);
    if (open === -1) return [buf, "no tag"];
    const close = buf.indexOf(">", open);
    if (close === -1) return [buf, "no tag end"];
    const tag = buf.subarray(open, close + 1);
    const times = 1 + Math.floor(rand() * 3);
    return [Buffer.concat([buf.subarray(0, close + 1), ...Array(times).fill(tag), buf.subarray(close + 1)]), `${times}x at ${open}`];
  },
  "delete a closing tag": (buf, rand) => {
    const open = randomIndexOf(buf, "</", rand);
    if (open === -1) return [buf.subarray(0, Math.max(0, buf.length - 1)), "no closing tag: dropped last byte"];
    const close = buf.indexOf(">", open);
    return [Buffer.concat([buf.subarray(0, open), buf.subarray(close === -1 ? buf.length : close + 1)]), `at ${open}`];
  },
  "insert an entity or declaration": (buf, rand) => {
    const s = pick(rand, ENTITY_SNIPPETS);
    const at = rand() < 0.2 ? 0 : pos(rand, buf.length);
    return [Buffer.concat([buf.subarray(0, at), Buffer.from(s), buf.subarray(at)]), `${JSON.stringify(s)} at ${at}`];
  },
  "insert a huge attribute": (buf, rand) => {
    const open = randomIndexOf(buf, "<", rand);
    // Mostly modest, sometimes up to 1 MB (beyond the attribute cap of lib/parsers/xml-stream.ts).
    const size = Math.floor(rand() * (rand() < 0.1 ? 1_000_000 : 20_000));
    const attr = Buffer.from(` huge${Math.floor(rand() * 9)}="${"A&amp;".repeat(size / 6)}"`);
    if (open === -1) return [Buffer.concat([buf, attr]), `${size} chars appended`];
    const nameEnd = buf.indexOf(" ", open);
    const at = nameEnd === -1 ? open + 1 : nameEnd;
    return [Buffer.concat([buf.subarray(0, at), attr, buf.subarray(at)]), `${size} chars at ${at}`];
  },
  "insert random unicode": (buf, rand) => {
    const n = 1 + Math.floor(rand() * 5);
    let out = buf;
    for (let i = 0; i < n; i++) {
      const at = pos(rand, out.length);
      out = Buffer.concat([out.subarray(0, at), Buffer.from(pick(rand, UNICODE)), out.subarray(at)]);
    }
    return [out, `${n} code points`];
  },
  "swap two slices": (buf, rand) => {
    const a = pos(rand, buf.length);
    const b = pos(rand, buf.length);
    const [x, y] = a < b ? [a, b] : [b, a];
    const mid = pos(rand, y - x) + x;
    return [Buffer.concat([buf.subarray(0, x), buf.subarray(mid, y), buf.subarray(x, mid), buf.subarray(y)]), `${x}..${mid}..${y}`];
  },
  "repeat a segment": (buf, rand) => {
    const at = pos(rand, buf.length);
    const len = Math.min(buf.length - at, 1 + Math.floor(rand() * 200));
    const times = 1 + Math.floor(rand() * 2000);
    const seg = buf.subarray(at, at + len);
    return [Buffer.concat([buf.subarray(0, at), ...Array(times).fill(seg), buf.subarray(at)]), `${len} bytes x${times} at ${at}`];
  },
  "deep nesting": (buf, rand) => {
    const depth = Math.floor(rand() * 3000);
    const at = pos(rand, buf.length);
    const tag = rand() < 0.5 ? "testsuite" : "x";
    return [Buffer.concat([buf.subarray(0, at), Buffer.from(`<${tag}>`.repeat(depth)), buf.subarray(at)]), `${depth} <${tag}> at ${at}`];
  },
  "splice another report": (buf, rand, other) => {
    const at = pos(rand, buf.length);
    const from = pos(rand, other.length);
    return [Buffer.concat([buf.subarray(0, at), other.subarray(from)]), `at ${at} from ${from}`];
  },
};

async function fuzzWorker(): Promise<void> {
  const { HealError } = await import("../../lib/errors.ts");
  const { parseReport } = await import("../../lib/parsers/index.ts");
  const seeds = JSON.parse(readFileSync(process.env.HEAL_FUZZ_SEEDS!, "utf8")) as Seed[];
  const seed = Number(process.env.HEAL_FUZZ_SEED);
  const budgetMs = Number(process.env.HEAL_FUZZ_BUDGET_MS);
  const max = Number(process.env.HEAL_FUZZ_MAX ?? 20_000);
  const out = process.env.HEAL_FUZZ_OUT!;
  const rand = prng(seed);
  const originals = seeds.map((s) => readFileSync(s.path));
  const names = Object.keys(MUTATIONS);
  const dir = join(out, "mutants");
  mkdirSync(dir, { recursive: true });
  const summary: FuzzSummary = {
    seed,
    mutations: 0,
    seeds: seeds.length,
    ms: 0,
    parsed: 0,
    healErrors: 0,
    cases: 0,
    byFormat: {},
    crashes: [],
    slow: [],
  };
  const keep = (n: number, buf: Buffer) => {
    const p = join(out, `mutant-${n}.bin`);
    writeFileSync(p, buf);
    return p;
  };
  const started = performance.now();
  while (summary.mutations < max && performance.now() - started < budgetMs) {
    const n = summary.mutations++;
    const si = n % seeds.length;
    let buf: Buffer = originals[si]!;
    const steps: string[] = [];
    const count = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < count; k++) {
      const name = pick(rand, names);
      const [next, detail] = MUTATIONS[name]!(buf, rand, originals[Math.floor(rand() * originals.length)]!);
      buf = next.length > MAX_MUTANT_BYTES ? next.subarray(0, MAX_MUTANT_BYTES) : next;
      steps.push(`${name} (${detail})`);
    }
    const explicit = rand() < 0.5 ? seeds[si]!.format : undefined;
    const mutation = `#${n} seed ${seed}: ${seeds[si]!.path.split("/").slice(-2).join("/")} ${explicit ? `--format ${explicit}` : "(sniffed)"}: ${steps.join(", ")}`;
    const ext = seeds[si]!.path.slice(seeds[si]!.path.lastIndexOf("."));
    const path = join(dir, `m${n % 64}${ext}`);
    writeFileSync(path, buf);
    writeFileSync(join(out, "current.json"), JSON.stringify({ mutation, path }));
    const t = performance.now();
    try {
      let bad: string | undefined;
      const { format } = await parseReport(
        path,
        (c) => {
          summary.cases++;
          bad ??= invalidCase(c, explicit ?? seeds[si]!.format);
        },
        explicit ? { format: explicit } : {},
      );
      summary.byFormat[format] = (summary.byFormat[format] ?? 0) + 1;
      summary.parsed++;
      if (bad && summary.crashes.length < 20) summary.crashes.push({ mutation, error: `invalid case: ${bad}`, file: keep(n, buf) });
    } catch (err) {
      if (err instanceof HealError) {
        summary.healErrors++;
        const line = err.oneLine();
        if ((line.includes("\n") || !line.startsWith(`${path}: `)) && summary.crashes.length < 20)
          summary.crashes.push({ mutation, error: `HealError not one line naming the file: ${line.slice(0, 300)}`, file: keep(n, buf) });
      } else if (summary.crashes.length < 20) {
        const e = err as Error;
        summary.crashes.push({
          mutation,
          error: `${e?.name}: ${e?.message?.slice(0, 300)} ${e?.stack?.split("\n")[1]?.trim() ?? ""}`,
          file: keep(n, buf),
        });
      }
    }
    const ms = performance.now() - t;
    if (ms > PER_INPUT_MS && summary.slow.length < 20) summary.slow.push({ mutation, ms: Math.round(ms), file: keep(n, buf) });
  }
  summary.ms = Math.round(performance.now() - started);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

const STATUSES = new Set(["passed", "failed", "error", "skipped"]);

/** What every parser must hand on, whatever the input: a describable problem, or undefined. */
function invalidCase(c: unknown, format: string): string | undefined {
  const tc = c as Record<string, unknown>;
  if (typeof tc.framework !== "string") return "framework is not a string";
  if (typeof tc.fullName !== "string") return "fullName is not a string";
  if (!STATUSES.has(tc.status as string)) return `status ${JSON.stringify(tc.status)}`;
  for (const k of ["file", "message", "stack"]) if (tc[k] !== undefined && typeof tc[k] !== "string") return `${k} is not a string`;
  if (tc.line !== undefined && !(Number.isSafeInteger(tc.line) && (tc.line as number) >= 0)) return `line ${String(tc.line)}`;
  if (XML_FORMATS.has(format)) {
    // The XML parsers bound per-case text (64 KB + a note) whatever the input holds.
    for (const k of ["message", "stack"])
      if (typeof tc[k] === "string" && (tc[k] as string).length > 64 * 1024 + 64) return `${k} longer than the cap`;
  }
  return undefined;
}

// Last, so every constant above is initialised before the worker uses it.
if (process.env.HEAL_FUZZ_WORKER === "1") await fuzzWorker();
else registerTest();
