/**
 * `golongrl compare` (what `npm start` runs): the main job — GRPO vs TMN-Reweight trained on the
 * synthetic suite over several seeds, evaluated on held-out prompts, written up as
 * `runs/<timestamp>/report/` (lib/train/report.ts).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend, type BackendName } from '../train/backend.js';
import { COMPARE_CONFIGS, runComparison, summaryTable, writeReport } from '../train/report.js';
import { textTable } from '../util/table.js';
import { getRecipe, TRAIN_RECIPES } from '../train/trainer.js';
import { EXIT_OK, Progress, UsageError } from './io.js';

/** The embedded default (npm start): 3 seeds × 40 steps of sample-suite per estimator (6 runs), about 5 min on 2 cores with wasm. */
export const COMPARE_DEFAULTS = { recipe: 'sample-suite', seeds: '1,2,3', steps: 40 } as const;

export const COMPARE_HELP = `golongrl compare [options]

The main job (npm start): train ${COMPARE_CONFIGS.map((c) => c.label).join(' and ')} on the SYNTHETIC suite (not GoLongRL
data) with several seeds, evaluate the final policies on held-out prompts (greedy and a fixed-seed
sample), and write an HTML report with PNG figures and CSV tables (docs/training.md).
  --recipe NAME           ${Object.keys(TRAIN_RECIPES).join(' | ')} (default ${COMPARE_DEFAULTS.recipe})
  --seeds LIST            comma-separated seeds (default ${COMPARE_DEFAULTS.seeds})
  --steps N               steps per run (default ${COMPARE_DEFAULTS.steps} for ${COMPARE_DEFAULTS.recipe}, else the recipe's)
  --out DIR               run directory; the report goes to DIR/report (default runs/<timestamp>)
  --backend auto|wasm|cpu tfjs backend (default auto)
  --json                  print the summary as one JSON object on stdout`;

export async function runCompare(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      recipe: { type: 'string', default: COMPARE_DEFAULTS.recipe },
      seeds: { type: 'string', default: COMPARE_DEFAULTS.seeds },
      steps: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(COMPARE_HELP + '\n');
    return EXIT_OK;
  }
  if (!(values.recipe in TRAIN_RECIPES)) throw new UsageError(`unknown recipe '${values.recipe}' (known: ${Object.keys(TRAIN_RECIPES).join(', ')})`);
  const seeds = values.seeds.split(',').map((s) => s.trim());
  if (seeds.length === 0 || seeds.some((s) => !/^\d+$/.test(s))) throw new UsageError(`--seeds must be a comma-separated list of non-negative integers, got '${values.seeds}'`);
  const seedNums = [...new Set(seeds.map(Number))];
  if (!['auto', 'wasm', 'cpu', 'tensorflow'].includes(values.backend)) throw new UsageError(`--backend must be auto, wasm or cpu, got '${values.backend}'`);
  let steps: number;
  if (values.steps !== undefined) {
    steps = Number(values.steps);
    if (!Number.isInteger(steps) || steps < 1) throw new UsageError(`--steps must be a positive integer, got '${values.steps}'`);
  } else steps = values.recipe === COMPARE_DEFAULTS.recipe ? COMPARE_DEFAULTS.steps : getRecipe(values.recipe).steps;
  const base = { ...getRecipe(values.recipe), steps };
  const outDir = values.out ?? join('runs', new Date().toISOString().replace(/[:.]/g, '-'));
  const t0 = performance.now();
  const backend = await selectBackend(values.backend as BackendName);
  const log = (s: string) => {
    if (!values.json) process.stderr.write(s + '\n');
  };
  log(`golongrl compare: backend ${backend.name} (${backend.reason}); recipe ${base.recipe}, ${steps} steps × seeds ${seedNums.join(',')} × ${COMPARE_CONFIGS.map((c) => c.label).join(', ')}`);
  const progress = new Progress('compare', COMPARE_CONFIGS.length * seedNums.length * steps, false, 'steps');
  const result = runComparison({
    base,
    seeds: seedNums,
    outDir,
    backend: backend.name,
    onStep: (done) => progress.tick(done),
    onRun: (label, seed, secs, i, n) => {
      if (process.stderr.isTTY && !values.json) process.stderr.write('\n');
      log(`golongrl compare: run ${i}/${n} ${label} seed ${seed} trained in ${secs.toFixed(1)} s and evaluated`);
    },
  });
  progress.done(COMPARE_CONFIGS.length * seedNums.length * steps);
  const reportDir = join(outDir, 'report');
  const files = await writeReport(result, reportDir);
  const wall = (performance.now() - t0) / 1000;
  const st = summaryTable(result);
  if (values.json) {
    process.stdout.write(
      JSON.stringify({
        out: outDir,
        report: join(reportDir, files.html),
        backend: backend.name,
        recipe: base.recipe,
        steps,
        seeds: seedNums,
        seconds: wall,
        files: [...files.pngs, ...files.csvs, files.html],
        summary: st.rows.map((r) => Object.fromEntries(st.header.map((h, j) => [h, r[j]]))),
      }) + '\n',
    );
    return EXIT_OK;
  }
  const o: string[] = [];
  o.push(`golongrl compare — recipe ${base.recipe}, ${steps} steps × seeds ${seedNums.join(',')}, backend ${backend.name} (SYNTHETIC suite, tiny model; nothing tuned)`);
  o.push(textTable(st.header, st.rows));
  o.push(`held-out: mean [95% CI = mean ± 1.96·SE over held-out prompt × seed scores], all families pooled`);
  o.push(`report: ${join(reportDir, files.html)} (${wall.toFixed(1)} s wall clock)`);
  process.stdout.write(o.join('\n') + '\n');
  return EXIT_OK;
}
