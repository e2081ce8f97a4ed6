// trimStack (lib/failures/records.ts): what a failure record keeps of a stack, line by line.
import { describe, expect, test } from "bun:test";
import { trimStack } from "../lib/failures/records.ts";

describe("trimStack", () => {
  test("frames indented with a tab or a no-break space are read as frames; CRLF becomes LF; message lines stay", () => {
    const stack = [
      "Error: boom",
      "  at Object.<anonymous> (/r/tests/a.test.ts:4:11)",
      "\tat x (/r/node_modules/lib/i.js:1:1)",
      "\u00a0 at y (/r/node_modules/lib/j.js:2:2)",
      "    at new Promise (<anonymous>)",
      "",
      "detail line",
    ].join("\r\n");
    expect(trimStack(stack)).toBe("Error: boom\n  at Object.<anonymous> (/r/tests/a.test.ts:4:11)\n\ndetail line");
  });

  test("a dependency's Python frame goes with the source line right under it, and only that line", () => {
    const stack = [
      "Traceback (most recent call last):",
      '  File "/r/tests/test_a.py", line 3, in test_a',
      "    helper()",
      '  File "/usr/lib/python3.11/site-packages/lib/x.py", line 9, in helper',
      '    raise ValueError("no")',
      "        still indented but not right under",
      "ValueError: no",
    ].join("\n");
    expect(trimStack(stack)).toBe(
      'Traceback (most recent call last):\n  File "/r/tests/test_a.py", line 3, in test_a\n    helper()\n        still indented but not right under\nValueError: no',
    );
    const twoDropped = [
      '  File "/usr/lib/python3.11/site-packages/lib/x.py", line 9, in helper',
      '  File "/usr/lib/python3.11/site-packages/lib/y.py", line 10, in h2',
      "    source of y",
      "end",
    ].join("\n");
    expect(trimStack(twoDropped)).toBe("end");
  });

  test("a text with nothing to drop comes back trimmed; over 60 lines the head and tail stay; a long line is cut in its middle", () => {
    const plain = "\n  E   assert 13 == 14\n/src/lib/module_0.py:100: in helper_0\n    return helper_1(value)\n\n";
    expect(trimStack(plain)).toBe("E   assert 13 == 14\n/src/lib/module_0.py:100: in helper_0\n    return helper_1(value)");
    const many = Array.from({ length: 70 }, (_, i) => `line ${i}`).join("\n");
    const kept = trimStack(many).split("\n");
    expect(kept).toHaveLength(61);
    expect([kept[0], kept[29], kept[30], kept[31], kept[60]]).toEqual(["line 0", "line 29", "… 10 more lines", "line 40", "line 69"]);
    const long = "x".repeat(1500) + "y".repeat(1500);
    expect(trimStack(`Error\n${long}\nend`)).toBe(`Error\n${"x".repeat(1000)}…${"y".repeat(1000)}\nend`);
  });
});
