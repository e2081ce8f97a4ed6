// Loaded before every test file (bunfig.toml [test] preload). The scripts under test log with picocolors,
// which turns colour on when CI is set; tests compare log lines exactly, so child processes get NO_COLOR.
process.env.NO_COLOR = "1";
delete process.env.FORCE_COLOR;
