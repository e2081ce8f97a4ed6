// Every text people and the agent read is a template: each name in TEMPLATE_NAMES has its file, is documented
// in templates/README.md with its variables, and is exactly what the config schema's `templates:` accepts.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Liquid } from "liquidjs";
import { defaultConfig, parseConfig } from "../../lib/config.ts";
import { HealError } from "../../lib/errors.ts";
import { cutNotice, issueCloseText, issueUpdateText, retryNoticeText, taskLinkText } from "../../lib/github/texts.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { TEMPLATE_NAMES } from "../../lib/render.ts";

const templates = join(TOOLKIT_ROOT, "templates");
const readme = readFileSync(join(templates, "README.md"), "utf8");
const schema = JSON.parse(readFileSync(join(TOOLKIT_ROOT, "schemas/config.schema.json"), "utf8"));
const src = (files: Record<string, string> = {}) => {
  const root = mkdtempSync(join(tmpdir(), "heal-texts-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return { root, config: defaultConfig() };
};

describe("template names are listed once", () => {
  test("each name has its file in templates/, and every file there (but README, config.yaml, metrics.md) is a name", () => {
    for (const name of TEMPLATE_NAMES) expect(existsSync(join(templates, name))).toBe(true);
    const files = readdirSync(templates, { withFileTypes: true })
      .filter((e) => e.isFile() && !["README.md", "config.yaml", "metrics.md"].includes(e.name))
      .map((e) => e.name);
    expect(files.sort()).toEqual([...TEMPLATE_NAMES].sort());
  });

  test("the config schema's templates: accepts exactly these names, in this order", () => {
    expect(schema.properties.templates.propertyNames.enum).toEqual([...TEMPLATE_NAMES]);
    for (const name of TEMPLATE_NAMES) expect(parseConfig(`templates:\n  ${name}: ci/${name}\n`).templates[name]).toBe(`ci/${name}`);
    const e = (() => {
      try {
        parseConfig("templates:\n  handoff.txt: ci/handoff.txt\n");
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(HealError);
    expect((e as HealError).message).toContain(`field "templates.handoff.txt" is not a template name`);
  });

  test("each name is documented in templates/README.md, and every variable a template reads is named there", () => {
    const liquid = new Liquid();
    // Loop variables and locals are not context variables.
    const locals = new Set(["f", "t", "p", "id", "forloop", "g", "r", "name", "test", "file", "rc", "row"]);
    for (const name of TEMPLATE_NAMES) {
      expect(readme).toContain(`\`${name}\``);
      if (name === "task.yaml") continue; // YAML with Liquid only inside string values: its variables are listed in prose
      const text = readFileSync(join(templates, name), "utf8");
      const headerOf = (t: string) => /\{%-?\s*comment\s*-?%\}([\s\S]*?)\{%-?\s*endcomment\s*-?%\}/.exec(t)?.[1] ?? "";
      let header = headerOf(text);
      // "Variables: as in verify-fail.md" documents them by reference.
      for (const [, other] of header.matchAll(/as in ([\w.-]+\.md)/g)) header += headerOf(readFileSync(join(templates, other!), "utf8"));
      for (const v of liquid.globalVariablesSync(text)) {
        if (locals.has(v)) continue;
        // Documented in the README's tables or in the template's own header comment.
        expect({ name, v, documented: readme.includes(`\`${v}\``) || header.includes(v) }).toEqual({ name, v, documented: true });
      }
    }
  });
});

describe("the texts rendered from them", () => {
  test("issue-close.md and issue-update.md as the toolkit ships them", () => {
    const s = src();
    expect(issueCloseText(s, { branch: "`dev`", commit_short: "0123456789ab", run_url: "https://x/run/1" })).toBe(
      "✅ All tests pass on `dev` at `0123456789ab` ([run](https://x/run/1)). Closing this healing issue.",
    );
    expect(
      issueUpdateText(s, {
        branch: "`dev`",
        commit_short: "",
        run_url: "",
        failure_count: 2,
        new_failures: [{ name: "math > adds", location: "`src/a.test.ts:3`", message: "expected 2", id: "aaaaaaaaaaaa" }],
        new_unlisted: 1,
        fixed: ["bbbbbbbbbbbb", "cccccccccccc"],
        fixed_unlisted: 0,
        earlier_count: null,
      }),
    ).toBe(
      [
        "🔁 The failing tests on `dev` changed: 2 failing now.",
        "",
        "**Newly failing (2):**",
        "",
        "- **math > adds** — `src/a.test.ts:3`: expected 2 (`aaaaaaaaaaaa`)",
        "- …and 1 more (failures.json in the run's artifacts)",
        "",
        "**Now passing (2):** `bbbbbbbbbbbb`, `cccccccccccc`",
      ].join("\n"),
    );
  });

  test("retry-notice.md and cut-notice.md say each case in its own words", () => {
    const s = src();
    expect(retryNoticeText(s, { via: "cap", reason: "daily cap reached", event_type: "heal-agent" })).toBe(
      "The agent is not asked again today: daily cap reached. Ask it again in a comment, or wait for the next verification.",
    );
    expect(retryNoticeText(s, { via: "none", reason: "agent.handoff is none", event_type: "heal-agent" })).toBe(
      "The agent is not asked again: agent.handoff is none.",
    );
    expect(cutNotice(s, "verification", "verify.json")).toBe("_Cut here: the full result is verify.json in the run's artifacts._");
    expect(cutNotice(s, "coverage", "coverage.json", ".agent/reports")).toBe(
      "> [!NOTE]\n> This list was cut to GitHub's size limit: every file is in coverage.json (the run's `.agent/reports` artifact).",
    );
  });

  test("a repository's override is used; the task link stays on one line whatever the template says", () => {
    const s = src({ ".agent/heal/templates/task-link.md": "Task:\n[{{ path }}]({{ url }})\n" });
    expect(taskLinkText(s, { path: "a.yaml", url: "https://x/a.yaml" })).toBe("Task: [a.yaml](https://x/a.yaml)");
    const typo = src({ ".agent/heal/templates/issue-close.md": "{{ brnach }}\n" });
    expect(() => issueCloseText(typo, { branch: "`dev`", commit_short: "", run_url: "" })).toThrow(HealError);
  });
});
