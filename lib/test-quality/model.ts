// What the test-quality checks read (one record per test found in a file) and what they report.

export type TestLanguage = "js" | "python";

export interface FoundTest {
  /** Repo-relative path with `/`. */
  file: string;
  /** Line of the test's declaration (`it(` / `def test_…`). */
  line: number;
  /** The test's own title as written (a template literal keeps its `${…}`), null when it is not a literal. */
  title: string | null;
  /** Enclosing describe titles / class names, outermost first. */
  scope: string[];
  /** The title changes at run time (template with `${…}`, `.each`, a non-literal title): never a duplicate. */
  dynamic: boolean;
  hasAssertion: boolean;
  /** Python: a docstring; JS/TS: a non-empty title (the title is the test's description). */
  hasDescription: boolean;
  /** Line of the skip that applies (`it.skip`, `xit`, an enclosing `describe.skip`, `@pytest.mark.skip`, `pytest.skip(`). */
  skipLine: number | null;
}

export const TEST_QUALITY_RULES = ["vague-name", "no-assertion", "duplicate-name", "old-skip", "no-description"] as const;
export type TestQualityRule = (typeof TEST_QUALITY_RULES)[number];

export interface TestQualityFinding {
  rule: TestQualityRule;
  file: string;
  line: number;
  /** Full name: scope and title joined with " › " (JS, as jest shows it) or "::" (Python). */
  test: string;
  /** One line for people: why this test was reported. */
  detail: string;
}

/** Full name of a test as the report shows it. */
export function fullName(t: Pick<FoundTest, "scope" | "title">, language: TestLanguage): string {
  const title = t.title ?? "<computed title>";
  return [...t.scope, title].join(language === "python" ? "::" : " › ");
}
