/**
 * Replay a verl run's rollout dump: per-task metrics and every estimator (`golongrl replay`,
 * notebook 09, docs/replay.md).
 */
export { replayRun, topDisagreements, ADV_BINS, ADV_HI, ADV_LO, PASS_BINS } from './run.js';
export type { ReplayRun, ReplayRunOptions, TaskStepRow, EstimatorStepRow, DisagreementRow } from './run.js';
export { readStep, type DumpLayout, type StepRows } from './read.js';
export { writeReplayReport, replayFigures, taskSummary, estimatorSummary, type ReplayReportFiles } from './report.js';
