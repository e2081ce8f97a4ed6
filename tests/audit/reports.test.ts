// Each audit format read exactly: govulncheck live (v1.1.4 with a one-advisory database built here), the others from
// real outputs committed with their origin (tests/fixtures/audit/README.md).
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  dedupeVulnerabilities,
  detectAuditFormat,
  firstFixAbove,
  groupByPackage,
  readAuditFile,
  type Vulnerability,
} from "../../lib/audit/reports.ts";
import { TOOLKIT_ROOT } from "../../lib/paths.ts";
import { tempFolders } from "../support/temp-folders.ts";
import { govulncheckBin, osvDatabase } from "./govulncheck-db.ts";

const folder = tempFolders();
const fixture = (name: string) => join(TOOLKIT_ROOT, "tests/fixtures/audit", name);
/** The fields a user reads in the issue and task file, in order. */
const row = (v: Vulnerability) => [v.id, v.package, v.installed, v.fixed, v.vulnerableRange, v.severity, v.paths, v.aliases];

describe("formats", () => {
  test("npm audit --json (v7+): one record per advisory in `via`, GHSA from its URL, the fix npm offers", () => {
    const r = readAuditFile(fixture("npm-v7.json"));
    expect(r.format).toBe("npm");
    expect(r.vulnerabilities.map(row)).toEqual([
      ["GHSA-gxpj-cx7g-858c", "debug", null, "express@4.18.3", "<2.6.9", "moderate", ["node_modules/debug"], ["npm:1094222"]],
      ["GHSA-9vvw-cc9w-f27h", "debug", null, "express@4.18.3", "<2.6.9", "high", ["node_modules/debug"], ["npm:1094457"]],
    ]);
    expect(r.vulnerabilities[1]!.url).toBe("https://github.com/advisories/GHSA-9vvw-cc9w-f27h");
    expect(r.vulnerabilities[1]!.title).toBe("debug Inefficient Regular Expression Complexity vulnerability");
  });
  test("pnpm audit --json (npm 6 advisories): installed version from findings, paths with ' > ', CVEs as aliases", () => {
    const r = readAuditFile(fixture("npm-v6-pnpm.json"));
    expect(r.format).toBe("npm-v6");
    expect(r.vulnerabilities.map(row)).toEqual([
      ["npm:146", "growl", "1.9.2", ">=1.10.2", "<1.10.2", "critical", ["mocha-jenkins-reporter > mocha > growl"], ["CVE-2017-16042"]],
    ]);
  });
  test("yarn npm audit --json (yarn 2+ lines): deprecations by their own id, advisories by GHSA", () => {
    const r = readAuditFile(fixture("yarn-berry.ndjson"));
    expect(r.format).toBe("yarn-berry");
    expect(r.vulnerabilities.map((v) => [v.id, v.package, v.installed, v.severity])).toEqual([
      ["@babel/plugin-proposal-class-properties (deprecation)", "@babel/plugin-proposal-class-properties", "7.18.6", "moderate"],
      [
        "@babel/plugin-proposal-nullish-coalescing-operator (deprecation)",
        "@babel/plugin-proposal-nullish-coalescing-operator",
        "7.18.6",
        "moderate",
      ],
      ["@babel/plugin-proposal-optional-chaining (deprecation)", "@babel/plugin-proposal-optional-chaining", "7.21.0", "moderate"],
      ["GHSA-37q5-v5qm-c9v8", "transformers", "4.38", "low"],
    ]);
    expect(row(r.vulnerabilities[3]!)).toEqual([
      "GHSA-37q5-v5qm-c9v8",
      "transformers",
      "4.38",
      null,
      "< 4.38.0",
      "low",
      ["test@npm:1.13.0"],
      ["npm:1096536"],
    ]);
  });
  test("bun audit --json: package -> advisories", () => {
    const r = readAuditFile(fixture("bun-audit.json"));
    expect(r.format).toBe("bun");
    expect(r.vulnerabilities.map(row)).toEqual([
      ["GHSA-w9mr-4mfr-499f", "ms", null, null, "<2.0.0", "moderate", [], ["npm:1094419"]],
      ["GHSA-3fx5-fwvr-xrjg", "ms", null, null, "<0.7.1", "high", [], ["npm:1098340"]],
    ]);
  });
  test("pip-audit -f json: skipped and clean dependencies give nothing; the fix is the lowest above the installed version", () => {
    const r = readAuditFile(fixture("pip-audit.json"));
    expect(r.format).toBe("pip-audit");
    expect(r.vulnerabilities.map((v) => [v.id, v.package, v.installed, v.fixed])).toEqual([
      ["PYSEC-2021-76", "aiohttp", "3.6.2", "3.7.4"],
      ["PYSEC-2021-439", "django", "3.2.9", "3.2.10"],
      ["PYSEC-2021-852", "lxml", "4.6.4", null],
      ["PYSEC-2019-128", "twisted", "18.9.0", "19.2.1"],
      ["PYSEC-2020-260", "twisted", "18.9.0", "20.3.0rc1"],
      ["PYSEC-2019-129", "twisted", "18.9.0", "19.7.0rc1"],
      ["PYSEC-2020-259", "twisted", "18.9.0", "20.3.0rc1"],
    ]);
    expect(r.vulnerabilities[0]!.url).toBe("https://osv.dev/vulnerability/PYSEC-2021-76");
    expect(r.vulnerabilities[1]!.title).toBe(
      "In Django 2.2 before 2.2.25, 3.1 before 3.1.14, and 3.2 before 3.2.10, HTTP requests for URLs with trailing newlines could bypass upstream access control based on URL paths.",
    );
  });
  test("osv-scanner --format json: one record per group, the lockfile as its path", () => {
    const r = readAuditFile(fixture("osv-scanner.json"));
    expect(r.format).toBe("osv-scanner");
    expect(r.vulnerabilities.map(row)).toEqual([
      ["MAL-2023-1035", "flot-axis", "0.0.0", null, null, "unknown", ["/tmp/components/yarn.lock"], ["GHSA-8348-2q94-ffjx"]],
    ]);
    expect(r.vulnerabilities[0]!.title).toBe("Malicious code in flot-axis (npm)");
  });
  test("govulncheck -json (live, v1.1.4): a called vulnerable symbol, its module, versions and call path", () => {
    const bin = govulncheckBin();
    expect(existsSync(bin)).toBe(true);
    const db = osvDatabase(folder({}));
    const app = folder({
      "go.mod": "module example.com/app\n\ngo 1.21\n",
      "main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n',
    });
    const r = spawnSync(bin, ["-db", `file://${db}`, "-json", "./..."], {
      cwd: app,
      encoding: "utf8",
      env: { ...process.env, GOFLAGS: "-mod=mod" },
    });
    expect(r.status).toBe(0);
    writeFileSync(join(app, "govulncheck.json"), r.stdout);
    expect(detectAuditFormat(r.stdout)).toBe("govulncheck");
    const { vulnerabilities } = readAuditFile(join(app, "govulncheck.json"));
    const goVersion = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" }).stdout.trim().replace(/^go/, "v");
    expect(vulnerabilities.map(row)).toEqual([
      [
        "GO-2099-0001",
        "stdlib",
        goVersion,
        "v99.0.0",
        null,
        "unknown",
        ["example.com/app.main → fmt.Println"],
        ["CVE-2099-0001", "GHSA-2222-3333-4444"],
      ],
    ]);
    expect(vulnerabilities[0]!.url).toBe("https://pkg.go.dev/vuln/GO-2099-0001");
  }, 120_000);
  test("what no audit tool wrote is not detected", () => {
    expect(detectAuditFormat('{"numTotalTests": 0}')).toBeNull();
    expect(detectAuditFormat("found 0 vulnerabilities")).toBeNull();
    expect(detectAuditFormat(readFileSync(join(TOOLKIT_ROOT, "tests/fixtures/perf/benchmark-js.json"), "utf8"))).toBeNull();
  });
});

describe("dedup and groups", () => {
  test("the same advisory from npm and bun (GHSA and npm number) is one record; groups are per package, worst first", () => {
    const npm = readAuditFile(fixture("npm-v7.json")).vulnerabilities;
    const bun = readAuditFile(fixture("bun-audit.json")).vulnerabilities;
    const twice = [
      ...npm,
      ...bun,
      ...npm.map((v) => ({ ...v, id: v.aliases[0]!, aliases: [v.id], paths: ["node_modules/x/node_modules/debug"] })),
    ];
    const merged = dedupeVulnerabilities(twice);
    expect(merged.map((v) => [v.id, v.package, v.paths])).toEqual([
      ["GHSA-gxpj-cx7g-858c", "debug", ["node_modules/debug", "node_modules/x/node_modules/debug"]],
      ["GHSA-9vvw-cc9w-f27h", "debug", ["node_modules/debug", "node_modules/x/node_modules/debug"]],
      ["GHSA-w9mr-4mfr-499f", "ms", []],
      ["GHSA-3fx5-fwvr-xrjg", "ms", []],
    ]);
    expect(groupByPackage(merged).map((g) => [g.key, g.severity, g.advisories.map((a) => a.id), g.fixed])).toEqual([
      ["npm/debug", "high", ["GHSA-9vvw-cc9w-f27h", "GHSA-gxpj-cx7g-858c"], ["express@4.18.3"]],
      ["npm/ms", "high", ["GHSA-3fx5-fwvr-xrjg", "GHSA-w9mr-4mfr-499f"], []],
    ]);
  });
  test("firstFixAbove picks the release line's fix", () => {
    expect(firstFixAbove("3.1.2", ["2.2.25", "3.1.14", "3.2.10"])).toBe("3.1.14");
    expect(firstFixAbove("4.0.0", ["2.2.25", "3.1.14"])).toBe("3.1.14");
    expect(firstFixAbove(null, [])).toBeNull();
  });
});
