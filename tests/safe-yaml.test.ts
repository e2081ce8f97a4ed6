import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseYamlSafe, readYamlFile, stringifyYamlSafe, YAML_MAX_ALIASES } from "../lib/safe-yaml.ts";
import { healErrorOf } from "./support/heal-error.ts";

describe("parseYamlSafe: refuses what a config or task file must not hold", () => {
  test("custom and unknown tags", () => {
    for (const [text, tag] of [
      ["run: !!js/function 'function () { return 1 }'", "js/function"],
      ["x: !!python/object:os.system [ls]", "python/object:os.system"],
      ["x: !foo bar", "!foo"],
      ["x: !!binary aGk=", "binary"],
      ["x: !!set {a}", "set"],
    ] as const) {
      const err = healErrorOf(() => parseYamlSafe(text, "cfg.yaml"));
      expect(err.code).toBe("CONFIG_INVALID");
      expect(err.file).toBe("cfg.yaml");
      expect(err.message).toContain(tag);
      expect(err.message).toContain("line 1, column");
    }
  });

  test("core tags are fine", () => {
    expect(parseYamlSafe("a: !!str 1\nb: !!int '2'\nc: !!map {x: 1}", "f.yaml")).toEqual({ a: "1", b: 2, c: { x: 1 } });
  });

  test("duplicate keys", () => {
    const err = healErrorOf(() => parseYamlSafe("agent:\n  mention: '@a'\n  mention: '@b'\n", "c.yaml"));
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.oneLine()).toStartWith("c.yaml: duplicate key at line 3, column 3");
  });

  test("an alias bomb is refused quickly; a few anchors are fine", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const t = performance.now();
    const err = healErrorOf(() => parseYamlSafe(levels.join("\n"), "bomb.yaml"));
    // A hang guard: an expanded alias bomb would take minutes and gigabytes; this is no speed target.
    expect(performance.now() - t).toBeLessThan(10_000);
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.message).toContain(`more than ${YAML_MAX_ALIASES} aliases`);
    expect(parseYamlSafe("base: &b {x: 1}\none: *b\ntwo: *b", "ok.yaml")).toEqual({ base: { x: 1 }, one: { x: 1 }, two: { x: 1 } });
  });

  test("merge keys are plain keys (no <<: expansion)", () => {
    expect(parseYamlSafe("<<: {a: 1}", "m.yaml")).toEqual({ "<<": { a: 1 } });
  });

  test("syntax errors and several documents are CONFIG_UNREADABLE with the position", () => {
    const err = healErrorOf(() => parseYamlSafe("a: [1, 2", "s.yaml"));
    expect(err.code).toBe("CONFIG_UNREADABLE");
    expect(err.oneLine()).toMatch(/^s\.yaml: not valid YAML at line \d+, column \d+: /);
    expect(healErrorOf(() => parseYamlSafe("a: 1\n---\nb: 2\n", "d.yaml")).message).toContain("multiple documents");
  });

  test("the size cap applies to text", () => {
    const err = healErrorOf(() => parseYamlSafe(`a: "${"x".repeat(2000)}"`, "big.yaml", { maxBytes: 1000 }));
    expect(err.code).toBe("CONFIG_UNREADABLE");
    expect(err.message).toContain("larger than 1000 bytes");
  });
});

describe("readYamlFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "safe-yaml-"));

  test("reads a file", () => {
    const f = join(dir, "ok.yaml");
    writeFileSync(f, "agent:\n  mention: '@claude'\n");
    expect(readYamlFile(f)).toEqual({ agent: { mention: "@claude" } });
  });

  test("missing file, directory, too large (checked before reading), not UTF-8", () => {
    expect(healErrorOf(() => readYamlFile(join(dir, "nope.yaml"))).oneLine()).toStartWith(`${join(dir, "nope.yaml")}: file not found`);
    expect(healErrorOf(() => readYamlFile(dir)).message).toBe("not a regular file");
    const big = join(dir, "big.yaml");
    writeFileSync(big, `a: "${"x".repeat(2 * 1024 * 1024)}"\n`);
    const err = healErrorOf(() => readYamlFile(big));
    expect(err.code).toBe("CONFIG_UNREADABLE");
    expect(err.message).toMatch(/larger than the 1048576-byte limit/);
    const latin1 = join(dir, "latin1.yaml");
    writeFileSync(latin1, Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(healErrorOf(() => readYamlFile(latin1)).message).toBe("not UTF-8 text");
  });
});

describe("stringifyYamlSafe: test names round-trip unchanged", () => {
  const names = [
    "User Authentication > should issue JWT on login",
    "key: value",
    "has # hash",
    "#starts with hash",
    "&anchor",
    "*alias",
    "!!python/object",
    "!tag",
    "line one\nline two",
    "trailing newline\n",
    "\n leading newline",
    "---",
    "--- document",
    "...",
    "- dash",
    "-",
    "? question",
    "| pipe",
    "> folded",
    "'single'",
    '"double"',
    "it's",
    "yes",
    "no",
    "on",
    "off",
    "Y",
    "n",
    "true",
    "False",
    "null",
    "~",
    "",
    " ",
    "0o17",
    "012",
    "0x1F",
    "1e3",
    "1_000",
    "1:20",
    ".inf",
    "-.Inf",
    ".NaN",
    "2001-12-14",
    "2001-12-14 21:59:43.10 -5",
    "tests/test_x.py::TestLogin::test_jwt[case-1: a, b]",
    "{flow: map}",
    "[flow, seq]",
    "% directive",
    "@claude",
    "`backtick`",
    "tab\tinside",
    "block\twith tab\n\tline2",
    "emoji 🔥 and 𝕏",
    "trailing space ",
    "\u00a0nbsp",
    "NEL\u0085inside",
    "LS\u2028inside",
    "BOM\ufeffinside",
    "ctrl\u0001char",
    "  indented\n    block\n",
    "CRLF\r\nline",
    "very long ".repeat(50),
  ];

  test("every name reads back exactly, with our parser and in YAML 1.1 mode", () => {
    const text = stringifyYamlSafe({ test_failures: names.map((name, i) => ({ name, line: i + 1 })) });
    const back = parseYamlSafe(text, "task.yaml") as { test_failures: { name: string; line: number }[] };
    expect(back.test_failures.map((f) => f.name)).toEqual(names);
    const back11 = parseYaml(text, { version: "1.1" }) as typeof back;
    expect(back11.test_failures.map((f) => f.name)).toEqual(names);
  });

  test("PyYAML (a YAML 1.1 reader an agent may use) reads the same names", () => {
    const text = stringifyYamlSafe({ test_failures: names.map((name) => ({ name })) });
    const file = join(mkdtempSync(join(tmpdir(), "pyyaml-")), "task.yaml");
    writeFileSync(file, text);
    const py = Bun.spawnSync([
      "/usr/bin/python3",
      "-c",
      "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))",
      file,
    ]);
    if (py.exitCode !== 0 && py.stderr.toString().includes("No module named 'yaml'")) {
      // Debian's python3-yaml is missing on this machine: the yaml package's 1.1 mode above still ran.
      console.warn("PyYAML not installed: skipped the PyYAML reading (apt-get install python3-yaml)");
      return;
    }
    expect(py.exitCode).toBe(0);
    const got = (JSON.parse(py.stdout.toString()) as { test_failures: { name: string }[] }).test_failures.map((f) => f.name);
    // YAML 1.1 makes NEL a line break even inside quotes (folded to a space); every other name is exact.
    const expected = names.map((n) => n.replace(/\u0085/g, " "));
    expect(got).toEqual(expected);
  });

  test("deterministic, no anchors, no folding of long lines", () => {
    const shared = { a: 1 };
    const value = { x: shared, y: shared, long: "word ".repeat(60) };
    const text = stringifyYamlSafe(value);
    expect(text).toBe(stringifyYamlSafe(value));
    expect(text).not.toContain("&");
    expect(text.split("\n").some((l) => l.length > 250)).toBe(true);
  });

  test("readable output: plain where safe, quoted where YAML would change the value", () => {
    expect(stringifyYamlSafe({ a: "plain words", b: "yes", c: "1:20", d: "multi\nline" })).toBe(
      'a: plain words\nb: "yes"\nc: "1:20"\nd: |-\n  multi\n  line\n',
    );
  });

  test("lone surrogates become U+FFFD", () => {
    expect(parseYamlSafe(stringifyYamlSafe({ a: "x\ud800y" }), "t.yaml")).toEqual({ a: "x\ufffdy" });
  });
});
