// bun test's console output, for what its JUnit report leaves out: a test file that fails to load
// (import error, syntax error) is printed as "# Unhandled error between tests" under the file's header and
// is absent from the XML. Only those blocks are read; test results come from the JUnit report.
import { splitMessage } from "../location.ts";
import type { TestCase } from "../types.ts";

const FILE_HEADER = /^(\S[^\s]*\.(?:[cm]?[jt]sx?)):$/;
const UNHANDLED = /^# Unhandled error between tests/;
const RULE = /^-{5,}$/;

export class BunConsoleParser {
  private file: string | undefined;
  private state: "idle" | "header" | "body" = "idle";
  private body: string[] = [];
  private sawBun = false;

  constructor(private readonly onCase: (c: TestCase) => void) {}

  line(raw: string): void {
    const text = raw.replace(/\r$/, "").replace(/\u001b\[[0-9;]*m/g, "");
    if (/^bun test v\d/.test(text) || /^\(fail\) |^\(pass\) |^ \d+ (pass|fail)$/.test(text)) this.sawBun = true;
    if (this.state === "idle") {
      const header = FILE_HEADER.exec(text);
      if (header) this.file = header[1];
      else if (UNHANDLED.test(text)) {
        this.sawBun = true;
        this.state = "header";
      }
      return;
    }
    if (this.state === "header") {
      if (RULE.test(text)) this.state = "body";
      return;
    }
    if (RULE.test(text)) {
      this.emit();
      return;
    }
    this.body.push(text);
  }

  private emit(): void {
    const text = this.body.join("\n").trim();
    this.body = [];
    this.state = "idle";
    if (!text) return;
    // bun prints the source excerpt first, then `error: <message>`, then frames.
    const errorAt = text.search(/^(error|\w*Error): /m);
    const fromError = errorAt >= 0 ? text.slice(errorAt) : text;
    const { message } = splitMessage(fromError.replace(/^error: /, ""));
    this.onCase({
      framework: "bun",
      fullName: this.file ?? "(unhandled error between tests)",
      file: this.file,
      status: "error",
      message,
      stack: text,
    });
  }

  end(): void {
    if (this.state === "body") this.emit();
    if (!this.sawBun) throw new Error("no bun test output found");
  }
}
