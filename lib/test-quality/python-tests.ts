// The tests of Python test files (pytest, unittest), read with Python's own `ast` module: `python3` runs
// read-python-tests.py through lib/process.ts (zx's `$`) and prints one JSON record per file. Test functions are
// module-level `test*` functions and `test*` methods of `Test*` classes or unittest.TestCase subclasses.
// An assertion is an `assert` statement, `pytest.raises`/`pytest.warns`/`pytest.deprecated_call`, a call of
// anything named `assert…` (`self.assertEqual`, `np.testing.assert_equal`, `assert_frame_equal`), or a call of a
// function of the same module that asserts (followed through helpers calling helpers).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { start } from "../process.ts";
import { HealError } from "../errors.ts";
import type { FoundTest } from "./model.ts";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "read-python-tests.py");

export interface PythonTestsResult {
  tests: FoundTest[];
  /** One line per file Python could not parse ("tests/test_x.py: line 3: invalid syntax"). */
  errors: string[];
}

/** Reads `files` (repo-relative) under `root` with `python`; throws HealError when Python itself cannot run. */
export async function findPythonTests(root: string, files: string[], python = "python3"): Promise<PythonTestsResult> {
  if (files.length === 0) return { tests: [], errors: [] };
  const r = await start([python, SCRIPT, ...files], { cwd: root, captureStdout: true, captureStderr: true, timeoutMs: 120_000 });
  if (r.exitCode !== 0) {
    const why = r.exitCode === null ? `stopped by ${r.signal}` : (r.stderr.trim().split("\n").pop() ?? `exit ${r.exitCode}`);
    throw new HealError("CONFIG_INVALID", `runner.python: ${python} could not read the Python tests (${why})`);
  }
  const parsed = JSON.parse(r.stdout) as Record<string, { error?: string; tests?: Omit<FoundTest, "file" | "dynamic">[] }>;
  const tests: FoundTest[] = [];
  const errors: string[] = [];
  for (const file of files) {
    const rec = parsed[file];
    if (!rec) continue;
    if (rec.error) errors.push(`${file}: ${rec.error}`);
    for (const t of rec.tests ?? []) tests.push({ ...t, file, dynamic: false });
  }
  return { tests, errors };
}
