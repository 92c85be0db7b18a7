/**
 * `golongrl` — the command line over lib/. One module per verb; this file only dispatches
 * and maps errors to exit codes (2: bad input or usage, naming file, line and field; 1: failure).
 */
import { describeError, EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, UsageError } from './io.js';

/** A verb's module, loaded only when that verb runs: `golongrl score` never loads tfjs or jsdom. */
type VerbModule = { run: (argv: string[]) => Promise<number>; help: string };
type Verb = { load: () => Promise<VerbModule>; summary: string };

export const VERBS: Record<string, Verb> = {
  score: { load: async () => { const m = await import('./score.js'); return { run: m.runScore, help: m.SCORE_HELP }; }, summary: 'score rollouts with the GoLongRL rewards (JSONL in, JSONL out)' },
  advantages: { load: async () => { const m = await import('./advantages.js'); return { run: m.runAdvantages, help: m.ADVANTAGES_HELP }; }, summary: 'replay advantage estimators over rollouts, step by step' },
  data: { load: async () => { const m = await import('./data.js'); return { run: m.runData, help: m.DATA_HELP }; }, summary: 'validate and profile GoLongRL datasets (JSONL/parquet), mix short/long by tokens, regenerate the SAMPLE, read rollout dumps' },
  demo: { load: async () => { const m = await import('./demo.js'); return { run: m.runDemo, help: m.DEMO_HELP }; }, summary: 'synthetic rollouts, real rewards, every estimator side by side' },
  notebooks: { load: async () => { const m = await import('./notebooks.js'); return { run: m.runNotebooks, help: m.NOTEBOOKS_HELP }; }, summary: 'execute every notebook headless; any cell error fails (npm run notebooks)' },
  train: { load: async () => { const m = await import('./train.js'); return { run: m.runTrain, help: m.TRAIN_HELP }; }, summary: 'train the tiny tfjs policy with GRPO on the synthetic suite (metrics, checkpoints, resume)' },
  compare: { load: async () => { const m = await import('./compare.js'); return { run: m.runCompare, help: m.COMPARE_HELP }; }, summary: 'the main job: GRPO vs TMN-Reweight over seeds, held-out eval, HTML/PNG/CSV report (npm start)' },
  lab: { load: async () => { const m = await import('./notebooks.js'); return { run: m.runLab, help: m.LAB_HELP }; }, summary: 'start Jupyter with the repo-local TypeScript kernel (npm run lab)' },
  recipes: { load: async () => { const m = await import('./recipes.js'); return { run: m.runRecipes, help: m.RECIPES_HELP }; }, summary: 'the cluster recipes (YAML files in cluster/recipes/), each validated' },
  submit: { load: async () => { const m = await import('./submit.js'); return { run: m.runSubmit, help: m.SUBMIT_HELP }; }, summary: 'submit a cluster recipe as a job (local | slurm | ray | skypilot), or --dry-run it' },
  status: { load: async () => { const m = await import('./jobs.js'); return { run: m.runStatus, help: m.STATUS_HELP }; }, summary: 'state of one job, or of every unfinished job (batched backend query)' },
  logs: { load: async () => { const m = await import('./jobs.js'); return { run: m.runLogs, help: m.LOGS_HELP }; }, summary: "print a job's log lines (--follow until it ends)" },
  cancel: { load: async () => { const m = await import('./jobs.js'); return { run: m.runCancel, help: m.CANCEL_HELP }; }, summary: 'cancel a job' },
  list: { load: async () => { const m = await import('./jobs.js'); return { run: m.runList, help: m.LIST_HELP }; }, summary: 'every recorded job with its last known state' },
  eval: { load: async () => { const m = await import('./eval.js'); return { run: m.runEval, help: m.EVAL_HELP }; }, summary: 'watch a checkpoint dir, evaluate every complete checkpoint exactly once; re-score benchmark outputs' },
  results: { load: async () => { const m = await import('./results.js'); return { run: m.runResults, help: m.RESULTS_HELP }; }, summary: 'evaluation results database as a table (six-benchmark average per step)' },
  replay: { load: async () => { const m = await import('./replay.js'); return { run: m.runReplay, help: m.REPLAY_HELP }; }, summary: "replay a verl run's rollout dump: per-task metrics and every estimator step by step, HTML/PNG/CSV report" },
  curves: { load: async () => { const m = await import('./curves.js'); return { run: m.runCurves, help: m.CURVES_HELP }; }, summary: 'training curves from TensorBoard / verl console / metrics JSONL logs: group by config, TensorBoard smoothing, mean ± std, PNG/CSV' },
};

export function usage(): string {
  const lines = Object.entries(VERBS).map(([k, v]) => `  ${k.padEnd(12)}${v.summary}`);
  return `golongrl <verb> [options]\n\n${lines.join('\n')}\n\nRun 'golongrl <verb> --help' for a verb's options. Every verb takes --json.`;
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(usage() + '\n');
    return verb ? EXIT_OK : EXIT_BAD_INPUT;
  }
  const entry = VERBS[verb];
  if (!entry) {
    process.stderr.write(`golongrl: unknown verb '${verb}'\n\n${usage()}\n`);
    return EXIT_BAD_INPUT;
  }
  const v = await entry.load();
  // A full disk or closed pipe on stdout is an 'error' event on the stream, not a throw: route it here.
  let outError: Error | undefined;
  const onOutError = (e: Error) => void (outError ??= e);
  process.stdout.on('error', onOutError);
  try {
    const code = await v.run(rest);
    if (outError) throw outError;
    return code;
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`golongrl ${verb}: ${(e as Error).message}\n\n${v.help}\n`);
      return EXIT_BAD_INPUT;
    }
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return EXIT_OK;
    // One error path: bad input, an unwritable output, a full disk → one line naming file, what and
    // where, exit 2; anything else is a bug → the stack, exit 1.
    const line = describeError(e, { skipBadHint: v.help.includes('--skip-bad') });
    if (line !== undefined) {
      process.stderr.write(`golongrl ${verb}: ${line}\n`);
      return EXIT_BAD_INPUT;
    }
    process.stderr.write(`golongrl ${verb}: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_FAILURE;
  } finally {
    process.stdout.off('error', onOutError);
  }
}
