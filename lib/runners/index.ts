// Running test stacks: one adapter per runner (./<runner>.ts) behind one interface (./adapter.ts), the
// registry that lists them (./registry.ts), the run itself (./run.ts) and raw-report redaction.
export type { CoveragePlan, RerunRequest, RunnableStack, RunnerAdapter, RunPlan, TargetTest } from "./adapter.ts";
export { ADAPTERS, adapterFor } from "./registry.ts";
export { redactFile, redactReportText, reportSyntax, type ReportSyntax } from "./report-redaction.ts";
export { planRun, RUNNER_ENV_DENY, runnerEnvDeny, runnerEnvironment, runStack, runStacks, TAIL_LINES, type RunOptions } from "./run.ts";
