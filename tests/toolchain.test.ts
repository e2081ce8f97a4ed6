// lib/toolchain.ts and scripts/toolchain.ts on repositories generated here: each place a Node.js or Python
// version is named and which wins, packageManager with its hash, the lockfile's manager, the cache keys, nothing
// for a repository that names nothing, a one-line error naming a bad version file; --store asks the real npm,
// pnpm, yarn and bun for their store folders.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { TOOLKIT_ROOT } from "../lib/paths.ts";
import { parse } from "yaml";
import { isVersionRange, pep440ToRange, pipCacheDir, toolchainOutputs } from "../lib/toolchain.ts";
import { tempFolders } from "./support/temp-folders.ts";

setDefaultTimeout(60_000);
const folder = tempFolders();

/** A vitest package (detected as a stack without being installed), with the extra files given. */
const VITEST = { "package.json": '{"name":"web","private":true,"scripts":{"test":"vitest run"}}', "test/a.test.js": "" };
/** A pytest project. */
const PYTEST = { "tests/test_a.py": "def test_a():\n    assert True\n" };

const SYSTEM_PATH = [dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(":");

/** Runs scripts/toolchain.ts in `dir` as the action does; the outputs parsed from its key=value lines. */
function toolchain(dir: string, args: string[] = [], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(TOOLKIT_ROOT, "scripts/toolchain.ts"), ...args], {
    cwd: dir,
    encoding: "utf8",
    // The system PATH: a pyenv shim's start-up in detection's interpreter probe costs seconds per run.
    env: { ...process.env, HEAL_REPO: "", RUNNER_OS: "Linux", NO_COLOR: "1", PATH: SYSTEM_PATH, ...env },
  });
  const outputs: Record<string, string> = {};
  for (const l of r.stdout.split("\n").filter(Boolean)) outputs[l.slice(0, l.indexOf("="))] = l.slice(l.indexOf("=") + 1);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, outputs };
}

/** Only the outputs that are set. */
function set(outputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== ""));
}

const pkg = (extra: Record<string, unknown>) => JSON.stringify({ name: "web", private: true, scripts: { test: "vitest run" }, ...extra });

describe("Node.js: the version file setup-node reads", () => {
  test("each source alone: .nvmrc (lts/*), .node-version (v20.11.1), package.json engines.node (>=18 <21)", () => {
    const nvmrc = toolchain(folder({ ...VITEST, ".nvmrc": "lts/*\n" }));
    expect(nvmrc.status, nvmrc.stderr).toBe(0);
    expect(set(nvmrc.outputs)).toEqual({ "node-version-file": ".nvmrc" });
    expect(nvmrc.stderr).toContain("toolchain: node lts/* from .nvmrc");

    const nodeVersion = toolchain(folder({ ...VITEST, ".node-version": "v20.11.1\n" }));
    expect(set(nodeVersion.outputs)).toEqual({ "node-version-file": ".node-version" });
    expect(nodeVersion.stderr).toContain("toolchain: node 20.11.1 from .node-version");

    const engines = toolchain(folder({ ...VITEST, "package.json": pkg({ engines: { node: ">=18 <21" } }) }));
    expect(set(engines.outputs)).toEqual({ "node-version-file": "package.json" });
    expect(engines.stderr).toContain("toolchain: node >=18 <21 from package.json engines.node");
  });

  test("precedence: .nvmrc, then .node-version, then package.json; the package's own folder before the root", () => {
    const all = { ".nvmrc": "22\n", ".node-version": "20\n", "package.json": pkg({ engines: { node: "18" } }) };
    expect(toolchain(folder({ ...VITEST, ...all })).outputs["node-version-file"]).toBe(".nvmrc");
    const { ".nvmrc": _, ...noNvmrc } = all;
    expect(toolchain(folder({ ...VITEST, ...noNvmrc })).outputs["node-version-file"]).toBe(".node-version");
    // setup-node reads volta.node before engines.node in a package.json, so the source says which.
    const volta = toolchain(folder({ ...VITEST, "package.json": pkg({ volta: { node: "20.11.1" }, engines: { node: ">=18" } }) }));
    expect(volta.stderr).toContain("node 20.11.1 from package.json volta.node");
    const nested = toolchain(
      folder({
        ".nvmrc": "18\n",
        "web/package.json": pkg({}),
        "web/.node-version": "22\n",
        "web/test/a.test.js": "",
      }),
    );
    expect(nested.outputs["node-version-file"]).toBe("web/.node-version");
  });

  test("a .nvmrc that names no version: exit 2, one line naming the file", () => {
    const r = toolchain(folder({ ...VITEST, ".nvmrc": "please use the latest one\n" }));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([
      "error: .nvmrc: names \"please use the latest one\" is not a Node.js version setup-node can install (20, v20.11.1, lts/*, >=18 <21) — a version file names no version setup-node or setup-python can install: fix the file named (README 'The composite action')",
    ]);
    const engines = toolchain(folder({ ...VITEST, "package.json": pkg({ engines: { node: "the newest" } }) }));
    expect(engines.status).toBe(2);
    expect(engines.stderr).toStartWith('error: package.json: engines.node "the newest" is not a Node.js version');
  });
});

describe("the package manager: packageManager, else the lockfile", () => {
  test("packageManager with its hash: pnpm through corepack, from the folder that names it", () => {
    const hash = `sha512.${"ab12".repeat(32)}`;
    const r = toolchain(
      folder({ ...VITEST, "package.json": pkg({ packageManager: `pnpm@9.1.0+${hash}` }), "pnpm-lock.yaml": "lockfileVersion: '9.0'\n" }),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(set(r.outputs)).toMatchObject({
      "package-manager": "pnpm",
      "package-manager-version": "9.1.0",
      "package-manager-dir": ".",
      corepack: "true",
    });
    expect(r.stderr).toContain("toolchain: pnpm@9.1.0 from package.json packageManager (hash checked by corepack)");
  });

  test("no packageManager: the lockfile's tool, no version (yarn through corepack, bun and npm not)", () => {
    const yarn = toolchain(folder({ ...VITEST, "yarn.lock": "# yarn lockfile v1\n" }));
    expect(set(yarn.outputs)).toMatchObject({ "package-manager": "yarn", corepack: "true" });
    expect(yarn.outputs["package-manager-version"]).toBe("");
    const bun = toolchain(folder({ ...VITEST, "bun.lock": "{}\n" }));
    expect(bun.outputs["package-manager"]).toBe("bun");
    expect(bun.outputs.corepack).toBe("");
    const npm = toolchain(folder({ ...VITEST, "package-lock.json": "{}\n" }));
    expect(npm.outputs["package-manager"]).toBe("npm");
    expect(npm.outputs.corepack).toBe("");
  });

  test("packageManager pnpm@latest: exit 2 naming package.json (corepack needs an exact version)", () => {
    const r = toolchain(folder({ ...VITEST, "package.json": pkg({ packageManager: "pnpm@latest" }) }));
    expect(r.status).toBe(2);
    expect(r.stderr).toStartWith('error: package.json: packageManager "pnpm@latest" is not <name>@<exact version>');
  });

  test("the store's cache key: the manager, the OS and the lockfile's hash; a changed lockfile changes it", () => {
    const dir = folder({ ...VITEST, "pnpm-lock.yaml": "lockfileVersion: '9.0'\n" });
    const first = toolchain(dir).outputs;
    expect(first["node-store-key"]).toMatch(/^heal-store-pnpm-Linux-[0-9a-f]{64}$/);
    expect(first["node-store-restore-key"]).toBe("heal-store-pnpm-Linux-");
    expect(toolchain(dir).outputs["node-store-key"]).toBe(first["node-store-key"]!);
    writeFileSync(join(dir, "pnpm-lock.yaml"), "lockfileVersion: '9.0'\n\nimporters: {}\n");
    expect(toolchain(dir).outputs["node-store-key"]).not.toBe(first["node-store-key"]!);
    // Without a lockfile heal:prepare installs nothing, so nothing is cached.
    expect(toolchain(folder(VITEST)).outputs["node-store-key"]).toBe("");
  });
});

describe("Python: the version setup-python reads", () => {
  test(".python-version (a version, pypy), pyproject.toml requires-python as a file or converted from PEP 440", () => {
    const file = toolchain(folder({ ...PYTEST, ".python-version": "3.12\n" }));
    expect(file.status, file.stderr).toBe(0);
    expect(set(file.outputs)).toEqual({ "python-version-file": ".python-version" });
    expect(toolchain(folder({ ...PYTEST, ".python-version": "# pyenv\npypy3.10\n" })).outputs["python-version-file"]).toBe(
      ".python-version",
    );

    const semver = toolchain(folder({ ...PYTEST, "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.9, <3.13"\n' }));
    expect(set(semver.outputs)).toEqual({ "python-version-file": "pyproject.toml" });
    // setup-python drops a PEP 440 clause that is not semver, so the range is passed instead of the file.
    const pep440 = toolchain(folder({ ...PYTEST, "pyproject.toml": '[project]\nname = "x"\nrequires-python = "~=3.10"\n' }));
    expect(set(pep440.outputs)).toEqual({ "python-version": ">=3.10 <4" });
    expect(pep440.stderr).toContain("toolchain: python >=3.10 <4 from pyproject.toml requires-python (~=3.10)");
  });

  test(".python-version wins over pyproject.toml; a bad one (pyenv's `system`) is exit 2 naming it", () => {
    const both = toolchain(
      folder({ ...PYTEST, ".python-version": "3.11\n", "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.9"\n' }),
    );
    expect(both.outputs["python-version-file"]).toBe(".python-version");
    const bad = toolchain(folder({ ...PYTEST, ".python-version": "system\n" }));
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toStartWith('error: .python-version: names "system" is not a Python version setup-python can install');
  });

  test("the pip cache: PIP_CACHE_DIR and a key on requirements*.txt; none when nothing is installed", () => {
    const dir = folder({ ...PYTEST, "requirements.txt": "requests==2.32.3\n", "requirements-dev.txt": "pytest\n" });
    const r = toolchain(dir, [], { PIP_CACHE_DIR: "/var/cache/pip-here" });
    expect(r.outputs["python-store"]).toBe("/var/cache/pip-here");
    expect(r.outputs["python-store-key"]).toMatch(/^heal-store-pip-Linux-[0-9a-f]{64}$/);
    expect(r.outputs["python-store-restore-key"]).toBe("heal-store-pip-Linux-");
    writeFileSync(join(dir, "requirements-dev.txt"), "pytest\nhypothesis\n");
    expect(toolchain(dir, [], { PIP_CACHE_DIR: "/var/cache/pip-here" }).outputs["python-store-key"]).not.toBe(
      r.outputs["python-store-key"]!,
    );
    const noDeps = toolchain(folder({ ...PYTEST, "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.9"\n' }));
    expect(noDeps.outputs["python-store-key"]).toBe("");
  });
});

describe("a repository that names nothing", () => {
  test("no package.json, no Python: every output present and empty, exit 0", () => {
    const go = toolchain(folder({ "go.mod": "module x\n\ngo 1.22\n", "x_test.go": "package x\n", ".nvmrc": "20\n" }));
    expect(go.status, go.stderr).toBe(0);
    expect(Object.keys(go.outputs)).toEqual([
      "node-version-file",
      "node-version",
      "package-manager",
      "package-manager-version",
      "package-manager-dir",
      "corepack",
      "python-version-file",
      "python-version",
      "node-store-key",
      "node-store-restore-key",
      "python-store",
      "python-store-key",
      "python-store-restore-key",
    ]);
    expect(set(go.outputs)).toEqual({});
    expect(toolchain(folder({}), ["--store"]).stdout).toBe("node-store=\n");
  });

  test("a JS package that names no version: its manager and cache, no setup-node", () => {
    const r = toolchain(folder({ ...VITEST, "package-lock.json": "{}\n" }));
    expect(r.outputs["node-version-file"]).toBe("");
    expect(r.outputs["node-version"]).toBe("");
    expect(r.outputs["node-store-key"]).toStartWith("heal-store-npm-Linux-");
  });
});

describe("--store: the package manager's own answer (the real tools)", () => {
  const store = (files: Record<string, string>, env: Record<string, string>) => {
    const r = toolchain(folder({ ...VITEST, ...files }), ["--store"], env);
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  const cacheRoot = folder({});

  test("npm config get cache, yarn cache dir, bun pm cache: each honours its own setting", () => {
    const npmCache = join(cacheRoot, "npm");
    expect(store({ "package-lock.json": "{}\n" }, { npm_config_cache: npmCache })).toBe(`node-store=${npmCache}\n`);
    const yarnCache = join(cacheRoot, "yarn");
    mkdirSync(yarnCache, { recursive: true });
    // yarn 1 keeps its packages in a versioned folder under the one it is given.
    expect(store({ "yarn.lock": "# yarn lockfile v1\n" }, { YARN_CACHE_FOLDER: yarnCache })).toMatch(
      new RegExp(`^node-store=${yarnCache}/v\\d+\n$`),
    );
    const bunCache = join(cacheRoot, "bun");
    expect(store({ "bun.lock": "{}\n" }, { BUN_INSTALL_CACHE_DIR: bunCache })).toBe(`node-store=${bunCache}\n`);
  });

  test("pnpm store path: under the data home pnpm is given", () => {
    const data = join(cacheRoot, "pnpm-data");
    const out = store({ "pnpm-lock.yaml": "lockfileVersion: '9.0'\n" }, { XDG_DATA_HOME: data, PNPM_HOME: "" });
    expect(out).toStartWith(`node-store=${data}/pnpm/store/`);
  });

  test("yarn 4 through corepack (packageManager yarn@4.18.1): its cacheFolder, the global cache under the folder it is given", () => {
    // corepack as the action enables it: its shims first on PATH, yarn 4 fetched from the npm registry.
    const shims = join(cacheRoot, "corepack-bin");
    mkdirSync(shims, { recursive: true });
    const corepackEnv = {
      COREPACK_HOME: join(cacheRoot, "corepack-home"),
      COREPACK_ENABLE_DOWNLOAD_PROMPT: "0",
      COREPACK_NPM_REGISTRY: "https://registry.npmjs.org",
      // This machine's npm mirror serves packages without registry signatures.
      COREPACK_INTEGRITY_KEYS: "0",
    };
    const enable = spawnSync("corepack", ["enable", "--install-directory", shims, "yarn"], {
      encoding: "utf8",
      env: { ...process.env, ...corepackEnv },
    });
    expect(enable.status, enable.stderr).toBe(0);
    const global = join(cacheRoot, "yarn-global");
    const out = store(
      {
        "package.json": pkg({ packageManager: "yarn@4.18.1" }),
        "yarn.lock": "__metadata:\n  version: 8\n  cacheKey: 10c0\n",
        ".yarnrc.yml": "nodeLinker: node-modules\n",
      },
      { ...corepackEnv, PATH: `${shims}:${SYSTEM_PATH}`, YARN_GLOBAL_FOLDER: global },
    );
    expect(out).toBe(`node-store=${global}/cache\n`);
  });

  test("a package manager that is not installed: no store (the cache step is skipped), a warning, exit 0", () => {
    const r = toolchain(folder({ ...VITEST, "pnpm-lock.yaml": "lockfileVersion: '9.0'\n" }), ["--store"], {
      PATH: "/nonexistent",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("node-store=\n");
    expect(r.stderr).toContain("warning: toolchain: `pnpm store path` in . gave no store folder");
  });
});

describe("version specs as the set-up actions read them", () => {
  test("semver ranges and what is not one", () => {
    for (const ok of ["20", "v20", "20.11.1", ">=18 <21", ">= 18", "^20 || ^22", "18.x", "18 - 20", "3.13t", "20.0.0-rc.1"])
      expect(isVersionRange(ok), ok).toBe(true);
    for (const bad of ["system", "latest one", "banana", "", ">=", "lts"]) expect(isVersionRange(bad), bad).toBe(false);
  });

  test("PEP 440 specifiers become semver ranges; != is dropped; === and .* kept as versions", () => {
    expect(pep440ToRange(">=3.9,<3.13")).toBe(">=3.9 <3.13");
    expect(pep440ToRange("~=3.10")).toBe(">=3.10 <4");
    expect(pep440ToRange("~=3.10.2")).toBe(">=3.10.2 <3.11");
    expect(pep440ToRange("==3.11.*")).toBe("3.11");
    expect(pep440ToRange(">=3.8, !=3.9.0")).toBe(">=3.8");
    expect(pep440ToRange("python3")).toBeNull();
  });
});

describe("action.yml's set-up steps", () => {
  const text = readFileSync(join(TOOLKIT_ROOT, "action.yml"), "utf8");
  const steps = (parse(text) as { runs: { steps: { name?: string; uses?: string; if?: string; with?: Record<string, unknown> }[] } }).runs
    .steps;

  test("setup-node and setup-python pinned by full commit SHA with the release in a comment (the tags' commits)", () => {
    expect(text).toContain("uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0\n");
    expect(text).toContain("uses: actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0\n");
  });

  test("each set-up step runs only on the toolchain step's outputs, and takes its inputs from them", () => {
    const by = (name: string) => steps.find((s) => s.name === name)!;
    expect(by("Set up Node.js as the project names it")).toMatchObject({
      if: "steps.toolchain.outputs.node-version-file != '' || steps.toolchain.outputs.node-version != ''",
      with: {
        "node-version-file": "${{ steps.toolchain.outputs.node-version-file }}",
        "node-version": "${{ steps.toolchain.outputs.node-version }}",
        "package-manager-cache": false,
      },
    });
    expect(by("Set up Python as the project names it").with).toEqual({
      "python-version-file": "${{ steps.toolchain.outputs.python-version-file }}",
      "python-version": "${{ steps.toolchain.outputs.python-version }}",
    });
    expect(by("Set up the project's package manager (corepack)").if).toBe("steps.toolchain.outputs.corepack == 'true'");
    expect(by("Keep the package store").with).toEqual({
      path: "${{ steps.store.outputs.node-store }}",
      key: "${{ steps.toolchain.outputs.node-store-key }}",
      "restore-keys": "${{ steps.toolchain.outputs.node-store-restore-key }}",
    });
    // Every key an `if:` or `with:` reads is one the script writes.
    const written = Object.keys(toolchainOutputs({ node: null, packageManager: null, python: null, nodeStore: null, pythonStore: null }));
    for (const m of text.matchAll(/steps\.toolchain\.outputs\.([\w-]+)/g)) expect(written, m[1]).toContain(m[1]!);
  });
});

describe("pip's cache folder", () => {
  test("PIP_CACHE_DIR, else XDG_CACHE_HOME/pip or ~/.cache/pip; ~/Library/Caches/pip on macOS", () => {
    expect(pipCacheDir({ PIP_CACHE_DIR: "/c", HOME: "/h" }, "linux")).toBe("/c");
    expect(pipCacheDir({ XDG_CACHE_HOME: "/x", HOME: "/h" }, "linux")).toBe("/x/pip");
    expect(pipCacheDir({ HOME: "/h" }, "linux")).toBe("/h/.cache/pip");
    expect(pipCacheDir({ HOME: "/Users/r" }, "darwin")).toBe("/Users/r/Library/Caches/pip");
  });
});
