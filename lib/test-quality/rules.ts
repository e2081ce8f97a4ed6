// The SOP's good-versus-bad test rules ("Writing Tests That Enable Self-Healing") as checks over found tests.
// Each rule names the SOP passage it implements; all are pure (skip ages come in as data).
import { fullName, type FoundTest, type TestLanguage, type TestQualityFinding } from "./model.ts";

// Words that say nothing about the scenario: the SOP's bad names (`test_login`, `test_login_2`, `it works`) are
// made of them plus one subject word.
const FILLER = new Set([
  "test",
  "tests",
  "testing",
  "it",
  "should",
  "works",
  "work",
  "working",
  "ok",
  "okay",
  "correctly",
  "correct",
  "properly",
  "fine",
  "basic",
  "simple",
  "stuff",
  "thing",
  "things",
  "something",
  "case",
  "example",
  "sample",
  "todo",
  "foo",
  "bar",
  "a",
  "an",
  "the",
]);

/** The words of a title that describe something: split on non-letters and camelCase, numbers and filler dropped. */
export function meaningfulWords(title: string): string[] {
  const stripped = title.replace(/\$\{[^}]*\}/g, " ");
  return stripped
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter((w) => w.length > 0 && !FILLER.has(w));
}

/**
 * SOP "Test Naming Convention" (use descriptive names that explain the scenario; bad: test_login,
 * test_login_2, test_auth): a title is vague when fewer than two meaningful words remain.
 */
export function isVagueTitle(title: string): boolean {
  return meaningfulWords(title).length < 2;
}

export interface RuleInput {
  language: TestLanguage;
  tests: FoundTest[];
}

export interface RuleOptions {
  maxSkipAgeDays: number;
  /** Unix seconds now. */
  now: number;
  /** Unix seconds when `file:line` was last written (git blame), null when not committed. */
  lineTime: (file: string, line: number) => number | null;
}

const DAY = 86_400;

/** Findings of every rule over the tests of one stack, deduplicated and sorted by file, line, rule. */
export function checkTests(stacks: RuleInput[], opts: RuleOptions): TestQualityFinding[] {
  const out = new Map<string, TestQualityFinding>();
  const add = (f: TestQualityFinding) => {
    const key = `${f.rule}\0${f.file}\0${f.line}\0${f.test}`;
    if (!out.has(key)) out.set(key, f);
  };
  for (const { language, tests } of stacks) {
    const firstByName = new Map<string, FoundTest>();
    for (const t of tests) {
      const name = fullName(t, language);
      // An empty title is reported once, as no-description.
      if (t.title !== null && t.title.trim() !== "" && isVagueTitle(t.title)) {
        add({
          rule: "vague-name",
          file: t.file,
          line: t.line,
          test: name,
          detail: `the name "${t.title}" does not say what scenario it checks`,
        });
      }
      if (!t.hasAssertion) {
        add({ rule: "no-assertion", file: t.file, line: t.line, test: name, detail: "the test checks nothing (no assertion in its body)" });
      }
      if (!t.hasDescription) {
        add({
          rule: "no-description",
          file: t.file,
          line: t.line,
          test: name,
          detail: language === "python" ? "no docstring saying what should happen" : "an empty title",
        });
      }
      if (t.skipLine !== null) {
        const time = opts.lineTime(t.file, t.skipLine);
        const days = time === null ? 0 : Math.floor((opts.now - time) / DAY);
        if (days > opts.maxSkipAgeDays) {
          add({
            rule: "old-skip",
            file: t.file,
            line: t.skipLine,
            test: name,
            detail: `skipped for ${days} days (more than ${opts.maxSkipAgeDays})`,
          });
        }
      }
      if (!t.dynamic) {
        const first = firstByName.get(name);
        if (!first) firstByName.set(name, t);
        else
          add({ rule: "duplicate-name", file: t.file, line: t.line, test: name, detail: `the same name as ${first.file}:${first.line}` });
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || (a.rule < b.rule ? -1 : 1)));
}
