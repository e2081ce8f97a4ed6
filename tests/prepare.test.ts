// lib/prepare.ts with the real tools: npm, pnpm, yarn and bun install a tiny lockfile (picocolors) from the npm
// registry; pip installs a wheel built here into .venv (no index: PIP_NO_INDEX + PIP_FIND_LINKS, pip's own
// settings); terraform init installs a local module. Each install runs once: the next prepare is a check.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultConfig, type HealConfig, parseConfig } from "../lib/config.ts";
import { detectStacks } from "../lib/detect.ts";
import {
  planPrepare,
  planRootScripts,
  prepare,
  pyprojectRequirements,
  readPrepareFile,
  STAMP_FILE,
  writePrepareFile,
} from "../lib/prepare.ts";
import { tempFolders } from "./support/temp-folders.ts";

setDefaultTimeout(180_000);
const folder = tempFolders();
const quiet = { echo: () => {} };

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const PACKAGE = { name: "sample", private: true, dependencies: { picocolors: "1.1.1" }, scripts: { test: "vitest run" } };

/** A JS project whose lockfile `lock` made (from the registry); node_modules removed, as in a fresh clone. */
function nodeProject(lock: (dir: string) => void): string {
  const dir = folder({ "package.json": JSON.stringify(PACKAGE), "test/a.test.js": "" });
  lock(dir);
  rmSync(join(dir, "node_modules"), { recursive: true, force: true });
  return dir;
}

async function prepareTwice(dir: string, config: HealConfig = defaultConfig()) {
  const stacks = await detectStacks(dir, config);
  const first = await prepare(dir, stacks, config, quiet);
  const second = await prepare(dir, stacks, config, quiet);
  return { first, second };
}

describe("JavaScript: the lockfile's own package manager", () => {
  test("npm: npm ci into a fresh clone, then a check against the stamp; a changed lockfile installs again", async () => {
    const dir = nodeProject((d) => run("npm", ["install", "--package-lock-only", "--no-audit", "--no-fund"], d));
    const config = defaultConfig();
    const stacks = await detectStacks(dir, config);
    expect(planPrepare(dir, stacks, config).map((s) => [s.tool, s.commands, s.why])).toEqual([
      ["npm", [["npm", "ci", "--no-audit", "--no-fund"]], "node_modules/.package-lock.json is missing"],
    ]);
    const { first, second } = await prepareTwice(dir);
    expect(first.steps.map((s) => [s.status, s.exitCode, s.stacks])).toEqual([["ran", 0, ["vitest"]]]);
    expect(existsSync(join(dir, "node_modules/picocolors/package.json"))).toBe(true);
    expect(second.steps.map((s) => [s.status, s.reason, s.durationMs])).toEqual([
      ["installed", `node_modules/${STAMP_FILE} matches package-lock.json`, 0],
    ]);
    // Someone edits the lockfile: it is no longer the one installed.
    writeFileSync(join(dir, "package-lock.json"), readFileSync(join(dir, "package-lock.json"), "utf8").replace(/\n$/, "\n\n"));
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, "package-lock.json"), later, later);
    expect(planPrepare(dir, stacks, config)[0]!.why).toBe(
      "package-lock.json changed after the last install (node_modules/.package-lock.json is older)",
    );
  });

  test("npm: a repository installed by hand (no stamp) is a check against npm's own marker", async () => {
    const dir = nodeProject((d) => run("npm", ["install", "--package-lock-only", "--no-audit", "--no-fund"], d));
    run("npm", ["ci", "--no-audit", "--no-fund"], dir);
    const config = defaultConfig();
    const plan = planPrepare(dir, await detectStacks(dir, config), config);
    expect(plan.map((s) => s.installed)).toEqual(["node_modules/.package-lock.json is newer than package-lock.json"]);
  });

  test("pnpm: pnpm install --frozen-lockfile, then a check", async () => {
    const dir = nodeProject((d) => run("pnpm", ["install", "--lockfile-only"], d));
    const { first, second } = await prepareTwice(dir);
    expect(first.steps.map((s) => [s.tool, s.commands[0], s.status])).toEqual([["pnpm", ["pnpm", "install", "--frozen-lockfile"], "ran"]]);
    expect(existsSync(join(dir, "node_modules/.modules.yaml"))).toBe(true);
    expect(second.steps.map((s) => s.status)).toEqual(["installed"]);
  });

  test("yarn classic: yarn install --frozen-lockfile, then a check", async () => {
    const dir = nodeProject((d) => run("yarn", ["install", "--no-progress"], d));
    const { first, second } = await prepareTwice(dir);
    expect(first.steps.map((s) => [s.tool, s.commands[0], s.status])).toEqual([["yarn", ["yarn", "install", "--frozen-lockfile"], "ran"]]);
    expect(existsSync(join(dir, "node_modules/picocolors"))).toBe(true);
    expect(second.steps.map((s) => s.status)).toEqual(["installed"]);
  });

  test("bun: bun install --frozen-lockfile; packageManager picks among several lockfiles", async () => {
    const dir = nodeProject((d) => run(process.execPath, ["install", "--lockfile-only"], d));
    const { first, second } = await prepareTwice(dir);
    expect(first.steps.map((s) => [s.tool, s.commands[0], s.status])).toEqual([["bun", ["bun", "install", "--frozen-lockfile"], "ran"]]);
    expect(existsSync(join(dir, "node_modules/picocolors"))).toBe(true);
    expect(second.steps.map((s) => s.status)).toEqual(["installed"]);
    writeFileSync(join(dir, "package-lock.json"), "{}");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ ...PACKAGE, packageManager: "npm@10.9.0" }));
    const config = defaultConfig();
    expect(planPrepare(dir, await detectStacks(dir, config), config).map((s) => s.tool)).toEqual(["npm"]);
  });

  test("a workspace installs once at its lockfile for every package's stack; no lockfile is a skip that says so", async () => {
    const dir = folder({
      "package.json": JSON.stringify({ name: "root", private: true, workspaces: ["packages/*"] }),
      "package-lock.json": "{}",
      "packages/a/package.json": JSON.stringify({ name: "a", scripts: { test: "vitest run" } }),
      "packages/b/package.json": JSON.stringify({ name: "b", scripts: { test: "jest" } }),
      "packages/a/x.test.js": "",
      "packages/b/y.test.js": "",
    });
    const config = defaultConfig();
    const plan = planPrepare(dir, await detectStacks(dir, config), config);
    expect(plan.map((s) => [s.cwd, s.stacks])).toEqual([[".", ["vitest-packages-a", "jest-packages-b"]]]);
    const loose = folder({ "package.json": JSON.stringify({ name: "c", scripts: { test: "jest" } }), "z.test.js": "" });
    const skipped = await prepare(loose, await detectStacks(loose, config), config, quiet);
    expect(skipped.steps.map((s) => [s.status, s.reason])).toEqual([
      [
        "skipped",
        "no lockfile (package-lock.json, pnpm-lock.yaml, yarn.lock, bun.lock) in . or above and no node_modules: commit a lockfile, or install in a step before heal",
      ],
    ]);
  });

  test("workspace members are checked and installed at the workspace root only, never per package", async () => {
    const config = defaultConfig();
    const members = {
      "packages/a/package.json": JSON.stringify({ name: "a", scripts: { test: "vitest run" } }),
      "packages/b/package.json": JSON.stringify({ name: "b", scripts: { test: "jest" } }),
      "packages/a/x.test.js": "",
      "packages/b/y.test.js": "",
    };
    const npmRoot = JSON.stringify({ name: "root", private: true, workspaces: ["packages/*"], scripts: { test: "npm test -ws" } });
    const plan = async (dir: string) =>
      planPrepare(dir, await detectStacks(dir, config), config).map((s) => [s.cwd, s.stacks, s.commands, s.skipped ?? null]);

    // No lockfile, the root installed (node_modules there, none in the packages): nothing to do, nothing to warn about.
    const installed = folder({ "package.json": npmRoot, ...members, "node_modules/.bin/.keep": "" });
    expect(await plan(installed)).toEqual([]);
    const pnpm = folder({
      "package.json": JSON.stringify({ name: "root", private: true, scripts: { test: "pnpm -r test" } }),
      "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
      ...members,
      "node_modules/.bin/.keep": "",
    });
    expect(await plan(pnpm)).toEqual([]);

    // No lockfile and nothing installed: one step at the root says so for both packages.
    const bare = folder({ "package.json": npmRoot, ...members });
    expect(await plan(bare)).toEqual([
      [
        ".",
        ["vitest-packages-a", "jest-packages-b"],
        [],
        "no lockfile (package-lock.json, pnpm-lock.yaml, yarn.lock, bun.lock) in . or above and no node_modules: commit a lockfile, or install in a step before heal",
      ],
    ]);

    // A lockfile left in a member folder (from before the workspace) is not installed on its own: the root's is.
    const stray = folder({ "package.json": npmRoot, "package-lock.json": "{}", ...members, "packages/a/package-lock.json": "{}" });
    expect(await plan(stray)).toEqual([[".", ["vitest-packages-a", "jest-packages-b"], [["npm", "ci", "--no-audit", "--no-fund"]], null]]);
  });
});

/** A wheel written by hand (zip + dist-info with a sha256 RECORD): the only way to a package with no index. */
function buildWheel(dir: string, name: string, version: string, code: string): void {
  const script = `
import base64, hashlib, sys, zipfile
name, version, code, out = sys.argv[1:5]
files = {f"{name}/__init__.py": code, f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\\nName: {name.replace('_','-')}\\nVersion: {version}\\n",
         f"{name}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: hand\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
record = f"{name}-{version}.dist-info/RECORD"
lines = []
with zipfile.ZipFile(f"{out}/{name}-{version}-py3-none-any.whl", "w") as z:
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{path},sha256={digest},{len(data)}")
        z.writestr(path, data)
    lines.append(f"{record},,")
    z.writestr(record, "\\n".join(lines) + "\\n")
`;
  run("/usr/bin/python3", ["-c", script, name, version, code, dir], dir);
}

/** A workspace whose packages/a runs `bun test` (needs no install), with the root's package.json fields. */
function rootWorkspace(root: Record<string, unknown>, files: Record<string, string> = {}): string {
  return folder({
    "package.json": JSON.stringify({ name: "ws", private: true, workspaces: ["packages/*"], ...root }),
    "packages/a/package.json": JSON.stringify({ name: "a", scripts: { test: "bun test" } }),
    "packages/a/a.test.ts": 'import { test } from "bun:test";\ntest("a", () => {});\n',
    ...files,
  });
}

const rootSteps = async (dir: string) =>
  planRootScripts(dir, await detectStacks(dir, defaultConfig())).map((s) => [s.cwd, s.tool, s.commands, s.stacks]);

describe("a workspace root's own steps before its test script fans out", () => {
  test("pretest as `<pm> run pretest`, then each segment chained in front of the fan-out, in order; pnpm from pnpm-workspace.yaml", async () => {
    const dir = folder({
      "package.json": JSON.stringify({
        name: "ws",
        private: true,
        scripts: { pretest: "node gen.js", test: "pnpm build && pnpm -r test" },
      }),
      "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
      "packages/a/package.json": JSON.stringify({ name: "a", scripts: { test: "bun test" } }),
      "packages/a/a.test.ts": 'import { test } from "bun:test";\ntest("a", () => {});\n',
    });
    expect(await rootSteps(dir)).toEqual([
      [".", "script", [["pnpm", "run", "pretest"]], ["bun-packages-a"]],
      [".", "script", [["pnpm", "build"]], ["bun-packages-a"]],
    ]);
  });

  test("no pretest step where `<pm> test` would not run it: yarn 2+, pnpm with enable-pre-post-scripts=false", async () => {
    const scripts = { pretest: "node gen.js", test: "yarn workspaces foreach -A run test" };
    expect(await rootSteps(rootWorkspace({ scripts, packageManager: "yarn@4.5.0" }))).toEqual([]);
    expect(await rootSteps(rootWorkspace({ scripts, packageManager: "yarn@1.22.22" }))).toEqual([
      [".", "script", [["yarn", "run", "pretest"]], ["bun-packages-a"]],
    ]);
    const pnpm = { scripts: { pretest: "node gen.js", test: "pnpm -r test" }, packageManager: "pnpm@12.24.0" };
    expect(await rootSteps(rootWorkspace(pnpm, { ".npmrc": "enable-pre-post-scripts=false\n" }))).toEqual([]);
    expect(await rootSteps(rootWorkspace(pnpm))).toEqual([[".", "script", [["pnpm", "run", "pretest"]], ["bun-packages-a"]]]);
  });

  test("a fan-out that is the only segment, without pretest, adds nothing; a segment the shell must read runs through sh -c", async () => {
    expect(await rootSteps(rootWorkspace({ scripts: { test: "npm test --workspaces" } }))).toEqual([]);
    expect(await rootSteps(rootWorkspace({ scripts: { test: "turbo run test" } }))).toEqual([]);
    const dir = rootWorkspace({ scripts: { test: "rm -rf packages/*/dist && tsc -b && NODE_ENV=test lerna run test" } });
    expect(await rootSteps(dir)).toEqual([
      [".", "script", [["sh", "-c", "rm -rf packages/*/dist"]], ["bun-packages-a"]],
      [".", "script", [["tsc", "-b"]], ["bun-packages-a"]],
    ]);
  });

  test("they run in the root with node_modules/.bin on PATH and no toolkit token; a failure stops the root's later steps", async () => {
    const dir = rootWorkspace(
      { scripts: { test: "mybuild && sh -c 'exit 3' && mybuild && npm test --workspaces" } },
      { "node_modules/.bin/mybuild": '#!/bin/sh\necho "token=${GITHUB_TOKEN:-none}" >> built.txt\n' },
    );
    chmodSync(join(dir, "node_modules/.bin/mybuild"), 0o755);
    const config = defaultConfig();
    const result = await prepare(dir, await detectStacks(dir, config), config, {
      ...quiet,
      env: { ...process.env, GITHUB_TOKEN: "ghs_x" },
    });
    expect(result.steps.map((s) => [s.tool, s.commands, s.status, s.exitCode, s.reason])).toEqual([
      ["script", [["mybuild"]], "ran", 0, "chained before the fan-out in the workspace root's test script (./package.json)"],
      ["script", [["sh", "-c", "exit 3"]], "failed", 3, "chained before the fan-out in the workspace root's test script (./package.json)"],
      ["script", [["mybuild"]], "skipped", null, "not run: `sh -c 'exit 3'` in . failed before it"],
    ]);
    expect(readFileSync(join(dir, "built.txt"), "utf8")).toBe("token=none\n");
  });

  test("prepare.commands replace them too; prepare: false runs nothing", async () => {
    const dir = rootWorkspace({ scripts: { pretest: "touch pre", test: "touch built && npm test --workspaces" } });
    const own = parseConfig("prepare:\n  commands:\n    - touch own\n");
    expect((await prepare(dir, await detectStacks(dir, own), own, quiet)).steps.map((s) => [s.tool, s.commands])).toEqual([
      ["config", [["touch", "own"]]],
    ]);
    const off = parseConfig("prepare: false\n");
    expect((await prepare(dir, await detectStacks(dir, off), off, quiet)).steps).toEqual([]);
    expect(["own", "pre", "built"].map((f) => existsSync(join(dir, f)))).toEqual([true, false, false]);
  });
});

describe("Python: pip into .venv", () => {
  const wheels = folder();
  buildWheel(wheels, "heal_sample_dep", "1.0", "VALUE = 42\n");
  const pipEnv = { ...process.env, PIP_NO_INDEX: "1", PIP_FIND_LINKS: wheels };

  test("requirements.txt: a virtualenv with the package, then a check; detection then runs pytest from .venv", async () => {
    const dir = folder({
      "requirements.txt": "heal-sample-dep==1.0\n",
      "tests/test_dep.py": "import heal_sample_dep\n\ndef test_value():\n    assert heal_sample_dep.VALUE == 42\n",
    });
    const config = defaultConfig();
    const stacks = await detectStacks(dir, config);
    const first = await prepare(dir, stacks, config, { ...quiet, env: pipEnv });
    expect(first.steps.map((s) => [s.tool, s.status, s.commands.map((c) => c.slice(1).join(" "))])).toEqual([
      ["pip", "ran", ["-m venv --system-site-packages .venv", "-m pip install --disable-pip-version-check -r requirements.txt"]],
    ]);
    expect(run(join(dir, ".venv/bin/python"), ["-c", "import heal_sample_dep; print(heal_sample_dep.VALUE)"], dir).trim()).toBe("42");
    const second = await prepare(dir, stacks, config, { ...quiet, env: pipEnv });
    expect(second.steps.map((s) => [s.status, s.reason])).toEqual([["installed", `.venv/${STAMP_FILE} matches requirements.txt`]]);
    expect((await detectStacks(dir, config))[0]!.command[0]).toBe(join(dir, ".venv/bin/python"));
  });

  test("pyproject.toml dependencies and test extras are installed without building the project", async () => {
    expect(
      pyprojectRequirements(
        "[project]\nname='x'\ndependencies=['a>=1']\n[project.optional-dependencies]\ntest=['b']\ndocs=['c']\n[dependency-groups]\ndev=['d']\n",
      ),
    ).toEqual(["a>=1", "b", "d"]);
    const dir = folder({
      "pyproject.toml":
        "[project]\nname = 'api'\nversion = '0.1.0'\ndependencies = ['heal-sample-dep==1.0']\n\n[tool.pytest.ini_options]\n",
      "tests/test_dep.py": "import heal_sample_dep\n\ndef test_value():\n    assert heal_sample_dep.VALUE == 42\n",
    });
    const config = defaultConfig();
    const result = await prepare(dir, await detectStacks(dir, config), config, { ...quiet, env: pipEnv });
    expect(result.steps.map((s) => [s.status, s.commands.at(-1)!.slice(-1)])).toEqual([["ran", ["heal-sample-dep==1.0"]]]);
  });

  test("a package no index has: the step fails with pip's exit code and its output, and prepare goes on", async () => {
    const dir = folder({
      "requirements.txt": "heal-absent-dep==2.0\n",
      "tests/test_dep.py": "import heal_absent_dep\n\ndef test_value():\n    assert heal_absent_dep\n",
    });
    const config = defaultConfig();
    const result = await prepare(dir, await detectStacks(dir, config), config, { ...quiet, env: pipEnv });
    expect(result.steps.map((s) => [s.status, s.exitCode])).toEqual([["failed", 1]]);
    expect(result.steps[0]!.outputTail).toContain("No matching distribution found for heal-absent-dep==2.0");
  });

  test("a project that declares nothing needs nothing; runner.python is the user's own", async () => {
    const config = defaultConfig();
    const bare = folder({ "tests/test_a.py": "def test_a():\n    pass\n" });
    expect(planPrepare(bare, await detectStacks(bare, config), config)).toEqual([]);
    const own = folder({ "requirements.txt": "x\n", "tests/test_a.py": "def test_a():\n    pass\n" });
    const withPython = parseConfig("runner:\n  python: /usr/bin/python3\n");
    expect(planPrepare(own, await detectStacks(own, withPython), withPython).map((s) => s.skipped)).toEqual([
      "runner.python is set (/usr/bin/python3): its packages are yours to install",
    ]);
  });
});

describe("Terraform and the config", () => {
  test("terraform init -backend=false for a local module, then a check", async () => {
    const dir = folder({
      "infra/main.tf": 'module "net" {\n  source = "./net"\n}\n',
      "infra/net/main.tf": 'variable "cidr" {\n  default = "10.0.0.0/16"\n}\n',
    });
    const config = defaultConfig();
    const stacks = (await detectStacks(dir, config)).filter((s) => s.cwd === "infra");
    const first = await prepare(dir, stacks, config, quiet);
    expect(first.steps.map((s) => [s.cwd, s.commands[0]!.slice(1), s.status, s.reason])).toEqual([
      ["infra", ["init", "-backend=false", "-input=false", "-no-color"], "ran", "infra/.terraform/modules is missing"],
    ]);
    expect(existsSync(join(dir, "infra/.terraform/modules/modules.json"))).toBe(true);
    const second = await prepare(dir, stacks, config, quiet);
    expect(second.steps.map((s) => s.status)).toEqual(["installed"]);
  });

  test("prepare: false turns it off; prepare.commands replace detection and run every time", async () => {
    const dir = folder({ "package.json": JSON.stringify(PACKAGE), "package-lock.json": "{}", "a.test.js": "" });
    const off = parseConfig("prepare: false\n");
    expect(await prepare(dir, await detectStacks(dir, off), off, quiet)).toEqual({
      schemaVersion: 1,
      source: "off",
      durationMs: 0,
      steps: [],
    });
    const own = parseConfig("prepare:\n  commands:\n    - touch made-by-prepare\n    - command: [mkdir, -p, made]\n      cwd: sub\n");
    expect(own.prepare.commands).toEqual([
      { command: ["touch", "made-by-prepare"], cwd: "." },
      { command: ["mkdir", "-p", "made"], cwd: "sub" },
    ]);
    run("mkdir", ["sub"], dir);
    const result = await prepare(dir, await detectStacks(dir, own), own, quiet);
    expect(result.source).toBe("config");
    expect(result.steps.map((s) => [s.tool, s.cwd, s.status, s.stacks])).toEqual([
      ["config", ".", "ran", ["vitest"]],
      ["config", "sub", "ran", []],
    ]);
    expect(existsSync(join(dir, "made-by-prepare")) && existsSync(join(dir, "sub/made"))).toBe(true);
    expect((await prepare(dir, await detectStacks(dir, own), own, quiet)).steps.map((s) => s.status)).toEqual(["ran", "ran"]);
  });

  test("install commands never see the toolkit's tokens (they run the repository's own scripts)", async () => {
    const dir = folder({ "a.test.ts": "" });
    const config = parseConfig("agent:\n  token_env: MY_AGENT_TOKEN\nprepare:\n  commands:\n    - [sh, -c, env > seen.txt]\n");
    const env = {
      ...process.env,
      GITHUB_TOKEN: "ghs_x",
      GH_TOKEN: "ghs_y",
      MY_AGENT_TOKEN: "z",
      NPM_CONFIG_REGISTRY: "https://registry.example",
    };
    await prepare(dir, [], config, { ...quiet, env, envDeny: ["MY_AGENT_TOKEN"] });
    const seen = readFileSync(join(dir, "seen.txt"), "utf8");
    expect(seen).toContain("NPM_CONFIG_REGISTRY=https://registry.example");
    for (const name of ["GITHUB_TOKEN", "GH_TOKEN", "MY_AGENT_TOKEN"]) expect(seen).not.toContain(`${name}=`);
  });

  test("prepare.json round-trips through the reports folder; a missing one is null", async () => {
    const dir = folder({});
    const config = parseConfig("prepare:\n  commands:\n    - [sh, -c, exit 0]\n");
    const file = await prepare(dir, [], config, quiet);
    expect(writePrepareFile(dir, ".agent/reports", file)).toBe(".agent/reports/prepare.json");
    expect(readPrepareFile(join(dir, ".agent/reports"))).toEqual(file);
    expect(readPrepareFile(join(dir, "elsewhere"))).toBeNull();
  });

  test("a config field of the wrong shape names the field", () => {
    expect(parseConfig("prepare: true\n").prepare).toEqual({ enabled: true, commands: null });
    expect(() => parseConfig("prepare: yes please\n")).toThrow('field "prepare" must be object');
    expect(() => parseConfig("prepare:\n  commands: []\n")).toThrow('field "prepare.commands" must NOT have fewer than 1 items');
    expect(() => parseConfig("prepare:\n  commands:\n    - [true]\n")).toThrow('field "prepare.commands[0]" must be string');
    expect(() => parseConfig("prepare:\n  comands: [x]\n")).toThrow('unknown field "prepare.comands" (did you mean "commands"?)');
  });
});
