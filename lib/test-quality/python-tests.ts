// The tests of Python test files (pytest, unittest), read with Python's own `ast` module: `python3` runs the
// script below through lib/process.ts (zx's `$`) and prints one JSON record per file. Test functions are
// module-level `test*` functions and `test*` methods of `Test*` classes or unittest.TestCase subclasses.
// An assertion is an `assert` statement, `pytest.raises`/`pytest.warns`/`pytest.deprecated_call`, a call of
// anything named `assert…` (`self.assertEqual`, `np.testing.assert_equal`, `assert_frame_equal`), or a call of a
// function of the same module that asserts (followed through helpers calling helpers).
import { start } from "../process.ts";
import { HealError } from "../errors.ts";
import type { FoundTest } from "./model.ts";

const SCRIPT = String.raw`
import ast, json, sys

SKIP_DECORATORS = {"pytest.mark.skip", "unittest.skip", "mark.skip", "skip"}
RAISES = {"pytest.raises", "pytest.warns", "pytest.deprecated_call", "raises", "warns"}

def dotted(node):
    if isinstance(node, ast.Call):
        node = node.func
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None

def skip_line(decorators):
    for d in decorators:
        if dotted(d) in SKIP_DECORATORS:
            return d.lineno
    return None

def calls(fn):
    return [n for n in ast.walk(fn) if isinstance(n, ast.Call)]

def direct_assert(fn):
    for n in ast.walk(fn):
        if isinstance(n, ast.Assert):
            return True
        if isinstance(n, ast.Call):
            name = dotted(n) or ""
            last = name.split(".")[-1]
            if name in RAISES or last.startswith("assert"):
                return True
    return False

def is_test_class(node):
    if node.name.startswith("Test"):
        return True
    return any((dotted(b) or "").endswith("TestCase") for b in node.bases)

def read(path):
    with open(path, "rb") as f:
        source = f.read()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        return {"error": "line %s: %s" % (e.lineno, e.msg)}
    helpers = {}
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and not n.name.startswith("test"):
            helpers[n.name] = n
    asserting = set()
    changed = True
    while changed:
        changed = False
        for name, fn in helpers.items():
            if name in asserting:
                continue
            if direct_assert(fn) or any((dotted(c) or "").split(".")[-1] in asserting for c in calls(fn)):
                asserting.add(name)
                changed = True
    tests = []
    def visit(body, scope, inherited_skip):
        for n in body:
            if isinstance(n, ast.ClassDef) and is_test_class(n):
                visit(n.body, scope + [n.name], inherited_skip or skip_line(n.decorator_list))
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test"):
                skip = inherited_skip or skip_line(n.decorator_list)
                if skip is None:
                    for c in calls(n):
                        if dotted(c) == "pytest.skip":
                            skip = c.lineno
                            break
                has = direct_assert(n) or any((dotted(c) or "").split(".")[-1] in asserting for c in calls(n))
                tests.append({"line": n.lineno, "title": n.name, "scope": scope, "hasAssertion": has,
                              "hasDescription": ast.get_docstring(n) is not None, "skipLine": skip})
    visit(tree.body, [], None)
    return {"tests": tests}

out = {}
for path in sys.argv[1:]:
    out[path] = read(path)
print(json.dumps(out))
`;

export interface PythonTestsResult {
  tests: FoundTest[];
  /** One line per file Python could not parse ("tests/test_x.py: line 3: invalid syntax"). */
  errors: string[];
}

/** Reads `files` (repo-relative) under `root` with `python`; throws HealError when Python itself cannot run. */
export async function findPythonTests(root: string, files: string[], python = "python3"): Promise<PythonTestsResult> {
  if (files.length === 0) return { tests: [], errors: [] };
  const r = await start([python, "-c", SCRIPT, ...files], { cwd: root, captureStdout: true, captureStderr: true, timeoutMs: 120_000 });
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
