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
  /** Texts holding none of these strings cannot match: the pattern is not run on them. */
  needs?: string[];
  /** A cheap pattern every match contains: a text without it is not scanned by the costly one. */
  hint?: RegExp;
}

const PATTERNS: FramePattern[] = [
  // Python traceback: File "path", line N, in fn
  { re: /File "([^"\n]{1,1000})", line (\d+)/g, innermostLast: true, needs: ['File "'] },
  // pytest long repr: `path:line: in fn` and the raising line `path:line: ErrorName`
  // (the test's own first frame has nothing after the colon).
  { re: new RegExp(String.raw`^\s*(${PATH_TOKEN}\.py):(\d+):(?:[ \t].*)?$`, "gm"), innermostLast: true, needs: [".py:"] },
  // V8 / bun with a function name: at fn (path:line:col)
  { re: /\(((?:file:\/\/)?[^()\n]{1,1000}?):(\d+):(\d+)\)/g, innermostLast: false, hint: /:\d+:\d+\)/ },
  // .NET (TRX, NUnit, xUnit): at Ns.Class.Method() in /path/X.cs:line 17
  { re: new RegExp(String.raw`\sin (${PATH_TOKEN}\.[A-Za-z]\w*):line (\d+)`, "g"), innermostLast: false, needs: [":line "] },
  // JVM (Surefire, Gradle): at com.acme.XTest.method(XTest.java:17): the file sits in its package's folder
  // (com/acme/XTest.java), which tells apart same-named classes of different packages or modules.
  {
    re: /\bat\s+(?:[\w.$-]{1,200}\/{1,2})?((?:[a-z_][\w$]{0,100}\.){0,30})(?:[\w$]{1,200}\.)?[\w$<>-]{1,200}\(([\w$-]{1,200}\.(?:java|kt|scala|groovy)):(\d+)\)/g,
    innermostLast: false,
    path: (m) => `${m[1]!.split(".").filter(Boolean).join("/")}${m[1] ? "/" : ""}${m[2]}`,
    at: (m) => m[0].lastIndexOf("(") + 1,
    needs: [".java:", ".kt:", ".scala:", ".groovy:"],
  },
  // anything else: at path:line:col, ❯ path:line:col, go's file_test.go:19:, go panics' /path/x.go:55 +0x28
  { re: new RegExp(String.raw`(?:^|[\s(❯›>])(${PATH_TOKEN}\.[A-Za-z][\w]*):(\d+)(?::(\d+))?`, "gm"), innermostLast: false },
];

/** Every `path:line` reference in the text, innermost first (Python-style tracebacks are reversed). */
/** Past this much text, parseFrames reads the head, the tail and the frame-like lines between. */
const MAX_FRAME_TEXT = 256 * 1024;

export function parseFrames(input: string): Frame[] {
  if (!input) return [];
  // A long text is read whole, but of its middle only the lines that can be frames (a huge message line is not).
  let text = input;
  if (input.length > MAX_FRAME_TEXT) {
    const half = MAX_FRAME_TEXT / 2;
    const middle = input
      .slice(half, -half)
      .split("\n")
      .slice(1, -1)
      .filter((l) => l.length <= 2_000 && /:\d|line \d/.test(l));
    text = [input.slice(0, half), ...middle, input.slice(-half)].join("\n");
  }
  // The .NET and JVM patterns can match across a line break (`\s`, `at\s+`): texts holding their words are read whole.
  const found = CROSS_LINE_WORDS.test(text) ? wholeTextMatches(text) : lineMatches(text);
  // A stack printed inside a value (an assertion's Received string, a serialized Error) sits on one line after
  // an escaped newline: it is the value's, not this failure's, so it counts only when the text has no other frame.
  const own = notEmbedded(text, found);
  const frames = own.length > 0 ? own : found;
  const n = frames.length;
  const out: Frame[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const f = frames[i]!;
    out[i] = { path: f.path, line: f.line, column: f.column, depth: f.innermostLast ? n - i : i };
  }
  return out.sort((a, b) => a.depth - b.depth);
}

interface FoundFrame {
  path: string;
  line: number;
  column?: number;
  pos: number;
  innermostLast: boolean;
}

/** The `needs` words of the .NET and JVM patterns, which may span lines (see parseFrames), in one scan. */
const CROSS_LINE_WORDS = /:line |\.(?:java|kt|scala|groovy):/;
/** The patterns whose matches never hold a line break: run on each line that can hold a frame, results kept per line. */
const LINE_PATTERNS = [PATTERNS[0]!, PATTERNS[1]!, PATTERNS[2]!, PATTERNS[5]!];

/** Every pattern's matches over the whole text, sorted by position; a position matched twice keeps the first pattern's. */
function wholeTextMatches(text: string): FoundFrame[] {
  const found: FoundFrame[] = [];
  const seenPos = new Set<number>();
  for (const { re, innermostLast, path: pathOf, at, needs, hint } of PATTERNS) {
    if (needs && !needs.some((n) => text.includes(n))) continue;
    if (hint && !hint.test(text)) continue;
    re.lastIndex = 0;
    // exec on the shared pattern, not matchAll (which copies the pattern each call); no pattern matches empty.
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
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
  return found.sort((a, b) => a.pos - b.pos);
}

/** A line's frames with positions relative to the line's start. */
type LineFrames = readonly FoundFrame[];
const NO_FRAMES: LineFrames = [];
// Stacks of one run repeat the same frame lines: each line is matched once (bounded, cleared when full). Lines are
// looked up by a hash of their characters in the text, so a line already seen is neither copied nor hashed as a string.
const lineMemo = new Map<number, { line: string; frames: LineFrames }[]>();
let lineMemoLines = 0;
let lineMemoChars = 0;
const LINE_MEMO_MAX = 20_000;
const LINE_MEMO_MAX_CHARS = 2_000;
const LINE_MEMO_MAX_TOTAL = 1_000_000;
const LINE_BUCKET_MAX = 8;

/** framesOfLine(text.slice(start, end)), memoized. */
function memoFrames(text: string, start: number, end: number): LineFrames {
  // The hash reads the length, the first and last 12 characters and 8 between: lines that collide are told apart
  // by comparing them whole, and a bucket holds at most LINE_BUCKET_MAX lines.
  const len = end - start;
  let h = len;
  if (len <= 32) for (let i = start; i < end; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  else {
    for (let i = 0; i < 12; i++) h = (Math.imul(h, 31) + text.charCodeAt(start + i) * 65_599 + text.charCodeAt(end - 1 - i)) | 0;
    const step = Math.floor((len - 24) / 9);
    for (let i = 1; i <= 8; i++) h = (Math.imul(h, 31) + text.charCodeAt(start + 12 + i * step)) | 0;
  }
  const bucket = lineMemo.get(h);
  if (bucket !== undefined) for (const e of bucket) if (e.line.length === len && text.startsWith(e.line, start)) return e.frames;
  // A copy of its own: a slice would keep the whole text alive for as long as the memo holds the line.
  const line = `${text.slice(start, end)} `.slice(0, -1);
  const frames = framesOfLine(line);
  if (lineMemoLines >= LINE_MEMO_MAX || lineMemoChars > LINE_MEMO_MAX_TOTAL) {
    lineMemo.clear();
    lineMemoLines = 0;
    lineMemoChars = 0;
  }
  const entry = { line, frames };
  const again = lineMemo.get(h);
  if (again === undefined) lineMemo.set(h, [entry]);
  else if (again.length < LINE_BUCKET_MAX) again.push(entry);
  else return frames;
  lineMemoLines++;
  lineMemoChars += line.length;
  return frames;
}

/**
 * The same matches as wholeTextMatches for texts without .NET/JVM words, found line by line: only lines holding
 * `:<digit>` or `File "` can match a line pattern, and a line already seen gives its memoized frames.
 */
function lineMatches(text: string): FoundFrame[] {
  const found: FoundFrame[] = [];
  const len = text.length;
  let colon = nextColonDigit(text, 0);
  let file = text.indexOf('File "');
  while (colon !== -1 || file !== -1) {
    const c = colon === -1 ? file : file === -1 ? colon : Math.min(colon, file);
    const start = c === 0 ? 0 : text.lastIndexOf("\n", c - 1) + 1;
    let end = text.indexOf("\n", c);
    if (end === -1) end = len;
    const frames = end - start <= LINE_MEMO_MAX_CHARS ? memoFrames(text, start, end) : framesOfLine(text.slice(start, end));
    for (const f of frames)
      found.push({ path: f.path, line: f.line, column: f.column, pos: start + f.pos, innermostLast: f.innermostLast });
    if (end >= len) break;
    if (colon !== -1 && colon < end) colon = nextColonDigit(text, end);
    if (file !== -1 && file < end) file = text.indexOf('File "', end);
  }
  return found;
}

/** The offset of the next `:` followed by a digit at or after `from`, or -1. */
function nextColonDigit(text: string, from: number): number {
  for (let i = text.indexOf(":", from); i !== -1; i = text.indexOf(":", i + 1)) {
    const d = text.charCodeAt(i + 1);
    if (d >= 48 && d <= 57) return i;
  }
  return -1;
}

/** The line patterns' matches in one line, sorted by position; a position matched twice keeps the first pattern's. */
function framesOfLine(line: string): LineFrames {
  let found: FoundFrame[] | null = null;
  for (const { re, innermostLast } of LINE_PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      const path = m[1]!;
      const n = Number(m[2]);
      if (!Number.isFinite(n) || n < 1) continue;
      const pos = (m.index ?? 0) + m[0].indexOf(path);
      if (found?.some((f) => f.pos === pos)) continue;
      (found ??= []).push({ path, line: n, column: m[3] ? Number(m[3]) : undefined, pos, innermostLast });
    }
  }
  return found ? found.sort((a, b) => a.pos - b.pos) : NO_FRAMES;
}

/** The frames (sorted by `pos`) not after an escaped newline (`\\n`) on their line; one pass, only when the text has one. */
function notEmbedded<F extends { pos: number }>(text: string, found: F[]): F[] {
  if (found.length === 0 || !text.includes("\\n")) return found;
  const keep: F[] = [];
  let next = 0;
  let escaped = false;
  for (let i = 0; i < text.length && next < found.length; i++) {
    while (next < found.length && found[next]!.pos <= i) {
      if (!escaped) keep.push(found[next]!);
      next++;
    }
    const c = text.charCodeAt(i);
    if (c === 10) escaped = false;
    else if (c === 92 && text.charCodeAt(i + 1) === 110) escaped = true;
  }
  return keep;
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
  return resolveIn(resolveMemoFor(index, opts.cwd ?? "", opts.nearDir ?? ""), raw, index, opts);
}

// Stack frames repeat across failures: the answer depends only on the index, the cwd, the near folder and the path.
// One map per (index, cwd, nearDir), the last one at hand, so a frame's lookup is one Map.get of its path.
type ResolveMemo = Map<string, string | null>;
interface IndexMemo {
  byPlace: Map<string, ResolveMemo>;
  size: number;
}
const resolveMemo = new WeakMap<RepoIndex, IndexMemo>();
const RESOLVE_MEMO_MAX = 20_000;
let lastMemo: { index: RepoIndex; cwd: string; nearDir: string; memo: ResolveMemo; of: IndexMemo } | null = null;

function resolveMemoFor(index: RepoIndex, cwd: string, nearDir: string): ResolveMemo {
  if (lastMemo && lastMemo.index === index && lastMemo.cwd === cwd && lastMemo.nearDir === nearDir) return lastMemo.memo;
  let of = resolveMemo.get(index);
  if (!of) resolveMemo.set(index, (of = { byPlace: new Map(), size: 0 }));
  const key = `${cwd}\u0000${nearDir}`;
  let memo = of.byPlace.get(key);
  if (!memo) of.byPlace.set(key, (memo = new Map()));
  lastMemo = { index, cwd, nearDir, memo, of };
  return memo;
}

function resolveIn(memo: ResolveMemo, raw: string, index: RepoIndex, opts: { cwd?: string; nearDir?: string }): string | null {
  const hit = memo.get(raw);
  if (hit !== undefined) return hit;
  const found = mapRepoPath(raw, index, opts);
  const of = resolveMemo.get(index)!;
  // Bounded: a report of unique paths must not grow memory.
  if (of.size >= RESOLVE_MEMO_MAX) {
    for (const m of of.byPlace.values()) m.clear();
    of.size = 0;
  }
  // A copy of its own as the key: a slice of a report's text would keep that text alive.
  memo.set(`${raw} `.slice(0, -1), found);
  of.size++;
  return found;
}

function mapRepoPath(raw: string, index: RepoIndex, opts: { cwd?: string; nearDir?: string }): string | null {
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
  // Every failure of a test file outside the repo asks again for the same path.
  let memo = dirMemo.get(index);
  if (!memo) dirMemo.set(index, (memo = new Map()));
  const hit = memo.get(raw);
  if (hit !== undefined) return hit;
  index.dirs ??= new Set([...index.files].map((f) => posix.dirname(f)));
  const parts = toPosix(stripScheme(raw))
    .split("/")
    .filter((s) => s && s !== "." && s !== "..");
  let found: string | null = null;
  for (let i = 0; i < parts.length; i++) {
    const suffix = parts.slice(i).join("/");
    if (index.dirs.has(suffix)) {
      found = suffix;
      break;
    }
  }
  if (memo.size >= RESOLVE_MEMO_MAX) memo.clear();
  memo.set(`${raw} `.slice(0, -1), found);
  return found;
}
const dirMemo = new WeakMap<RepoIndex, Map<string, string | null>>();

/** Turns a repo-relative or absolute path into repo-relative POSIX without requiring it to exist. */
export function repoRelative(raw: string, root: string): string {
  const p = stripScheme(raw);
  const rel = isAbsolute(p) ? relative(root, p) : p;
  return toPosix(rel.split(sep).join("/")).replace(/^\.\//, "");
}

/**
 * The text with absolute paths of the checkout made repo-relative: GitHub's runners (/home/runner/work/r/r/,
 * D:\\a\\r\\r\\, container jobs' /__w/r/r/), and the local root, with or without file://.
 */
const WINDOWS_CHECKOUT_HINT = /:[\\/]a[\\/]/;

/**
 * text.includes(head + rest), found by searching `rest`: a short string opening with a character frequent in the
 * text (`/` in a stack) is slow to search for, the same string without it is not.
 */
function includesAfter(text: string, head: string, rest: string): boolean {
  for (let i = text.indexOf(rest, head.length); i !== -1; i = text.indexOf(rest, i + 1))
    if (text.startsWith(head, i - head.length)) return true;
  return false;
}

// The root is the same for every text of a run: its POSIX form is made once.
let lastRoot: string | null = null;
let lastRootPosix = "";
let lastRootRest = "";

export function relativizePaths(text: string, root: string): string {
  if (!text) return text;
  if (root !== lastRoot) {
    lastRoot = root;
    lastRootPosix = toPosix(root).replace(/\/$/, "");
    lastRootRest = `${lastRootPosix.slice(1)}/`;
  }
  const rootPosix = lastRootPosix;
  // Each pattern runs only on texts holding its fixed part (most failure texts hold neither).
  let out =
    text.includes("/home/runner/work/") || includesAfter(text, "/", "__w/")
      ? text.replace(/(?:file:\/\/)?(?:\/home\/runner\/work|\/__w)\/([^/\s"'()]+)\/\1\//g, "")
      : text;
  if (WINDOWS_CHECKOUT_HINT.test(out))
    out = out.replace(/(?:file:\/\/\/)?\b[A-Za-z]:[\\/]a[\\/]([^\\/\s"'()]+)[\\/]\1[\\/]([^\s"'()<>|]*)/g, (_m, _r, rest: string) =>
      rest.replace(/\\/g, "/"),
    );
  // A text without the root (most) is not split and joined: both forms hold `<root>/`.
  if (rootPosix.length > 1 && includesAfter(out, rootPosix[0]!, lastRootRest))
    out = out.split(`file://${rootPosix}/`).join("").split(`${rootPosix}/`).join("");
  return out;
}

// ---------- choosing the place ----------

export interface LocateInput {
  /** The test's own file as the report wrote it, if any. */
  file?: string;
  /** The test's full name and runner: its declaration is looked up by name when no frame is in its file. */
  fullName?: string;
  framework?: string;
  /** Which of several same-named tests of the file this is (1-based, in source order). */
  nth?: number;
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
/** tsc's `src/a.ts(2,9): error TS2322` places written as `src/a.ts:2:9`, which frames are read from. */
export function compilerPlaces(text: string): string {
  return text.includes("): error TS") ? text.replace(/^(\S+?\.[cm]?[jt]sx?)\((\d+),(\d+)\)(?=: error TS)/gm, "$1:$2:$3") : text;
}

export function locate(input: LocateInput, index: RepoIndex, opts: { cwd?: string; nearDir?: string } = {}): Location {
  const own = input.file ? resolveRepoPath(input.file, index, opts) : null;
  // go names a package, not a file: its folder still tells which of several same-named files is meant.
  const nearDir = own ? posix.dirname(own) : ((input.file ? resolveRepoDir(input.file, index) : null) ?? opts.nearDir);
  const frames: { file: string; line: number; depth: number }[] = [];
  // The stack's frames, then the message's (each read whole: a huge message never hides the stack's frames).
  const frameOpts = { cwd: opts.cwd, nearDir };
  for (const part of [input.stack, input.message]) {
    if (!part) continue;
    const found = parseFrames(part);
    if (found.length === 0) continue;
    const memo = resolveMemoFor(index, opts.cwd ?? "", nearDir ?? "");
    for (const f of found) {
      const file = f.path ? resolveIn(memo, f.path, index, frameOpts) : null;
      if (file) frames.push({ file, line: f.line, depth: f.depth });
    }
  }
  if (own) {
    const inOwn = frames.find((f) => f.file === own);
    if (inOwn) {
      const outsideTest = !!input.line && frames.every((f) => f.file !== own || f.line < input.line!);
      return outsideTest ? { file: own, line: inOwn.line, outsideTest } : { file: own, line: inOwn.line };
    }
    const declared = input.fullName ? declarationLine(index, own, input.fullName, input.framework, input.nth ?? 1) : null;
    // pytest's xunit1 line is a decorator's when the test has one: the `def` found by name is the declaration.
    if (input.line && input.line > 0) return { file: own, line: declared && input.framework === "pytest" ? declared : input.line };
    const text = [input.stack, input.message].filter(Boolean).join("\n");
    const importLine = lineOfMissingImport(text, index, own);
    if (importLine) return { file: own, line: importLine };
    // The test's own file, never a file of the code under test (those frames stay in the stack).
    return { file: own, line: declared };
  }
  const pick = frames.find((f) => looksLikeTestFile(f.file)) ?? frames[0];
  if (pick) return { file: pick.file, line: pick.line };
  if (own) return { file: own, line: null };
  return { file: null, line: null };
}

/** A repo file's text (null when missing or over 4 MB), cached by path for one locate pass. */
function readSource(index: RepoIndex, file: string): string | null {
  try {
    const abs = resolve(index.root, file);
    if (statSync(abs).size > 4 * 1024 * 1024) return null;
    return readFileSync(abs, "utf8");
  } catch {
    return null;
  }
}

const JS_CALL =
  /\b(describe|context|suite|test|it|specify)((?:\.(?:only|skip|todo|concurrent|sequential|failing|fails|serial|each\s*\([^)]{0,500}\)|if\s*\([^)]{0,200}\)|skipIf\s*\([^)]{0,200}\)|runIf\s*\([^)]{0,200}\)))*)\s*\(\s*(["'`])((?:\\.|(?!\3)[^\\\n]){0,2000})\3/g;

/** Offset of each `(` -> offset of its `)`, in one pass that skips strings and comments (JS, roughly). */
function parenPairs(source: string): Map<number, number> {
  const pairs = new Map<number, number>();
  const open: number[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === "(") open.push(i);
    else if (c === ")") {
      const o = open.pop();
      if (o !== undefined) pairs.set(o, i);
    } else if (c === '"' || c === "'" || c === "`") {
      for (i++; i < source.length && source[i] !== c; i++) if (source[i] === "\\") i++;
    } else if (c === "/" && source[i + 1] === "/") i = source.indexOf("\n", i) === -1 ? source.length : source.indexOf("\n", i);
    else if (c === "/" && source[i + 1] === "*") i = source.indexOf("*/", i + 2) === -1 ? source.length : source.indexOf("*/", i + 2) + 1;
  }
  return pairs;
}

/** A JS string literal's value, as far as a test title needs it. */
function unquote(body: string, quote: string): string {
  if (quote === '"') {
    try {
      return JSON.parse(`"${body}"`) as string;
    } catch {
      return body;
    }
  }
  return body.replace(/\\(.)/g, "$1");
}

/**
 * The 1-based line declaring a test in its file, found by its name: `test("title"`/`it('title'` under
 * `describe` blocks named like the full name's ancestors (bun, vitest, jest, mocha), or pytest's
 * `def test_x` inside its classes. The nth match counts same-named tests in source order. Null when not found.
 */
export function declarationLine(
  index: RepoIndex,
  file: string,
  fullName: string,
  framework: string | undefined,
  nth: number,
): number | null {
  const source = readSource(index, file);
  if (source === null) return null;
  const lineAt = (offset: number) => {
    let n = 1;
    for (let i = source.indexOf("\n"); i !== -1 && i < offset; i = source.indexOf("\n", i + 1)) n++;
    return n;
  };
  if (framework === "pytest" || /\.py$/.test(file)) {
    const parts = fullName.split("::");
    const name = (parts.at(-1) ?? "").replace(/\[.*$/s, "");
    if (!/^\w+$/.test(name)) return null;
    let from = 0;
    for (const cls of parts.slice(1, -1)) {
      if (!/^\w+$/.test(cls)) return null;
      const m = new RegExp(String.raw`^\s*class\s+${cls}\b`, "m").exec(source.slice(from));
      if (!m) return null;
      from += m.index + m[0].length;
    }
    const m = new RegExp(String.raw`^\s*(?:async\s+)?def\s+${name}\s*\(`, "m").exec(source.slice(from));
    return m ? lineAt(from + m.index + m[0].search(/def/)) : null;
  }
  // Every titled call in source order; the test is a test/it whose title ends the full name, and the describes
  // around it (by their parentheses) spell the rest: "A > x" and "x" in one file each find their own.
  const calls: { kind: string; title: string; at: number; end: number }[] = [];
  const close = parenPairs(source);
  for (const m of source.matchAll(JS_CALL)) {
    const at = m.index ?? 0;
    const open = source.indexOf("(", at + m[1]!.length + m[2]!.length);
    calls.push({ kind: m[1]!, title: unquote(m[4]!, m[3]!), at, end: close.get(open) ?? source.length });
  }
  const isGroup = (c: { kind: string }) => c.kind === "describe" || c.kind === "context" || c.kind === "suite";
  const tests = calls.filter((c) => !isGroup(c) && (fullName === c.title || fullName.endsWith(` > ${c.title}`)));
  if (tests.length === 0) return null;
  const scored = tests.map((t) => {
    const ancestors = fullName === t.title ? "" : fullName.slice(0, -(t.title.length + 3));
    const chain = calls
      .filter((c) => isGroup(c) && c.at < t.at && t.at < c.end)
      .map((c) => c.title)
      .join(" > ");
    // Exact describes first; then describes the full name ends with (a title the source builds at run time).
    return { t, score: chain === ancestors ? 2 : ancestors.endsWith(chain) ? 1 : 0 };
  });
  const top = Math.max(...scored.map((s) => s.score));
  const best = scored.filter((s) => s.score === top);
  const hit = best[Math.min(nth, best.length) - 1]!;
  return lineAt(hit.t.at);
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

export const FRAME_LINE = /^\s*(at\s|❯\s|File "|>?\s*\d+\s*\|)|^\s+[^\s:]+\.\w+:\d+ [+]0x/;

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
