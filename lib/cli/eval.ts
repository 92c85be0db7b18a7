/**
 * `golongrl eval` — the checkpoint → evaluation loop (lib/eval/, docs/eval.md):
 *   eval watch CKPT_DIR --run NAME     evaluate every complete checkpoint exactly once (results → SQLite);
 *                                      --benchmarks verl: verl checkpoints on the six long-context benchmarks
 *                                      through the Job API (lib/eval/verl_runner.ts)
 *   eval checkpoint CKPT_DIR --step N  evaluate one local-trainer checkpoint (what the watcher's job runs)
 *   eval score BENCH FILE              re-score saved benchmark outputs with our TypeScript scorers
 *   eval spec BENCH --model DIR …      print the JobSpec that evaluates a model on one of the six benchmarks
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { selectBackend } from '../train/backend.js';
import { resolve } from 'node:path';
import type { BackendOptions } from '../cluster/jobs.js';
import { BACKEND_KINDS, type BackendKind } from '../cluster/types.js';
import { BENCHMARK_IDS, evalJobSpec, getBenchmark, getVariant, type BenchmarkId } from '../eval/benchmarks.js';
import { verlRunner } from '../eval/verl_runner.js';
import { evaluateLocalCheckpoint } from '../eval/local.js';
import { ResultsDb } from '../eval/results_db.js';
import { inlineRunner, jobRunner } from '../eval/runners.js';
import { rescoreMrcr, type MrcrRecord } from '../eval/scorers/mrcr.js';
import { summarizeDocMath, type DocMathSample } from '../eval/scorers/docmath.js';
import { summarizeCorpusQa, type CorpusQaEvalRow } from '../eval/scorers/corpusqa.js';
import { summarizeFrames, type FramesReview } from '../eval/scorers/frames.js';
import { summarizeLbv1 } from '../eval/scorers/lbv1qa.js';
import { watchCheckpoints, type Runner, type WatchEvent } from '../eval/watcher.js';
import { InputError } from '../util/jsonl.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './io.js';

export const DEFAULT_DB = 'runs/eval.db';

export const EVAL_HELP = `golongrl eval <watch|checkpoint|score|spec> …

  eval watch CKPT_DIR --run NAME [--db FILE] [--once] [--benchmarks sample|verl] [--backend B] [--poll SECONDS]
             [--until-step N] [--prompts-per-family N] [--jobs-dir DIR] [--json]
      Watch a verl-layout checkpoint directory; evaluate every COMPLETE checkpoint (step ≤
      latest_checkpointed_iteration.txt and its files present) exactly once, across crashes and restarts.
      Results go to the SQLite database (default ${DEFAULT_DB}), one row per (run, step, benchmark, metric).
      --once: evaluate what is complete now and exit (failed checkpoints are retried up to 3 claims).
      --until-step N: keep watching until step N is evaluated (or missed); exit 1 if any checkpoint
        failed or was MISSED (rotated away by the trainer's keep-last before it was evaluated; the watcher
        pins the checkpoint it evaluates so keep-last cannot remove it mid-evaluation — docs/eval.md).
      --benchmarks sample (default): local-trainer checkpoints on the held-out sample tasks
        ('sample-heldout'); --backend local (default: a Job running 'golongrl eval checkpoint') or inline.
      --benchmarks verl: verl checkpoints on the six long-context benchmarks (DocMath, LongBench-V2,
        Frames, MRCR, CorpusQA, LBV1-QA): merge to HF when needed, one Job per benchmark (vLLM + the
        reference driver), outputs read back and rescored. --backend local|slurm|ray|skypilot (default
        local). Options:
          --eval-root DIR      GoLongRL's Eval/QwenLong-Benchmarks/evalscope folder (required)
          --model-name P       served model name prefix (default: the run name; name = P_step<N>)
          --judge-url URL      judge endpoint (default $JUDGE_BASE_URL); --judge-model M (default $JUDGE_MODEL)
          --env-file FILE      KEY=VALUE file, mode 0600, holding ARK_API_KEY (else the environment)
          --variant B=V        e.g. mrcr=128k-512k, corpusqa=1m (repeatable)
          --python P, --dataset-path DIR (DocMath data), --partition P, --account A, --time-limit T,
          --sbatch-arg ARG (repeatable), --ray-address URL, --sky-cluster NAME

  eval checkpoint CKPT_DIR --step N [--prompts-per-family N] [--json]
      Evaluate one local-trainer checkpoint; --json prints {"rows":[{benchmark,metric,value}…]}.

  eval score BENCH FILE [--json]
      Re-score saved outputs without Python. BENCH and FILE (JSONL):
        mrcr      mrcr_eval.py runs/*.jsonl (response, answer, random_string_to_prepend, needle_count, bin)
        docmath   {prediction, target, answer_type, subset?, judge?} per line
        corpusqa  corpusqa_eval.py evals/*_eval.jsonl (id, correct, reason = the judge reply)
        frames    evalscope review jsonl (target, sample_score.score.{prediction, value.acc})
        lbv1qa    lbv1qa_eval.py evals/*.jsonl (dataset, llm_score)

  eval spec BENCH --model DIR --eval-root DIR [--variant V] [--model-name N] [--json]
      Print the JobSpec (vLLM server + evaluation driver) for one of: ${BENCHMARK_IDS.join(', ')}.`;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got '${v}'`);
  return n;
}

function readJsonlLoose(file: string): { line: number; obj: Record<string, unknown> }[] {
  const text = readFileSync(file, 'utf8');
  const out: { line: number; obj: Record<string, unknown> }[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.trim() === '') return;
    try {
      const o = JSON.parse(l) as unknown;
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('not an object');
      out.push({ line: i + 1, obj: o as Record<string, unknown> });
    } catch (e) {
      throw new InputError(file, i + 1, '(line)', `not a JSON object: ${(e as Error).message}`);
    }
  });
  return out;
}

function str(file: string, line: number, o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (typeof v !== 'string') throw new InputError(file, line, field, `must be a string, got ${JSON.stringify(v)?.slice(0, 60)}`);
  return v;
}

/** Re-score one benchmark's saved outputs; returns the summary object. */
export function scoreFile(bench: string, file: string): Record<string, unknown> {
  const rows = readJsonlLoose(file);
  switch (bench) {
    case 'mrcr': {
      const recs: MrcrRecord[] = rows.map(({ line, obj }) => ({ ...obj, response: str(file, line, obj, 'response'), answer: str(file, line, obj, 'answer'), random_string_to_prepend: str(file, line, obj, 'random_string_to_prepend') }));
      return { benchmark: 'mrcr', ...rescoreMrcr(recs).summary };
    }
    case 'docmath': {
      const samples: DocMathSample[] = rows.map(({ line, obj }) => ({
        prediction: str(file, line, obj, 'prediction'),
        target: str(file, line, obj, 'target'),
        answer_type: str(file, line, obj, 'answer_type'),
        ...(typeof obj.subset === 'string' ? { subset: obj.subset } : {}),
        ...(obj.judge !== undefined ? { judge: str(file, line, obj, 'judge') } : {}),
      }));
      return { benchmark: 'docmath', ...summarizeDocMath(samples) };
    }
    case 'corpusqa': {
      const recs: CorpusQaEvalRow[] = rows.map(({ line, obj }) => ({ id: str(file, line, obj, 'id'), ...(typeof obj.correct === 'boolean' ? { correct: obj.correct } : {}), ...(typeof obj.reason === 'string' ? { reason: obj.reason } : {}) }));
      return { benchmark: 'corpusqa', ...summarizeCorpusQa(recs) };
    }
    case 'frames': {
      const reviews: FramesReview[] = rows.map(({ line, obj }) => {
        const sc = ((obj.sample_score as Record<string, unknown> | undefined)?.score ?? {}) as Record<string, unknown>;
        const value = (sc.value ?? {}) as Record<string, unknown>;
        if (obj.target === undefined) throw new InputError(file, line, 'target', 'missing');
        return { target: String(obj.target), prediction: String(sc.prediction ?? ''), llmAcc: Number(value.acc ?? 0) };
      });
      return { benchmark: 'frames', ...summarizeFrames(reviews) };
    }
    case 'lbv1qa': {
      const items = rows.map(({ line, obj }) => {
        if (typeof obj.llm_score !== 'number') throw new InputError(file, line, 'llm_score', 'must be a number');
        return { dataset: str(file, line, obj, 'dataset'), llm_score: obj.llm_score };
      });
      return { benchmark: 'lbv1qa', ...summarizeLbv1(items) };
    }
  }
  throw new UsageError(`eval score: unknown benchmark '${bench}' (mrcr, docmath, corpusqa, frames, lbv1qa)`);
}

function describe(e: WatchEvent): string | null {
  switch (e.type) {
    case 'scan':
      return e.pending.length ? `pending: ${e.pending.map((p) => `step ${p.step} (${p.reason})`).join('; ')}` : null;
    case 'claimed':
      return `step ${e.step}: evaluating${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`;
    case 'done':
      return `step ${e.step}: done, ${e.rows} rows in ${e.seconds.toFixed(1)} s`;
    case 'failed':
      return `step ${e.step}: FAILED (attempt ${e.attempt}): ${e.error}`;
    case 'skip':
      return `step ${e.step}: skipped, ${e.reason}`;
    case 'missed':
      return `step ${e.step}: MISSED, ${e.reason}`;
    case 'warning':
      return `warning: ${e.message}`;
  }
}

interface VerlArgs {
  backend?: string;
  'jobs-dir'?: string;
  'eval-root'?: string;
  'model-name'?: string;
  'judge-url'?: string;
  'judge-model'?: string;
  'env-file'?: string;
  variant?: string[];
  python?: string;
  'dataset-path'?: string;
  partition?: string;
  account?: string;
  'time-limit'?: string;
  'sbatch-arg'?: string[];
  'ray-address'?: string;
  'sky-cluster'?: string;
}

/** `--benchmarks verl`: the verl runner (lib/eval/verl_runner.ts) from the command line. */
export function verlRunnerFromArgs(v: VerlArgs, run: string): Runner {
  const backend = (v.backend ?? 'local') as BackendKind;
  if (!BACKEND_KINDS.includes(backend)) throw new UsageError(`--backend must be one of ${BACKEND_KINDS.join(', ')} with --benchmarks verl, got '${v.backend}'`);
  if (!v['eval-root']) throw new UsageError("--benchmarks verl needs --eval-root DIR (GoLongRL's Eval/QwenLong-Benchmarks/evalscope)");
  const variants: Partial<Record<BenchmarkId, string>> = {};
  for (const kv of v.variant ?? []) {
    const m = /^([a-z0-9_]+)=(.+)$/.exec(kv);
    if (!m) throw new UsageError(`--variant must be BENCH=VARIANT, got '${kv}'`);
    try {
      variants[getBenchmark(m[1]).id] = getVariant(getBenchmark(m[1]), m[2]).name;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const judge = { baseUrl: v['judge-url'] ?? process.env.JUDGE_BASE_URL ?? process.env.JUDGE_API_URL, model: v['judge-model'] ?? process.env.JUDGE_MODEL ?? process.env.JUDGE_MODEL_ID };
  if (!judge.baseUrl || !judge.model) throw new UsageError('--benchmarks verl needs a judge: --judge-url URL and --judge-model M (or JUDGE_BASE_URL and JUDGE_MODEL in the environment)');
  const backendOptions: BackendOptions = {
    ...(v['sbatch-arg'] ? { slurm: { sbatchArgs: v['sbatch-arg'] } } : {}),
    ...(v['ray-address'] ? { ray: { address: v['ray-address'] } } : {}),
    ...(v['sky-cluster'] ? { skypilot: { cluster: v['sky-cluster'] } } : {}),
  };
  return verlRunner({
    evalRoot: resolve(v['eval-root']),
    backend,
    jobsDir: v['jobs-dir'],
    backendOptions,
    judge,
    variants,
    modelName: v['model-name'] ?? run,
    ...(v['env-file'] ? { envFile: v['env-file'] } : {}),
    ...(v.python ? { python: v.python, merge: { python: v.python } } : {}),
    ...(v['dataset-path'] ? { datasetPath: resolve(v['dataset-path']) } : {}),
    ...(v.partition ? { partition: v.partition } : {}),
    ...(v.account ? { account: v.account } : {}),
    ...(v['time-limit'] ? { timeLimit: v['time-limit'] } : {}),
    onJob: (job, ck, what) => process.stderr.write(`golongrl eval watch [${run}] step ${ck.step}: ${what} job ${job.id} submitted (${job.backend} ${job.backendId})\n`),
  });
}

async function watch(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      run: { type: 'string' },
      db: { type: 'string', default: DEFAULT_DB },
      once: { type: 'boolean', default: false },
      backend: { type: 'string', default: 'local' },
      poll: { type: 'string', default: '5' },
      'until-step': { type: 'string' },
      'prompts-per-family': { type: 'string' },
      'jobs-dir': { type: 'string' },
      benchmarks: { type: 'string', default: 'sample' },
      'eval-root': { type: 'string' },
      'model-name': { type: 'string' },
      'judge-url': { type: 'string' },
      'judge-model': { type: 'string' },
      'env-file': { type: 'string' },
      variant: { type: 'string', multiple: true },
      python: { type: 'string' },
      'dataset-path': { type: 'string' },
      partition: { type: 'string' },
      account: { type: 'string' },
      'time-limit': { type: 'string' },
      'sbatch-arg': { type: 'string', multiple: true },
      'ray-address': { type: 'string' },
      'sky-cluster': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError('eval watch needs exactly one CKPT_DIR');
  if (!values.run) throw new UsageError('--run NAME is required');
  if (values.benchmarks !== 'sample' && values.benchmarks !== 'verl') throw new UsageError(`--benchmarks must be sample or verl, got '${values.benchmarks}'`);
  const poll = Number(values.poll);
  if (!(poll > 0)) throw new UsageError(`--poll must be a positive number of seconds, got '${values.poll}'`);
  const ppf = int('prompts-per-family', values['prompts-per-family']);
  const untilStep = int('until-step', values['until-step']);
  // The checkpoint directory: a file is bad input; a missing one is a typo with --once (nothing can appear
  // before it exits), and otherwise a run that has not started yet (said once, then watched for).
  const isDir = existsSync(dir) ? statSync(dir).isDirectory() : null;
  if (isDir === false) throw InputError.at(dir, 'open', 'not a directory (CKPT_DIR is the trainer\'s checkpoint directory)');
  if (isDir === null) {
    if (values.once) throw InputError.at(dir, 'open', 'no such directory (CKPT_DIR is the trainer\'s checkpoint directory)');
    process.stderr.write(`golongrl eval: ${dir} does not exist yet; watching for it\n`);
  }
  let runner: Runner;
  if (values.benchmarks === 'verl') runner = verlRunnerFromArgs(values, values.run);
  else {
    if (values.backend !== 'local' && values.backend !== 'inline') throw new UsageError(`--backend must be local or inline with --benchmarks sample, got '${values.backend}'`);
    if (values.backend === 'inline') await selectBackend('auto');
    runner = values.backend === 'inline' ? inlineRunner({ promptsPerFamily: ppf }) : jobRunner({ backend: 'local', jobsDir: values['jobs-dir'], promptsPerFamily: ppf });
  }
  const db = new ResultsDb(values.db);
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const summary = await watchCheckpoints({
      run: values.run,
      ckptDir: dir,
      db,
      runner,
      once: values.once,
      pollMs: poll * 1000,
      untilStep,
      signal: ac.signal,
      onEvent: (e) => {
        const line = describe(e);
        if (line) process.stderr.write(`golongrl eval watch [${values.run}] ${line}\n`);
      },
    });
    if (values.json) process.stdout.write(JSON.stringify({ ...summary, db: values.db, runner: runner.name }) + '\n');
    else
      process.stdout.write(
        `run ${summary.run}: evaluated [${summary.evaluated.join(', ')}], already done [${summary.alreadyDone.join(', ')}], failed [${summary.failed.join(', ')}], missed [${summary.missed.map((m) => m.step).join(', ')}], pending [${summary.pending.map((p) => p.step).join(', ')}]; latest ${summary.latest ?? 'none'}; results in ${values.db}\n` +
          (summary.missed.length > 0 ? `  missed checkpoints were removed before evaluation (the trainer's keep-last outran the watcher): keep more (a larger keep-last) or evaluate faster; see docs/eval.md\n` : ''),
      );
    return summary.failed.length > 0 || (untilStep !== undefined && summary.missed.length > 0) ? EXIT_FAILURE : EXIT_OK;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    db.close();
  }
}

async function checkpoint(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { step: { type: 'string' }, 'prompts-per-family': { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError('eval checkpoint needs exactly one CKPT_DIR');
  const step = int('step', values.step);
  if (step === undefined) throw new UsageError('--step N is required');
  await selectBackend('auto');
  const rows = evaluateLocalCheckpoint(dir, step, { promptsPerFamily: int('prompts-per-family', values['prompts-per-family']) });
  if (values.json) process.stdout.write(JSON.stringify({ ckptDir: dir, step, rows }) + '\n');
  else for (const r of rows) process.stdout.write(`${r.benchmark}\t${r.metric}\t${r.value}\n`);
  return EXIT_OK;
}

async function score(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  if (positionals.length !== 2) throw new UsageError('eval score needs BENCH FILE');
  const summary = scoreFile(positionals[0], positionals[1]);
  if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else for (const [k, v] of Object.entries(summary)) process.stdout.write(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
  return EXIT_OK;
}

async function spec(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { model: { type: 'string' }, 'eval-root': { type: 'string' }, variant: { type: 'string' }, 'model-name': { type: 'string' }, 'judge-url': { type: 'string' }, 'judge-model': { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new UsageError('eval spec needs BENCH');
  if (!values.model || !values['eval-root']) throw new UsageError('--model DIR and --eval-root DIR are required');
  let s;
  try {
    s = evalJobSpec(positionals[0], { modelPath: values.model }, {
      evalRoot: values['eval-root'],
      variant: values.variant,
      modelName: values['model-name'],
      judge: { baseUrl: values['judge-url'], model: values['judge-model'] },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.json) process.stdout.write(JSON.stringify(s) + '\n');
  else process.stdout.write(`# ${s.name}\n# secretEnv: ${s.secretEnv.join(', ') || '(none)'}\n# env: ${JSON.stringify(s.env)}\n${s.payload.kind === 'command' ? s.payload.argv[2] : ''}\n`);
  return EXIT_OK;
}

export async function runEval(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    process.stdout.write(EVAL_HELP + '\n');
    return sub ? EXIT_OK : 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(EVAL_HELP + '\n');
    return EXIT_OK;
  }
  switch (sub) {
    case 'watch':
      return watch(rest);
    case 'checkpoint':
      return checkpoint(rest);
    case 'score':
      return score(rest);
    case 'spec':
      return spec(rest);
  }
  throw new UsageError(`unknown eval subcommand '${sub}' (watch, checkpoint, score, spec)`);
}
