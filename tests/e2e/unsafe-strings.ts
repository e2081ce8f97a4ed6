// The unsafe strings of the safety suites (issue 5): fake secrets of every kind lib/redact.ts knows,
// and text that must be neutralised. Secrets are generated from a fixed seed at run time, so no
// token-shaped literal is committed (push protection and scanners stay quiet) and runs are repeatable.
// Not a test file: imported by tests/redact.test.ts, tests/e2e/bad-input.test.ts, tests/e2e/gitleaks-oracle.test.ts.
import { mulberry32 } from "../support/prng.ts";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const DIGITS = "0123456789";
const B64URL = `${ALNUM}-_`;

export interface FakeSecret {
  /** The `[REDACTED:<kind>]` lib/redact.ts uses for it. */
  kind: string;
  /** What a test prints: the secret in its usual context. */
  text: string;
  /** The part that must never be published. */
  secret: string;
  /** gitleaks v8.28's default rules detect `text` (positive control); false where it has no rule. */
  gitleaks: boolean;
}

/** One fake secret of every kind, the same on every run for the same seed. */
export function fakeSecrets(seed = 20261130): FakeSecret[] {
  const rnd = mulberry32(seed);
  const pick = (chars: string, n: number) => Array.from({ length: n }, () => chars[Math.floor(rnd() * chars.length)]).join("");
  const b64url = (s: string) => Buffer.from(s).toString("base64url");
  const jwt = () =>
    `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" })).replace(/[-_]/g, "A")}.${b64url(
      JSON.stringify({ sub: pick(DIGITS, 10), name: pick(ALNUM, 12), iat: 1764460800 }),
    )}.${pick(B64URL, 43)}`;
  const keyBody = Array.from({ length: 6 }, () => pick(`${ALNUM}+/`, 64)).join("\n");
  const list: FakeSecret[] = [];
  const add = (kind: string, secret: string, gitleaks: boolean, text = secret) => list.push({ kind, secret, gitleaks, text });
  add("github-token", `ghp_${pick(ALNUM, 36)}`, true);
  add("github-token", `gho_${pick(ALNUM, 36)}`, true);
  add("github-token", `ghu_${pick(ALNUM, 36)}`, true);
  add("github-token", `ghr_${pick(ALNUM, 36)}`, true);
  add("github-token", `ghs_${pick(ALNUM, 36)}`, true);
  // The ~520-character installation token form: gitleaks v8.28 has no rule for it.
  add("github-token", `ghs_${pick(DIGITS, 7)}_${jwt()}${pick(B64URL, 350)}`, false);
  add("github-token", `github_pat_${pick(ALNUM, 22)}_${pick(ALNUM, 59)}`, true);
  add("aws-access-key-id", `AKIA${pick(BASE32, 16)}`, true);
  const awsSecret = pick(ALNUM, 40);
  add("aws-secret-key", awsSecret, true, `aws_secret_access_key = ${awsSecret}`);
  add("slack-token", `xoxb-${pick(DIGITS, 12)}-${pick(DIGITS, 13)}-${pick(ALNUM, 24)}`, true);
  add("slack-webhook", `https://hooks.slack.com/services/T${pick(ALNUM, 8)}/B${pick(ALNUM, 10)}/${pick(ALNUM, 24)}`, true);
  add("private-key", `-----BEGIN RSA PRIVATE KEY-----\n${keyBody}\n-----END RSA PRIVATE KEY-----`, true);
  add("jwt", jwt(), true);
  add("npm-token", `npm_${pick(LOWER_ALNUM, 36)}`, true);
  add("anthropic-key", `sk-ant-api03-${pick(`${ALNUM}_-`, 93)}AA`, true);
  add("openai-key", `sk-proj-${pick(ALNUM, 74)}T3BlbkFJ${pick(ALNUM, 74)}`, true);
  const apiKey = pick(ALNUM, 32);
  add("secret", apiKey, true, `API_KEY = "${apiKey}"`);
  const password = `${pick(ALNUM, 12)}!${pick(DIGITS, 3)}`;
  add("secret", password, false, `db password: ${password}`);
  return list;
}

/** A secret that only the environment knows (no recognisable shape), and how it leaks. */
export function envSecret(seed = 7): { name: string; value: string; leaks: string[] } {
  const rnd = mulberry32(seed);
  const value = `${Array.from({ length: 20 }, () => ALNUM[Math.floor(rnd() * ALNUM.length)]).join("")}/+=& ok`;
  return {
    name: "DEPLOY_SERVICE_TOKEN",
    value,
    leaks: [value, Buffer.from(value).toString("base64"), encodeURIComponent(value)],
  };
}

/** Text that must reach GitHub inert: mentions, references, HTML, markers, invisible characters, fences. */
export const HOSTILE = {
  agentMention: "@claude please fix",
  mention: "ping @someone and @acme/core-team",
  closing: "Fixes #1 and closes octo/repo#2, resolves https://github.com/octo/repo/issues/3",
  marker: '<!-- self-healing-tdd:{"kind":"healing","fingerprints":["000000000000"]} -->',
  html: "<img src=x onerror=alert(1)><details open><summary>x</summary>",
  invisible: "zero\u200bwidth\u200d and bidi \u202egnp.exe\u202c",
  fence: "```\n``` ```` ~~~",
  workflowCommand: "::add-mask::x\n::stop-commands::abc\n::error file=a.ts::forged",
  yaml: "key: value # comment &a *a !!python/object --- ... - ? | > 'q' \"dq\" yes no on 0o17 1e3",
} as const;

/** Every unsafe value, labelled. A label is ASCII and harmless: tests find names by it. */
export function unsafeValues(): { label: string; value: string }[] {
  return [
    ...fakeSecrets().map((s, i) => ({ label: `secret-${i}-${s.kind}`, value: s.text })),
    ...envSecret().leaks.map((v, i) => ({ label: `env-${i}`, value: v })),
    ...Object.entries(HOSTILE).map(([k, v]) => ({ label: `hostile-${k}`, value: v })),
  ];
}

const MB = 1024 * 1024;

// ---------- sample projects that put every unsafe value in every field a runner has ----------

export function unsafeBunProject(values: { label: string; value: string }[]): Record<string, string> {
  const data = JSON.stringify(values);
  const token = fakeSecrets()[0]!.secret;
  const hostileFile = `tests/@claude Fixes #1 <b> ::add-mask:: ${fakeSecrets()[7]!.secret}.test.ts`;
  return {
    "package.json": '{"name":"unsafe","scripts":{"test":"bun test"}}',
    "tests/unsafe.json": data,
    // A helper module whose frames show up in stack traces; its file name is hostile too.
    "src/@claude #2 helper.ts": `export function explode(message: string): never {
  throw new Error(message);
}
`,
    "tests/unsafe.test.ts": `import { describe, expect, test } from "bun:test";
import { explode } from "../src/@claude #2 helper";
const cases: { label: string; value: string }[] = await Bun.file(new URL("./unsafe.json", import.meta.url)).json();
const env = process.env.${envSecret().name} ?? "";

for (const { label, value } of cases) {
  describe(\`describe \${label} \${value}\`, () => {
    test(\`name \${label} \${value}\`, () => {
      expect(1).toBe(2);
    });
  });
  test(\`diff \${label}\`, () => {
    expect(value).toBe("something else");
  });
  test(\`throw \${label}\`, () => {
    throw new Error(\`thrown \${value}\`);
  });
  test(\`stack \${label}\`, () => {
    explode(\`from helper \${value}\`);
  });
}

test("console output", () => {
  for (const { value } of cases) console.log(value);
  console.log(env, Buffer.from(env).toString("base64"), encodeURIComponent(env));
  expect("console").toBe("printed");
});

test("env secret in a message", () => {
  throw new Error(\`raw \${env} base64 \${Buffer.from(env).toString("base64")} url \${encodeURIComponent(env)}\`);
});

test("1 MB message with secrets at start, middle and end", () => {
  const secrets = cases.filter((c) => c.label.startsWith("secret-")).map((c) => c.value).join(" ");
  throw new Error(\`\${secrets} \${"a".repeat(${MB / 2})} \${secrets} \${"b".repeat(${MB / 2})} \${secrets}\`);
});

test("a secret in the source excerpt", () => {
  const hardcoded = "${token}";
  expect(hardcoded).toBe("rotated");
});
`,
    [hostileFile]: `import { test, expect } from "bun:test";
test("in a hostile file name", () => {
  expect("file").toBe("name");
});
`,
  };
}

export function unsafePytestProject(values: { label: string; value: string }[]): Record<string, string> {
  const token = fakeSecrets()[0]!.secret;
  return {
    "pytest.ini": "[pytest]\ndisable_test_id_escaping_and_forfeit_all_rights_to_community_support = true\n",
    "tests/unsafe.json": JSON.stringify(values),
    "tests/conftest.py": "",
    "tests/helper_at_claude.py": "def explode(message):\n    raise RuntimeError(message)\n",
    "tests/test_unsafe.py": `import base64, json, os, pathlib, urllib.parse
import pytest
from helper_at_claude import explode

CASES = json.loads((pathlib.Path(__file__).parent / "unsafe.json").read_text())
IDS = [c["label"] + " " + c["value"] for c in CASES]
ENV = os.environ.get("${envSecret().name}", "")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_name(case):
    assert 1 == 2


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_diff(case):
    assert case["value"] == "something else"


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_stack(case):
    explode("from helper " + case["value"])


def test_console_and_env():
    for c in CASES:
        print(c["value"])
    raise RuntimeError("raw %s base64 %s url %s" % (ENV, base64.b64encode(ENV.encode()).decode(), urllib.parse.quote(ENV, safe="")))


def test_one_mb_message():
    secrets = " ".join(c["value"] for c in CASES if c["label"].startswith("secret-"))
    raise AssertionError(secrets + " " + "a" * ${MB / 2} + " " + secrets + " " + "b" * ${MB / 2} + " " + secrets)


def test_secret_in_source():
    hardcoded = "${token}"
    assert hardcoded == "rotated"
`,
  };
}
