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
  Module._load = function (request, parent, isMain) {
    const m = load.apply(this, arguments);
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
