// Fingerprints: same test + same kind of error -> same id, across line drift, timestamps, temp paths,
// durations and numbers; a different test, file, framework or error -> a different id.
import { describe, expect, test } from "bun:test";
import { errorKind, fingerprint, testKey } from "../lib/fingerprint.ts";

const base = { framework: "vitest" as const, file: "tests/auth.test.ts", fullName: "User Authentication > should issue JWT on login" };

describe("errorKind", () => {
  test("normalizes numbers, hex, uuids, timestamps, temp paths and durations in the first line", () => {
    expect(errorKind("AssertionError: expected 3 to be 4 // Object.is equality\n  at x.ts:8:25")).toBe(
      "expected <n> to be <n> // Object.is equality",
    );
    expect(errorKind("timeout after 5000ms at 2026-11-30T14:30:46.236Z")).toBe("timeout after <duration> at <time>");
    expect(errorKind("request 7f9c2a1e-1b2c-4d5e-8f90-123456789abc failed")).toBe("request <uuid> failed");
    expect(errorKind("pointer 0x1f is dangling, commit deadbeefcafe")).toBe("pointer <hex> is dangling, commit <hex>");
    expect(errorKind("ENOENT: open '/tmp/heal-sample-Ab12/x.json'")).toBe("ENOENT: open '<tmp>'");
    expect(errorKind("cannot read C:\\Users\\dev\\AppData\\Local\\Temp\\jest_x\\a.json")).toBe("cannot read <tmp>");
    expect(errorKind("took 1.5 s (limit 1 s)")).toBe("took <duration> (limit <duration>)");
  });

  test("the same error as two reports of one run write it (with or without the type prefix) is one kind", () => {
    expect(errorKind("AssertionError: expected 4 to be 5 // Object.is equality")).toBe(
      errorKind("expected 4 to be 5 // Object.is equality"),
    );
    expect(errorKind("\n\n  Error: boom\n")).toBe("boom");
    expect(errorKind(undefined)).toBe("");
  });
});

describe("fingerprint", () => {
  test("is 12 hex digits and stable across line drift, timestamps, temp paths, durations and numbers", () => {
    const a = fingerprint({ ...base, message: "expected 3 to be 4 after 120ms (/tmp/run-1/a.ts:8:25) at 2026-01-01T00:00:00Z" });
    const b = fingerprint({ ...base, message: "expected 9 to be 10 after 3s (/tmp/run-2/a.ts:41:3) at 2026-11-30T14:30:46Z" });
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(b).toBe(a);
  });

  test("changes with the test, its file, the framework or the kind of error", () => {
    const id = fingerprint({ ...base, message: "expected 3 to be 4" });
    expect(fingerprint({ ...base, fullName: "User Authentication > rejects bad password", message: "expected 3 to be 4" })).not.toBe(id);
    expect(fingerprint({ ...base, file: "tests/other.test.ts", message: "expected 3 to be 4" })).not.toBe(id);
    expect(fingerprint({ ...base, framework: "jest", message: "expected 3 to be 4" })).not.toBe(id);
    expect(fingerprint({ ...base, message: "TypeError: token is undefined" })).not.toBe(id);
  });

  test("is a pure function of its input (known value)", () => {
    // sha256("pytest|tests/test_x.py|tests/test_x.py::test_a|assert <n> == <n>")[0..12]
    const expected = new Bun.CryptoHasher("sha256")
      .update("pytest|tests/test_x.py|tests/test_x.py::test_a|assert <n> == <n>")
      .digest("hex")
      .slice(0, 12);
    expect(
      fingerprint({ framework: "pytest", file: "tests/test_x.py", fullName: "tests/test_x.py::test_a", message: "assert 1 == 2" }),
    ).toBe(expected);
  });
});

describe("testKey", () => {
  test("identifies a test regardless of outcome; null file is the empty scope", () => {
    expect(testKey("go", "example.com/m/calc", "TestAdd/sub")).toBe("go|example.com/m/calc|TestAdd/sub");
    expect(testKey("jest", null, "a > b")).toBe("jest||a > b");
  });
});
