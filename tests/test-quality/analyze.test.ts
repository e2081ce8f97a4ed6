// task test-quality's analysis on generated repositories with real git history: every rule's exact findings
// (file, line, rule, test) for JS/TS and Python, the tricky cases named in each expectation.
import { afterAll, describe, expect, test } from "bun:test";
import { analyzeTestQuality, parseBlameTime } from "../../lib/test-quality/analyze.ts";
import { createSampleRepo } from "../support/sample-repo.ts";
import { CART_TEST, CHECKOUT_TEST, createQualityRepo, LOGIN_TEST, lineOf, OLD_DAYS, RECENT_SKIP } from "./samples.ts";

const NOW = Math.floor(Date.now() / 1000);
const repo = createQualityRepo(NOW);
afterAll(() => repo.cleanup());
const CART = CART_TEST + RECENT_SKIP;
const cart = (needle: string, nth = 1) => lineOf(CART, needle, nth);
const login = (needle: string, nth = 1) => lineOf(LOGIN_TEST, needle, nth);

describe("analyzeTestQuality", () => {
  test("reports every rule with its file, line and full test name, sorted by file and line", async () => {
    const summary = await analyzeTestQuality(repo.dir, { maxSkipAgeDays: 30, now: NOW });
    const braces = "cart totals › discounts › keeps { braces } and ` backticks in a static name";
    expect(summary.findings.map((f) => [f.file, f.line, f.rule, f.test, f.detail])).toEqual([
      [
        "src/cart.test.ts",
        cart('it("works"'),
        "vague-name",
        "cart totals › works",
        'the name "works" does not say what scenario it checks',
      ],
      // The assertions left are commented out or inside a string: they do not count.
      [
        "src/cart.test.ts",
        cart('test("returns zero'),
        "no-assertion",
        "cart totals › returns zero for an empty cart",
        "the test checks nothing (no assertion in its body)",
      ],
      // A template literal without `${}` is a static name, the same as the string below it.
      [
        "src/cart.test.ts",
        cart('test("keeps { braces }'),
        "duplicate-name",
        braces,
        `the same name as src/cart.test.ts:${cart("test(`keeps")}`,
      ],
      [
        "src/cart.test.ts",
        cart("it.skip("),
        "old-skip",
        "cart totals › charges shipping for heavy parcels",
        `skipped for ${OLD_DAYS} days (more than 30)`,
      ],
      ["src/cart.test.ts", cart('it("",'), "no-description", "cart totals › ", "an empty title"],
      // The same full name in another file of the same stack.
      [
        "src/checkout.test.ts",
        lineOf(CHECKOUT_TEST, "it("),
        "duplicate-name",
        "cart totals › adds the prices of every item",
        `the same name as src/cart.test.ts:${cart('it("adds')}`,
      ],
      [
        "tests/test_login.py",
        login("def test_login():"),
        "no-assertion",
        "test_login",
        "the test checks nothing (no assertion in its body)",
      ],
      ["tests/test_login.py", login("def test_login():"), "no-description", "test_login", "no docstring saying what should happen"],
      [
        "tests/test_login.py",
        login("def test_login():"),
        "vague-name",
        "test_login",
        'the name "test_login" does not say what scenario it checks',
      ],
      [
        "tests/test_login.py",
        login("@pytest.mark.skip"),
        "old-skip",
        "test_logout_clears_the_session_cookie",
        `skipped for ${OLD_DAYS} days (more than 30)`,
      ],
      [
        "tests/test_login.py",
        login('pytest.skip("not ready")'),
        "old-skip",
        "TestRefresh::test_refresh_extends_the_session",
        `skipped for ${OLD_DAYS} days (more than 30)`,
      ],
      // Python keeps only the second definition: the first never runs.
      [
        "tests/test_login.py",
        login("def test_refresh_extends_the_session", 2),
        "duplicate-name",
        "TestRefresh::test_refresh_extends_the_session",
        `the same name as tests/test_login.py:${login("def test_refresh_extends_the_session")}`,
      ],
    ]);
    expect(summary.files).toEqual({ js: 2, python: 1 });
    expect(summary.tests).toEqual({ js: 10, python: 6 });
    expect(summary.counts).toEqual({ "vague-name": 2, "no-assertion": 2, "duplicate-name": 3, "old-skip": 3, "no-description": 2 });
    expect(summary.errors).toEqual([]);
  });

  test("a skip is old only past test_quality.max_skip_age_days: the recent xit never, the old ones not under 100 days", async () => {
    const summary = await analyzeTestQuality(repo.dir, { maxSkipAgeDays: OLD_DAYS, now: NOW });
    expect(summary.findings.filter((f) => f.rule === "old-skip")).toEqual([]);
    const later = await analyzeTestQuality(repo.dir, { maxSkipAgeDays: 0, now: NOW + 2 * 86_400 });
    expect(later.findings.filter((f) => f.rule === "old-skip").map((f) => [f.file, f.line, f.detail])).toEqual([
      ["src/cart.test.ts", cart("it.skip("), `skipped for ${OLD_DAYS + 2} days (more than 0)`],
      ["src/cart.test.ts", cart("xit("), "skipped for 2 days (more than 0)"],
      ["tests/test_login.py", login("@pytest.mark.skip"), `skipped for ${OLD_DAYS + 2} days (more than 0)`],
      ["tests/test_login.py", login('pytest.skip("not ready")'), `skipped for ${OLD_DAYS + 2} days (more than 0)`],
    ]);
  });

  test("a skip not committed yet is not old, and a Python file that does not parse is named", async () => {
    const fresh = 'import { it, expect } from "vitest";\nit.skip("sends the receipt by email", () => {\n  expect(1).toBe(1);\n});\n';
    repo.write({ "tests/test_broken.py": "def test_x(:\n    pass\n", "src/receipt.test.ts": fresh });
    try {
      const summary = await analyzeTestQuality(repo.dir, { maxSkipAgeDays: 0, now: NOW + 86_400 });
      expect(summary.errors).toEqual(["tests/test_broken.py: line 1: invalid syntax"]);
      expect(summary.findings.filter((f) => f.file === "src/receipt.test.ts")).toEqual([]);
      expect(summary.tests.js).toBe(11);
    } finally {
      repo.write({ "tests/test_broken.py": "", "src/receipt.test.ts": "" });
    }
  });
});

describe("duplicate names within one stack", () => {
  test("the same name in two packages is not a duplicate; twice in one package (two files) is", async () => {
    const same = 'import { it, expect } from "vitest";\nit("sums the order lines", () => {\n  expect(1).toBe(1);\n});\n';
    const mono = createSampleRepo(
      {
        "web/package.json": "{}\n",
        "web/src/a.test.ts": same,
        "web/src/deep/b.test.ts": same,
        "api/package.json": "{}\n",
        "api/a.test.ts": same,
      },
      { nodeModules: false },
    );
    try {
      const summary = await analyzeTestQuality(mono.dir, { maxSkipAgeDays: 30, now: NOW });
      expect(summary.findings.map((f) => [f.rule, f.file, f.line, f.detail])).toEqual([
        ["duplicate-name", "web/src/deep/b.test.ts", 2, "the same name as web/src/a.test.ts:2"],
      ]);
    } finally {
      mono.cleanup();
    }
  });
});

describe("parseBlameTime", () => {
  test("author-time of a committed line; null for a line not committed yet", () => {
    expect(parseBlameTime(`${"a".repeat(40)} 3 3 1\nauthor Dev\nauthor-time 1700000000\nauthor-tz +0000\n`)).toBe(1700000000);
    expect(parseBlameTime(`${"0".repeat(40)} 3 3 1\nauthor Not Committed Yet\nauthor-time 1800000000\n`)).toBeNull();
  });
});
