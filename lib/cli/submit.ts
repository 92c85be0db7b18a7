/**
 * `golongrl submit RECIPE --backend B` — load a cluster recipe (a YAML file in cluster/recipes/, or a path
 * to one; lib/cluster/recipes.ts), apply the command line's scheduler settings, set-up lines and verl
 * checkout directory, render it into a JobSpec (lib/cluster/render.ts) and submit it through the one Job
 * API (lib/cluster/jobs.ts). Before a real submit, lib/cluster/preflight.ts checks the paths (exit 2 naming
 * each problem). `--dry-run` prints what would run and submits nothing. `--wait` follows the job's log
 * lines as they come and reports its end within a second. A scheduler that is missing or refuses the job
 * is one line with its own message, exit 2, and a record `list` shows as FAILED with the reason.
 * A phased recipe (lib/cluster/phases.ts) submits one job per phase, chained (Slurm: afterok dependencies;
 * other backends: this process waits and submits the next phase when the previous one COMPLETED).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SchedulerError } from '../cluster/backends/driver.js';
import { submitJob, type BackendOptions, type JobHandle } from '../cluster/jobs.js';
import { submitPhases } from '../cluster/chain.js';
import { phasedJobSpecs, renderPhasedDryRun, type PhaseJob, type PhasedRecipe, type PhasedRenderOptions } from '../cluster/phases.js';
import { preflight, PreflightError, resolveVerlDir, VERL_DIR_ENV } from '../cluster/preflight.js';
import { deriveRecipe, type ClusterRecipe, type RecipePatch } from '../cluster/recipe.js';
import { loadRecipe, recipeNames, RecipeError, type LoadedRecipe } from '../cluster/recipes.js';
import { recipeToJobSpec, renderDryRun, type PayloadMode, type RenderOptions } from '../cluster/render.js';
import { SecretError } from '../cluster/secrets.js';
import { BACKEND_KINDS, isTerminal, type BackendKind, type JobState } from '../cluster/types.js';
import { SchemaValidationError } from '../cluster/verl_schema.js';
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, UsageError } from './io.js';

function knownNames(): string {
  try {
    return recipeNames().join(' | ');
  } catch {
    return 'the files in cluster/recipes/';
  }
}

export const SUBMIT_HELP = `golongrl submit RECIPE --backend local|slurm|ray|skypilot [options]

Submit a cluster recipe as a job. RECIPE is a file name in cluster/recipes/ (${knownNames()};
'golongrl recipes' lists them) or a path to a recipe YAML file. The job is recorded under runs/jobs/<id>/
so 'golongrl status|logs|cancel ID' work from any later process (docs/cluster.md). Phased recipes submit
one job per phase, chained (docs/cluster-recipes.md): slurm with --dependency=afterok, other backends by
waiting here.
  --backend B            local (default; a child process here) | slurm | ray | skypilot
  --payload P            verl | local-trainer (default: local-trainer for --backend local, verl otherwise)
  --verl-dir DIR         the verl checkout the job runs in (the fork's Train/verl); else the recipe's
                         verl_dir, else $${VERL_DIR_ENV}; no default — a real verl submit without one exits 2
  --steps N              verl: trainer.total_training_steps; local trainer: --steps (≤ 12 uses the tiny recipe)
                         phased recipe: per-phase budgets N1,N2,… (each phase's own steps)
  --phase K              phased recipe: submit phase K only (it still resumes from phase K-1's final checkpoint)
  --out DIR              checkpoint/output dir (verl: trainer.default_local_dir; local trainer: --out)
  --nodes N, --gpus-per-node N   override the recipe's resources
  --partition P, --account A, --time T, --qos Q, --gres G, --cpus-per-task N, --mem M
                         scheduler settings (Slurm #SBATCH lines; the recipe's resources.* otherwise)
  --setup LINE           shell line run on every node before Ray/the payload starts (module load, conda
                         activate, source venv/bin/activate); repeatable, added after the recipe's setup
  --override K=V         extra Hydra override (verl payload; repeatable; validated against the verl schema)
  --env-file FILE        secrets file (mode 0600) for the recipe's secret names (e.g. WANDB_API_KEY)
  --dry-run              print the rendered job and launch file, submit nothing
  --wait                 follow the job: print its log lines as they come (stderr), report its end; exit 1
                         unless it ends COMPLETED
  --jobs-dir DIR         job records (default runs/jobs)
  --sbatch-arg ARG       extra sbatch argument, one argv element (repeatable)
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

/** One clear message on stderr, exit 2 (bad recipe, failed preflight, scheduler missing or refusing). */
function fail(message: string): number {
  process.stderr.write(`golongrl submit: ${message}\n`);
  return EXIT_BAD_INPUT;
}

const SUBMIT_OPTIONS = {
  backend: { type: 'string', default: 'local' },
  payload: { type: 'string' },
  steps: { type: 'string' },
  out: { type: 'string' },
  nodes: { type: 'string' },
  'gpus-per-node': { type: 'string' },
  partition: { type: 'string' },
  account: { type: 'string' },
  time: { type: 'string' },
  qos: { type: 'string' },
  gres: { type: 'string' },
  'cpus-per-task': { type: 'string' },
  mem: { type: 'string' },
  setup: { type: 'string', multiple: true },
  'verl-dir': { type: 'string' },
  override: { type: 'string', multiple: true },
  'env-file': { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  wait: { type: 'boolean', default: false },
  'jobs-dir': { type: 'string' },
  'sbatch-arg': { type: 'string', multiple: true },
  'ray-address': { type: 'string' },
  'sky-cluster': { type: 'string' },
  phase: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The recipe with the command line's scheduler settings, set-up lines and verl dir applied. */
function applyFlags(r: ClusterRecipe, values: SubmitValues, payload: PayloadMode): ClusterRecipe {
  const res: Record<string, unknown> = {};
  const str = (k: 'partition' | 'account' | 'time' | 'qos' | 'gres' | 'mem', field: string) => {
    if (values[k] !== undefined) res[field] = values[k];
  };
  str('partition', 'partition');
  str('account', 'account');
  str('time', 'timeLimit');
  str('qos', 'qos');
  str('gres', 'gres');
  str('mem', 'memory');
  const cpus = posInt('cpus-per-task', values['cpus-per-task']);
  if (cpus !== undefined) res.cpusPerTask = cpus;
  const patch: RecipePatch = {};
  if (Object.keys(res).length) patch.resources = res as RecipePatch['resources'];
  if (values.setup?.length) patch.setup = [...(r.setup ?? []), ...values.setup];
  if (payload === 'verl') {
    const v = resolveVerlDir(values['verl-dir'], r);
    if (v.dir !== undefined && v.dir !== r.paths.verlDir) patch.paths = { verlDir: v.dir };
  }
  return Object.keys(patch).length ? deriveRecipe(r, patch) : r;
}

export async function runSubmit(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: SUBMIT_OPTIONS });
  if (values.help) {
    process.stdout.write(SUBMIT_HELP + '\n');
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError(`expected exactly one RECIPE, got ${positionals.length}`);
  const backend = values.backend as BackendKind;
  if (!BACKEND_KINDS.includes(backend)) throw new UsageError(`--backend must be one of ${BACKEND_KINDS.join(', ')}, got '${values.backend}'`);
  const payload = (values.payload ?? (backend === 'local' ? 'local-trainer' : 'verl')) as PayloadMode;
  if (payload !== 'verl' && payload !== 'local-trainer') throw new UsageError(`--payload must be verl or local-trainer, got '${values.payload}'`);
  let loaded: LoadedRecipe;
  try {
    loaded = loadRecipe(positionals[0]);
  } catch (e) {
    if (e instanceof RecipeError) return fail(e.message);
    throw e;
  }
  try {
    if (loaded.kind === 'phased') {
      const p = loaded.phased;
      const phased: PhasedRecipe = { ...p, base: applyFlags(p.base, values, payload), phases: p.phases.map((ph) => ({ ...ph, recipe: applyFlags(ph.recipe, values, payload) })) };
      return await runPhasedSubmit(phased, backend, payload, values);
    }
    if (values.phase !== undefined) throw new UsageError(`--phase applies to phased recipes only; '${loaded.name}' is a single job`);
    return await runSingleSubmit(applyFlags(loaded.recipe, values, payload), backend, payload, values);
  } catch (e) {
    if (e instanceof SchemaValidationError || e instanceof PreflightError || e instanceof SchedulerError || e instanceof SecretError) {
      const id = (e as { jobId?: string }).jobId;
      return fail(e.message + (id ? ` (job ${id} recorded as FAILED; 'golongrl status ${id}')` : ''));
    }
    throw e;
  }
}

function backendOptions(values: SubmitValues): BackendOptions {
  return {
    ...(values['sbatch-arg'] ? { slurm: { sbatchArgs: values['sbatch-arg'] } } : {}),
    ...(values['ray-address'] ? { ray: { address: values['ray-address'] } } : {}),
    ...(values['sky-cluster'] ? { skypilot: { cluster: values['sky-cluster'] } } : {}),
  };
}

/**
 * `--wait`: every log line of both streams as it comes (to stderr, so stdout stays the result), then the
 * final state. Looks at least every 500 ms, so the end is reported within a second of the job's.
 */
export async function followJob(job: JobHandle, write: (line: string) => void): Promise<JobState> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  try {
    await Promise.all(
      (['stdout', 'stderr'] as const).map(async (stream) => {
        for await (const line of job.logs({ follow: true, stream, signal: ac.signal, maxDelayMs: 500 })) write(line);
      }),
    );
  } finally {
    process.off('SIGINT', stop);
  }
  const s = await job.state();
  return isTerminal(s) || ac.signal.aborted ? s : job.wait();
}

async function runSingleSubmit(recipe: ClusterRecipe, backend: BackendKind, payload: PayloadMode, values: SubmitValues): Promise<number> {
  const steps = posInt('steps', values.steps);
  const ropts: RenderOptions = { ...renderOptions(payload, values), ...(steps !== undefined ? { trainerSteps: steps } : {}) };
  let spec = recipeToJobSpec(recipe, ropts);
  const dryText = values['dry-run'] ? renderDryRun(recipe, ropts) : '';
  if (spec.payload.kind === 'command' && spec.payload.workdir === undefined) {
    // the local trainer's argv is relative to the repo root
    const root = findRepoRoot();
    if (!root) throw new UsageError('the local-trainer payload runs bin/golongrl.mjs: run submit from inside the golongrl-lab checkout');
    spec = { ...spec, payload: { ...spec.payload, workdir: root } };
  }
  const problems = preflight(spec, { backend });
  if (problems.length && !values['dry-run']) throw new PreflightError(problems);
  const job = await submitJob(spec, backend, {
    ...(values['jobs-dir'] ? { jobsDir: values['jobs-dir'] } : {}),
    ...(values['env-file'] ? { envFile: values['env-file'] } : {}),
    dryRun: values['dry-run'],
    backend: backendOptions(values),
  });
  const launch = job.paths.script && existsSync(job.paths.script) ? readFileSync(job.paths.script, 'utf8') : undefined;
  if (values['dry-run']) {
    if (values.json) {
      process.stdout.write(JSON.stringify({ dry_run: true, id: job.id, backend, recipe: recipe.name, spec, rendered: dryText, preflight: problems, launch_file: job.paths.script ?? null, launch: launch ?? null, info: job.record.info }) + '\n');
    } else {
      const o = [dryText.trimEnd(), ''];
      if (problems.length) o.push('preflight — a real submit would stop here:', ...problems.map((p) => `  - ${p}`), '');
      o.push(`backend ${backend} (dry run, nothing submitted; files in ${job.paths.dir})`);
      if (launch) o.push(`launch file ${job.paths.script}:`, launch.trimEnd());
      else o.push(`would run (in ${spec.payload.workdir ?? process.cwd()}): ${JSON.stringify(job.record.info)}`);
      process.stdout.write(o.join('\n') + '\n');
    }
    return EXIT_OK;
  }
  if (!values.json) process.stderr.write(`golongrl submit: ${backend} job ${job.id} (backend id ${job.backendId}) — ${recipe.name}\n`);
  let final: JobState | undefined;
  if (values.wait) {
    if (!values.json) process.stderr.write(`golongrl submit: following ${job.id} (its log lines below; Ctrl-C stops following, not the job)\n`);
    final = await followJob(job, (l) => process.stderr.write(l + '\n'));
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

type SubmitValues = {
  steps?: string;
  out?: string;
  nodes?: string;
  'gpus-per-node'?: string;
  override?: string[];
  'env-file'?: string;
  'dry-run'?: boolean;
  wait?: boolean;
  'jobs-dir'?: string;
  'sbatch-arg'?: string[];
  'ray-address'?: string;
  'sky-cluster'?: string;
  phase?: string;
  json?: boolean;
  partition?: string;
  account?: string;
  time?: string;
  qos?: string;
  gres?: string;
  'cpus-per-task'?: string;
  mem?: string;
  setup?: string[];
  'verl-dir'?: string;
};

/** The render options single and phased recipes share: payload, --out, --nodes, --gpus-per-node, --override. */
function renderOptions(payload: PayloadMode, values: SubmitValues): Omit<RenderOptions, 'trainerSteps'> {
  const nodes = posInt('nodes', values.nodes);
  const gpus = posInt('gpus-per-node', values['gpus-per-node']);
  return {
    payload,
    ...(values.out !== undefined ? { outDir: values.out } : {}),
    ...(nodes !== undefined ? { nodes } : {}),
    ...(gpus !== undefined ? { gpusPerNode: gpus } : {}),
    ...(values.override ? { overrides: values.override } : {}),
  };
}

/** A phased recipe: every phase rendered (and schema-validated), then submitted as a chain (or one phase). */
async function runPhasedSubmit(phased: PhasedRecipe, backend: BackendKind, payload: PayloadMode, values: SubmitValues): Promise<number> {
  let phaseSteps: number[] | undefined;
  if (values.steps !== undefined) {
    phaseSteps = values.steps.split(',').map((x) => posInt('steps', x.trim()) as number);
    if (phaseSteps.length !== phased.phases.length || phaseSteps.some((n) => n < 1))
      throw new UsageError(`--steps for '${phased.name}' takes ${phased.phases.length} positive per-phase budgets N1,…,N${phased.phases.length}, got '${values.steps}'`);
  }
  const ropts: PhasedRenderOptions = { ...renderOptions(payload, values), ...(phaseSteps ? { phaseSteps } : {}) };
  let jobs: PhaseJob[];
  let dryText = '';
  try {
    jobs = phasedJobSpecs(phased, ropts);
    if (values['dry-run']) dryText = renderPhasedDryRun(phased, ropts);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  if (values.phase !== undefined) {
    const k = posInt('phase', values.phase) as number;
    if (k < 1 || k > jobs.length) throw new UsageError(`--phase must be 1…${jobs.length} for '${phased.name}', got ${k}`);
    jobs = [jobs[k - 1]];
  }
  if (jobs.some((j) => j.spec.payload.kind === 'command' && j.spec.payload.workdir === undefined)) {
    const root = findRepoRoot();
    if (!root) throw new UsageError('the local-trainer payload runs bin/golongrl.mjs: run submit from inside the golongrl-lab checkout');
    jobs = jobs.map((j) => (j.spec.payload.kind === 'command' && j.spec.payload.workdir === undefined ? { ...j, spec: { ...j.spec, payload: { ...j.spec.payload, workdir: root } } } : j));
  }
  const problems = [...new Set(jobs.flatMap((j) => preflight(j.spec, { backend }).map((p) => `phase ${j.phase}: ${p}`)))];
  if (problems.length && !values['dry-run']) throw new PreflightError(problems);
  const bopts = backendOptions(values);
  const say = (m: string) => {
    if (!values.json) process.stderr.write(`golongrl submit: ${m}\n`);
  };
  if (backend !== 'slurm' && !values['dry-run'] && jobs.length > 1) say(`${phased.name}: ${jobs.length} phases on ${backend}; this process submits each phase when the previous one COMPLETED (Ctrl-C stops the chain, not the running phase)`);
  const res = await submitPhases(jobs, backend, {
    ...(values['jobs-dir'] ? { jobsDir: values['jobs-dir'] } : {}),
    ...(values['env-file'] ? { envFile: values['env-file'] } : {}),
    dryRun: values['dry-run'] === true,
    backend: bopts,
    onEvent: (m) => say(m),
  });
  if (values['dry-run']) {
    const launches = res.handles.map((h, i) => ({
      phase: jobs[i].phase,
      id: h.id,
      launch_file: h.paths.script ?? null,
      launch: h.paths.script && existsSync(h.paths.script) ? readFileSync(h.paths.script, 'utf8') : null,
      info: h.record.info,
    }));
    if (values.json) {
      process.stdout.write(JSON.stringify({ dry_run: true, backend, recipe: phased.name, preflight: problems, phases: jobs.map((j) => ({ phase: j.phase, spec: j.spec, resume_from: j.resumeFrom, final_checkpoint: j.finalCheckpoint })), rendered: dryText, launches, chain: res.chain }) + '\n');
    } else {
      const o = [dryText.trimEnd(), ''];
      if (problems.length) o.push('preflight — a real submit would stop here:', ...problems.map((p) => `  - ${p}`), '');
      o.push(`backend ${backend} (dry run, nothing submitted; chain record ${res.file})`);
      for (const l of launches) {
        o.push(`phase ${l.phase}: ${l.launch_file ? `launch file ${l.launch_file}` : 'no launch file'}; would run ${JSON.stringify(l.info)}`);
        if (l.launch) o.push(l.launch.trimEnd());
      }
      process.stdout.write(o.join('\n') + '\n');
    }
    return EXIT_OK;
  }
  let chain = res.chain;
  if (values.wait && backend === 'slurm') {
    say(`waiting for ${res.handles.length} phase(s)`);
    for (const [i, h] of res.handles.entries()) {
      const s = await h.wait();
      chain.phases[i].state = s;
      if (s !== 'COMPLETED') break;
    }
    chain = { ...chain, state: chain.phases.every((p) => p.state === 'COMPLETED') ? 'COMPLETED' : 'FAILED' };
  }
  const out = { chain: chain.id, chain_file: res.file, backend, recipe: phased.name, state: chain.state, ...(chain.error ? { error: chain.error } : {}), phases: chain.phases };
  if (values.json) process.stdout.write(JSON.stringify(out) + '\n');
  else {
    const L = [`chain ${chain.id}  ${chain.state}${chain.error ? ` (${chain.error})` : ''}`, `  record ${res.file}`];
    for (const p of chain.phases) L.push(`  phase ${p.phase} ${p.label}: ${p.jobId ?? '-'} (${backend} ${p.backendId ?? '-'}) ${p.state}${p.after ? ` after ${p.after}` : ''}; steps ${p.steps[0]}–${p.steps[1]}`);
    process.stdout.write(L.join('\n') + '\n');
  }
  return chain.state === 'FAILED' ? EXIT_FAILURE : EXIT_OK;
}
