// Fuzz: real coverage reports (jest, coverage.py, bun, go) mutated thousands of times. Every outcome is either
// a result or one error line naming the file: no exception escapes, nothing hangs. Seeded, so a failure repeats.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readCoverage } from "../../lib/coverage/index.ts";
import { indexRepo } from "../../lib/location.ts";
import { mulberry32 } from "../support/prng.ts";
import type { SampleRepo } from "../support/sample-repo.ts";
import { bunProject, jestProject, pythonProject } from "./projects.ts";

// Real runners and child processes on a shared 2-core machine: bunfig's timeout is not applied by bun 1.4.4.
setDefaultTimeout(120_000);

const MUTATIONS_PER_REPORT = 400;
const repos: SampleRepo[] = [];
const seeds: { name: string; bytes: Buffer; dir: string }[] = [];

beforeAll(() => {
  const jest = jestProject();
  const py = pythonProject();
  const bun = bunProject();
  repos.push(jest, py, bun);
  for (const f of ["coverage-final.json", "coverage-summary.json", "lcov.info", "clover.xml", "cobertura-coverage.xml"]) {
    seeds.push({ name: `jest/${f}`, bytes: readFileSync(join(jest.dir, "cov", f)), dir: jest.dir });
  }
  seeds.push({ name: "coverage.py/coverage.json", bytes: readFileSync(join(py.dir, "cov/coverage.json")), dir: py.dir });
  seeds.push({ name: "coverage.py/coverage.xml", bytes: readFileSync(join(py.dir, "cov/coverage.xml")).subarray(0, 200_000), dir: py.dir });
  seeds.push({ name: "bun/lcov.info", bytes: readFileSync(join(bun.dir, "cov/lcov.info")), dir: bun.dir });
  // `go test -coverprofile` output for tests/coverage/projects.ts CALC_GO (go 1.26.8).
  seeds.push({
    name: "go/cover.out",
    bytes: Buffer.from(
      "mode: set\nexample.com/sample/calc/calc.go:3.24,5.2 1 1\nexample.com/sample/calc/calc.go:7.22,8.11 1 1\nexample.com/sample/calc/calc.go:17.24,20.2 2 0\n",
    ),
    dir: bun.dir,
  });
}, 120_000);
afterAll(() => repos.forEach((r) => r.cleanup()));

const TOKENS = [
  "<",
  ">",
  "</",
  "/>",
  '"',
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  "\n",
  "\u0000",
  "\uFFFD",
  "&",
  "&amp;",
  "DA:",
  "SF:",
  "end_of_record",
  "-1",
  "NaN",
  "1e309",
  "<!DOCTYPE x [<!ENTITY a 'b'>]>",
  '"statementMap"',
  "mode: set\n",
  "\xff\xfe",
];

function mutate(input: Buffer, next: () => number): Buffer {
  const pick = (n: number) => Math.floor(next() * n);
  let b = Buffer.from(input);
  const ops = 1 + pick(4);
  for (let i = 0; i < ops; i++) {
    const at = pick(b.length + 1);
    switch (pick(6)) {
      case 0: // flip a byte
        if (b.length) b[Math.min(at, b.length - 1)] = pick(256);
        break;
      case 1: // truncate
        b = b.subarray(0, at);
        break;
      case 2: // insert a structural token
        b = Buffer.concat([b.subarray(0, at), Buffer.from(TOKENS[pick(TOKENS.length)]!, "latin1"), b.subarray(at)]);
        break;
      case 3: {
        // delete a span
        const len = pick(64);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
        break;
      }
      case 4: {
        // duplicate a span (repeated records, shards glued together)
        const len = pick(256);
        b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
        break;
      }
      default: // swap digits (line numbers, hits)
        b = Buffer.from(
          b.toString("latin1").replace(/\d+/, () => String(pick(1e6) - 1000)),
          "latin1",
        );
    }
  }
  return b;
}

test(`each real report mutated ${MUTATIONS_PER_REPORT} times: results or one-line errors, never a crash or a hang`, async () => {
  const next = mulberry32(20261130);
  let parsed = 0;
  let refused = 0;
  for (const seed of seeds) {
    const index = indexRepo(seed.dir, { fresh: true });
    const path = join(seed.dir, "fuzz.report");
    for (let i = 0; i < MUTATIONS_PER_REPORT; i++) {
      const bytes = mutate(seed.bytes, next);
      writeFileSync(path, bytes);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`hang on mutation ${i} of ${seed.name}`)), 5000);
      });
      let r;
      try {
        r = await Promise.race([readCoverage(seed.dir, [{ path }], { index }), hang]);
      } catch (err) {
        writeFileSync(join(seed.dir, "fuzz.crash"), bytes);
        throw new Error(`${seed.name} mutation ${i} threw: ${(err as Error).message} (input kept in ${seed.dir}/fuzz.crash)`);
      } finally {
        clearTimeout(timer);
      }
      if (r.errors.length > 0) {
        refused++;
        expect(r.errors).toHaveLength(1);
        expect(r.errors[0]).toStartWith("fuzz.report: ");
        expect(r.errors[0]).not.toContain("\n");
        expect(r.files).toEqual([]);
      } else {
        parsed++;
        for (const f of r.files) {
          expect(f.linesCovered).toBeLessThanOrEqual(f.linesTotal);
          expect(f.pct >= 0 && f.pct <= 100).toBe(true);
        }
      }
    }
  }
  // Both outcomes happen: the mutations are neither all harmless nor all fatal.
  expect(parsed).toBeGreaterThan(100);
  expect(refused).toBeGreaterThan(100);
  console.log(`coverage fuzz: ${seeds.length} reports × ${MUTATIONS_PER_REPORT}: ${parsed} parsed, ${refused} refused with one line`);
}, 120_000);
