import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultConfig, parseConfig } from "../lib/config.ts";
import { detectStacks, pythonFor } from "../lib/detect.ts";
import { tempFolders } from "./support/temp-folders.ts";

// These tests start real runners and scripts; a loaded CI machine needs more than bun's 5 s default.
setDefaultTimeout(60_000);

const repo = tempFolders();

/** A PATH holding only fake executables (and /usr/bin for the shell they need). */
function fakeBin(scripts: Record<string, string>): string {
  const dir = repo(Object.fromEntries(Object.entries(scripts).map(([name, body]) => [name, `#!/bin/sh\n${body}\n`])));
  for (const name of Object.keys(scripts)) chmodSync(join(dir, name), 0o755);
  return dir;
}

const PY = "/usr/bin/python3";
const env = { PATH: `${fakeBin({ python3: "exit 1" })}:/usr/bin:/bin` };
const brief = (stacks: { id: string; framework: string; cwd: string; command: string[] }[]) =>
  stacks.map((s) => `${s.id} ${s.framework} ${s.cwd} :: ${s.command.join(" ")}`);

describe("detectStacks", () => {
  test("bun: the package's test script names bun test", async () => {
    const dir = repo({ "package.json": '{"scripts":{"test":"bun test"}}', "src/sum.test.ts": "" });
    // The script is run as the project runs it (pretest, its own flags); no lockfile: npm.
    expect(brief(await detectStacks(dir, defaultConfig(), { env }))).toEqual(["bun bun . :: npm run test --"]);
  });

  test("the project's own command: the lockfile's or packageManager's manager; only when the runner's segment is last", async () => {
    const script = (test: string, more: Record<string, string> = {}) =>
      repo(
        {
          ...more,
          "package.json": JSON.stringify({ scripts: { test }, ...JSON.parse(more["package.json"] ?? "{}") }),
          "a.test.ts": "",
        },
        { nodeModules: true },
      );
    const detect = async (dir: string) =>
      (await detectStacks(dir, defaultConfig(), { env })).map((s) => ({ command: s.command.join(" "), script: s.script }));
    expect(await detect(script("tsc -p . && vitest run", { "pnpm-lock.yaml": "" }))).toEqual([
      { command: "pnpm run test", script: { manager: "pnpm", runner: "vitest" } },
    ]);
    // vitest without `run` would watch: --run is added.
    expect(await detect(script("vitest --typecheck", { "yarn.lock": "" }))).toEqual([
      { command: "yarn run test --run", script: { manager: "yarn", runner: "vitest" } },
    ]);
    expect(await detect(script("NODE_ENV=test jest --ci", { "package.json": '{"packageManager":"bun@1.4.4"}' }))).toEqual([
      { command: "bun run test", script: { manager: "bun", runner: "jest" } },
    ]);
    expect(await detect(script("jest", { "package-lock.json": "{}", "packages/a/package.json": "{}" }))).toEqual([
      { command: "npm run test --", script: { manager: "npm", runner: "jest" } },
    ]);
    // Appended flags would not reach the runner: after another command, or after node --test's files.
    expect(await detect(script("jest --ci && echo done"))).toEqual([{ command: "node_modules/.bin/jest", script: undefined }]);
    expect(await detect(script("node --test test/"))).toEqual([{ command: "node --test", script: undefined }]);
    expect(await detect(script("node --test"))).toEqual([{ command: "npm run test --", script: { manager: "npm", runner: "node-test" } }]);
    // A runner not installed: npx, so the environment check names what is missing.
    const bare = repo({ "package.json": '{"scripts":{"test":"vitest run"}}' });
    expect(brief(await detectStacks(bare, defaultConfig(), { env }))).toEqual(["vitest vitest . :: npx vitest run"]);
  });

  test("a test script chaining runner commands: one stack per runner segment, run as the segment says", async () => {
    const script = (test: string) =>
      repo({ "package.json": JSON.stringify({ scripts: { test } }), "pnpm-lock.yaml": "", "a.test.ts": "" }, { nodeModules: true });
    const detect = async (dir: string) =>
      (await detectStacks(dir, defaultConfig(), { env })).map((s) => [s.id, s.framework, s.command.join(" "), s.script, s.segment]);
    // solidjs/solid's packages/solid: flags appended to the script would reach only the second vitest.
    expect(await detect(script("tsc -b && vitest run && NODE_ENV=test SSR=1 vitest --config vitest.server.config.mjs"))).toEqual([
      ["vitest", "vitest", "node_modules/.bin/vitest run", undefined, { index: 1, of: 2 }],
      [
        "vitest-2",
        "vitest",
        "env NODE_ENV=test SSR=1 node_modules/.bin/vitest --config vitest.server.config.mjs --run",
        undefined,
        { index: 2, of: 2 },
      ],
    ]);
    // Two runners: each its own; cross-env from node_modules/.bin when installed, else as written; bun and node as written.
    expect(await detect(script("jest --ci; cross-env CI=1 vitest run && bun test && node --test test/"))).toEqual([
      ["jest", "jest", "node_modules/.bin/jest --ci", undefined, { index: 0, of: 4 }],
      ["vitest", "vitest", "cross-env CI=1 vitest run", undefined, { index: 1, of: 4 }],
      ["bun", "bun", "bun test", undefined, { index: 2, of: 4 }],
      ["node-test", "node-test", "node --test test/", undefined, { index: 3, of: 4 }],
    ]);
    // One runner segment: the script itself, exactly as before.
    expect(await detect(script("tsc -b && vitest run"))).toEqual([
      ["vitest", "vitest", "pnpm run test", { manager: "pnpm", runner: "vitest" }, undefined],
    ]);
  });

  test("bun: bun.lock or bunfig.toml plus test files, without a script", async () => {
    const dir = repo({ "package.json": "{}", "bunfig.toml": "", "lib/a.spec.ts": "" });
    expect(brief(await detectStacks(dir, defaultConfig(), { env }))).toEqual(["bun bun . :: bun test"]);
    const noTests = repo({ "package.json": "{}", "bun.lock": "" });
    expect(await detectStacks(noTests, defaultConfig(), { env })).toEqual([]);
  });

  test("vitest: a dependency, with the installed binary", async () => {
    const dir = repo(
      { "package.json": '{"devDependencies":{"vitest":"4.1.12"}}', "bun.lock": "", "t/a.test.ts": "" },
      { nodeModules: true },
    );
    expect(brief(await detectStacks(dir, defaultConfig(), { env }))).toEqual(["vitest vitest . :: node_modules/.bin/vitest run"]);
  });

  test("vitest: a vitest.config file alone; npx when nothing is installed", async () => {
    const dir = repo({ "package.json": "{}", "vitest.config.mts": "export default {}" });
    expect(brief(await detectStacks(dir, defaultConfig(), { env }))).toEqual(["vitest vitest . :: npx vitest run"]);
  });

  test("jest: dependency, config file or package.json key; the test script beats dependencies", async () => {
    const a = repo({ "package.json": '{"devDependencies":{"jest":"30.5.2"}}' }, { nodeModules: true });
    expect(brief(await detectStacks(a, defaultConfig(), { env }))).toEqual(["jest jest . :: node_modules/.bin/jest"]);
    const b = repo({ "package.json": "{}", "jest.config.js": "module.exports = {}" });
    expect(brief(await detectStacks(b, defaultConfig(), { env }))).toEqual(["jest jest . :: npx jest"]);
    const c = repo({ "package.json": '{"scripts":{"test":"jest --ci"},"devDependencies":{"vitest":"1"}}' });
    expect(brief(await detectStacks(c, defaultConfig(), { env }))).toEqual(["jest jest . :: npx jest"]);
  });

  test("node-test: a test script that runs `node --test` (with options); its script beats a jest dependency", async () => {
    const dir = repo({ "package.json": '{"scripts":{"test":"node --experimental-strip-types --test test/"}}', "test/a.test.js": "" });
    expect(brief(await detectStacks(dir, defaultConfig(), { env }))).toEqual(["node-test node-test . :: node --test"]);
    const withJest = repo({ "package.json": '{"scripts":{"test":"node --test"},"devDependencies":{"jest":"30.5.2"}}' });
    expect(brief(await detectStacks(withJest, defaultConfig(), { env }))).toEqual(["node-test node-test . :: npm run test --"]);
    const plainNode = repo({ "package.json": '{"scripts":{"test":"node test.js --testing"}}' });
    expect(await detectStacks(plainNode, defaultConfig(), { env })).toEqual([]);
  });

  test("go: one stack per module (go.mod), vendor and testdata left out, after pytest and before terraform", async () => {
    const dir = repo({
      "go.mod": "module a\n",
      "tools/go.mod": "module b\n",
      "vendor/x/go.mod": "module c\n",
      "pkg/testdata/go.mod": "module d\n",
      "pytest.ini": "[pytest]\n",
      "infra/main.tf": "",
    });
    expect(brief(await detectStacks(dir, defaultConfig(), { env }))).toEqual([
      `pytest pytest . :: ${PY} -m pytest`,
      "go go . :: go test ./...",
      "go-tools go tools :: go test ./...",
      "terraform-infra terraform infra :: terraform validate",
    ]);
  });

  test("pytest: each config file kind, and bare test files", async () => {
    const cases: Record<string, string>[] = [
      { "pytest.ini": "[pytest]\n" },
      { "pyproject.toml": "[project]\nname='x'\n\n[tool.pytest.ini_options]\naddopts='-q'\n" },
      { "setup.cfg": "[metadata]\nname = x\n[tool:pytest]\n" },
      { "conftest.py": "" },
      { "tests/test_login.py": "def test_x(): pass\n" },
      { "tox.ini": "[pytest]\n" },
    ];
    for (const files of cases) {
      expect(brief(await detectStacks(repo(files), defaultConfig(), { env }))).toEqual([`pytest pytest . :: ${PY} -m pytest`]);
    }
    // pyproject.toml without a pytest table and no tests: not a pytest project.
    expect(await detectStacks(repo({ "pyproject.toml": "[project]\nname='x'\n" }), defaultConfig(), { env })).toEqual([]);
  });

  test("a TypeScript root and a Python package in a subfolder: both run, each in its folder", async () => {
    const dir = repo(
      {
        "package.json": '{"scripts":{"test":"vitest run"}}',
        "src/app.test.ts": "",
        "backend/pyproject.toml": "[project]\nname='api'\n",
        "backend/apps/auth/tests/test_login.py": "def test_x(): pass\n",
        "backend/apps/auth/tests/conftest.py": "",
      },
      { nodeModules: true },
    );
    expect(brief(await detectStacks(dir, defaultConfig(), { env }))).toEqual([
      "vitest vitest . :: npm run test --",
      `pytest-backend pytest backend :: ${PY} -m pytest`,
    ]);
  });

  test("terraform: one stack per module folder; nothing inside .terraform, node_modules, .venv, .git", async () => {
    const dir = repo({
      "infra/network/main.tf": "",
      "infra/network/variables.tf": "",
      "infra/db/main.tf": "",
      "infra/db/.terraform/modules/x/main.tf": "",
      "node_modules/pkg/package.json": '{"devDependencies":{"jest":"1"}}',
      "node_modules/pkg/a.test.js": "",
      ".venv/lib/python3/site-packages/x/tests/test_x.py": "",
      ".git/hooks/test_hook.py": "",
    });
    expect(brief(await detectStacks(dir, defaultConfig(), { env }))).toEqual([
      "terraform-infra-db terraform infra/db :: terraform validate",
      "terraform-infra-network terraform infra/network :: terraform validate",
    ]);
  });

  test("terragrunt units only when terragrunt is on PATH; the shared root config is not a unit", async () => {
    const dir = repo({ "terragrunt.hcl": "", "live/app/terragrunt.hcl": "", "live/db/terragrunt.hcl": "", "modules/app/main.tf": "" });
    expect(brief(await detectStacks(dir, defaultConfig(), { env }))).toEqual([
      "terraform-modules-app terraform modules/app :: terraform validate",
    ]);
    const withTg = { PATH: `${fakeBin({ terragrunt: "exit 0", python3: "exit 1" })}:/usr/bin:/bin` };
    expect(brief(await detectStacks(dir, defaultConfig(), { env: withTg }))).toEqual([
      "terraform-modules-app terraform modules/app :: terraform validate",
      "terragrunt-live-app terragrunt live/app :: terragrunt validate",
      "terragrunt-live-db terragrunt live/db :: terragrunt validate",
    ]);
  });

  test("nested packages with the same runner collapse into the outermost; different runners stay", async () => {
    const dir = repo({
      "package.json": '{"scripts":{"test":"bun test"}}',
      "a.test.ts": "",
      "packages/x/package.json": '{"scripts":{"test":"bun test"}}',
      "packages/x/x.test.ts": "",
      "web/package.json": '{"devDependencies":{"jest":"1"}}',
    });
    expect(brief(await detectStacks(dir, defaultConfig(), { env }))).toEqual([
      "bun bun . :: npm run test --",
      "jest-web jest web :: npx jest",
    ]);
  });

  test("workspaces: each package whose test script runs a runner is its own stack, run by its workspace's manager; a fanning-out root is none", async () => {
    const pkg = (scripts: Record<string, string>, more: object = {}) => JSON.stringify({ scripts, ...more });
    // pnpm: pnpm-workspace.yaml's globs with an exclusion; the root's vitest dependency does not make it a stack.
    const pnpm = repo(
      {
        "package.json": pkg({ test: "pnpm -r test" }, { devDependencies: { vitest: "4.1.12" } }),
        "pnpm-workspace.yaml": 'packages:\n  - "packages/*"\n  - "!packages/legacy"\n',
        "packages/a/package.json": pkg({ pretest: "tsc", test: "vitest run --typecheck" }),
        "packages/a/src/a.test.ts": "",
        "packages/b/package.json": pkg({ test: "vitest" }),
        "packages/b/b.test.ts": "",
        "packages/legacy/package.json": pkg({ test: "vitest run" }),
      },
      { nodeModules: true },
    );
    expect(brief(await detectStacks(pnpm, defaultConfig(), { env }))).toEqual([
      "vitest-packages-a vitest packages/a :: pnpm run test",
      "vitest-packages-b vitest packages/b :: pnpm run test --run",
      // Excluded from the workspace: a package of its own, with no lockfile or packageManager: npm.
      "vitest-packages-legacy vitest packages/legacy :: npm run test --",
    ]);
    // npm: `workspaces` array and package-lock.json; a package without a runner script is not run.
    const npm = repo(
      {
        "package.json": pkg({ test: "npm run test --workspaces --if-present" }, { workspaces: ["packages/*"] }),
        "package-lock.json": "{}",
        "packages/cli/package.json": pkg({ test: "jest" }),
        "packages/fmt/package.json": pkg({ test: "bun test" }),
        "packages/fmt/fmt.test.ts": "",
        "packages/docs/package.json": pkg({ build: "true" }),
      },
      { nodeModules: true },
    );
    expect(brief(await detectStacks(npm, defaultConfig(), { env }))).toEqual([
      "bun-packages-fmt bun packages/fmt :: npm run test --",
      "jest-packages-cli jest packages/cli :: npm run test --",
    ]);
    // yarn's `{packages: [...]}` form, turbo at the root; bun's workspaces with `bun run --filter`.
    const yarn = repo(
      {
        "package.json": pkg({ test: "turbo run test" }, { workspaces: { packages: ["apps/*"] } }),
        "yarn.lock": "",
        "apps/web/package.json": pkg({ test: "vitest run" }),
      },
      { nodeModules: true },
    );
    expect(brief(await detectStacks(yarn, defaultConfig(), { env }))).toEqual(["vitest-apps-web vitest apps/web :: yarn run test"]);
    const bunWs = repo({
      "package.json": pkg({ test: "bun run --filter '*' test" }, { workspaces: ["pkgs/*"] }),
      "bun.lock": "",
      "pkgs/x/package.json": pkg({ test: "bun test" }),
      "pkgs/x/x.test.ts": "",
    });
    expect(brief(await detectStacks(bunWs, defaultConfig(), { env }))).toEqual(["bun-pkgs-x bun pkgs/x :: bun run test"]);
  });

  test("workspaces: a root whose own script runs the runner stays the one stack; a fanning-out root with no package scripts is none", async () => {
    const root = repo(
      {
        "package.json": JSON.stringify({ workspaces: ["packages/*"], scripts: { test: "vitest run" } }),
        "packages/a/package.json": '{"scripts":{"test":"vitest run"}}',
        "packages/a/a.test.ts": "",
      },
      { nodeModules: true },
    );
    expect(brief(await detectStacks(root, defaultConfig(), { env }))).toEqual(["vitest vitest . :: npm run test --"]);
    // `lerna run test` fans out; the packages have tests but no runner script: each is found as any package is.
    const lerna = repo(
      {
        "package.json": JSON.stringify({
          workspaces: ["packages/*"],
          scripts: { test: "lerna run test" },
          devDependencies: { jest: "30" },
        }),
        "packages/a/package.json": '{"devDependencies":{"jest":"30"}}',
        "packages/a/a.test.js": "",
      },
      { nodeModules: true },
    );
    expect(brief(await detectStacks(lerna, defaultConfig(), { env }))).toEqual([
      "jest-packages-a jest packages/a :: ../../node_modules/.bin/jest",
    ]);
  });

  test("config `stacks:` replaces detection; ids default to framework and folder", async () => {
    const dir = repo({ "package.json": '{"scripts":{"test":"bun test"}}', "a.test.ts": "" });
    const config = parseConfig(
      "stacks:\n  - framework: pytest\n    command: python3 -m pytest -x\n    cwd: api\n  - id: unit\n    framework: bun\n    command: [bun, test, src]\n",
    );
    expect(brief(await detectStacks(dir, config, { env }))).toEqual([
      "pytest-api pytest api :: python3 -m pytest -x",
      "unit bun . :: bun test src",
    ]);
  });
});

describe("pythonFor", () => {
  test("the config wins; else the first python3 on PATH that imports pytest; else /usr/bin/python3", () => {
    const dir = repo({});
    const cfg = defaultConfig();
    cfg.runner.python = "/opt/python/bin/python3";
    expect(pythonFor(dir, ".", cfg, env)).toBe("/opt/python/bin/python3");
    expect(pythonFor(dir, ".", defaultConfig(), env)).toBe(PY);
    const good = fakeBin({ python3: 'exec /usr/bin/python3 "$@"' });
    expect(pythonFor(dir, ".", defaultConfig(), { PATH: `${fakeBin({ python3: "exit 1" })}:${good}` })).toBe(join(good, "python3"));
    expect(pythonFor(dir, ".", defaultConfig(), { PATH: fakeBin({ python3: "exit 1" }) })).toBe(PY);
  });

  test("a virtualenv in the stack folder comes first", () => {
    const dir = repo({});
    mkdirSync(join(dir, "api/.venv/bin"), { recursive: true });
    writeFileSync(join(dir, "api/.venv/bin/python"), '#!/bin/sh\nexec /usr/bin/python3 "$@"\n');
    chmodSync(join(dir, "api/.venv/bin/python"), 0o755);
    expect(pythonFor(dir, "api", defaultConfig(), env)).toBe(join(dir, "api/.venv/bin/python"));
  });
});
