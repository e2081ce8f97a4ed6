import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectFailures } from "../lib/failures.ts";
import { encodedForms, isSecretEnvName, mask, redact, redactDeep, shannonEntropy } from "../lib/redact.ts";
import { envSecret, fakeSecrets } from "./e2e/unsafe-strings.ts";

const noEnv = { env: {} };

describe("redact: token shapes", () => {
  for (const s of fakeSecrets()) {
    test(`${s.kind}: ${s.secret.slice(0, 12)}… is masked whole, the context stays`, () => {
      const out = redact(`before ${s.text} after`, noEnv);
      expect(out).not.toContain(s.secret);
      expect(out).toContain(mask(s.kind as Parameters<typeof mask>[0]));
      expect(out.startsWith("before ")).toBe(true);
      expect(out.endsWith(" after")).toBe(true);
    });
  }

  test("the ~520-character ghs_<appid>_<jwt> installation token leaves no tail", () => {
    const long = fakeSecrets().find((s) => s.secret.startsWith("ghs_") && s.secret.length > 300)!;
    expect(long.secret.length).toBeGreaterThan(500);
    expect(redact(`x-access-token:${long.secret}@github.com`, noEnv)).toBe("x-access-token:[REDACTED:github-token]@github.com");
  });

  test("a private key block cut before its END line is masked to the end of the text", () => {
    const pk = fakeSecrets().find((s) => s.kind === "private-key")!;
    const cutBlock = pk.secret.slice(0, 200);
    expect(redact(`key:\n${cutBlock}`, noEnv)).toBe("key:\n[REDACTED:private-key]");
  });

  test("a key inside a JSON string with escaped newlines is masked", () => {
    const pk = fakeSecrets().find((s) => s.kind === "private-key")!;
    const json = JSON.stringify({ private_key: pk.secret, other: 1 });
    const out = redact(json, noEnv);
    expect(out).toBe('{"private_key":"[REDACTED:private-key]","other":1}');
  });

  test("a key block whose BEGIN line was cut off (an output tail) is masked up to its END line", () => {
    const pk = fakeSecrets().find((s) => s.kind === "private-key")!;
    const tail = pk.secret.split("\n").slice(3).join("\n");
    expect(redact(`last lines:\n${tail}\nafter`, noEnv)).toBe("last lines:\n[REDACTED:private-key]\nafter");
    const json = JSON.stringify({ outputTail: `x ${tail} y` });
    expect(redact(json, noEnv)).toBe('{"outputTail":"x [REDACTED:private-key] y"}');
  });

  test("tokens inside a regex-escaped test name (a re-run command) are masked whole", () => {
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    for (const s of fakeSecrets().filter((x) => ["jwt", "github-token", "slack-webhook"].includes(x.kind))) {
      const out = redact(`bun test -t '^name ${escape(s.secret)}$'`, noEnv);
      const core = s.secret.slice(Math.floor(s.secret.length / 2) - 8, Math.floor(s.secret.length / 2) + 8);
      expect(out).not.toContain(escape(core));
      expect(out).not.toContain(core);
    }
  });

  test("URL credentials and Authorization headers lose only the secret", () => {
    expect(redact("git clone https://bot:hunter2secret@example.com/o/r.git", noEnv)).toBe(
      "git clone https://bot:[REDACTED:url-credentials]@example.com/o/r.git",
    );
    expect(redact("Authorization: token 0123456789abcdef0123", noEnv)).toBe("Authorization: token [REDACTED:authorization]");
    expect(redact('headers: {"authorization": "Bearer abc.def-123_456"}', noEnv)).toBe(
      'headers: {"authorization": "Bearer [REDACTED:authorization]"}',
    );
  });

  test("ordinary test output is left alone", () => {
    const text = [
      "expect(received).toBe(expected) // Object.is equality",
      "Expected: 42\nReceived: 41",
      "KeyError: 'missing_key_name_here'",
      "key: user.name",
      'token: "expected"',
      "at Object.<anonymous> (/home/runner/work/app/app/tests/auth.test.ts:12:5)",
      "AssertionError: assert 'sk-short' == 'abc'",
      "password: string",
      "const token = process.env.GITHUB_TOKEN",
      "commit 0123456789abcdef0123456789abcdef01234567",
      "user@example.com wrote: the task-runner-with-a-very-long-name-123 failed",
    ].join("\n");
    expect(redact(text, noEnv)).toBe(text);
  });
});

describe("redact: generic assignments (entropy rule)", () => {
  test("key-like names: masked at >= 3.0 bits/char and >= 8 chars, kept below", () => {
    expect(redact('api_key = "8f3k2j9s0d7f6g5h"', noEnv)).toBe('api_key = "[REDACTED:secret]"');
    expect(redact("ACCESS_KEY: Zm9vYmFyYmF6cXV4", noEnv)).toBe("ACCESS_KEY: [REDACTED:secret]");
    expect(redact("session_token=aaaaaaaaaaaa", noEnv)).toBe("session_token=aaaaaaaaaaaa");
    expect(redact("token = 'abc'", noEnv)).toBe("token = 'abc'");
    expect(shannonEntropy("8f3k2j9s0d7f6g5h")).toBeGreaterThanOrEqual(3);
    expect(shannonEntropy("aaaaaaaaaaaa")).toBe(0);
  });

  test("words between name and separator: only high-entropy values with a digit are masked", () => {
    expect(redact("password for admin: Zx8fK2mQ9pLr", noEnv)).toBe("password for admin: [REDACTED:secret]");
    expect(redact("auth token for ci = 'q1w2e3r4t5y6u7'", noEnv)).toBe("auth token for ci = '[REDACTED:secret]'");
    expect(redact("secret rotation failed: timeout", noEnv)).toBe("secret rotation failed: timeout");
    expect(redact("token expired at: 2026-11-30", noEnv)).toBe("token expired at: 2026-11-30");
  });

  test("password-like names: masked whatever the entropy (>= 6 chars); placeholders kept", () => {
    expect(redact("password = hunter", noEnv)).toBe("password = [REDACTED:secret]");
    expect(redact("DB_PASSWORD=aaaaaaaa", noEnv)).toBe("DB_PASSWORD=[REDACTED:secret]");
    expect(redact("{'client_secret': 'abcdefgh'}", noEnv)).toBe("{'client_secret': '[REDACTED:secret]'}");
    expect(redact("password = hunt", noEnv)).toBe("password = hunt");
    expect(redact("password: ${DB_PASSWORD}", noEnv)).toBe("password: ${DB_PASSWORD}");
    expect(redact("password: <your password>", noEnv)).toBe("password: <your password>");
    expect(redact("password = ********", noEnv)).toBe("password = ********");
  });
});

describe("redact: environment values", () => {
  const { name, value, leaks } = envSecret();
  const env = { [name]: value, PATH: "/usr/local/bin:/usr/bin", PWD: "/home/runner/work", HOME: "/root", SHORT_TOKEN: "abc" };

  test("the value, its base64, base64url and URL-encoded forms are masked", () => {
    for (const form of [...leaks, Buffer.from(value).toString("base64url")]) {
      expect(redact(`got ${form} here`, { env })).toBe("got [REDACTED:env] here");
    }
    const basic = Buffer.from(`x-access-token:${value}`).toString("base64");
    expect(redact(`AUTHORIZATION: basic ${basic}`, { env })).not.toContain(basic);
  });

  test("non-secret names and short values are not masked", () => {
    const text = "PATH=/usr/local/bin:/usr/bin PWD=/home/runner/work HOME=/root abc";
    expect(redact(text, { env })).toBe(text);
  });

  test("which names count as secret", () => {
    for (const n of [
      "GITHUB_TOKEN",
      "GH_TOKEN",
      "HEAL_AGENT_TOKEN",
      "AWS_SECRET_ACCESS_KEY",
      "NPM_TOKEN",
      "DB_PASSWORD",
      "GITHUB_PAT",
      "ANTHROPIC_API_KEY",
      "GOOGLE_CREDENTIALS",
      "apiKey",
    ]) {
      expect(isSecretEnvName(n)).toBe(true);
    }
    for (const n of ["PATH", "PWD", "OLDPWD", "HOME", "SSH_AUTH_SOCK", "GITHUB_REPOSITORY", "KEYBOARD", "MONKEY_COUNT"]) {
      expect(isSecretEnvName(n)).toBe(false);
    }
  });

  test("process.env is the default", () => {
    process.env.HEAL_TEST_SECRET_TOKEN = "zz-process-env-secret-1";
    try {
      expect(redact("echo zz-process-env-secret-1")).toBe("echo [REDACTED:env]");
    } finally {
      delete process.env.HEAL_TEST_SECRET_TOKEN;
    }
  });

  test("encodedForms lists each form once", () => {
    const forms = encodedForms("abc def/ghi");
    expect(new Set(forms).size).toBe(forms.length);
    expect(forms).toContain("abc%20def%2Fghi");
    expect(forms).toContain(Buffer.from("abc def/ghi").toString("base64"));
  });

  test("a token pytest shortened in its assertion diff is masked, both its ends (real pytest)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "heal-redact-"));
    try {
      const tail = "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8";
      // Built from two literals, so the source line a traceback quotes holds no token itself.
      writeFileSync(
        join(dir, "test_tok.py"),
        `def test_token():\n    token = "ghp_" + "${tail}"\n    assert token == "something else entirely that is long enough for pytest to shorten both sides"\n`,
      );
      spawnSync("/usr/bin/python3", ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=t.xml", "-o", "junit_family=xunit1"], {
        cwd: dir,
      });
      const report = await collectFailures({
        repoRoot: dir,
        reportPaths: [join(dir, "t.xml")],
        meta: { repository: null, branch: null, commit: null, runUrl: null },
      });
      const f = report.failures[0]!;
      expect(f.message).toStartWith("AssertionError: assert '[REDACTED:github-token]' == 'something el");
      // The runner's own lines (E ...): no 8 characters of the token in a row survive.
      const printed = [f.message, ...f.stack!.split("\n").filter((l) => l.startsWith("E "))].join("\n");
      for (let i = 0; i + 8 <= tail.length; i++) expect(printed).not.toContain(tail.slice(i, i + 8));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a secret holding a lone surrogate is masked, not a URIError", () => {
    const value = "zz-lone-\uD800-surrogate-secret";
    expect(encodedForms(value)).toContain(value);
    expect(redact(`got ${value} here`, { env: { API_TOKEN: value } })).toBe("got [REDACTED:env] here");
  });
});

describe("redact: properties", () => {
  const all = fakeSecrets()
    .map((s) => s.text)
    .join("\n");

  test("deterministic and idempotent", () => {
    const once = redact(all, noEnv);
    expect(redact(all, noEnv)).toBe(once);
    expect(redact(once, noEnv)).toBe(once);
  });

  test("redactDeep masks every string of a JSON value and keeps its shape", () => {
    const gh = fakeSecrets()[0]!.secret;
    const value = { a: [gh, 1, null, { b: `x ${gh}` }], n: 2 };
    expect(redactDeep(value, noEnv)).toEqual({ a: ["[REDACTED:github-token]", 1, null, { b: "x [REDACTED:github-token]" }], n: 2 });
  });

  test("5 MB adversarial inputs: linear time (each under 3 s, all under 15 s)", () => {
    const size = 5 * 1024 * 1024;
    const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
    const shapes = [
      "-eyAAAAAAAAAAAA",
      "eyJAAAAAAAAAAAA.eyBBBBBBBBBBBBBBB-",
      "key=",
      "token_",
      'password="',
      "ghp_",
      "ghs_.",
      "-----BEGIN PRIVATE KEY-----",
      "AAAA-----END PRIVATE KEY-----\n",
      "QUJD\n",
      "ghs_\\.",
      "http://a:",
      "sk-a",
      "Bearer aaaaaaaaaaaaaaaaaaaaaaaaa1 ",
      "aws_secret_access_key=",
      "authorization: bearer ",
    ];
    let total = 0;
    for (const unit of shapes) {
      const input = fill(unit);
      const t = performance.now();
      const out = redact(input, { env: { A_TOKEN: "abcdefghijk" } });
      const ms = performance.now() - t;
      total += ms;
      expect(typeof out).toBe("string");
      // Hang guards against catastrophic backtracking (minutes per input), not speed targets.
      expect(ms).toBeLessThan(20_000);
    }
    expect(total).toBeLessThan(120_000);
  }, 60_000);
});
