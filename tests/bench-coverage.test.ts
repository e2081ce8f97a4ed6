// Smoke test of the coverage bench: it runs, reads every generated file, and prints its figures.
// The figures themselves are read by people (task bench:coverage), never asserted as timings.
import { expect, test } from "bun:test";
import { join } from "node:path";

test("bench/coverage-scale.ts --quick prints throughput, peak RSS, the ratio to a bare read and the scaling line", () => {
  const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "../bench/coverage-scale.ts"), "--quick"]);
  const out = r.stdout.toString();
  expect({ code: r.exitCode, err: r.stderr.toString() }).toEqual({ code: 0, err: "" });
  expect(out).toMatch(
    /^lcov 200 files \([\d.]+ MB\): [\d.]+ MB\/s, peak RSS \d+ MB \(bare read \d+ MB\), time ratio to a bare line split [\d.]+x$/m,
  );
  expect(out).toMatch(/^lcov 2000 files /m);
  expect(out).toMatch(/^scaling: 10x the files took [\d.]+x the CPU time$/m);
});
