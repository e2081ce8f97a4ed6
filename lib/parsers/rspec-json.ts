// RSpec's JSON formatter (`rspec --format json --out rspec.json`): examples[] with full_description,
// file_path, line_number, status (passed | failed | pending) and, when failed, exception {class, message,
// backtrace}. A spec file that cannot be loaded fails outside any example: RSpec counts it in
// summary.errors_outside_of_examples_count and says which file in messages[]; each becomes an error case.
import type { CaseStatus, TestCase } from "../types.ts";
import { capText } from "./xml-stream.ts";

interface RSpecException {
  class?: unknown;
  message?: unknown;
  backtrace?: unknown;
}

interface RSpecExample {
  description?: unknown;
  full_description?: unknown;
  status?: unknown;
  file_path?: unknown;
  line_number?: unknown;
  run_time?: unknown;
  pending_message?: unknown;
  exception?: RSpecException | null;
}

const STATUSES = new Map<string, CaseStatus>([
  ["passed", "passed"],
  ["failed", "failed"],
  ["pending", "skipped"],
]);

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export function parseRSpecJson(doc: unknown, onCase: (c: TestCase) => void): void {
  const root = doc as { examples?: unknown; messages?: unknown; summary?: { errors_outside_of_examples_count?: unknown } };
  if (!root || typeof root !== "object" || !Array.isArray(root.examples)) throw new Error("no examples[] array (not rspec --format json)");
  for (const raw of root.examples as RSpecExample[]) {
    if (!raw || typeof raw !== "object") continue;
    const status = STATUSES.get(str(raw.status) ?? "") ?? (raw.exception ? "failed" : "passed");
    const fullName = (str(raw.full_description) ?? str(raw.description) ?? "").trim() || "(unnamed example)";
    const tc: TestCase = { framework: "rspec", fullName, status };
    const file = str(raw.file_path);
    if (file) tc.file = file;
    if (typeof raw.line_number === "number" && Number.isSafeInteger(raw.line_number) && raw.line_number > 0) tc.line = raw.line_number;
    if (typeof raw.run_time === "number" && Number.isFinite(raw.run_time)) tc.durationMs = Math.round(raw.run_time * 1e6) / 1e3;
    const ex = raw.exception;
    if (status === "failed" && ex && typeof ex === "object") {
      const type = str(ex.class)?.trim();
      const message = str(ex.message)?.trim();
      tc.message = capText(type && message ? `${type}: ${message}` : (message ?? type));
      const backtrace = Array.isArray(ex.backtrace) ? ex.backtrace.filter((l): l is string => typeof l === "string") : [];
      const stack = [message, ...backtrace].filter(Boolean).join("\n");
      if (stack) tc.stack = capText(stack);
    } else if (status === "skipped") {
      const reason = str(raw.pending_message)?.trim();
      if (reason) tc.message = capText(reason);
    }
    onCase(tc);
  }
  // "An error occurred while loading ./spec/broken_spec.rb." then "Failure/Error: <line>", "<Class>:", its message.
  const outside = root.summary?.errors_outside_of_examples_count;
  if (typeof outside === "number" && outside > 0 && Array.isArray(root.messages)) {
    for (const m of root.messages) {
      const text = str(m)?.trim();
      if (!text || !text.startsWith("An error occurred")) continue;
      const file = /^An error occurred while loading (\S+?)\.?(?:\s|$)/.exec(text)?.[1];
      const lines = text.split("\n");
      const at = lines.findIndex((l) => /^[A-Z][\w:]*:\s*$/.test(l));
      const cause =
        at !== -1 ? `${lines[at]!.trim()} ${lines[at + 1]?.trim() ?? ""}`.trim() : lines.find((l) => l.startsWith("Failure/Error:"));
      const tc: TestCase = { framework: "rspec", fullName: file ?? lines[0]!, status: "error" };
      if (file) tc.file = file;
      tc.message = capText(cause ?? lines[0]);
      tc.stack = capText(text);
      onCase(tc);
    }
  }
}
