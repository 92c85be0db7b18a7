/**
 * `golongrl replay DUMP_DIR` — a verl run's rollout dump (`trainer.rollout_data_dir`): per-task
 * metrics of the run as trained and every estimator replayed step by step, as an HTML report with
 * PNG figures and CSV tables (lib/replay, docs/replay.md).
 */
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { listAdvEstimators } from '../advantage/index.js';
import { replayRun, topDisagreements, writeReplayReport } from '../replay/index.js';
import { taskSummary } from '../replay/report.js';
import { textTable } from '../util/table.js';
import { EXIT_OK, Progress, UsageError } from './io.js';

export const REPLAY_HELP = `golongrl replay DUMP_DIR [--data DATASET.parquet|.jsonl] [--estimators a,b,…] [--out DIR] [--json]

Replays a verl rollout dump (one <global_step>.jsonl per step, as trainer.rollout_data_dir writes it;
both layouts: input/output/score/step, and from verl 0.6 also gts and the reward's extra fields).
Groups: a "uid" field if the lines carry one, else identical "input" text within a step. Tasks: a
"capability" / "reward_mode" / "data_source" field, else the join with --data by prompt text, else one
task. Writes DIR/index.html with PNG figures and CSV tables; streams one step at a time.
  --data FILE            the training dataset (JSONL or parquet) to join tasks from by prompt
  --estimators a,b,…     estimators to replay (default: all registered: ${listAdvEstimators().join(', ')})
  --components k1,k2,…   GDPO reward components: numeric fields every line carries (verl's gdpo_reward_keys)
  --gdpo-weights w1,…    GDPO weights, one per component (default 1 each)
  --out DIR              report directory (default runs/replay/<dump name>)
  --progress             show the progress bar even when stderr is not a terminal
  --json                 print the summary as one JSON object on stdout`;

function list(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const xs = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (xs.length === 0) throw new UsageError('an empty list was given');
  return xs;
}

export async function runReplay(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      estimators: { type: 'string' },
      components: { type: 'string' },
      'gdpo-weights': { type: 'string' },
      out: { type: 'string' },
      progress: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(REPLAY_HELP + '\n');
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('replay needs exactly one DUMP_DIR (or one <step>.jsonl)');
  const estimators = list(values.estimators);
  const known = listAdvEstimators();
  for (const e of estimators ?? []) if (!known.includes(e)) throw new UsageError(`unknown estimator '${e}'; known: ${known.join(', ')}`);
  const components = list(values.components) ?? [];
  const weights = list(values['gdpo-weights'])?.map((w) => {
    const x = Number(w);
    if (!Number.isFinite(x)) throw new UsageError(`--gdpo-weights needs numbers, got '${w}'`);
    return x;
  });
  if (weights && weights.length !== components.length) throw new UsageError(`--gdpo-weights has ${weights.length} values for ${components.length} --components`);
  const dump = positionals[0];
  const out = values.out ?? resolve('runs', 'replay', basename(resolve(dump)));

  let bar: Progress | undefined;
  const run = await replayRun(dump, {
    data: values.data,
    estimators,
    components,
    gdpoWeights: weights,
    onProgress: (done, total, rows) => {
      bar ??= new Progress('replay', total, values.progress, 'steps');
      bar.tick(done);
      if (done === total) bar.done(done);
      void rows;
    },
  });
  const files = await writeReplayReport(run, out);
  const summary = {
    dump,
    layout: run.layout,
    files: run.files,
    skipped: run.skipped,
    steps: run.steps.length,
    rows: run.rows,
    groups: run.groups,
    grouped_by: run.groupedBy,
    tasks: run.tasks,
    task_from: run.taskFrom,
    data: run.data ?? null,
    joined: run.joined,
    unjoined: run.unjoined,
    unjoined_prompts: run.unjoinedPrompts,
    unjoined_examples: run.unjoinedExamples.slice(0, 5),
    token_counts: run.tokenCounts,
    estimators: run.estimators,
    refused: run.failureCount,
    report: files.html,
    pngs: files.pngs,
    csvs: files.csvs,
    seconds: run.seconds,
  };
  if (values.json) {
    process.stdout.write(JSON.stringify(summary) + '\n');
    return EXIT_OK;
  }
  const lines = [
    `replay ${dump}: layout ${run.layout}, ${run.steps.length} steps, ${run.rows} rollouts, ${run.groups} prompt groups (by ${run.groupedBy.join('/')})`,
    run.skipped.length ? `skipped ${run.skipped.length} entries that are not step files: ${run.skipped.map((s) => `${s.file} (${s.reason})`).join(', ')}` : '',
    `tasks (${run.tasks.length}): from line fields ${run.taskFrom.field}, from the dataset join ${run.taskFrom.join}, none ${run.taskFrom.none}`,
    run.data ? `join with ${run.data}: ${run.joined} rows joined, ${run.unjoined} not` + (run.unjoined ? ` (${run.unjoinedPrompts} prompts; e.g. ${run.unjoinedExamples[0].file}:${run.unjoinedExamples[0].line})` : '') : 'no --data: tasks only from line fields',
    run.failureCount ? `${run.failureCount} estimator × step runs refused, e.g. ${run.failures[0].estimator} at step ${run.failures[0].step}: ${run.failures[0].error}` : '',
  ].filter((l) => l !== '');
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');
  const ts = taskSummary(run).map((r) => [String(r.task), String(r.rollouts), String(r.groups), f(r.mean_reward as number), f(r.tmn_scale as number), f(r.rate_adv as number), f(r.rate_num as number)]);
  const dis = topDisagreements(run);
  const disRows = dis.map((d) => [d.task, `${d.a} vs ${d.b}`, f(d.mean_abs_diff)]);
  process.stdout.write(
    lines.join('\n') +
      '\n\n' +
      textTable(['task', 'rollouts', 'groups', 'mean reward', 'TMN scale', 'rate_adv', 'rate_num'], ts) +
      '\n\nwhere the estimators disagree most (mean |ΔA|):\n' +
      textTable(['task', 'pair', 'mean |ΔA|'], disRows) +
      `\n\nreport: ${files.html} (${files.pngs.length} PNG figures, ${files.csvs.length} CSV tables) in ${run.seconds.toFixed(1)} s\n`,
  );
  return EXIT_OK;
}
