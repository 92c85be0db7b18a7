/**
 * `golongrl` — the command line over lib/. One module per verb; this file only dispatches
 * and maps errors to exit codes (2: bad input or usage, naming file, line and field; 1: failure).
 */
import { runAdvantages, ADVANTAGES_HELP } from './advantages.js';
import { runCompare, COMPARE_HELP } from './compare.js';
import { runData, DATA_HELP } from './data.js';
import { runDemo, DEMO_HELP } from './demo.js';
import { describeError, EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, UsageError } from './io.js';
import { runScore, SCORE_HELP } from './score.js';
import { LAB_HELP, NOTEBOOKS_HELP, runLab, runNotebooks } from './notebooks.js';
import { runTrain, TRAIN_HELP } from './train.js';
import { CURVES_HELP, runCurves } from './curves.js';
import { runEval, EVAL_HELP } from './eval.js';
import { runResults, RESULTS_HELP } from './results.js';
import { REPLAY_HELP, runReplay } from './replay.js';
import { runSubmit, SUBMIT_HELP } from './submit.js';
import { RECIPES_HELP, runRecipes } from './recipes.js';
import { CANCEL_HELP, LIST_HELP, LOGS_HELP, runCancel, runList, runLogs, runStatus, STATUS_HELP } from './jobs.js';

type Verb = { run: (argv: string[]) => Promise<number>; help: string; summary: string };

export const VERBS: Record<string, Verb> = {
  score: { run: runScore, help: SCORE_HELP, summary: 'score rollouts with the GoLongRL rewards (JSONL in, JSONL out)' },
  advantages: { run: runAdvantages, help: ADVANTAGES_HELP, summary: 'replay advantage estimators over rollouts, step by step' },
  data: { run: runData, help: DATA_HELP, summary: 'validate and profile GoLongRL datasets (JSONL/parquet), mix short/long by tokens, regenerate the SAMPLE, read rollout dumps' },
  demo: { run: runDemo, help: DEMO_HELP, summary: 'synthetic rollouts, real rewards, every estimator side by side' },
  notebooks: { run: runNotebooks, help: NOTEBOOKS_HELP, summary: 'execute every notebook headless; any cell error fails (npm run notebooks)' },
  train: { run: runTrain, help: TRAIN_HELP, summary: 'train the tiny tfjs policy with GRPO on the synthetic suite (metrics, checkpoints, resume)' },
  compare: { run: runCompare, help: COMPARE_HELP, summary: 'the main job: GRPO vs TMN-Reweight over seeds, held-out eval, HTML/PNG/CSV report (npm start)' },
  lab: { run: runLab, help: LAB_HELP, summary: 'start Jupyter with the repo-local TypeScript kernel (npm run lab)' },
  recipes: { run: runRecipes, help: RECIPES_HELP, summary: 'the cluster recipes (YAML files in cluster/recipes/), each validated' },
  submit: { run: runSubmit, help: SUBMIT_HELP, summary: 'submit a cluster recipe as a job (local | slurm | ray | skypilot), or --dry-run it' },
  status: { run: runStatus, help: STATUS_HELP, summary: 'state of one job, or of every unfinished job (batched backend query)' },
  logs: { run: runLogs, help: LOGS_HELP, summary: "print a job's log lines (--follow until it ends)" },
  cancel: { run: runCancel, help: CANCEL_HELP, summary: 'cancel a job' },
  list: { run: runList, help: LIST_HELP, summary: 'every recorded job with its last known state' },
  eval: { run: runEval, help: EVAL_HELP, summary: 'watch a checkpoint dir, evaluate every complete checkpoint exactly once; re-score benchmark outputs' },
  results: { run: runResults, help: RESULTS_HELP, summary: 'evaluation results database as a table (six-benchmark average per step)' },
  replay: { run: runReplay, help: REPLAY_HELP, summary: 'replay a verl run\'s rollout dump: per-task metrics and every estimator step by step, HTML/PNG/CSV report' },
  curves: { run: runCurves, help: CURVES_HELP, summary: 'training curves from TensorBoard / verl console / metrics JSONL logs: group by config, TensorBoard smoothing, mean ± std, PNG/CSV' },
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
  const v = VERBS[verb];
  if (!v) {
    process.stderr.write(`golongrl: unknown verb '${verb}'\n\n${usage()}\n`);
    return EXIT_BAD_INPUT;
  }
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
