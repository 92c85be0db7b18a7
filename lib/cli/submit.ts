/**
 * `golongrl submit RECIPE --backend B` — render a cluster recipe (cluster/recipes/, lib/cluster/render.ts)
 * into a JobSpec and submit it through the one Job API (lib/cluster/jobs.ts). `--dry-run` prints what would
 * run (the recipe's dry-run text and the generated launch file) and submits nothing. The local backend
 * runs the local trainer by default (`--payload local-trainer`), the others run verl.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CLUSTER_RECIPES, getClusterRecipe } from '../../cluster/recipes/index.js';
import { submitJob, type BackendOptions } from '../cluster/jobs.js';
import { recipeToJobSpec, renderDryRun, type PayloadMode, type RenderOptions } from '../cluster/render.js';
import { SecretError } from '../cluster/secrets.js';
import { BACKEND_KINDS, type BackendKind, type JobState } from '../cluster/types.js';
import { SchemaValidationError } from '../cluster/verl_schema.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './io.js';

export const SUBMIT_HELP = `golongrl submit RECIPE --backend local|slurm|ray|skypilot [options]

Submit a cluster recipe (${Object.keys(CLUSTER_RECIPES).join(' | ')}) as a job; the job is recorded under
runs/jobs/<id>/ so 'golongrl status|logs|cancel ID' work from any later process (docs/cluster.md).
  --backend B            local (default; a child process here) | slurm | ray | skypilot
  --payload P            verl | local-trainer (default: local-trainer for --backend local, verl otherwise)
  --steps N              verl: trainer.total_training_steps; local trainer: --steps (≤ 12 uses the tiny recipe)
  --out DIR              checkpoint/output dir (verl: trainer.default_local_dir; local trainer: --out)
  --nodes N, --gpus-per-node N   override the recipe's resources
  --override K=V         extra Hydra override (verl payload; repeatable; validated against the verl schema)
  --env-file FILE        secrets file (mode 0600) for the recipe's secret names (e.g. WANDB_API_KEY)
  --dry-run              print the rendered job and launch file, submit nothing
  --wait                 wait for the job to end; exit 1 unless it ends COMPLETED
  --jobs-dir DIR         job records (default runs/jobs)
  --sbatch-arg ARG       extra sbatch argument, one argv element (repeatable; e.g. --sbatch-arg=--partition=debug)
  --ray-address URL      Ray job server (default $RAY_API_SERVER_ADDRESS or http://127.0.0.1:8265)
  --sky-cluster NAME     SkyPilot cluster name (default golongrl-<id>)
  --json                 one JSON object on stdout`;

function posInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got '${v}'`);
  return n;
}

/** The repo root (where bin/golongrl.mjs is), searched upwards from the working directory. */
export function findRepoRoot(start = process.cwd()): string | undefined {
  let d = resolve(start);
  for (;;) {
    if (existsSync(join(d, 'bin', 'golongrl.mjs'))) return d;
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

export async function runSubmit(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      backend: { type: 'string', default: 'local' },
      payload: { type: 'string' },
      steps: { type: 'string' },
      out: { type: 'string' },
      nodes: { type: 'string' },
      'gpus-per-node': { type: 'string' },
      override: { type: 'string', multiple: true },
      'env-file': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      wait: { type: 'boolean', default: false },
      'jobs-dir': { type: 'string' },
      'sbatch-arg': { type: 'string', multiple: true },
      'ray-address': { type: 'string' },
      'sky-cluster': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(SUBMIT_HELP + '\n');
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError(`expected exactly one RECIPE, got ${positionals.length}`);
  const backend = values.backend as BackendKind;
  if (!BACKEND_KINDS.includes(backend)) throw new UsageError(`--backend must be one of ${BACKEND_KINDS.join(', ')}, got '${values.backend}'`);
  const payload = (values.payload ?? (backend === 'local' ? 'local-trainer' : 'verl')) as PayloadMode;
  if (payload !== 'verl' && payload !== 'local-trainer') throw new UsageError(`--payload must be verl or local-trainer, got '${values.payload}'`);
  let recipe;
  try {
    recipe = getClusterRecipe(positionals[0]);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const steps = posInt('steps', values.steps);
  const nodes = posInt('nodes', values.nodes);
  const gpus = posInt('gpus-per-node', values['gpus-per-node']);
  const ropts: RenderOptions = {
    payload,
    ...(steps !== undefined ? { trainerSteps: steps } : {}),
    ...(values.out !== undefined ? { outDir: values.out } : {}),
    ...(nodes !== undefined ? { nodes } : {}),
    ...(gpus !== undefined ? { gpusPerNode: gpus } : {}),
    ...(values.override ? { overrides: values.override } : {}),
  };
  let spec;
  let dryText = '';
  try {
    spec = recipeToJobSpec(recipe, ropts);
    if (values['dry-run']) dryText = renderDryRun(recipe, ropts);
  } catch (e) {
    if (e instanceof SchemaValidationError) throw new UsageError(e.message);
    throw e;
  }
  if (spec.payload.kind === 'command' && spec.payload.workdir === undefined) {
    // the local trainer's argv is relative to the repo root
    const root = findRepoRoot();
    if (!root) throw new UsageError('the local-trainer payload runs bin/golongrl.mjs: run submit from inside the golongrl-lab checkout');
    spec = { ...spec, payload: { ...spec.payload, workdir: root } };
  }
  const bopts: BackendOptions = {
    ...(values['sbatch-arg'] ? { slurm: { sbatchArgs: values['sbatch-arg'] } } : {}),
    ...(values['ray-address'] ? { ray: { address: values['ray-address'] } } : {}),
    ...(values['sky-cluster'] ? { skypilot: { cluster: values['sky-cluster'] } } : {}),
  };
  let job;
  try {
    job = await submitJob(spec, backend, {
      ...(values['jobs-dir'] ? { jobsDir: values['jobs-dir'] } : {}),
      ...(values['env-file'] ? { envFile: values['env-file'] } : {}),
      dryRun: values['dry-run'],
      backend: bopts,
    });
  } catch (e) {
    if (e instanceof SecretError) throw new UsageError(e.message);
    throw e;
  }
  const launch = job.paths.script && existsSync(job.paths.script) ? readFileSync(job.paths.script, 'utf8') : undefined;
  if (values['dry-run']) {
    if (values.json) {
      process.stdout.write(JSON.stringify({ dry_run: true, id: job.id, backend, recipe: recipe.name, spec, rendered: dryText, launch_file: job.paths.script ?? null, launch: launch ?? null, info: job.record.info }) + '\n');
    } else {
      const o = [dryText.trimEnd(), '', `backend ${backend} (dry run, nothing submitted; files in ${job.paths.dir})`];
      if (launch) o.push(`launch file ${job.paths.script}:`, launch.trimEnd());
      else o.push(`would run (in ${spec.payload.workdir ?? process.cwd()}): ${JSON.stringify(job.record.info)}`);
      process.stdout.write(o.join('\n') + '\n');
    }
    return EXIT_OK;
  }
  if (!values.json) process.stderr.write(`golongrl submit: ${backend} job ${job.id} (backend id ${job.backendId}) — ${recipe.name}\n`);
  let final: JobState | undefined;
  if (values.wait) {
    if (!values.json) process.stderr.write(`golongrl submit: waiting for ${job.id} (polling at 0, 2, 4, 8 … s, at most every 60 s)\n`);
    final = await job.wait();
    if (!values.json) process.stderr.write(`golongrl submit: ${job.id} ${final}\n`);
  }
  const out = { id: job.id, backend, backend_id: job.backendId, name: job.name, recipe: recipe.name, state: final ?? job.lastState, paths: job.paths };
  if (values.json) process.stdout.write(JSON.stringify(out) + '\n');
  else {
    process.stdout.write(
      [`${job.id}`, `  state ${out.state}`, `  logs  ${job.paths.stdout}`, `  follow with: golongrl logs ${job.id} --follow`].join('\n') + '\n',
    );
  }
  return final !== undefined && final !== 'COMPLETED' ? EXIT_FAILURE : EXIT_OK;
}
