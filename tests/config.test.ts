import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { defaultConfig, loadConfig, parseConfig, splitCommand } from "../lib/config.ts";
import { HealError } from "../lib/errors.ts";
import { tempFolders } from "./support/temp-folders.ts";
import { healErrorOf } from "./support/heal-error.ts";

const folder = tempFolders();
const repoWithConfig = (text?: string): string => folder(text === undefined ? {} : { ".agent/heal/config.yaml": text });

describe("loadConfig", () => {
  test("a repo without a config gets the documented defaults", async () => {
    const config = await loadConfig(repoWithConfig());
    expect(config.agent.mention).toBe("@claude");
    expect(config.agent.maxAttempts).toBe(3);
    expect(config.agent.handoff).toBe("auto");
    expect(config.agent.dispatchEventType).toBe("heal-agent");
    expect(config.agent.tokenEnv).toBe("HEAL_AGENT_TOKEN");
    expect(config.agent.branchPrefix).toBe("claude/issue-");
    expect(config.labels).toEqual({
      healing: ["auto-healing", "bug", "tdd"],
      coverage: ["auto-healing", "test-quality"],
      needsHuman: "needs-human",
      paused: "heal:paused",
    });
    expect(config.branches).toEqual(["dev", "prod"]);
    expect(config.coverage.threshold).toBe(80);
    expect(config.reportsDir).toBe(".agent/reports");
    expect(config.tasksDir).toBe(".agent/tasks");
    expect(config.stacks).toBeNull();
    expect(config.verify.closeOn).toBe("pass");
    expect(config.source).toBeNull();
  });

  test("fields given in snake_case YAML override the defaults, the rest stay", async () => {
    const dir = repoWithConfig(
      [
        "agent:",
        "  mention: '@my-org/fixers'",
        "  max_attempts: 5",
        "labels:",
        "  healing: [healing]",
        "coverage:",
        "  threshold: 90",
        "reports_dir: out/heal/",
        "runner:",
        "  python: /opt/py/bin/python",
        "stacks:",
        "  - framework: pytest",
        "    command: python3 -m pytest -q",
        "    cwd: ./backend",
        "  - id: web",
        "    framework: vitest",
        "    command: [npx, vitest, run]",
        "templates:",
        "  issue.md: .github/heal-issue.md",
      ].join("\n"),
    );
    const config = await loadConfig(dir);
    expect(config.agent.mention).toBe("@my-org/fixers");
    expect(config.agent.maxAttempts).toBe(5);
    expect(config.agent.handoff).toBe("auto");
    expect(config.labels.healing).toEqual(["healing"]);
    expect(config.labels.paused).toBe("heal:paused");
    expect(config.coverage.threshold).toBe(90);
    expect(config.reportsDir).toBe("out/heal");
    expect(config.runner.python).toBe("/opt/py/bin/python");
    expect(config.stacks).toEqual([
      { framework: "pytest", command: ["python3", "-m", "pytest", "-q"], cwd: "backend" },
      { id: "web", framework: "vitest", command: ["npx", "vitest", "run"], cwd: "." },
    ]);
    expect(config.templates).toEqual({ "issue.md": ".github/heal-issue.md" });
    expect(config.source).toBe(".agent/heal/config.yaml");
  });

  test("a typo such as `lables:` fails in one line naming the file, the line and the field", async () => {
    const dir = repoWithConfig("agent:\n  mention: '@claude'\nlables:\n  healing: [x]\n");
    const err = await loadConfig(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HealError);
    const e = err as HealError;
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.file).toBe(".agent/heal/config.yaml");
    expect(e.oneLine()).toStartWith('.agent/heal/config.yaml: line 3: unknown field "lables" (did you mean "labels"?)');
    expect(e.oneLine()).not.toContain("\n");
  });

  test("a nested unknown field and a wrong enum value name the full field path", () => {
    expect(healErrorOf(() => parseConfig("agent:\n  mentoin: '@x'\n")).message).toBe(
      'line 2: unknown field "agent.mentoin" (did you mean "mention"?)',
    );
    expect(healErrorOf(() => parseConfig("agent:\n  handoff: email\n")).message).toBe(
      'line 2: field "agent.handoff" must be one of "auto", "token", "dispatch", "none"',
    );
    expect(healErrorOf(() => parseConfig("stacks:\n  - framework: bun\n    command: bun test\n    cwd: ../outside\n")).message).toBe(
      'line 4: field "stacks[0].cwd" must be a path inside the repository',
    );
    expect(healErrorOf(() => parseConfig("stacks:\n  - framework: junit\n    command: make test\n    report: /etc/passwd\n")).message).toBe(
      'line 4: field "stacks[0].report" must be a path inside the repository',
    );
    expect(healErrorOf(() => parseConfig("templates:\n  isue.md: x.md\n")).message).toContain('"templates.isue.md" is not a template name');
  });

  test("invalid YAML is CONFIG_UNREADABLE; an alias bomb or a custom tag is refused, not expanded", () => {
    const bad = healErrorOf(() => parseConfig("agent: [unclosed\n"));
    expect(bad.code).toBe("CONFIG_UNREADABLE");
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 12; i++)
      bomb.push(`${"b".repeat(i + 1)}: &b${i} [${(i === 0 ? "*a" : `*b${i - 1}`) + `, *${i === 0 ? "a" : `b${i - 1}`}`.repeat(9)}]`);
    const e = healErrorOf(() => parseConfig(bomb.join("\n")));
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.message).toContain("alias");
    expect(healErrorOf(() => parseConfig("agent: !!js/function 'x'\n")).oneLine()).toContain(".agent/heal/config.yaml: ");
  });

  test("an agent mention must be one handle (or empty to mention nobody)", () => {
    expect(parseConfig("agent:\n  mention: ''\n").agent.mention).toBe("");
    expect(healErrorOf(() => parseConfig("agent:\n  mention: '@claude please fix'\n")).code).toBe("CONFIG_INVALID");
  });

  test("the defaults object is fresh each time (callers may mutate it)", () => {
    const a = defaultConfig();
    a.labels.healing.push("x");
    expect(defaultConfig().labels.healing).toEqual(["auto-healing", "bug", "tdd"]);
  });
});

describe("splitCommand", () => {
  test("splits on spaces, quotes group words, no shell expansion", () => {
    expect(splitCommand("python3 -m pytest -k 'login and not slow'  tests/")).toEqual([
      "python3",
      "-m",
      "pytest",
      "-k",
      "login and not slow",
      "tests/",
    ]);
    expect(splitCommand("echo \"$HOME\" ''")).toEqual(["echo", "$HOME", ""]);
    expect(() => splitCommand("echo 'oops")).toThrow(HealError);
  });
});
