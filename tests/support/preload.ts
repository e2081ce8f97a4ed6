import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

// Loaded before every test file (bunfig.toml [test] preload). The scripts under test log with picocolors,
// which turns colour on when CI is set; tests compare log lines exactly, so child processes get NO_COLOR.
process.env.NO_COLOR = "1";
delete process.env.FORCE_COLOR;

// corepack and node's fetch reach the npm registry only through the machine's CA; npm itself reads it from its
// `cafile` setting. A bare environment (env -i) has npm's setting but no NODE_EXTRA_CA_CERTS: take npm's.
if (!process.env.NODE_EXTRA_CA_CERTS) {
  const cafile = spawnSync("npm", ["config", "get", "cafile"], { encoding: "utf8" }).stdout?.trim();
  if (cafile && cafile !== "null" && cafile !== "undefined" && existsSync(cafile)) process.env.NODE_EXTRA_CA_CERTS = cafile;
}
