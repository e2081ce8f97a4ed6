// xUnit.net v2 XML (`dotnet test --logger xunit`, `xunit.console -xml`, Fixie and other .NET runners that
// write its schema): <assemblies><assembly><collection><test name type method result> with a <failure
// exception-type> holding <message> and <stack-trace>, a skip's <reason>, and assembly-level <errors>
// (class or collection cleanup that failed). Emits one TestCase per <test> and one error per <error>.
import { HealError } from "../errors.ts";
import type { CaseStatus, TestCase } from "../types.ts";
import { BoundedText, capText, IGNORE_DTD, ownCase, secondsToMs, streamXml } from "./xml-stream.ts";

/** xUnit.net `result` values -> our status (a Map: report text is never an object key). */
const RESULTS = new Map<string, CaseStatus>([
  ["pass", "passed"],
  ["fail", "failed"],
  ["skip", "skipped"],
  ["notrun", "skipped"],
]);

interface OpenTest {
  attrs: Record<string, string>;
  /** <test>, or an assembly-level <error>. */
  kind: "test" | "error";
  depth: number;
  exceptionType?: string;
  message?: BoundedText;
  stack?: BoundedText;
  reason?: BoundedText;
  capture?: BoundedText;
}

export async function parseXunitNetFile(path: string, onCase: (c: TestCase) => void): Promise<void> {
  let root: string | undefined;
  let current: OpenTest | undefined;
  await streamXml(
    path,
    {
      onOpen(name, attrs) {
        if (!root) {
          root = name;
          if (name !== "assemblies" && name !== "assembly")
            throw new HealError(
              "REPORT_UNREADABLE",
              `root element <${name.slice(0, 60)}> is not xUnit.net XML (expected <assemblies> or <assembly>)`,
              path,
            );
        }
        if (!current) {
          if (name === "test") current = { attrs, kind: "test", depth: 0 };
          else if (name === "error") current = { attrs, kind: "error", depth: 0 };
          return;
        }
        const c = current;
        c.depth++;
        if (c.depth === 1 && name === "failure") c.exceptionType = attrs["exception-type"];
        else if (c.depth === 1 && name === "reason") c.capture = c.reason ??= new BoundedText();
        else if (c.depth === 2 && name === "message") c.capture = c.message ??= new BoundedText();
        else if (c.depth === 2 && name === "stack-trace") c.capture = c.stack ??= new BoundedText();
      },
      onClose(name) {
        const c = current;
        if (!c) return;
        if (c.depth === 0 && (name === "test" || name === "error")) {
          const tc = toCase(c);
          onCase(tc.status === "passed" ? tc : ownCase(tc)); // see own() in xml-stream.ts
          current = undefined;
          return;
        }
        c.capture = undefined;
        c.depth--;
      },
      onText(text) {
        current?.capture?.append(text);
      },
      wantsText: () => current?.capture !== undefined,
    },
    IGNORE_DTD,
  );
}

/** xUnit's default display name is "Type.Method(args)"; a custom one ([Fact(DisplayName)]) is put under its type. */
function testName(a: Record<string, string>): string {
  const name = a.name?.trim() || a.method?.trim() || "(unnamed test)";
  const type = a.type?.trim();
  return type && !name.startsWith(`${type}.`) ? `${type} > ${name}` : name;
}

function toCase(c: OpenTest): TestCase {
  const a = c.attrs;
  const status: CaseStatus =
    c.kind === "error" ? "error" : (RESULTS.get((a.result ?? "").toLowerCase()) ?? (c.exceptionType || c.message ? "failed" : "passed"));
  // An <error> names what failed around the tests: "test-class-cleanup" of a class, a collection, the assembly.
  const fullName = c.kind === "error" ? `${a.type ?? "error"}: ${a.name?.trim() || "(unnamed)"}` : testName(a);
  const tc: TestCase = { framework: "xunit", fullName, status };
  if (a["source-file"]) tc.file = a["source-file"];
  const line = Number(a["source-line"]);
  if (Number.isSafeInteger(line) && line > 0) tc.line = line;
  let message = (status === "skipped" ? c.reason : c.message)?.toString().replace(/\r\n?/g, "\n").trim();
  const type = c.exceptionType?.trim();
  // The exception type stays with the message ("Xunit.Sdk.EqualException: Assert.Equal() Failure").
  if (status !== "skipped" && type && (!message || !message.startsWith(type))) message = message ? `${type}: ${message}` : type;
  if (message) tc.message = capText(message);
  const stack = c.stack?.toString().replace(/\r\n?/g, "\n").trimEnd();
  if (stack && status !== "passed") tc.stack = stack;
  const durationMs = secondsToMs(a.time);
  if (durationMs !== undefined) tc.durationMs = durationMs;
  return tc;
}
