// Bad input for the XML parsers (JUnit, TRX, NUnit, xUnit.net): every way a report can be wrong gives one
// HealError REPORT_UNREADABLE naming the file, one line, no stack; nothing is resolved, expanded or hung on;
// a 100 MB text node parses with its text capped and memory bounded (measured in a child process).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeError } from "../../lib/cli.ts";
import { HealError } from "../../lib/errors.ts";
import { parseJUnitFile } from "../../lib/parsers/junit.ts";
import { parseNUnitFile } from "../../lib/parsers/nunit.ts";
import { parseTrxFile } from "../../lib/parsers/trx.ts";
import { parseXunitNetFile } from "../../lib/parsers/xunit-net.ts";
import { assertSaxesInternals, MAX_CASE_TEXT, XML_LIMITS } from "../../lib/parsers/xml-stream.ts";
import type { TestCase } from "../../lib/types.ts";

const PARSERS = { junit: parseJUnitFile, trx: parseTrxFile, nunit: parseNUnitFile, xunit: parseXunitNetFile } as const;
const ROOTS = { junit: "testsuites", trx: "TestRun", nunit: "test-run", xunit: "assemblies" } as const;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "heal-xml-bad-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A minimal report of the kind with `ref` in the test's name. */
function one0(kind: keyof typeof PARSERS, ref: string): string {
  return {
    junit: `<testsuites><testsuite name="s"><testcase classname="c" name="t ${ref}"/></testsuite></testsuites>`,
    trx: `<TestRun><Results><UnitTestResult testId="1" testName="t ${ref}" outcome="Passed"/></Results></TestRun>`,
    nunit: `<test-run><test-case fullname="t ${ref}" result="Passed"/></test-run>`,
    xunit: `<assemblies><assembly><collection><test name="t ${ref}" result="Pass"/></collection></assembly></assemblies>`,
  }[kind];
}

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Parses and returns the HealError; fails the test if parsing succeeds or throws anything else. */
async function reject(kind: keyof typeof PARSERS, path: string): Promise<HealError> {
  const err = await PARSERS[kind](path, () => {}).then(
    () => new Error(`${kind} parsed ${path} without an error`),
    (e: unknown) => e,
  );
  if (!(err instanceof HealError)) throw err;
  expect(err.code).toBe("REPORT_UNREADABLE");
  expect(err.file).toBe(path);
  // What the user sees (lib/cli.ts error boundary): one line that starts with the file, no stack frames.
  const shown = describeError(err);
  expect(shown).toStartWith(`${path}: `);
  expect(shown).not.toContain("\n");
  expect(shown).not.toMatch(/\bat .+:\d+:\d+/);
  return err;
}

const wrap = (kind: keyof typeof PARSERS, inner: string) =>
  kind === "junit"
    ? `<testsuites><testsuite name="s">${inner}</testsuite></testsuites>`
    : kind === "trx"
      ? `<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"><Results>${inner}</Results></TestRun>`
      : kind === "xunit"
        ? `<assemblies><assembly><collection>${inner}</collection></assembly></assemblies>`
        : `<test-run><test-suite>${inner}</test-suite></test-run>`;

describe.each(Object.keys(PARSERS) as (keyof typeof PARSERS)[])("%s parser", (kind) => {
  const cases: [string, () => string | Uint8Array, RegExp][] = [
    ["an empty file", () => "", /^the report is empty \(0 bytes\)$/],
    ["whitespace only", () => "  \n\t\n", /^the report is empty \(only whitespace\)$/],
    ["JSON", () => '{"numTotalTests": 3, "testResults": []}', /^not an XML report: it looks like JSON$/],
    ["TAP", () => "TAP version 13\n1..1\nok 1 - x\n", /^not an XML report: it looks like TAP$/],
    [
      "random binary",
      () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256),
      /^not an XML report: binary data \(it starts with bytes 0d fc eb da\)$/,
    ],
    [
      "a PNG",
      () => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      /^not an XML report: binary data \(it starts with bytes 89 50 4e 47\)$/,
    ],
    [
      "XML with binary inside",
      () => Buffer.concat([Buffer.from(`<${ROOTS[kind]}>`), Buffer.from([0xff, 0xfe, 0xfd])]),
      /^not valid utf-8 text within bytes 0-\d+/,
    ],
    [
      "Latin-1 bytes declared as UTF-8",
      () =>
        Buffer.concat([
          Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><${ROOTS[kind]} name="caf`),
          Buffer.from([0xe9]),
          Buffer.from(`"/>`),
        ]),
      /^not valid utf-8 text/,
    ],
    [
      "a NUL byte in the middle",
      () => `<${ROOTS[kind]}>a\u0000b</${ROOTS[kind]}>`,
      /^not well-formed XML at line 1, column \d+: disallowed character\.$/,
    ],
    [
      "a mismatched close tag",
      () => `<${ROOTS[kind]}><a></b></${ROOTS[kind]}>`,
      /^not well-formed XML at line 1, column \d+: unexpected close tag\.$/,
    ],
    [
      "a file cut in the middle of a tag",
      () => `<?xml version="1.0"?>\n<${ROOTS[kind]}><x name="a`,
      /^truncated: the XML ends early at line 2/,
    ],
    [
      "a file cut before its closing tags",
      () => `<${ROOTS[kind]}>\n<inner>`,
      /^truncated: the XML ends early at line 2, column \d+: unclosed tag: inner$/,
    ],
    [
      "a file cut inside a UTF-8 character",
      () => Buffer.concat([Buffer.from(`<${ROOTS[kind]}>caf`), Buffer.from([0xc3])]),
      /^not valid text at the end of the file/,
    ],
    ["an HTML page", () => "<!-- saved error page -->\n<html><body>502 Bad Gateway</body></html>", /^root element <html> is not /],
    ["only a comment", () => "<!-- nothing -->", /^no root element/],
    ["an undeclared entity", () => `<${ROOTS[kind]} name="&xxe;"/>`, /^not well-formed XML at line 1, column \d+: undefined entity\.$/],
    [
      "an unsupported declared encoding",
      () => `<?xml version="1.0" encoding="x-klingon"?><${ROOTS[kind]}/>`,
      /^unsupported encoding "x-klingon" in the XML declaration$/,
    ],
  ];
  test.each(cases)("%s", async (name, content, expected) => {
    const path = file(`${kind}-${name.replace(/\W+/g, "-")}.xml`, content());
    const err = await reject(kind, path);
    expect(err.message).toMatch(expected);
  });

  test("a DOCTYPE is read past with its DTD ignored: XXE and billion laughs stay literal text, nothing is fetched", async () => {
    const secret = file("secret.txt", "TOP-SECRET-CONTENT");
    const one = (ref: string) =>
      ({
        junit: `<testsuites><testsuite name="s"><testcase classname="c" name="t ${ref}"><failure message="m ${ref}">${ref}</failure></testcase></testsuite></testsuites>`,
        trx: `<TestRun><Results><UnitTestResult testId="1" testName="t ${ref}" outcome="Failed"><Output><ErrorInfo><Message>m ${ref}</Message></ErrorInfo></Output></UnitTestResult></Results></TestRun>`,
        nunit: `<test-run><test-case fullname="t ${ref}" result="Failed"><failure><message>m ${ref}</message></failure></test-case></test-run>`,
        xunit: `<assemblies><assembly><collection><test name="t ${ref}" result="Fail"><failure><message>m ${ref}</message></failure></test></collection></assembly></assemblies>`,
      })[kind];
    const laughs = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ""};`.repeat(10)}">`).join("");
    const docs: [string, string, string][] = [
      ["xxe", `<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://${secret}">]>\n${one("&xxe;")}`, "&xxe;"],
      ["remote", `<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">\n${one("&amp;")}`, "&"],
      ["laughs", `<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">${laughs}]>\n${one("&lol9;")}`, "&lol9;"],
      ["plain", `<?xml version="1.0"?>\n<!DOCTYPE ${ROOTS[kind]}>\n${one("x")}`, "x"],
    ];
    for (const [name, xml, literal] of docs) {
      const seen: TestCase[] = [];
      await PARSERS[kind](file(`${kind}-doctype-${name}.xml`, xml), (c) => seen.push(c));
      expect(seen.map((c) => [c.fullName.replace(/^s > c > /, ""), c.status, c.message])).toEqual([
        [`t ${literal}`, "failed", `m ${literal}`],
      ]);
      expect(JSON.stringify(seen)).not.toContain("TOP-SECRET");
    }
  });

  test("a 5 MB internal DTD subset is refused while it is being read, not buffered to the end", async () => {
    const path = file(`${kind}-big-dtd.xml`, `<!DOCTYPE r [${"<!-- filler -->".repeat(350_000)}`);
    expect((await reject(kind, path)).message).toMatch(/^a DOCTYPE declaration longer than 65536 characters at line 1$/);
  });

  test("without a DOCTYPE an undefined entity is still an error", async () => {
    expect((await reject(kind, file(`${kind}-undefined-entity.xml`, one0(kind, "&nope;")))).message).toMatch(/undefined entity/);
  });

  test("structural limits: nesting depth, attributes per element, name length", async () => {
    const deep = file(`${kind}-deep.xml`, `<${ROOTS[kind]}>${"<x>".repeat(100_000)}`);
    expect((await reject(kind, deep)).message).toMatch(new RegExp(`^elements are nested deeper than ${XML_LIMITS.depth} levels`));
    // One element whose attribute list spans several writes to saxes (smaller ones are bounded by the write size).
    const attrs = Array.from({ length: 100_000 }, (_, i) => `a${i}="1"`).join(" ");
    const many = file(`${kind}-attrs.xml`, `<${ROOTS[kind]}><x ${attrs}/></${ROOTS[kind]}>`);
    expect((await reject(kind, many)).message).toMatch(/^an element with more than 1000 attributes at line 1$/);
    const longName = file(`${kind}-name.xml`, `<${ROOTS[kind]}><${"n".repeat(300_000)}/></${ROOTS[kind]}>`);
    expect((await reject(kind, longName)).message).toMatch(/^a name longer than 4096 characters/);
  });

  test("after a bad report the next one parses normally (no state left behind)", async () => {
    await reject(kind, file(`${kind}-bad-then-good.xml`, `<${ROOTS[kind]}><a>`));
    const good = {
      junit: `<testsuites><testsuite name="s"><testcase classname="c" name="t"/></testsuite></testsuites>`,
      trx: `<TestRun><Results><UnitTestResult testId="1" testName="N.t" outcome="Passed"/></Results></TestRun>`,
      nunit: `<test-run><test-case fullname="N.t" result="Passed"/></test-run>`,
      xunit: `<assemblies><assembly><collection><test name="N.t" result="Pass"/></collection></assembly></assemblies>`,
    }[kind];
    const seen: TestCase[] = [];
    await PARSERS[kind](file(`${kind}-good.xml`, good), (c) => seen.push(c));
    expect(seen.map((c) => c.status)).toEqual(["passed"]);
  });

  test("UTF-16 with a BOM and a declared ISO-8859-1 encoding are decoded, not refused", async () => {
    const body = {
      junit: `<testsuites><testsuite name="s"><testcase classname="c" name="café"/></testsuite></testsuites>`,
      trx: `<TestRun><Results><UnitTestResult testId="1" testName="N.café" outcome="Passed"/></Results></TestRun>`,
      nunit: `<test-run><test-case fullname="N.café" result="Passed"/></test-run>`,
      xunit: `<assemblies><assembly><collection><test name="N.café" result="Pass"/></collection></assembly></assemblies>`,
    }[kind];
    const utf16 = file(`${kind}-utf16.xml`, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, "utf16le")]));
    const latin1 = file(`${kind}-latin1.xml`, Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${body}`, "latin1"));
    for (const p of [utf16, latin1]) {
      const names: string[] = [];
      await PARSERS[kind](p, (c) => names.push(c.fullName));
      expect(names).toHaveLength(1);
      expect(names[0]).toEndWith("café");
    }
  });

  test("a 60 MB attribute value is kept to its first 64 KB", async () => {
    const inner = {
      junit: `<testcase name="t"><failure message="${"m".repeat(60 * 1024 * 1024)}">x</failure></testcase>`,
      trx: `<UnitTestResult testId="1" testName="${"m".repeat(60 * 1024 * 1024)}" outcome="Failed"/>`,
      nunit: `<test-case fullname="N.t" result="Failed" label="${"m".repeat(60 * 1024 * 1024)}"><failure/></test-case>`,
      xunit: `<test name="N.t" result="Fail"><failure exception-type="${"m".repeat(60 * 1024 * 1024)}"/></test>`,
    }[kind];
    const seen: TestCase[] = [];
    await PARSERS[kind](file(`${kind}-huge-attr.xml`, wrap(kind, inner)), (c) => seen.push(c));
    expect(seen).toHaveLength(1);
    const text = kind === "trx" ? seen[0]!.fullName : seen[0]!.message!;
    // TRX names are not capped by the parser, but the attribute itself is cut at XML_LIMITS.attributeValueChars.
    const cap = kind === "trx" ? XML_LIMITS.attributeValueChars : MAX_CASE_TEXT;
    expect(text.startsWith("m".repeat(cap))).toBe(true);
    expect(text.length).toBeLessThan(cap + XML_LIMITS.sliceChars + 100);
  });
});

test("a 100 MB text node (failure text and system-out) parses with the text capped and memory bounded", () => {
  // Written in 1 MB pieces, parsed in a child process so its peak RSS is the parse's own.
  const path = join(dir, "hundred-mb.xml");
  const fd = openSync(path, "w");
  const line = "E   AssertionError: a long captured line &amp; more text to fill the node\n";
  const piece = line.repeat(Math.ceil((1 << 20) / line.length));
  writeSync(fd, `<testsuites><testsuite name="s"><testcase classname="c" name="chatty"><system-out>`);
  for (let i = 0; i < 100; i++) writeSync(fd, piece);
  writeSync(fd, `</system-out></testcase><testcase classname="c" name="fails"><failure message="boom">`);
  for (let i = 0; i < 100; i++) writeSync(fd, piece);
  writeSync(fd, `</failure></testcase></testsuite></testsuites>`);
  closeSync(fd);
  const script = `
    import { parseJUnitFile } from ${JSON.stringify(join(import.meta.dir, "../../lib/parsers/junit.ts"))};
    const cases = [];
    await parseJUnitFile(${JSON.stringify(path)}, (c) => cases.push({ name: c.fullName, status: c.status, message: c.message, stackLength: c.stack?.length, stackTail: c.stack?.slice(-60) }));
    // VmHWM is this process's own peak (ru_maxrss would include the forking test runner's memory).
    const hwm = /VmHWM:\\s+(\\d+) kB/.exec(require("node:fs").readFileSync("/proc/self/status", "utf8"));
    console.log(JSON.stringify({ cases, maxRssMb: hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024 }));`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 90_000 });
  expect(r.stderr).toBe("");
  const out = JSON.parse(r.stdout) as {
    cases: { name: string; status: string; message?: string; stackLength?: number; stackTail?: string }[];
    maxRssMb: number;
  };
  expect(out.cases.map((c) => [c.name, c.status, c.message])).toEqual([
    ["s > c > chatty", "passed", undefined],
    ["s > c > fails", "failed", "boom"],
  ]);
  expect(out.cases[1]!.stackLength).toBeLessThan(MAX_CASE_TEXT + 100);
  // The head and the tail are kept (the tail holds the stack frames of a long failure text).
  expect(out.cases[1]!.stackTail).toEndWith("a long captured line & more text to fill the node");
  // Holding either node whole would need well over 200 MB (UTF-16 in memory); streaming stays far below.
  expect(out.maxRssMb).toBeLessThan(200);
}, 120_000);

test("names and outcomes like __proto__ or constructor are plain text, never object keys", async () => {
  const junit = file(
    "proto.xml",
    `<testsuites name="__proto__"><testsuite name="constructor"><testcase classname="toString" name="__proto__"/></testsuite></testsuites>`,
  );
  const seen: TestCase[] = [];
  await parseJUnitFile(junit, (c) => seen.push(c));
  expect(seen).toEqual([{ framework: "junit", fullName: "constructor > toString > __proto__", status: "passed" }]);
  const trx = file(
    "proto.trx",
    `<TestRun><Results><UnitTestResult testId="__proto__" testName="N.t" outcome="constructor"/></Results></TestRun>`,
  );
  const trxSeen: TestCase[] = [];
  await parseTrxFile(trx, (c) => trxSeen.push(c));
  expect(trxSeen).toEqual([{ framework: "trx", fullName: "N.t", status: "passed" }]);
});

test("the saxes internals the limits rely on are still there (pinned saxes 6.0.0)", () => {
  expect(() => assertSaxesInternals()).not.toThrow();
});
