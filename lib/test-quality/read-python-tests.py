# Prints, as JSON, the tests of each Python file named on the command line (lib/test-quality/python-tests.ts).
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
