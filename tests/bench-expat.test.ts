// Smoke test of the expat bench: it runs every measurement (python3's expat included), counts what it generated,
// and prints each ratio with the runtime floor. The figures are read by people, never asserted as timings.
import { expect, test } from "bun:test";
import { join } from "node:path";

test("bench/xml-vs-expat.ts --quick prints expat, streamXml, parseJUnitFile, end to end and the runtime floor for both reports", () => {
  const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "../bench/xml-vs-expat.ts"), "--quick", "--runs", "1"]);
  const out = r.stdout.toString();
  expect({ code: r.exitCode, err: r.stderr.toString() }).toEqual({ code: 0, err: "" });
  const x = String.raw`\d+ ms \([\d.]+x`;
  for (const label of [String.raw`10k cases \(\d+ MB, 10000 cases, \d+ failing`, String.raw`20 MB \(20 MB, \d+ cases, \d+ failing`])
    expect(out).toMatch(
      new RegExp(
        `^${label}; CPU, median of 1\\): expat iterparse \\d+ ms; streamXml ${x}\\); parseJUnitFile ${x}\\); ` +
          `parse-failures end to end ${x}, target <= 1\\.00x (?:PASS|MISS)\\); ` +
          `runtime floor \\(decode the file, stringify and write failures\\.json\\) ${x}\\)$`,
        "m",
      ),
    );
  expect(out.trim().split("\n")).toHaveLength(2);
}, 60_000);

test("bench/xml-vs-expat.ts refuses a floor child without the records it writes", () => {
  const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "../bench/xml-vs-expat.ts"), "--child", "floor", "/nonexistent.xml"]);
  expect(r.exitCode).toBe(2);
  expect(r.stderr.toString()).toContain("--child must be stream, junit, e2e or floor (with --records), not floor");
});
