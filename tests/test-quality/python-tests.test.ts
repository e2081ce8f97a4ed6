// Reading Python tests with python3's ast: unittest classes, class-level skips, helpers through helpers, and
// what is not a test.
import { afterAll, describe, expect, test } from "bun:test";
import { findPythonTests } from "../../lib/test-quality/python-tests.ts";
import { createSampleRepo } from "../support/sample-repo.ts";

const SRC = `import unittest
import pytest


def _check(x):
    assert x


def verify(x):
    _check(x)


class TestHelpers:
    def test_verifies_through_two_helpers(self):
        verify(1)

    def helper_not_a_test(self):
        pass


@unittest.skip("moved")
class CartCase(unittest.TestCase):
    def test_cart_total_is_summed(self):
        self.assertEqual(1 + 1, 2)


class Other:
    def test_ignored_outside_a_test_class(self):
        pass


async def test_async_fetch_returns_the_body():
    with pytest.warns(UserWarning):
        pass
`;

const repo = createSampleRepo({ "tests/test_cases.py": SRC }, { nodeModules: false, git: false });
afterAll(() => repo.cleanup());

describe("findPythonTests", () => {
  test("module functions and methods of Test* and TestCase classes; a class skip applies to its methods; helpers are followed", async () => {
    const r = await findPythonTests(repo.dir, ["tests/test_cases.py"]);
    expect(r.errors).toEqual([]);
    expect(r.tests.map((t) => [t.line, [...t.scope, t.title].join("::"), t.hasAssertion, t.skipLine, t.hasDescription])).toEqual([
      [14, "TestHelpers::test_verifies_through_two_helpers", true, null, false],
      [23, "CartCase::test_cart_total_is_summed", true, 21, false],
      [32, "test_async_fetch_returns_the_body", true, null, false],
    ]);
  });

  test("a python that cannot run is CONFIG_INVALID naming runner.python", async () => {
    await expect(findPythonTests(repo.dir, ["tests/test_cases.py"], "/nonexistent/python3")).rejects.toThrow(
      "runner.python: /nonexistent/python3 could not read the Python tests",
    );
  });
});
