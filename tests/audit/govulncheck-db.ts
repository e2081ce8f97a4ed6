// A one-advisory Go vulnerability database (the layout govulncheck reads from `-db file://…`): stdlib's fmt.Println
// marked vulnerable until v99, so any program printing with it has a called, vulnerable symbol.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const ADVISORY_ID = "GO-2099-0001";

export interface StdlibAdvisory {
  id: string;
  /** Import path and symbol of the standard library marked vulnerable until v99. */
  path: string;
  symbol: string;
  aliases?: string[];
  summary?: string;
}

const PRINTLN: StdlibAdvisory = {
  id: ADVISORY_ID,
  path: "fmt",
  symbol: "Println",
  aliases: ["CVE-2099-0001", "GHSA-2222-3333-4444"],
  summary: "Println writes too much in fmt",
};

/** Writes the database (index and one OSV file per advisory) into `dir`, replacing what was there. */
export function osvDatabase(dir: string, advisories: StdlibAdvisory[] = [PRINTLN]): string {
  mkdirSync(join(dir, "index"), { recursive: true });
  rmSync(join(dir, "ID"), { recursive: true, force: true });
  mkdirSync(join(dir, "ID"), { recursive: true });
  const modified = "2026-01-01T00:00:00Z";
  writeFileSync(join(dir, "index/db.json"), JSON.stringify({ modified }));
  writeFileSync(
    join(dir, "index/modules.json"),
    JSON.stringify([{ path: "stdlib", vulns: advisories.map((a) => ({ id: a.id, modified, fixed: "99.0.0" })) }]),
  );
  for (const a of advisories) {
    writeFileSync(
      join(dir, "ID", `${a.id}.json`),
      JSON.stringify({
        schema_version: "1.3.1",
        id: a.id,
        modified,
        published: modified,
        aliases: a.aliases ?? [],
        summary: a.summary ?? `${a.symbol} in ${a.path} is vulnerable`,
        details: "A test advisory.",
        affected: [
          {
            package: { name: "stdlib", ecosystem: "Go" },
            ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "99.0.0" }] }],
            ecosystem_specific: { imports: [{ path: a.path, symbols: [a.symbol] }] },
          },
        ],
        references: [{ type: "FIX", url: "https://go.dev/cl/1" }],
      }),
    );
  }
  return dir;
}

/** govulncheck from PATH or GOBIN (.ci/run installs it pinned). */
export function govulncheckBin(): string {
  for (const dir of [...(process.env.PATH ?? "").split(":"), process.env.GOBIN ?? "", join(homedir(), "go/bin")]) {
    if (dir && existsSync(join(dir, "govulncheck"))) return join(dir, "govulncheck");
  }
  return "govulncheck";
}
