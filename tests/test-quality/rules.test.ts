// The vague-name rule's definition: fewer than two meaningful words once numbers and filler words are dropped.
import { describe, expect, test } from "bun:test";
import { isVagueTitle, meaningfulWords } from "../../lib/test-quality/rules.ts";

describe("isVagueTitle", () => {
  test("the SOP's bad names and the usual placeholders are vague", () => {
    for (const t of [
      "test1",
      "it works",
      "test",
      "should work",
      "test_login",
      "test_login_2",
      "test_auth",
      "works correctly",
      "basic",
      "parses",
    ])
      expect([t, isVagueTitle(t)]).toEqual([t, true]);
  });

  test("the SOP's good names and short real scenarios are not", () => {
    for (const t of [
      "test_login_returns_jwt_when_credentials_are_valid",
      "test_login_returns_401_when_password_is_wrong",
      "adds two numbers",
      "rejectsEmptyPassword",
      "applies the ${kind} discount",
    ])
      expect([t, isVagueTitle(t)]).toEqual([t, false]);
  });

  test("words split on camelCase, underscores and digits; substitutions are not words", () => {
    expect(meaningfulWords("test_loginReturns401_whenWrong ${x}")).toEqual(["login", "returns", "when", "wrong"]);
  });
});
