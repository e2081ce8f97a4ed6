import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SaxesParser } from "saxes";
import type { RunnableStack } from "../lib/detect.ts";
import { fakeSecrets, unsafePytestProject, unsafeValues } from "./e2e/unsafe-strings.ts";
import { defaultConfig } from "../lib/config.ts";
import { planRun, redactFile, redactReportText, runnerEnvDeny, runStack, runStacks, TAIL_LINES } from "../lib/runners/index.ts";
import { TOOLKIT_ROOT } from "../lib/paths.ts";
import { tempFolders } from "./support/temp-folders.ts";

// These tests start real runners and scripts; a loaded CI machine needs more than bun's 5 s default.
setDefaultTimeout(60_000);

const repo = tempFolders();

const RAW = ".agent/reports/raw";
const stack = (over: Partial<RunnableStack>): RunnableStack => ({ id: "s", framework: "bun", cwd: ".", command: ["bun", "test"], ...over });
const quiet = () => {
  const chunks: string[] = [];
  return { echo: (s: string) => void chunks.push(s), text: () => chunks.join("") };
};

describe("planRun", () => {
  test("adds each runner's reporter flags and names the report it writes", () => {
    const R = "/r";
    expect(planRun(stack({ id: "bun" }), R, RAW)).toEqual({
      argv: ["bun", "test", "--reporter=junit", "--reporter-outfile=/r/.agent/reports/raw/bun.xml"],
      report: ".agent/reports/raw/bun.xml",
      reportIsStdout: false,
      // bun prints a test file that fails to load only on the console.
      consoleLog: ".agent/reports/raw/bun.console.txt",
    });
    expect(planRun(stack({ id: "vitest", framework: "vitest", command: ["node_modules/.bin/vitest", "run"] }), R, RAW).argv).toEqual([
      "node_modules/.bin/vitest",
      "run",
      "--reporter=default",
      "--reporter=junit",
      "--outputFile.junit=/r/.agent/reports/raw/vitest.xml",
    ]);
    // jest and pytest get their report options through the environment: the tests' argv stays the user's.
    expect(
      planRun(stack({ id: "jest-web", framework: "jest", cwd: "web", command: ["npx", "jest"] }), R, RAW, {
        NODE_OPTIONS: "--max-old-space-size=4096",
      }),
    ).toEqual({
      argv: ["npx", "jest"],
      report: ".agent/reports/raw/jest-web.json",
      reportIsStdout: false,
      reportSeries: true,
      env: {
        NODE_OPTIONS: `--max-old-space-size=4096 --require ${join(TOOLKIT_ROOT, "lib/runners/jest-report.cjs")}`,
        HEAL_JEST_OUTPUT_FILE: "/r/.agent/reports/raw/jest-web.json",
      },
    });
    expect(
      planRun(stack({ id: "pytest", framework: "pytest", command: ["/usr/bin/python3", "-m", "pytest"] }), R, RAW, {
        PYTEST_ADDOPTS: "-p no:cacheprovider",
      }),
    ).toEqual({
      argv: ["/usr/bin/python3", "-m", "pytest"],
      report: ".agent/reports/raw/pytest.xml",
      reportIsStdout: false,
      interruptOnTimeout: true,
      env: {
        PYTEST_ADDOPTS:
          "-p no:cacheprovider --junitxml=/r/.agent/reports/raw/pytest.xml -o junit_family=xunit1 --continue-on-collection-errors",
      },
    });
    expect(planRun(stack({ id: "tf", framework: "terraform", cwd: "infra", command: ["terraform", "validate"] }), R, RAW)).toEqual({
      argv: ["terraform", "validate", "-json", "-no-color"],
      report: ".agent/reports/raw/tf.json",
      reportIsStdout: true,
    });
    expect(
      planRun(stack({ id: "own", framework: "junit", cwd: "app", command: ["make", "test"], report: "out/junit.xml" }), R, RAW),
    ).toEqual({
      argv: ["make", "test"],
      report: "app/out/junit.xml",
      reportIsStdout: false,
    });
  });
});

describe("runStack", () => {
  test("a runner that crashes without a report still gets its record: exit code and output tail", async () => {
    const dir = repo();
    const out = quiet();
    const run = await runStack(
      stack({ framework: "pytest", command: ["sh", "-c", 'echo "Segmentation fault while loading"; exit 3', "sh"] }),
      {
        repoRoot: dir,
        rawDir: RAW,
        echo: out.echo,
      },
    );
    expect(run.exitCode).toBe(3);
    expect(run.signal).toBeNull();
    expect(run.reports).toEqual([]);
    expect(run.outputTail).toBe("Segmentation fault while loading");
    expect(out.text()).toContain("Segmentation fault while loading");
    expect(run.argv.slice(0, 3)).toEqual(["sh", "-c", 'echo "Segmentation fault while loading"; exit 3']);
  });

  test("a missing runner is exit 127 with `command not found`, not a thrown error", async () => {
    const run = await runStack(stack({ command: ["no-such-runner-xyz"] }), { repoRoot: repo(), rawDir: RAW, echo: quiet().echo });
    expect(run.exitCode).toBe(127);
    expect(run.outputTail).toBe("no-such-runner-xyz: command not found");
  });

  test("a hung runner is stopped at the timeout and recorded with its signal", async () => {
    const started = Date.now();
    const run = await runStack(stack({ command: ["sh", "-c", "echo started; sleep 30", "sh"] }), {
      repoRoot: repo(),
      rawDir: RAW,
      timeoutMs: 300,
      echo: quiet().echo,
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(run.signal).toBe("SIGTERM");
    expect(run.exitCode).toBeNull();
    expect(run.outputTail).toContain("started");
    expect(run.outputTail).toContain("stopped after 0s (runner.timeout_minutes)");
  });

  test("the tail is the last lines, colour codes stripped, secrets redacted", async () => {
    const token = `ghp_${"Ab1".repeat(13)}`;
    const script = `i=1; while [ $i -le 500 ]; do echo "line $i"; i=$((i+1)); done; printf '\\033[31mred ${token}\\033[0m\\n'; exit 1`;
    // One stream only: stdout and stderr are separate pipes, so their relative order in the tail is not fixed.
    const run = await runStack(stack({ command: ["sh", "-c", script, "sh"] }), { repoRoot: repo(), rawDir: RAW, echo: quiet().echo });
    const lines = run.outputTail.split("\n");
    expect(lines.length).toBe(TAIL_LINES);
    expect(lines[0]).toBe("line 442");
    expect(lines.at(-2)).toBe("line 500");
    expect(lines.at(-1)).toStartWith("red ");
    expect(run.outputTail).not.toContain(token);
    expect(run.outputTail).not.toContain("\x1b[");
  });

  test("bun test: the junit report is written and the console output still streams", async () => {
    const dir = repo({
      "math.test.ts": 'import { test, expect } from "bun:test";\ntest("adds", () => { expect(1 + 1).toBe(3); });\ntest("ok", () => {});\n',
    });
    const out = quiet();
    const run = await runStack(stack({ id: "bun", command: ["bun", "test"] }), { repoRoot: dir, rawDir: RAW, echo: out.echo });
    expect(run.exitCode).toBe(1);
    expect(run.reports).toEqual([".agent/reports/raw/bun.xml", ".agent/reports/raw/bun.console.txt"]);
    expect(readFileSync(join(dir, ".agent/reports/raw/bun.console.txt"), "utf8")).toContain("(fail) adds");
    const xml = readFileSync(join(dir, ".agent/reports/raw/bun.xml"), "utf8");
    expect(xml).toContain('<testcase name="adds"');
    expect(out.text()).toContain("(fail) adds");
    expect(out.text()).toContain("(pass) ok");
  });

  test("an earlier run's report is removed first, so a crash never reuses it", async () => {
    const dir = repo({ [`${RAW}/bun.xml`]: "<testsuites/>" });
    const run = await runStack(stack({ id: "bun", command: ["sh", "-c", "exit 2", "sh"] }), {
      repoRoot: dir,
      rawDir: RAW,
      echo: quiet().echo,
    });
    expect(run.reports).toEqual([]); // no XML, and an empty console log is not a report
    expect(existsSync(join(dir, RAW, "bun.xml"))).toBe(false);
  });

  test("terraform validate -json goes to raw/<id>.json; diagnostics are echoed with file:line", async () => {
    const dir = repo({ "infra/main.tf": 'variable "x" {\n  default = 1 +\n}\n' });
    const out = quiet();
    const runs = await runStacks(
      [stack({ id: "terraform-infra", framework: "terraform", cwd: "infra", command: ["terraform", "validate"] })],
      {
        repoRoot: dir,
        rawDir: RAW,
        echo: out.echo,
      },
    );
    const run = runs.runs[0]!;
    if (Bun.which("terraform")) {
      expect(run.exitCode).toBe(1);
      expect(run.reports).toEqual([".agent/reports/raw/terraform-infra.json"]);
      const v = JSON.parse(readFileSync(join(dir, run.reports[0]!), "utf8"));
      expect(v.valid).toBe(false);
      expect(v.diagnostics[0].summary).toBe("Invalid expression");
      expect(out.text()).toContain("infra/main.tf:2: error: Invalid expression");
    } else {
      // This machine has no terraform: the run is still recorded, as a missing runner.
      expect(run.exitCode).toBe(127);
      expect(run.reports).toEqual([]);
    }
  });

  test("test output is untrusted: the live log and the raw reports carry no secret and no workflow command", async () => {
    const token = `ghp_${"Qw3".repeat(13)}`;
    const dir = repo({
      "leak.test.ts": [
        'import { test, expect } from "bun:test";',
        `test("uses ${token}", () => {`,
        '  console.log("::add-mask::x");',
        '  console.log("::error file=a.ts::forged annotation");',
        `  expect("${token}").toBe("other");`,
        "});",
      ].join("\n"),
    });
    const out = quiet();
    const run = await runStack(stack({ id: "bun" }), { repoRoot: dir, rawDir: RAW, echo: out.echo });
    expect(run.exitCode).toBe(1);
    expect(out.text()).toContain("(fail) uses [REDACTED");
    expect(out.text()).not.toContain(token);
    expect(
      out
        .text()
        .split("\n")
        .filter((l) => /^\s*::/.test(l)),
    ).toEqual([]);
    for (const rel of run.reports) {
      const text = readFileSync(join(dir, rel), "utf8");
      expect(text).toContain("REDACTED");
      expect(text).not.toContain(token);
    }
  });

  test("secrets written escaped in XML or JSON reports are masked too, and the report stays well-formed", () => {
    const key = "5PFVeedz0VNfb5sMsRgPxAHJk2bdfkMC";
    const xml = `<testcase name="API_KEY = &quot;${key}&quot; ok"><failure message="API_KEY = &quot;${key}&quot;">API_KEY = "${key}"</failure></testcase>`;
    const red = redactReportText(xml);
    expect(red).not.toContain(key);
    expect(red).toMatch(
      /^<testcase name="API_KEY = &quot;\[REDACTED:[a-z-]+\]&quot; ok"><failure message="API_KEY = &quot;\[REDACTED:[a-z-]+\]&quot;">/,
    );
    const json = JSON.stringify({ failureMessages: [`API_KEY = "${key}"`], name: "ok" });
    const redJson = redactReportText(json);
    expect(redJson).not.toContain(key);
    expect(JSON.parse(redJson).name).toBe("ok");
    // Nothing secret: not a byte changes.
    const clean = '<testcase name="adds &quot;1&quot; &amp; 2"><failure message="expected 3"/></testcase>';
    expect(redactReportText(clean)).toBe(clean);
  });

  test("pytest on hostile values: every secret masked inside its own node, the XML stays well-formed", async () => {
    // The bad-input suite's pytest project: a private key whose diff pytest cuts (BEGIN, no END) precedes
    // a full key in a later test case; a mask spanning the two would swallow markup in between.
    const dir = repo(unsafePytestProject(unsafeValues()));
    const run = await runStack(stack({ id: "pytest", framework: "pytest", command: ["/usr/bin/python3", "-m", "pytest"] }), {
      repoRoot: dir,
      rawDir: RAW,
      echo: quiet().echo,
    });
    const xml = readFileSync(join(dir, run.reports[0]!), "utf8");
    for (const secret of fakeSecrets())
      expect({ kind: secret.kind, leaked: xml.includes(secret.secret) }).toEqual({ kind: secret.kind, leaked: false });
    const errors: string[] = [];
    let cases = 0;
    const sax = new SaxesParser();
    sax.on("error", (e) => errors.push(e.message));
    sax.on("opentag", (t) => void (t.name === "testcase" && cases++));
    sax.write(xml).close();
    expect(errors).toEqual([]);
    const total = /<testsuite [^>]*tests="(\d+)"/.exec(xml)![1];
    expect(cases).toBe(Number(total));
  });

  test("redactFile masks tokens across chunk boundaries of a large report", () => {
    const token = `ghp_${"Zx9".repeat(13)}`;
    const dir = repo();
    const abs = join(dir, "big.xml");
    const lines = Array.from({ length: 200 }, (_, i) => `<testcase name="t${i}"><failure message="auth ${token} failed"/></testcase>`);
    writeFileSync(abs, `<testsuite>\n${lines.join("\n")}\n</testsuite>\n`);
    redactFile(abs, 37); // chunks far smaller than a line: every token straddles a boundary somewhere
    const text = readFileSync(abs, "utf8");
    expect(text).not.toContain(token);
    expect(text.split("\n").length).toBe(203);
    expect(text).toContain('<testcase name="t199"><failure message="auth [REDACTED');
    expect(existsSync(`${abs}.redacting`)).toBe(false);
  });

  test("a configured stack that writes its own report: no flags added, the report is listed (a stale one never is)", async () => {
    const dir = repo({ "app/out/junit.xml": "<stale/>" });
    const write = stack({
      id: "make",
      framework: "junit",
      cwd: "app",
      command: ["sh", "-c", 'mkdir -p out && echo "<testsuite tests=\\"1\\"/>" > out/junit.xml'],
      report: "out/junit.xml",
    });
    const run = await runStack(write, { repoRoot: dir, rawDir: RAW, echo: quiet().echo });
    expect(run.argv).toEqual(write.command);
    expect(run.reports).toEqual(["app/out/junit.xml"]);
    expect(readFileSync(join(dir, "app/out/junit.xml"), "utf8").trim()).toBe('<testsuite tests="1"/>');
    const silent = stack({ id: "make", framework: "junit", cwd: "app", command: ["sh", "-c", "exit 2"], report: "out/junit.xml" });
    const crashed = await runStack(silent, { repoRoot: dir, rawDir: RAW, echo: quiet().echo });
    expect(crashed.reports).toEqual([]);
  });

  test("the code under test gets no token even when the caller passes none to deny; the config adds its own", async () => {
    const dir = repo();
    const env = {
      PATH: process.env.PATH,
      GITHUB_TOKEN: "t1",
      GH_TOKEN: "t2",
      HEAL_AGENT_TOKEN: "t3",
      ACTIONS_RUNTIME_TOKEN: "t4",
      ACTIONS_ID_TOKEN_REQUEST_URL: "t5",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "t6",
      MY_PAT: "t7",
      KEEP: "kept",
    };
    const config = defaultConfig();
    config.agent.tokenEnv = "MY_PAT";
    config.runner.envDeny = ["KEEP_NOT"];
    expect(runnerEnvDeny(config)).toEqual(["MY_PAT", "KEEP_NOT"]);
    const dump = stack({ framework: "junit", command: ["sh", "-c", "env | cut -d= -f1 | sort > names.txt"] });
    await runStack(dump, { repoRoot: dir, rawDir: RAW, echo: quiet().echo, env });
    expect(
      readFileSync(join(dir, "names.txt"), "utf8")
        .split("\n")
        .filter((n) => n in env),
    ).toEqual(["KEEP", "MY_PAT", "PATH"]);
    await runStack(dump, { repoRoot: dir, rawDir: RAW, echo: quiet().echo, env, envDeny: runnerEnvDeny(config) });
    expect(
      readFileSync(join(dir, "names.txt"), "utf8")
        .split("\n")
        .filter((n) => n in env),
    ).toEqual(["KEEP", "PATH"]);
  });

  test("a stack folder that does not exist is recorded, not thrown", async () => {
    const run = await runStack(stack({ cwd: "gone" }), { repoRoot: repo(), rawDir: RAW, echo: quiet().echo });
    expect(run.exitCode).toBe(127);
    expect(run.outputTail).toBe("gone: folder not found");
  });
});
