// Finds where a failure happened: stack-frame search in every common syntax, mapping of CI/container paths
// to files that exist in the repository, and the choice of the frame that matters (the test's own file).
// One implementation shared by every parser and by failures.ts.
import fg from "fast-glob";
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, posix, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export interface Frame {
  /** The path as the text wrote it. */
  path: string;
  line: number;
  column?: number;
  /** Lower = closer to where the error was raised. */
  depth: number;
}

/** Files of the repository, repo-relative POSIX, for existence checks and suffix matching. */
export interface RepoIndex {
  root: string;
  files: Set<string>;
  /** basename -> repo-relative paths. */
  byBase: Map<string, string[]>;
  /** Folders holding files, computed on first use. */
  dirs?: Set<string>;
}

/** Folders whose files are never "where the failure is": dependencies, caches, build output of tools. */
const IGNORED_DIRS = [
  "**/node_modules/**",
  "**/.git/**",
  "**/.venv/**",
  "**/venv/**",
  "**/site-packages/**",
  "**/dist-packages/**",
  "**/__pycache__/**",
  "**/.terraform/**",
  "**/.terragrunt-cache/**",
  "**/vendor/**",
  ".agent/**",
];

/** Frames that belong to a runtime, a runner or a dependency, whatever path mapping would say. */
const FOREIGN_FRAME =
  /(^|[\\/])(node_modules|site-packages|dist-packages|\.venv|venv|_pytest|pluggy|jest-circus|@vitest|vitest[\\/]dist)([\\/]|$)|^node:|^internal[\\/]|^<|^bun:|[\\/]go[\\/]src[\\/](testing|runtime)[\\/]|^\/usr\/lib\/python|^\/usr\/local\/go\//;

const indexCache = new Map<string, RepoIndex>();

/** Lists the repository's files once per process (cached by root). */
export function indexRepo(root: string, opts: { fresh?: boolean } = {}): RepoIndex {
  const abs = resolve(root);
  const cached = indexCache.get(abs);
  if (cached && !opts.fresh) return cached;
  const list = fg.sync("**/*", {
    cwd: abs,
    ignore: IGNORED_DIRS,
    onlyFiles: true,
    dot: true,
    followSymbolicLinks: false,
    suppressErrors: true,
  });
  const files = new Set(list);
  const byBase = new Map<string, string[]>();
  for (const f of list) {
    const base = posix.basename(f);
    const arr = byBase.get(base);
    if (arr) arr.push(f);
    else byBase.set(base, [f]);
  }
  const index = { root: abs, files, byBase };
  indexCache.set(abs, index);
  return index;
}

// ---------- frame search ----------

// A path token: optional file:// scheme, optional drive letter, then no whitespace/quotes/parens/colons.
// Bounded repetition keeps every pattern linear on huge single-line messages (a 100 MB text node).
const PATH_TOKEN = String.raw`(?:file:\/\/\/?)?(?:[A-Za-z]:[\\/])?[^\s:()'"<>\[\]{}|,;]{0,400}[^\s:()'"<>\[\]{}|,;.]`;

/**
 * A frame pattern: group 1 the path and group 2 the line (group 3 the column), unless `path` builds the path
 * from the match (then `at` is the offset of the path's file name in the match, for de-duplication).
 */
interface FramePattern {
  re: RegExp;
  innermostLast: boolean;
  path?: (m: RegExpMatchArray) => string;
  at?: (m: RegExpMatchArray) => number;
}

const PATTERNS: FramePattern[] = [
  // Python traceback: File "path", line N, in fn
  { re: /File "([^"\n]{1,1000})", line (\d+)/g, innermostLast: true },
  // pytest long repr: `path:line: in fn` and the raising line `path:line: ErrorName`
  // (the test's own first frame has nothing after the colon).
  { re: new RegExp(String.raw`^\s*(${PATH_TOKEN}\.py):(\d+):(?:[ \t].*)?$`, "gm"), innermostLast: true },
  // V8 / bun with a function name: at fn (path:line:col)
  { re: /\(((?:file:\/\/)?[^()\n]{1,1000}?):(\d+):(\d+)\)/g, innermostLast: false },
  // .NET (TRX, NUnit, xUnit): at Ns.Class.Method() in /path/X.cs:line 17
  { re: new RegExp(String.raw`\sin (${PATH_TOKEN}\.[A-Za-z]\w*):line (\d+)`, "g"), innermostLast: false },
  // JVM (Surefire, Gradle): at com.acme.XTest.method(XTest.java:17): the file sits in its package's folder
  // (com/acme/XTest.java), which tells apart same-named classes of different packages or modules.
  {
    re: /\bat\s+(?:[\w.$-]{1,200}\/{1,2})?((?:[a-z_][\w$]{0,100}\.){0,30})(?:[\w$]{1,200}\.)?[\w$<>-]{1,200}\(([\w$-]{1,200}\.(?:java|kt|scala|groovy)):(\d+)\)/g,
    innermostLast: false,
    path: (m) => `${m[1]!.split(".").filter(Boolean).join("/")}${m[1] ? "/" : ""}${m[2]}`,
    at: (m) => m[0].lastIndexOf("(") + 1,
  },
  // anything else: at path:line:col, ❯ path:line:col, go's file_test.go:19:, go panics' /path/x.go:55 +0x28
  { re: new RegExp(String.raw`(?:^|[\s(❯›>])(${PATH_TOKEN}\.[A-Za-z][\w]*):(\d+)(?::(\d+))?`, "gm"), innermostLast: false },
];

/** Every `path:line` reference in the text, innermost first (Python-style tracebacks are reversed). */
/** Frames beyond this much text are not searched (stacks that matter are at the start). */
const MAX_FRAME_TEXT = 256 * 1024;

export function parseFrames(input: string): Frame[] {
  if (!input) return [];
  const text = input.length > MAX_FRAME_TEXT ? input.slice(0, MAX_FRAME_TEXT) : input;
  const found: { path: string; line: number; column?: number; pos: number; innermostLast: boolean }[] = [];
  const seenPos = new Set<number>();
  for (const { re, innermostLast, path: pathOf, at } of PATTERNS) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) {
      const path = pathOf ? pathOf(m) : m[1]!;
      const line = Number(pathOf ? m[3] : m[2]);
      if (!Number.isFinite(line) || line < 1) continue;
      // The same text position can match two patterns (e.g. pytest line and the generic one): keep the first.
      const pos = (m.index ?? 0) + (at ? at(m) : m[0].indexOf(path));
      if (seenPos.has(pos)) continue;
      seenPos.add(pos);
      found.push({ path, line, column: !pathOf && m[3] ? Number(m[3]) : undefined, pos, innermostLast });
    }
  }
  found.sort((a, b) => a.pos - b.pos);
  const n = found.length;
  return found
    .map((f, i) => ({
      path: f.path,
      line: f.line,
      column: f.column,
      depth: f.innermostLast ? n - i : i,
    }))
    .sort((a, b) => a.depth - b.depth);
}

/** True for frames of runtimes, runners and dependencies. */
export function isForeignFrame(path: string): boolean {
  return FOREIGN_FRAME.test(path.replace(/^file:\/\//, ""));
}

// ---------- path mapping ----------

function toPosix(p: string): string {
  return p.replace(/\\/g, "/");
}

function stripScheme(raw: string): string {
  if (raw.startsWith("file://")) {
    try {
      return fileURLToPath(raw);
    } catch {
      return raw.replace(/^file:\/\/\/?/, "/");
    }
  }
  return raw;
}

/**
 * Maps a path as a report or stack wrote it to a repo-relative POSIX path of a file that exists:
 * relative to the stack's cwd, then to the root, then the longest existing suffix (CI checkouts,
 * containers, other machines). A bare file name matches only when it is unique (or `nearDir` picks one).
 */
export function resolveRepoPath(raw: string, index: RepoIndex, opts: { cwd?: string; nearDir?: string } = {}): string | null {
  if (!raw) return null;
  let p = stripScheme(raw.trim());
  if (isForeignFrame(p)) return null;
  p = toPosix(p);
  const cwd = toPosix(opts.cwd ?? ".")
    .replace(/^\.\/?/, "")
    .replace(/\/$/, "");
  const isAbs = p.startsWith("/") || /^[A-Za-z]:\//.test(p);
  if (!isAbs) {
    const inCwd = posix.normalize(cwd ? `${cwd}/${p}` : p);
    if (index.files.has(inCwd)) return inCwd;
    const atRoot = posix.normalize(p);
    if (index.files.has(atRoot)) return atRoot;
  } else {
    const rootPosix = toPosix(index.root);
    if (p.startsWith(`${rootPosix}/`)) {
      const rel = p.slice(rootPosix.length + 1);
      if (index.files.has(rel)) return rel;
    }
  }
  const parts = p
    .replace(/^[A-Za-z]:\//, "/")
    .split("/")
    .filter((s) => s && s !== "." && s !== "..");
  for (let i = 0; i < parts.length - 1; i++) {
    const suffix = parts.slice(i).join("/");
    if (index.files.has(suffix)) return suffix;
    if (cwd && index.files.has(`${cwd}/${suffix}`)) return `${cwd}/${suffix}`;
  }
  const base = parts[parts.length - 1];
  if (!base) return null;
  const candidates = index.byBase.get(base) ?? [];
  // A repo file that ends like the path's last folders (a Java package path, `a/handler_test.go`): the
  // longest such tail that only one file has.
  for (let i = 0; i < parts.length - 1 && candidates.length > 1; i++) {
    const tail = `/${parts.slice(i).join("/")}`;
    const ending = candidates.filter((c) => c.endsWith(tail));
    if (ending.length === 1) return ending[0]!;
    if (ending.length > 1) break;
  }
  // Several folders hold a file of that name: pick the one whose path ends like the text, or the one near a hint.
  const near = [opts.nearDir, cwd].filter((d): d is string => !!d);
  for (const dir of near) {
    const inDir = candidates.filter((c) => posix.dirname(c) === dir || c.startsWith(`${dir}/`));
    if (inDir.length === 1) return inDir[0]!;
  }
  if (candidates.length === 1) return candidates[0]!;
  return null;
}

/** The repo folder a path (e.g. a go import path) ends like, by longest suffix; null when none or ambiguous. */
export function resolveRepoDir(raw: string, index: RepoIndex): string | null {
  index.dirs ??= new Set([...index.files].map((f) => posix.dirname(f)));
  const parts = toPosix(stripScheme(raw))
    .split("/")
    .filter((s) => s && s !== "." && s !== "..");
  for (let i = 0; i < parts.length; i++) {
    const suffix = parts.slice(i).join("/");
    if (index.dirs.has(suffix)) return suffix;
  }
  return null;
}

/** Turns a repo-relative or absolute path into repo-relative POSIX without requiring it to exist. */
export function repoRelative(raw: string, root: string): string {
  const p = stripScheme(raw);
  const rel = isAbsolute(p) ? relative(root, p) : p;
  return toPosix(rel.split(sep).join("/")).replace(/^\.\//, "");
}

// ---------- choosing the place ----------

export interface LocateInput {
  /** The test's own file as the report wrote it, if any. */
  file?: string;
  /** The test's own 1-based line, if any. */
  line?: number;
  message?: string;
  stack?: string;
}

export interface Location {
  file: string | null;
  line: number | null;
  /**
   * The error came from code of the test's file that is not the test's body: every frame in that file is
   * above the test's own line (a beforeAll/beforeEach hook, setup at describe level).
   */
  outsideTest?: boolean;
}

const TEST_FILE =
  /(^|\/)(tests?|__tests__|spec)\/|[._-](test|spec)\.[cm]?[jt]sx?$|_test\.(go|py)$|(^|\/)test_[^/]*\.py$|\.tftest\.hcl$|(^|\/)[\w.-]*[.-](Unit|Integration|Ms|N[Uu]nit|X[Uu]nit)?Tests?\/|[a-z0-9](Tests?|Spec|IT)\.(cs|fs|vb|java|kt|scala|groovy|php)$/;

/** Whether a repo path looks like a test file (used when the report does not name the test's file). */
export function looksLikeTestFile(path: string): boolean {
  return TEST_FILE.test(path);
}

/**
 * The failing place: the innermost frame in the test's own file (so an error raised inside a helper module
 * points at the test line that called the helper); else the test's own line; else, for a file that failed
 * to load, the line importing the missing module; else the innermost frame in another repo file (test-like
 * files first); else the test's file without a line.
 */
export function locate(input: LocateInput, index: RepoIndex, opts: { cwd?: string; nearDir?: string } = {}): Location {
  const own = input.file ? resolveRepoPath(input.file, index, opts) : null;
  // go names a package, not a file: its folder still tells which of several same-named files is meant.
  const nearDir = own ? posix.dirname(own) : ((input.file ? resolveRepoDir(input.file, index) : null) ?? opts.nearDir);
  const text = [input.stack, input.message].filter(Boolean).join("\n");
  const frames: { file: string; line: number; depth: number }[] = [];
  for (const f of parseFrames(text)) {
    const file = resolveRepoPath(f.path, index, { cwd: opts.cwd, nearDir });
    if (file) frames.push({ file, line: f.line, depth: f.depth });
  }
  if (own) {
    const inOwn = frames.find((f) => f.file === own);
    if (inOwn) {
      const outsideTest = !!input.line && frames.every((f) => f.file !== own || f.line < input.line!);
      return outsideTest ? { file: own, line: inOwn.line, outsideTest } : { file: own, line: inOwn.line };
    }
    if (input.line && input.line > 0) return { file: own, line: input.line };
    const importLine = lineOfMissingImport(text, index, own);
    if (importLine) return { file: own, line: importLine };
  }
  const pick = frames.find((f) => looksLikeTestFile(f.file)) ?? frames[0];
  if (pick) return { file: pick.file, line: pick.line };
  if (own) return { file: own, line: null };
  return { file: null, line: null };
}

/**
 * When a module fails to load and no frame gives a line (bun's "Cannot find module 'x' from 'file'"), the
 * line is the one importing the missing specifier.
 */
export function lineOfMissingImport(text: string, index: RepoIndex, file: string): number | null {
  const m =
    /Cannot find (?:module|package) ['"]([^'"]+)['"]/.exec(text) ??
    /No module named ['"]([^'"]+)['"]/.exec(text) ??
    /Could not resolve ['"]([^'"]+)['"]/.exec(text);
  if (!m) return null;
  const spec = m[1]!;
  let source: string;
  try {
    const abs = resolve(index.root, file);
    if (statSync(abs).size > 4 * 1024 * 1024) return null;
    source = readFileSync(abs, "utf8");
  } catch {
    return null;
  }
  const lines = source.split("\n");
  const quoted = [`"${spec}"`, `'${spec}'`, `\`${spec}\``];
  let i = lines.findIndex((l) => quoted.some((q) => l.includes(q)));
  if (i === -1)
    i = lines.findIndex((l) =>
      new RegExp(
        String.raw`\bimport\s+${spec.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\b|\bfrom\s+${spec.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\s+import\b`,
      ).test(l),
    );
  return i === -1 ? null : i + 1;
}

// ---------- message vs. stack ----------

const FRAME_LINE = /^\s*(at\s|❯\s|File "|>?\s*\d+\s*\|)|^\s+[^\s:]+\.\w+:\d+ [+]0x/;

/**
 * Splits a runner's failure text into the message (the lines before the first stack frame or code frame,
 * without jest's "● Test suite failed to run" heading) and the stack (the whole text, trimmed).
 */
export function splitMessage(text: string): { message: string; stack: string } {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const head: string[] = [];
  for (const line of lines) {
    if (FRAME_LINE.test(line.slice(0, 1000))) break;
    head.push(line);
  }
  const kept = head.filter((l) => !/^\s*● /.test(l));
  const indent = Math.min(...kept.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length), 1_000);
  const message = kept
    .map((l) => l.slice(Number.isFinite(indent) ? indent : 0).trimEnd())
    .join("\n")
    .replace(/^\n+|\n+$/g, "")
    .replace(/\n{3,}/g, "\n\n");
  return { message: message || (lines.find((l) => l.trim()) ?? "").trim(), stack: text.trim() };
}
