// Sample repositories for task test-quality: JS/TS and Python test files with one case of every rule, and a
// real git history whose first commit is OLD_DAYS old, so the skip ages git blame gives are real.
import { spawnSync } from "node:child_process";
import { createSampleRepo, type SampleRepo } from "../support/sample-repo.ts";

export const OLD_DAYS = 100;

export const CART_TEST = `import { describe, expect, it, test } from "vitest";

const sum = (a: number, b: number): number => a + b;

function checkTotal(items: number[], total: number): void {
  expect(items.reduce(sum, 0)).toBe(total);
}

describe("cart totals", () => {
  it("adds the prices of every item", () => {
    checkTotal([1, 2], 3);
  });

  it("works", () => {
    expect(sum(1, 1)).toBe(2);
  });

  test("returns zero for an empty cart", () => {
    const total = sum(0, 0);
    // expect(total).toBe(0);
    /* expect(total).toBe(0); */
    const note = "expect(total) is not called } here";
  });

  describe("discounts", () => {
    for (const kind of ["member", "staff"]) {
      test(\`applies the \${kind} discount to the total\`, () => {
        expect(sum(kind.length, 0)).toBeGreaterThan(0);
      });
    }
    test(\`keeps { braces } and \\\` backticks in a static name\`, () => {
      expect(/}/.test("}")).toBe(true);
    });
    test("keeps { braces } and \` backticks in a static name", () => {
      expect(1).toBe(1);
    });
  });

  it.skip("charges shipping for heavy parcels", () => {
    expect(sum(1, 2)).toBe(3);
  });

  it("", () => {
    expect(sum(2, 2)).toBe(4);
  });
});
`;

export const CHECKOUT_TEST = `import { describe, expect, it } from "vitest";

describe("cart totals", () => {
  it("adds the prices of every item", () => {
    expect(1 + 2).toBe(3);
  });
});
`;

export const LOGIN_TEST = `import pytest


def check_token(response):
    assert "token" in response


def test_login_returns_token_when_credentials_are_valid():
    """GIVEN valid credentials WHEN logging in THEN a token comes back."""
    check_token({"token": "abc"})


def test_login():
    result = {"token": "x"}
    # assert result


def test_login_rejects_wrong_password():
    """A wrong password raises."""
    with pytest.raises(ValueError):
        raise ValueError("wrong password")


@pytest.mark.skip(reason="flaky")
def test_logout_clears_the_session_cookie():
    """Logging out clears the cookie."""
    assert True


class TestRefresh:
    def test_refresh_extends_the_session(self):
        """Refreshing extends the session."""
        pytest.skip("not ready")
        assert False

    def test_refresh_extends_the_session(self):
        """Same name: the first one never runs."""
        assert 1 == 1
`;

/** Added by the second, recent commit: its skip is young. */
export const RECENT_SKIP = `
describe("returns", () => {
  xit("refunds the full price within thirty days", () => {
    expect(true).toBe(true);
  });
});
`;

/** 1-based line of the `nth` occurrence of `needle` in `text`. */
export function lineOf(text: string, needle: string, nth = 1): number {
  let at = -1;
  for (let k = 0; k < nth; k++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`${needle} not found ${nth} times`);
  }
  return text.slice(0, at).split("\n").length;
}

/** The samples in a repository: everything committed OLD_DAYS before `now`, then RECENT_SKIP committed at `now`. */
export function createQualityRepo(now: number): SampleRepo {
  const repo = createSampleRepo({}, { nodeModules: false, git: false });
  const commit = (when: number, message: string) => {
    const date = `@${when} +0000`;
    for (const args of [
      ["add", "-A"],
      ["commit", "-qm", message],
    ]) {
      const r = spawnSync("git", args, {
        cwd: repo.dir,
        encoding: "utf8",
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: "Sample Dev",
          GIT_AUTHOR_EMAIL: "dev@example.com",
          GIT_COMMITTER_NAME: "Sample Dev",
          GIT_COMMITTER_EMAIL: "dev@example.com",
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_AUTHOR_DATE: date,
          GIT_COMMITTER_DATE: date,
        },
      });
      if (r.status !== 0) throw new Error(r.stderr);
    }
  };
  repo.git("init", "-q", "-b", "dev");
  repo.write({ "src/cart.test.ts": CART_TEST, "src/checkout.test.ts": CHECKOUT_TEST, "tests/test_login.py": LOGIN_TEST });
  commit(now - OLD_DAYS * 86_400, "tests");
  repo.write({ "src/cart.test.ts": CART_TEST + RECENT_SKIP });
  commit(now, "returns");
  return repo;
}
