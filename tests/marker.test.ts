import { describe, expect, test } from "bun:test";
import {
  buildMarker,
  diffFingerprints,
  fingerprintDigest,
  markerData,
  MAX_MARKER_FINGERPRINTS,
  parseMarker,
  trustedMarker,
} from "../lib/marker.ts";
import { untrusted } from "../lib/sanitize.ts";

const input = {
  kind: "healing" as const,
  branch: "dev",
  fingerprints: ["bbbbbbbbbbbb", "aaaaaaaaaaaa", "bbbbbbbbbbbb"],
  run: { id: "42", attempt: "2" },
};

describe("marker", () => {
  test("build -> parse round-trips (sorted, unique fingerprints, digest, run)", () => {
    const text = buildMarker(input);
    expect(text).toStartWith("<!-- self-healing-tdd:{");
    expect(text).toEndWith("} -->");
    expect(parseMarker(`Some body\n\n${text}\n`)).toEqual(markerData(input));
    expect(parseMarker(text)).toEqual({
      v: 1,
      kind: "healing",
      branch: "dev",
      digest: fingerprintDigest(["aaaaaaaaaaaa", "bbbbbbbbbbbb"]),
      count: 2,
      fingerprints: ["aaaaaaaaaaaa", "bbbbbbbbbbbb"],
      run: { id: "42", attempt: "2" },
    });
  });

  test("a branch name holding `-->` or `<` cannot end the comment early", () => {
    const text = buildMarker({ ...input, branch: "x-->y<!--z" });
    expect(text.indexOf("-->")).toBe(text.length - 3);
    expect(parseMarker(text)!.branch).toBe("x-->y<!--z");
  });

  test("every kind round-trips, extra scalars too", () => {
    for (const kind of ["healing", "coverage", "verification"] as const) {
      const m = markerData({ kind, branch: "prod", fingerprints: [], extra: { percent: 71.5, attempt: 2, ok: false, note: null } });
      expect(parseMarker(buildMarker(m))).toEqual(m);
    }
  });

  test("hand-edited or broken markers degrade to null, never throw", () => {
    expect(parseMarker(null)).toBeNull();
    expect(parseMarker("no marker here")).toBeNull();
    expect(parseMarker("<!-- self-healing-tdd:{not json} -->")).toBeNull();
    expect(parseMarker('<!-- self-healing-tdd:{"v":1,"kind":"healing"')).toBeNull();
    expect(
      parseMarker('<!-- self-healing-tdd:{"v":2,"kind":"healing","branch":"dev","digest":"0123456789abcdef","count":0} -->'),
    ).toBeNull();
    expect(parseMarker('<!-- self-healing-tdd:{"v":1,"kind":"other","branch":"dev","digest":"0123456789abcdef","count":0} -->')).toBeNull();
    expect(
      parseMarker(
        '<!-- self-healing-tdd:{"v":1,"kind":"healing","branch":"dev","digest":"0123456789abcdef","count":1,"fingerprints":["a b"]} -->',
      ),
    ).toBeNull();
  });

  test("the last valid marker wins (a later comment edit appends a new one)", () => {
    const a = buildMarker({ ...input, branch: "a" });
    const b = buildMarker({ ...input, branch: "b" });
    expect(parseMarker(`${a}\n${b}\n<!-- self-healing-tdd:{broken} -->`)!.branch).toBe("b");
  });

  test("a marker pasted into test output is neutralised before it reaches a body", () => {
    const pasted = `AssertionError ${buildMarker(input)}`;
    expect(parseMarker(untrusted(pasted))).toBeNull();
  });

  test("only the tool's own posts are trusted (case-insensitive login)", () => {
    const body = buildMarker(input);
    expect(trustedMarker({ body, user: { login: "github-actions[bot]" } }, "github-actions[bot]")).not.toBeNull();
    expect(trustedMarker({ body, user: { login: "GitHub-Actions[bot]" } }, "github-actions[bot]")).not.toBeNull();
    expect(trustedMarker({ body, user: { login: "mallory" } }, "github-actions[bot]")).toBeNull();
    expect(trustedMarker({ body, user: null }, "github-actions[bot]")).toBeNull();
  });

  test("more than MAX_MARKER_FINGERPRINTS keeps the digest and count only", () => {
    const many = Array.from({ length: MAX_MARKER_FINGERPRINTS + 1 }, (_, i) => i.toString(16).padStart(12, "0"));
    const m = parseMarker(buildMarker({ kind: "healing", branch: "dev", fingerprints: many }))!;
    expect(m.fingerprints).toBeUndefined();
    expect(m.count).toBe(MAX_MARKER_FINGERPRINTS + 1);
    expect(diffFingerprints(m, many).changed).toBe(false);
    expect(diffFingerprints(m, many.slice(1))).toEqual({ added: many.slice(1), fixed: [], changed: true });
  });

  test("diff: same set unchanged in any order; new and fixed named", () => {
    const before = markerData({ kind: "healing", branch: "dev", fingerprints: ["a1", "b2"] });
    expect(diffFingerprints(before, ["b2", "a1", "a1"])).toEqual({ added: [], fixed: [], changed: false });
    expect(diffFingerprints(before, ["b2", "c3"])).toEqual({ added: ["c3"], fixed: ["a1"], changed: true });
    expect(diffFingerprints(null, ["x"])).toEqual({ added: ["x"], fixed: [], changed: true });
  });
});
