/**
 * `golongrl compare` (what `npm start` runs): the main job — a base model pre-trained on the
 * suite's training split (cached under runs/base/), then GRPO vs TMN-Reweight from that base over
 * paired seeds, evaluated on held-out prompts, written up as `<out>/report/` (lib/train/compare/).
 *
 * `--backend local|slurm|ray` runs each (estimator, seed) as one Job through lib/cluster; without it
 * the runs go one after the other in this process. `--run-spec FILE` is what such a job runs.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend, type BackendName } from '../train/backend.js';
import { baseConfigFor } from '../train/base.js';
import { ResumeError, RunLockedError } from '../train/checkpoint.js';
import { COMPARE_CONFIGS, comparePlan } from '../train/compare/config.js';
import { runComparison, type RunBackend } from '../train/compare/driver.js';
import { runJobs } from './compare_jobs.js';
import { readSpec, runOne } from '../train/compare/run.js';
import { summaryTable, writeReport } from '../train/compare/report.js';
import { getRecipe, TRAIN_RECIPES } from '../train/trainer.js';
import { textTable } from '../util/table.js';
import { EXIT_BAD_INPUT, EXIT_OK, Progress, UsageError } from './io.js';

/** The embedded default (npm start). */
export const COMPARE_DEFAULTS = { recipe: 'sample-suite' } as const;

const TF_BACKENDS = ['auto', 'wasm', 'cpu', 'tensorflow'];
const RUN_BACKENDS = ['inprocess', 'local', 'slurm', 'ray'];

export const COMPARE_HELP = `golongrl compare [options]

The main job (npm start): a base model pre-trained on the SYNTHETIC suite's training split (gold
responses, cached under runs/base/<hash>/), then ${COMPARE_CONFIGS.map((c) => c.label).join(' vs ')} from that base over paired
seeds, evaluated on held-out prompts (greedy and a fixed-seed sample); an HTML report with PNG figures
and CSV tables, the paired difference per family with 95% intervals and a verdict (docs/training.md).
  --recipe NAME           ${Object.keys(TRAIN_RECIPES).join(' | ')} (default ${COMPARE_DEFAULTS.recipe})
  --seeds LIST            comma-separated seeds (default: the plan's, 1,2,3,4,5 for ${COMPARE_DEFAULTS.recipe})
  --steps N               RL steps per run (default: the plan's)
  --base-steps N          SFT steps of the base model (default: the plan's; a new budget is a new base)
  --base-format-noise F   share of the base's demonstrations without </think>, in [0, 1) (default: the
                          plan's, 0.5 for sample-suite; 0 = a base trained on gold responses only)
  --out DIR               run directory (default runs/compare-<timestamp>); re-running with the same
                          --out reuses finished runs and resumes interrupted ones
  --backend KIND          where the runs go: inprocess | local | slurm | ray — one Job per
                          (estimator, seed) through lib/cluster for local/slurm/ray (default: local
                          with --parallel 2 on a machine with ≥ 2 cores, else inprocess)
  --parallel N            local backend: jobs at a time (default 2)
  --sbatch-arg ARG        slurm: extra sbatch argument (repeatable)
  --ray-address URL       ray: job server address (default $RAY_API_SERVER_ADDRESS or 127.0.0.1:8265)
  --tf-backend auto|wasm|cpu  tfjs backend (default auto); --backend wasm|cpu|auto is accepted too
  --base-root DIR         base model cache (default runs/base)
  --json                  print base, finals per seed, paired differences and seconds as JSON`;

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got '${v}'`);
  return n;
}

/** `--run-spec FILE`: one run of a compare (what a Job runs). */
async function runSpecFile(file: string, json: boolean): Promise<number> {
  let spec;
  try {
    spec = readSpec(file);
  } catch (e) {
    throw new UsageError(`--run-spec ${file}: ${(e as Error).message}`);
  }
  const backend = await selectBackend(spec.tfBackend as BackendName);
  process.stderr.write(`golongrl compare --run-spec: ${spec.label} seed ${spec.seed}, backend ${backend.name}, ${spec.config.steps} steps → ${spec.config.outDir}\n`);
  try {
    const { result, reused } = runOne(spec, {
      onStep: (s, n) => {
        if (s % 10 === 0 || s === n) process.stdout.write(`step ${s}/${n}\n`);
      },
      onNote: (n) => process.stderr.write(`golongrl compare: note: ${n}\n`),
    });
    const line = { label: spec.label, seed: spec.seed, reused, seconds: result.seconds, cpu_seconds: result.cpuSeconds, steps_run: result.stepsRun };
    process.stdout.write((json ? JSON.stringify(line) : `done: ${JSON.stringify(line)}`) + '\n');
  } catch (e) {
    if (e instanceof RunLockedError || e instanceof ResumeError) {
      process.stderr.write(`golongrl compare: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  return EXIT_OK;
}

export async function runCompare(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      recipe: { type: 'string', default: COMPARE_DEFAULTS.recipe },
      seeds: { type: 'string' },
      steps: { type: 'string' },
      'base-steps': { type: 'string' },
      'base-format-noise': { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
      parallel: { type: 'string' },
      'sbatch-arg': { type: 'string', multiple: true },
      'ray-address': { type: 'string' },
      'tf-backend': { type: 'string' },
      'base-root': { type: 'string' },
      'run-spec': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(COMPARE_HELP + '\n');
    return EXIT_OK;
  }
  if (values['run-spec'] !== undefined) return runSpecFile(values['run-spec'], values.json);
  if (!(values.recipe in TRAIN_RECIPES)) throw new UsageError(`unknown recipe '${values.recipe}' (known: ${Object.keys(TRAIN_RECIPES).join(', ')})`);
  const plan = comparePlan(values.recipe);
  let seedNums = plan.seeds;
  if (values.seeds !== undefined) {
    const seeds = values.seeds.split(',').map((s) => s.trim());
    if (seeds.length === 0 || seeds.some((s) => !/^\d+$/.test(s))) throw new UsageError(`--seeds must be a comma-separated list of non-negative integers, got '${values.seeds}'`);
    seedNums = [...new Set(seeds.map(Number))];
  }
  // --backend takes a run backend, or (as before) a tfjs backend name.
  // Default: on ≥ 2 cores, local jobs two at a time (the engine is single-threaded, so a second process
  // uses the second core; docs/training.md has the measurement); on one core, in this process.
  const twoCores = availableParallelism() >= 2;
  let runBackend: RunBackend = twoCores && values.parallel === undefined ? 'local' : 'inprocess';
  let tfBackend = values['tf-backend'] ?? 'auto';
  if (values.backend !== undefined) {
    if (RUN_BACKENDS.includes(values.backend)) runBackend = values.backend as RunBackend;
    else if (TF_BACKENDS.includes(values.backend) && values['tf-backend'] === undefined) tfBackend = values.backend;
    else throw new UsageError(`--backend must be one of ${RUN_BACKENDS.join(', ')} (or a tfjs backend: ${TF_BACKENDS.join(', ')}), got '${values.backend}'`);
  }
  if (!TF_BACKENDS.includes(tfBackend)) throw new UsageError(`--tf-backend must be one of ${TF_BACKENDS.join(', ')}, got '${tfBackend}'`);
  if (values.parallel !== undefined && values.backend === undefined) runBackend = 'local';
  const parallel = values.parallel !== undefined ? positiveInt('parallel', values.parallel) : runBackend === 'local' && twoCores ? 2 : 1;
  if (values.parallel !== undefined && runBackend !== 'local') throw new UsageError('--parallel applies to --backend local');
  const train = { ...getRecipe(values.recipe), ...plan.train };
  if (values.steps !== undefined) train.steps = positiveInt('steps', values.steps);
  const baseSft = { ...plan.baseSft };
  if (values['base-steps'] !== undefined) baseSft.steps = positiveInt('base-steps', values['base-steps']);
  if (values['base-format-noise'] !== undefined) {
    const f = Number(values['base-format-noise']);
    if (values['base-format-noise'].trim() === '' || !(f >= 0 && f < 1)) throw new UsageError(`--base-format-noise must be a number in [0, 1), got '${values['base-format-noise']}'`);
    baseSft.formatNoise = f;
  }
  const outDir = values.out ?? join('runs', `compare-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const backend = await selectBackend(tfBackend as BackendName);
  const log = (s: string) => {
    if (!values.json) process.stderr.write(s + '\n');
  };
  const labels = COMPARE_CONFIGS.map((c) => c.label);
  log(`golongrl compare: tfjs ${backend.name} (${backend.reason}); runs ${runBackend}${runBackend === 'local' ? ` ×${parallel}` : ''}; recipe ${train.recipe}, ${train.steps} steps × seeds ${seedNums.join(',')} × ${labels.join(', ')}; out ${outDir}`);
  const nRuns = labels.length * seedNums.length;
  let sftProgress: Progress | null = null;
  const progress = new Progress('compare', nRuns * train.steps, false, 'steps');
  let doneSteps = 0;
  let result;
  try {
    result = await runComparison({
      train,
      base: baseConfigFor(train, baseSft),
      ...(values['base-root'] ? { baseRoot: values['base-root'] } : {}),
      seeds: seedNums,
      configs: COMPARE_CONFIGS,
      outDir,
      backend: runBackend,
      parallel,
      tfBackend: backend.name,
      runJobs,
      ...(values['sbatch-arg'] ? { slurmArgs: values['sbatch-arg'] } : {}),
      ...(values['ray-address'] ? { rayAddress: values['ray-address'] } : {}),
      onSftStep: (s, n) => {
        sftProgress ??= new Progress('base model (SFT)', n, false, 'steps');
        sftProgress.tick(s);
      },
      onBase: (b) => {
        sftProgress?.done(b.config.sft.steps);
        log(
          `golongrl compare: base ${b.dir} ${b.created ? `built in ${b.buildSeconds.toFixed(1)} s` : 'reused'}; held-out sampled ${b.heldOut.sample.mean.toFixed(3)}, greedy ${b.heldOut.greedy.mean.toFixed(3)}`,
        );
      },
      onStep: () => progress.tick(++doneSteps),
      onRunDone: (r) => {
        if (process.stderr.isTTY && !values.json) process.stderr.write('\n');
        if (r.reused) doneSteps += train.steps;
        log(`golongrl compare: run ${r.index}/${r.total} ${r.label} seed ${r.seed} ${r.reused ? 'reused (finished earlier)' : `done in ${r.result.seconds.toFixed(1)} s`}`);
      },
      onNote: (n) => log(`golongrl compare: note: ${n}`),
    });
  } catch (e) {
    if (e instanceof RunLockedError || e instanceof ResumeError) {
      process.stderr.write(`golongrl compare: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  progress.done(nRuns * train.steps);
  const reportDir = join(outDir, 'report');
  const files = await writeReport(result, reportDir);
  const s = files.summary;
  const wall = (performance.now() - t0) / 1000;
  const cpuHere = process.cpuUsage(cpu0);
  // This process (base, in-process runs, report) plus every run that ran as a Job.
  const cpuSeconds = (cpuHere.user + cpuHere.system) / 1e6 + result.jobCpuSeconds;
  result.seconds = wall;
  result.cpuSeconds = cpuSeconds;
  if (values.json) {
    const famObj = (mode: 'greedy' | 'sample', e: string) =>
      Object.fromEntries(seedNums.map((seed) => [seed, Object.fromEntries([...result.families, 'all'].map((f) => [f, s.perSeed.find((p) => p.policy === 'final' && p.estimator === e && p.seed === seed && p.mode === mode && p.family === f)?.mean ?? null]))]));
    process.stdout.write(
      JSON.stringify({
        out: outDir,
        report: join(reportDir, files.html),
        recipe: train.recipe,
        backend: result.backend,
        tf_backend: result.tfBackend,
        steps: train.steps,
        seeds: seedNums,
        estimators: result.estimators,
        families: result.families,
        base: { dir: result.base.dir, hash: result.base.hash, sft_steps: result.base.config.sft.steps, created: result.base.created, build_seconds: result.base.buildSeconds, held_out: s.base },
        final: Object.fromEntries(result.estimators.map((e) => [e, { sample: famObj('sample', e), greedy: famObj('greedy', e) }])),
        final_mean: s.finals,
        gain_over_base: s.gains,
        format_gate: s.formats,
        paired_difference: s.paired,
        verdict: s.verdict,
        runs_reused: result.runs.filter((r) => r.reused).length,
        seconds: wall,
        cpu_seconds: cpuSeconds,
        files: [...files.pngs, ...files.csvs, files.html],
      }) + '\n',
    );
    return EXIT_OK;
  }
  const st = summaryTable(result, s);
  const o: string[] = [];
  o.push(`golongrl compare — recipe ${train.recipe}, ${train.steps} steps × seeds ${seedNums.join(',')}, from base ${result.base.hash} (SYNTHETIC suite, tiny model; nothing tuned)`);
  o.push(textTable(st.header, st.rows));
  const fmtLine = (e: string) => {
    const f = (p: 'base' | 'final') => s.formats.find((x) => x.estimator === e && x.policy === p && x.mode === 'sample');
    const b = f('base');
    const fi = f('final');
    return b && fi ? `${e}: format gate passed by ${(100 * b.pass.mean).toFixed(0)}% → ${(100 * fi.pass.mean).toFixed(0)}% of sampled responses; passing ones score ${b.contentScore?.toFixed(3) ?? '—'} → ${fi.contentScore?.toFixed(3) ?? '—'}` : null;
  };
  for (const e of result.estimators) {
    const line = fmtLine(e);
    if (line) o.push(line);
  }
  o.push(s.verdict);
  o.push(`report: ${join(reportDir, files.html)} (${wall.toFixed(1)} s wall clock, ${cpuSeconds.toFixed(1)} CPU s)`);
  process.stdout.write(o.join('\n') + '\n');
  return EXIT_OK;
}
