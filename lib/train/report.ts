/**
 * The main job (`golongrl compare`, `npm start`), kept at this path for its importers; the code lives
 * in lib/train/compare/: config.ts (what runs), run.ts (one (estimator, seed) run, resumable),
 * driver.ts (base → runs in process or as Jobs → results), aggregate.ts (the numbers, arquero),
 * report.ts (HTML + PNG + CSV), stats.ts (intervals, CSV).
 *
 * Nothing here is tuned to make one estimator win: every run uses the recipe's settings and the same
 * base model; only the advantage estimator differs.
 */
export { COMPARE_CONFIGS, COMPARE_PLANS, comparePlan, type ComparePlan } from './compare/config.js';
export { REPLAY_PROMPTS_PER_FAMILY, runOne, readSpec, runDirFor, type RunSpec, type RunResult, type HeldOutScore, type AdvantageRow } from './compare/run.js';
export { runComparison, makeSpecs, type DriverOptions, type RunBackend } from './compare/driver.js';
export { summarize, formatSummaries, trainingCurves, verdictSentence, perSeedScores, LEARNING_MARGIN, type FormatSummary, type CompareResult, type CompareSummary, type RunRecord, type PairedSummary, type GainSummary, type FinalSummary } from './compare/aggregate.js';
export { writeReport, summaryTable, metricKeys, type ReportFiles } from './compare/report.js';
export { meanCi95, tCi95, tQuantile975, toCsv } from './compare/stats.js';
