// Reading tests out of JS/TS source: the tokenizer's strings, templates, comments and regexes, nesting, skips,
// `.each`, and which calls count as an assertion.
import { describe, expect, test } from "bun:test";
import { findJsTests } from "../../lib/test-quality/js-tests.ts";
import { tokenizeJs } from "../../lib/test-quality/js-tokens.ts";

const brief = (src: string) =>
  findJsTests("a.test.ts", src).map((t) => ({
    line: t.line,
    name: [...t.scope, t.title].join(" › "),
    asserts: t.hasAssertion,
    skip: t.skipLine,
    dynamic: t.dynamic,
  }));

describe("tokenizeJs", () => {
  test("comments give no tokens; strings, templates and regexes are one token each with their line", () => {
    const toks = tokenizeJs('a // expect(b)\n/* expect(c)\n*/ "x\\"y" `t ${ "}" } u`\nconst r = /[/}]/g; d / 2');
    expect(toks.map((t) => [t.type, t.value, t.line])).toEqual([
      ["ident", "a", 1],
      ["string", 'x"y', 3],
      ["template", 't ${ "}" } u', 3],
      ["ident", "const", 4],
      ["ident", "r", 4],
      ["punct", "=", 4],
      ["regex", "/[/}]/g", 4],
      ["punct", ";", 4],
      ["ident", "d", 4],
      ["punct", "/", 4],
      ["number", "2", 4],
    ]);
  });
});

describe("findJsTests", () => {
  test("nested describe blocks give full names; xdescribe skips every test inside at its own line", () => {
    const src = [
      'describe("outer", () => {',
      '  describe("inner", () => {',
      '    it("checks the inner value", () => { expect(1).toBe(1); });',
      "  });",
      '  xdescribe("old", () => {',
      '    test("reads the old value", () => { assert.equal(1, 1); });',
      "  });",
      "});",
    ].join("\n");
    expect(brief(src)).toEqual([
      { line: 3, name: "outer › inner › checks the inner value", asserts: true, skip: null, dynamic: false },
      { line: 6, name: "outer › old › reads the old value", asserts: true, skip: 5, dynamic: false },
    ]);
  });

  test(".each and titles that are not literals are dynamic; .todo is no test; member calls like foo.it() are not tests", () => {
    const src = [
      'test.each([[1], [2]])("doubles %i", (n) => { expect(n * 2).toBe(n + n); });',
      "it(name, () => {});",
      'test.todo("writes the audit log");',
      'router.it("is not a test", () => {});',
      'test.skip.each([[1]])("halves %i", (n) => { expect(n).toBe(n); });',
    ].join("\n");
    expect(brief(src)).toEqual([
      { line: 1, name: "doubles %i", asserts: true, skip: null, dynamic: true },
      { line: 2, name: "", asserts: false, skip: null, dynamic: true },
      { line: 5, name: "halves %i", asserts: true, skip: 5, dynamic: true },
    ]);
  });

  test("an assertion is expect…/assert…/should, or a same-file helper that asserts (through another helper); an imported helper needs such a name", () => {
    const src = [
      'import { verifyShape, expectSorted } from "./checks";',
      "function inner(x) { expect(x).toBeTruthy(); }",
      "const outer = (x) => inner(x);",
      "const noop = (x) => x;",
      'it("checks through two helpers", () => { outer(1); });',
      'it("calls a helper that checks nothing", () => { noop(1); });',
      'it("calls an imported helper with a neutral name", () => { verifyShape(1); });',
      'it("calls an imported helper named expect", () => { expectSorted([1]); });',
      'test("uses node test context", (t) => { t.assert.strictEqual(1, 1); });',
      'it("uses chai should", () => { (1).should.equal(1); });',
    ].join("\n");
    expect(brief(src).map((t) => [t.line, t.asserts])).toEqual([
      [5, true],
      [6, false],
      [7, false],
      [8, true],
      [9, true],
      [10, true],
    ]);
  });

  test("TypeScript syntax (generics, types, satisfies) does not disturb the structure", () => {
    const src = [
      "const parse = <T,>(x: string): T => JSON.parse(x) as T;",
      'describe<string>("typed", () => {',
      '  it("parses a typed value", async (): Promise<void> => {',
      "    const v = parse<{ a: number }>('{\"a\":1}') satisfies { a: number };",
      "    expect(v.a).toBe(1);",
      "  });",
      "});",
    ].join("\n");
    expect(brief(src)).toEqual([{ line: 3, name: "parses a typed value", asserts: true, skip: null, dynamic: false }]);
  });
});
