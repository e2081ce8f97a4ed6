// Loaded by heal's jest runs through NODE_OPTIONS=--require: adds the JSON report options to jest's parsed
// options in memory, so they never appear in the tests' process.argv (a CLI's own test may parse it).
// Does nothing without HEAL_JEST_OUTPUT_FILE, so node processes the tests start are unaffected.
"use strict";
const Module = require("node:module");
const fs = require("node:fs");
const given = process.env.HEAL_JEST_OUTPUT_FILE;
// A script may run jest more than once (`npm run test-tz && jest`): each run writes the next free file of the
// series heal reads (jest.json, jest.2.json, ...), so no run's report overwrites another's.
const out = given && !fs.existsSync(given) ? given : given && nextFree(given);
function nextFree(first) {
  for (let n = 2; ; n++) {
    const p = first.replace(/(\.[^./]+)?$/, `.${n}$1`);
    if (!fs.existsSync(p)) return p;
  }
}
if (out) {
  const load = Module._load;
  let wrapped = null;
  let wrappedCli = null;
  Module._load = function (request, parent, isMain) {
    const m = load.apply(this, arguments);
    // jest 23 and older have no @jest/core: their bin calls run() of jest-cli/build/cli, which parses the argv it
    // is given (else process.argv). The options go to that parse only; process.argv stays the user's.
    if (request === "../build/cli" && /jest-cli[\\/]bin[\\/]jest\.js$/.test(parent?.filename ?? "") && typeof m?.run === "function") {
      if (!wrappedCli) {
        delete process.env.HEAL_JEST_OUTPUT_FILE;
        wrappedCli = Object.create(m);
        wrappedCli.run = (maybeArgv, project) =>
          m.run([...(maybeArgv || process.argv.slice(2)), "--json", `--outputFile=${out}`, "--testLocationInResults"], project);
      }
      return wrappedCli;
    }
    if (request !== "@jest/core" || !m || typeof m.runCLI !== "function") return m;
    if (!wrapped) {
      const runCLI = m.runCLI;
      // The process that runs jest took the report path: node processes the tests start do not get it.
      delete process.env.HEAL_JEST_OUTPUT_FILE;
      wrapped = Object.create(m);
      // @jest/core's exports are getters: a plain assignment would not replace runCLI.
      Object.defineProperty(wrapped, "runCLI", {
        enumerable: true,
        value: (argv, projects) => runCLI({ ...argv, json: true, outputFile: out, testLocationInResults: true }, projects),
      });
    }
    return wrapped;
  };
}
