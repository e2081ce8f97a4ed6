// The failures module's public face (lib/failures/): collect.ts reads reports into a FailureReport,
// records.ts builds each record, identity-table.ts counts tests in bounded memory, memory-guard.ts bounds garbage.
export { collectFailures, readRunsFile, streamFailures, type CollectOptions, type StreamedReport } from "./failures/collect.ts";
export { compareFailures, fullerMessage, headAndTail, trimStack, type FailureSortKey } from "./failures/records.ts";
export { RecordSpool } from "./failures/spill.ts";
export { GarbageGuard } from "./failures/memory-guard.ts";
