// The tests of one JS/TS test file (bun test, vitest, jest, node:test), read from its tokens: `describe`/`it`/`test`
// calls at any nesting depth, their titles, skips and whether their body asserts.
// An assertion is a name `expect…`, `assert…` or `should` anywhere in the test's arguments (`expect(x)`,
// `expect.assertions(1)`, `assert.equal`, `t.assert.ok`, `expectTypeOf`, `assertType`, `x.should.equal`), or a call
// to a function declared in the same file that asserts (followed through helpers calling helpers). A helper
// imported from another file counts only when its own name says so (`expectSorted`, `assertValid`).
import { tokenizeJs, type JsToken } from "./js-tokens.ts";
import type { FoundTest } from "./model.ts";

const TEST_NAMES = new Set(["it", "test", "xit", "xtest", "fit", "ftest"]);
const SUITE_NAMES = new Set(["describe", "suite", "context", "xdescribe", "fdescribe", "xcontext"]);
const SKIPPED_BY_NAME = new Set(["xit", "xtest", "xdescribe", "xcontext"]);
const MODIFIERS = new Set(["skip", "only", "todo", "concurrent", "sequential", "serial", "failing", "each", "skipIf", "runIf", "fails"]);

export function isAssertionName(name: string): boolean {
  return name === "should" || /^(expect|assert)/.test(name);
}

export function findJsTests(file: string, src: string): FoundTest[] {
  const toks = tokenizeJs(src);
  const asserting = assertingHelpers(toks);
  const out: FoundTest[] = [];
  scan(toks, 0, toks.length, [], null, { file, out, asserting });
  return out;
}

interface ScanState {
  file: string;
  out: FoundTest[];
  asserting: Set<string>;
}

function scan(toks: JsToken[], from: number, to: number, scope: string[], skipLine: number | null, st: ScanState): void {
  let i = from;
  while (i < to) {
    const t = toks[i]!;
    const prev = toks[i - 1];
    const isCallee = t.type === "ident" && (TEST_NAMES.has(t.value) || SUITE_NAMES.has(t.value));
    if (!isCallee || (prev && prev.type === "punct" && (prev.value === "." || prev.value === "?."))) {
      i++;
      continue;
    }
    const call = readCall(toks, i, to);
    if (!call) {
      i++;
      continue;
    }
    const suite = SUITE_NAMES.has(t.value);
    const ownSkip = SKIPPED_BY_NAME.has(t.value) || call.modifiers.includes("skip") ? t.line : null;
    const skip = skipLine ?? ownSkip;
    const first = toks[call.open + 1];
    const literal = first && (first.type === "string" || first.type === "template") && isArgEnd(toks[call.open + 2]) ? first : null;
    const title = literal ? literal.value : null;
    const dynamic = !literal || literal.dynamic === true || call.modifiers.includes("each");
    const bodyFrom = literal ? call.open + 2 : call.open + 1;
    if (suite) {
      scan(toks, bodyFrom, call.close, [...scope, title ?? "<computed title>"], skip, st);
    } else if (!call.modifiers.includes("todo")) {
      st.out.push({
        file: st.file,
        line: t.line,
        title,
        scope,
        dynamic,
        hasAssertion: asserts(toks, bodyFrom, call.close, st.asserting),
        hasDescription: title === null || title.trim() !== "",
        skipLine: skip,
      });
    }
    i = call.close + 1;
  }
}

function isArgEnd(t: JsToken | undefined): boolean {
  return !!t && t.type === "punct" && (t.value === "," || t.value === ")");
}

/** `name(.modifier | .each(...) | .each`…`)*(` -> the argument list's brackets; null when it is not a call. */
function readCall(toks: JsToken[], at: number, to: number): { open: number; close: number; modifiers: string[] } | null {
  const modifiers: string[] = [];
  let i = at + 1;
  for (;;) {
    const t = toks[i];
    if (!t || i >= to) return null;
    if (t.type === "punct" && t.value === "." && toks[i + 1]?.type === "ident" && MODIFIERS.has(toks[i + 1]!.value)) {
      const mod = toks[i + 1]!.value;
      modifiers.push(mod);
      i += 2;
      if (mod === "each" || mod === "skipIf" || mod === "runIf") {
        const next = toks[i];
        if (next?.type === "template") i++;
        else if (next?.type === "punct" && next.value === "(") i = matching(toks, i, to) + 1;
      }
      continue;
    }
    if (t.type === "punct" && t.value === "(") {
      const close = matching(toks, i, to);
      return close < to ? { open: i, close, modifiers } : null;
    }
    return null;
  }
}

const OPEN: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/** Index of the bracket closing the one at `at` (or `to` when the file ends first). */
function matching(toks: JsToken[], at: number, to: number): number {
  const stack: string[] = [];
  for (let i = at; i < to; i++) {
    const t = toks[i]!;
    if (t.type !== "punct") continue;
    const close = OPEN[t.value];
    if (close) stack.push(close);
    else if (t.value === ")" || t.value === "]" || t.value === "}") {
      // A stray closer (unbalanced source) is skipped rather than ending the wrong bracket.
      if (stack[stack.length - 1] === t.value) stack.pop();
      if (stack.length === 0) return i;
    }
  }
  return to;
}

function asserts(toks: JsToken[], from: number, to: number, helpers: Set<string>): boolean {
  for (let i = from; i < to; i++) {
    const t = toks[i]!;
    if (t.type !== "ident") continue;
    if (isAssertionName(t.value)) return true;
    if (helpers.has(t.value) && toks[i + 1]?.type === "punct" && toks[i + 1]!.value === "(") return true;
  }
  return false;
}

/** Names of the functions declared in this file whose body asserts, directly or through another such function. */
function assertingHelpers(toks: JsToken[]): Set<string> {
  const bodies = new Map<string, [number, number]>();
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.type !== "ident") continue;
    // function name(...) { ... }
    if (t.value === "function" && toks[i + 1]?.type === "ident") {
      const open = findNext(toks, i + 2, "{");
      if (open >= 0) bodies.set(toks[i + 1]!.value, [open, matching(toks, open, toks.length)]);
      continue;
    }
    // const name = (...) => ... / const name = function (...) { ... } / const name = async (...) => ...
    if ((t.value === "const" || t.value === "let" || t.value === "var") && toks[i + 1]?.type === "ident" && toks[i + 2]?.value === "=") {
      const end = statementEnd(toks, i + 3);
      bodies.set(toks[i + 1]!.value, [i + 3, end]);
    }
  }
  const asserting = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, [from, to]] of bodies) {
      if (!asserting.has(name) && asserts(toks, from, to, asserting)) {
        asserting.add(name);
        changed = true;
      }
    }
  }
  return asserting;
}

function findNext(toks: JsToken[], from: number, punct: string): number {
  for (let i = from; i < toks.length; i++) if (toks[i]!.type === "punct" && toks[i]!.value === punct) return i;
  return -1;
}

/** End of an initializer: the first `;` (or `,`/closer) outside brackets, or a new line after a closed bracket. */
function statementEnd(toks: JsToken[], from: number): number {
  let depth = 0;
  for (let i = from; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.type !== "punct") continue;
    if (OPEN[t.value]) depth++;
    else if (t.value === ")" || t.value === "]" || t.value === "}") {
      if (depth === 0) return i;
      depth--;
      const next = toks[i + 1];
      if (depth === 0 && next && next.line > t.line && next.value !== "." && next.value !== "=>") return i + 1;
    } else if (depth === 0 && (t.value === ";" || t.value === ",")) return i;
  }
  return toks.length;
}
