// lib/workspaces.ts: which folders a workspace's globs name, and which root test scripts only fan out to them.
import { describe, expect, test } from "bun:test";
import { expandMembers, fansOut, packageJsonGlobs, pnpmWorkspaceGlobs, segmentsBeforeFanOut } from "../lib/workspaces.ts";
import { tempFolders } from "./support/temp-folders.ts";

const repo = tempFolders();

describe("workspaces", () => {
  test("globs: package.json's array or {packages}, pnpm-workspace.yaml's packages; anything else names none", () => {
    expect(packageJsonGlobs({ workspaces: ["packages/*", "apps/web"] })).toEqual(["packages/*", "apps/web"]);
    expect(packageJsonGlobs({ workspaces: { packages: ["libs/*"], nohoist: ["**/x"] } })).toEqual(["libs/*"]);
    expect(packageJsonGlobs({ workspaces: "packages/*" })).toEqual([]);
    expect(packageJsonGlobs(null)).toEqual([]);
    expect(pnpmWorkspaceGlobs('packages:\n  - "packages/*"\n  - "!packages/old"\n', "pnpm-workspace.yaml")).toEqual([
      "packages/*",
      "!packages/old",
    ]);
    expect(pnpmWorkspaceGlobs("packages: [\n", "pnpm-workspace.yaml")).toEqual([]);
    expect(pnpmWorkspaceGlobs("catalog:\n  react: ^19\n", "pnpm-workspace.yaml")).toEqual([]);
  });

  test("members: folders with a package.json that the globs name, `!` exclusions and node_modules left out", () => {
    const dir = repo({
      "package.json": "{}",
      "packages/a/package.json": "{}",
      "packages/old/package.json": "{}",
      "packages/notes/README.md": "",
      "packages/a/node_modules/dep/package.json": "{}",
      "apps/web/package.json": "{}",
      "apps/web/e2e/package.json": "{}",
      "tools/x/package.json": "{}",
    });
    expect(expandMembers(dir, ".", ["packages/*", "!packages/old", "./apps/**/"])).toEqual(["apps/web", "apps/web/e2e", "packages/a"]);
    // A workspace below the repo root: members are repo-relative.
    expect(expandMembers(dir, "apps", ["web"])).toEqual(["apps/web"]);
    expect(expandMembers(dir, ".", ["!packages/*"])).toEqual([]);
  });

  test("a root test script fans out when a segment hands `test` to the packages", () => {
    const out = [
      "npm run test --workspaces --if-present",
      "npm test -ws",
      "npm run test --workspace=@shop/a",
      "pnpm -r test",
      "pnpm --recursive run test",
      "pnpm --filter ./packages/** test",
      "pnpm build && pnpm -r --parallel test",
      "yarn workspaces run test",
      "yarn workspaces foreach -A run test",
      "bun run --filter '*' test",
      "turbo run test",
      "npx turbo test --continue",
      "lerna run test --stream",
      "nx run-many -t test",
    ];
    const own = ["vitest run", "jest --ci", "bun test", "pnpm -w run unit", "npm run unit", "tsc && node --test", ""];
    expect(out.filter((s) => !fansOut(s))).toEqual([]);
    expect(own.filter((s) => fansOut(s))).toEqual([]);
  });

  test("the segments a fanning-out root script runs before the fan-out, in order; none when it fans out first or not at all", () => {
    expect(segmentsBeforeFanOut("pnpm build && pnpm -r test")).toEqual([["pnpm", "build"]]);
    expect(segmentsBeforeFanOut('npm run build && tsc -b "tsconfig.build.json" && npm test --workspaces && echo done')).toEqual([
      ["npm", "run", "build"],
      ["tsc", "-b", "tsconfig.build.json"],
    ]);
    expect(segmentsBeforeFanOut("turbo run test")).toEqual([]);
    expect(segmentsBeforeFanOut("tsc && vitest run")).toEqual([]);
    expect(segmentsBeforeFanOut("")).toEqual([]);
  });
});
