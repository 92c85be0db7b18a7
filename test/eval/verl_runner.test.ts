/**
 * The verl path of the evaluation loop, end to end through the REAL `local` backend of the Job API
 * (lib/cluster/jobs.ts submitJob → detached child processes running the generated bash scripts).
 *
 * BOUNDARY TEST. vLLM, evalscope, verl and an LLM judge cannot be installed here, so stand-in executables
 * (`python`, `python3`, `vllm`, `evalscope`, `curl`: sh wrappers around test/eval/fixtures/verl_shim.mjs,
 * written by this test into a temp dir that is put first on the jobs' PATH) record their argv and
 * environment and write outputs in the documented reference formats (test/eval/fixtures/verl/, see the
 * README there). What is real: the watcher, the claim protocol, the SQLite database, merge planning,
 * the generated job scripts (bash runs them: vLLM in the background, the health loop, the driver, the
 * EXIT trap), the Job API and its local backend, secrets through an env file (mode 0600), the readers and
 * our scorers. What is not: the model, the serving, the judge.
 *
 * Asserted: a merge job only when actor/huggingface/ lacks weights; six benchmark jobs per checkpoint with
 * the §E serving args; the judge key reaches the jobs only through the environment (the canary value is
 * absent from every spec, record, launch file, log, the database and the shims' call log, while the shims
 * see its hash; a failing driver that echoes its argv into its log has the key redacted from the error
 * stored in the database); rows per benchmark in the DB and the six-benchmark average; a failed benchmark job fails
 * the checkpoint (log tail in the error) and the retry after a restart evaluates it exactly once; the rows
 * equal our scorers applied directly to the same files.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BENCHMARK_IDS, BENCHMARKS, benchmarkOutputs, sixBenchmarkAverage, vllmServeArgv } from '../../lib/eval/benchmarks.js';
import { ResultsDb, type ResultRow } from '../../lib/eval/results_db.js';
import { readCorpusQaEvals } from '../../lib/eval/readers/corpusqa.js';
import { readEvalscopeReviews } from '../../lib/eval/readers/evalscope.js';
import { readLbv1Evals } from '../../lib/eval/readers/lbv1qa.js';
import { readMrcrRuns } from '../../lib/eval/readers/mrcr.js';
import { summarizeDocMath } from '../../lib/eval/scorers/docmath.js';
import { summarizeCorpusQa } from '../../lib/eval/scorers/corpusqa.js';
import { summarizeFrames } from '../../lib/eval/scorers/frames.js';
import { evalscopeVerdict } from '../../lib/eval/scorers/judge.js';
import { summarizeLbv1 } from '../../lib/eval/scorers/lbv1qa.js';
import { rescoreMrcr } from '../../lib/eval/scorers/mrcr.js';
import { servedModelName, verlRunner, type VerlRunnerOptions } from '../../lib/eval/verl_runner.js';
import { watchCheckpoints } from '../../lib/eval/watcher.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SHIM = join(ROOT, 'test', 'eval', 'fixtures', 'verl_shim.mjs');
const CANARY = 'sk-canary-7f3a9c1e5b2d4e6f8a0b';
const CANARY_SHA = createHash('sha256').update(CANARY).digest('hex');
const JUDGE = { baseUrl: 'http://judge.invalid/v1', model: 'judge-model-x' };

interface Call {
  tool: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  keySha256: string | null;
}

let base: string;
let envFile: string;

function makeShims(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const tool of ['python', 'python3', 'vllm', 'evalscope', 'curl']) {
    const f = join(dir, tool);
    writeFileSync(f, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(SHIM)} ${tool} "$@"\n`);
    chmodSync(f, 0o755);
  }
}

/** A verl checkpoint step: `hf` = weights in actor/huggingface/ (no merge), else a Megatron dist_ckpt (merge). */
function makeVerlStep(ckptDir: string, step: number, hf: boolean): void {
  const actor = join(ckptDir, `global_step_${step}`, 'actor');
  mkdirSync(join(actor, 'huggingface'), { recursive: true });
  writeFileSync(join(actor, 'huggingface', 'config.json'), '{"architectures":["Qwen3ForCausalLM"]}\n');
  if (hf) writeFileSync(join(actor, 'huggingface', 'model.safetensors'), 'weights\n');
  else {
    mkdirSync(join(actor, 'dist_ckpt'), { recursive: true });
    writeFileSync(join(actor, 'dist_ckpt', 'common.pt'), 'megatron shard\n');
  }
}

function setup(name: string, steps: { step: number; hf: boolean }[], failOnce = '') {
  const dir = join(base, name);
  const shimDir = join(dir, 'shims');
  makeShims(shimDir);
  const ckptDir = join(dir, 'ckpts');
  for (const s of steps) makeVerlStep(ckptDir, s.step, s.hf);
  writeFileSync(join(ckptDir, 'latest_checkpointed_iteration.txt'), String(Math.max(...steps.map((s) => s.step))));
  const evalRoot = join(dir, 'evalscope');
  mkdirSync(evalRoot, { recursive: true });
  const jobsDir = join(dir, 'jobs');
  const opts: VerlRunnerOptions = {
    evalRoot,
    backend: 'local',
    jobsDir,
    envFile,
    judge: JUDGE,
    pollMs: 100,
    env: { PATH: `${shimDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, SHIM_DIR: shimDir, ...(failOnce ? { SHIM_FAIL_ONCE: failOnce } : {}) },
  };
  const calls = (): Call[] => (existsSync(join(shimDir, 'calls.jsonl')) ? readFileSync(join(shimDir, 'calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Call) : []);
  return { dir, shimDir, ckptDir, evalRoot, jobsDir, opts, calls, db: join(dir, 'eval.db') };
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const value = (rows: readonly { benchmark: string; metric: string; value: number }[], b: string, m: string) => rows.find((r) => r.benchmark === b && r.metric === m)?.value;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'golongrl-verl-'));
  envFile = join(base, 'judge.env');
  writeFileSync(envFile, `ARK_API_KEY=${CANARY}\n`, { mode: 0o600 });
  chmodSync(envFile, 0o600);
  delete process.env.ARK_API_KEY; // the key must come from the env file only
});

describe('verl runner through the local Job API (boundary: stand-in vLLM/evalscope/verl/judge)', () => {
  it('merges only when needed, runs the six benchmarks with the §E args, stores rescored rows and the average, never leaks the key', async () => {
    const t = setup('main', [
      { step: 2, hf: true },
      { step: 4, hf: false },
    ]);
    const db = new ResultsDb(t.db);
    const submitted: string[] = [];
    try {
      const summary = await watchCheckpoints({ run: 'qwen4b', ckptDir: t.ckptDir, db, runner: verlRunner({ ...t.opts, onJob: (_j, ck, what) => submitted.push(`${ck.step}:${what}`) }), once: true });
      expect(summary.failed).toEqual([]);
      expect(summary.evaluated).toEqual([2, 4]);
      // A merge job only for step 4 (dist_ckpt, no HF weights), before its benchmarks.
      expect(submitted.filter((s) => s.endsWith(':merge'))).toEqual(['4:merge']);
      expect(submitted.filter((s) => s.startsWith('2:'))).toEqual(BENCHMARK_IDS.map((b) => `2:${b}`));
      expect(submitted.indexOf('4:merge')).toBeLessThan(submitted.indexOf('4:docmath'));
      const calls = t.calls();
      const merges = calls.filter((c) => c.argv[0] === '-m' && c.argv[1] === 'verl.model_merger');
      expect(merges).toHaveLength(1);
      const step4Actor = join(t.ckptDir, 'global_step_4', 'actor');
      expect(merges[0].argv).toEqual(['-m', 'verl.model_merger', 'merge', '--backend', 'megatron', '--local_dir', step4Actor, '--target_dir', join(step4Actor, 'huggingface_merged'), '--use_cpu_initialization']);

      // vLLM: six servers per checkpoint, exactly the §E argv (port, TP, max-model-len, YaRN only where used).
      const serves = calls.filter((c) => c.argv[0] === '-m' && c.argv[1] === 'vllm.entrypoints.openai.api_server');
      expect(serves).toHaveLength(12);
      for (const [step, modelPath] of [
        [2, join(t.ckptDir, 'global_step_2', 'actor', 'huggingface')],
        [4, join(step4Actor, 'huggingface_merged')],
      ] as const) {
        const name = servedModelName('qwen4b', step);
        for (const b of BENCHMARK_IDS) {
          const expected = vllmServeArgv(modelPath, name, BENCHMARKS[b].variants[0].serving).slice(1);
          expect(serves.some((c) => JSON.stringify(c.argv) === JSON.stringify(expected)), `${b} step ${step}`).toBe(true);
        }
      }
      expect(serves.every((c) => !c.argv.includes('--rope-scaling'))).toBe(true); // the 128k variants use no YaRN
      const ports = serves.filter((c) => c.argv.includes(servedModelName('qwen4b', 2))).map((c) => c.argv[c.argv.indexOf('--port') + 1]).sort();
      expect(ports).toEqual(['7000', '8000', '8001', '8002', '8003', '8802']);

      // Drivers: the judge key only through the environment (hash seen by the shims, value nowhere).
      const drivers = calls.filter((c) => c.tool === 'evalscope' || (c.argv[0] ?? '').endsWith('_eval.py'));
      expect(drivers).toHaveLength(12);
      for (const d of drivers) {
        const judged = !(d.tool === 'evalscope' && d.argv.includes('longbench_v2')) && !(d.argv[0] ?? '').endsWith('mrcr_eval.py');
        if (judged) {
          expect(d.keySha256).toBe(CANARY_SHA);
          expect(d.env.JUDGE_BASE_URL ?? d.env.JUDGE_API_URL).toBe(JUDGE.baseUrl);
        } else expect(d.keySha256).toBeNull(); // jobs without a judge do not get the key at all
      }
      // docmath_eval.py / corpusqa_eval.py take the key on their command line (reference caveat): it arrives expanded at run time only.
      expect(drivers.filter((d) => d.argv.join(' ').includes('<$ARK_API_KEY>')).length).toBe(6); // docmath, frames, corpusqa × 2 steps
      const leaks = [...walk(t.jobsDir), ...walk(t.shimDir), t.db, ...walk(t.evalRoot)].filter((f) => existsSync(f) && readFileSync(f).includes(CANARY));
      expect(leaks).toEqual([]);
      const records = walk(t.jobsDir).filter((f) => f.endsWith('job.json'));
      expect(records).toHaveLength(13); // 1 merge + 12 benchmark jobs
      for (const r of records) expect(JSON.parse(readFileSync(r, 'utf8')).spec.secretEnv).toEqual(expect.any(Array));

      // Rows per benchmark and the six-benchmark average, for both steps.
      for (const step of [2, 4]) {
        const rows = db.results('qwen4b').filter((r) => r.step === step);
        for (const b of BENCHMARK_IDS) expect(rows.some((r) => r.benchmark === b), `${b} step ${step}`).toBe(true);
        const avg = sixBenchmarkAverage(rows);
        expect(avg.missing).toEqual([]);
        expect(value(rows, 'average', 'avg6')).toBeCloseTo(avg.average as number, 12);
        // MRCR: the driver's summary predates think stripping (fixture): both numbers are kept.
        expect(value(rows, 'mrcr', 'overall_reference')).toBe(25);
        expect(value(rows, 'mrcr', 'overall')).toBeGreaterThan(25);
        // Where the driver and our scorers agree, no _reference row.
        for (const m of ['docmath/max_acc_reference', 'frames/acc_reference', 'longbench_v2/acc_reference', 'corpusqa/accuracy_reference', 'lbv1qa/overall_reference']) {
          const [b, metric] = m.split('/');
          expect(value(rows, b, metric), m).toBeUndefined();
        }
        expect(value(rows, 'lbv1qa', 'n_pred_mismatch')).toBe(0);
        expect(value(rows, 'docmath', 'n_acc_mismatch')).toBe(0);
      }
      expect(db.checkpoint('qwen4b', 2)?.state).toBe('done');
      expect(db.checkpoint('qwen4b', 4)?.attempts).toBe(1);

      // Rescoring from the raw outputs equals our scorers applied directly to the same files.
      const m = servedModelName('qwen4b', 2);
      const rows2 = db.results('qwen4b').filter((r) => r.step === 2);
      const out = (b: (typeof BENCHMARK_IDS)[number]) => benchmarkOutputs(b, t.evalRoot, m);
      const dm = await readEvalscopeReviews(out('docmath').reviewsDir as string, 'docmath');
      const dmS = summarizeDocMath(dm.reviews.map((r) => ({ prediction: r.prediction ?? '', target: r.target ?? '', answer_type: String(r.sampleMetadata.answer_type), subset: r.subset, judge: r.judgeReply ?? undefined })));
      expect(value(rows2, 'docmath', 'acc')).toBeCloseTo(dmS.acc, 12);
      expect(value(rows2, 'docmath', 'max_acc')).toBeCloseTo(dmS.max_acc, 12);
      expect(value(rows2, 'docmath', 'llm_judge_acc')).toBeCloseTo(dmS.llm_judge_acc as number, 12);
      const fr = await readEvalscopeReviews(out('frames').reviewsDir as string, 'frames');
      const frS = summarizeFrames(fr.reviews.map((r) => ({ target: r.target ?? '', prediction: r.prediction ?? '', llmAcc: evalscopeVerdict(r.judgeReply ?? '') })));
      expect(value(rows2, 'frames', 'acc')).toBeCloseTo(frS.llm / 100, 12);
      expect(value(rows2, 'frames', 'cem_or_llm')).toBeCloseTo(frS.accuracy / 100, 12);
      const mr = rescoreMrcr((await readMrcrRuns(out('mrcr').runs as string)).runs);
      expect(value(rows2, 'mrcr', 'overall')).toBe(mr.summary.overall);
      const cq = summarizeCorpusQa((await readCorpusQaEvals(out('corpusqa').evals as string)).evals);
      expect(value(rows2, 'corpusqa', 'accuracy')).toBe(cq.accuracy);
      const lb = summarizeLbv1((await readLbv1Evals(out('lbv1qa').evalsDir as string, m)).evals);
      expect(value(rows2, 'lbv1qa', 'overall')).toBe(lb.overall);

      // Restart: nothing is evaluated again, no job is submitted.
      const before = t.calls().length;
      const again = await watchCheckpoints({ run: 'qwen4b', ckptDir: t.ckptDir, db, runner: verlRunner(t.opts), once: true });
      expect(again.evaluated).toEqual([]);
      expect(again.alreadyDone).toEqual([2, 4]);
      expect(t.calls().length).toBe(before);
    } finally {
      db.close();
    }
  }, 180_000);

  it('a failed benchmark job fails the checkpoint; the retry after a restart evaluates it exactly once', async () => {
    const t = setup('retry', [{ step: 6, hf: true }], 'mrcr,docmath');
    const model = servedModelName('retry-run', 6);
    const db = new ResultsDb(t.db);
    try {
      const first = await watchCheckpoints({ run: 'retry-run', ckptDir: t.ckptDir, db, runner: verlRunner(t.opts), once: true, maxAttempts: 1 });
      expect(first.failed).toEqual([6]);
      const rec = db.checkpoint('retry-run', 6);
      expect(rec?.state).toBe('failed');
      expect(rec?.error).toMatch(/2 of 6 benchmark jobs failed: docmath \(job .*\) ended FAILED: .*simulated failure of docmath.*; mrcr \(job .*\) ended FAILED: .*simulated failure of mrcr/s);
      // docmath_eval.py had the key on its command line and its log echoed it: the stored error is redacted.
      expect(rec?.error).toContain('--judge_api_key ***');
      expect(rec?.error).not.toContain(CANARY);
      expect(db.results('retry-run')).toEqual([]);
      // "Restart": a new watcher with the default retry budget.
      const second = await watchCheckpoints({ run: 'retry-run', ckptDir: t.ckptDir, db, runner: verlRunner(t.opts), once: true });
      expect(second.evaluated).toEqual([6]);
      expect(db.checkpoint('retry-run', 6)).toMatchObject({ state: 'done', attempts: 2 });
      const rows = db.results('retry-run');
      const keys = rows.map((r) => `${r.benchmark}/${r.metric}`);
      expect(new Set(keys).size).toBe(keys.length); // exactly one set
      expect(value(rows, 'average', 'avg6')).toBeCloseTo(sixBenchmarkAverage(rows as ResultRow[]).average as number, 12);
      const mrcrCalls = t.calls().filter((c) => (c.argv[0] ?? '').endsWith('mrcr_eval.py') && c.argv.includes(model));
      expect(mrcrCalls).toHaveLength(2);
      const third = await watchCheckpoints({ run: 'retry-run', ckptDir: t.ckptDir, db, runner: verlRunner(t.opts), once: true });
      expect(third.alreadyDone).toEqual([6]);
      expect(db.results('retry-run')).toHaveLength(rows.length);
    } finally {
      db.close();
    }
  }, 180_000);

  it('a failed merge fails the checkpoint with the job log tail and submits no benchmark job', async () => {
    const t = setup('merge-fail', [{ step: 8, hf: false }], 'merge');
    const db = new ResultsDb(t.db);
    try {
      const r = await watchCheckpoints({ run: 'mf', ckptDir: t.ckptDir, db, runner: verlRunner(t.opts), once: true, maxAttempts: 1 });
      expect(r.failed).toEqual([8]);
      expect(db.checkpoint('mf', 8)?.error).toMatch(/step 8: merge job .* ended FAILED: verl_shim: simulated failure of merge/);
      expect(t.calls().filter((c) => c.argv[1] === 'vllm.entrypoints.openai.api_server')).toEqual([]);
    } finally {
      db.close();
    }
  }, 60_000);
  it('golongrl eval watch --benchmarks verl (CLI, child process) fills the DB; results shows the average', () => {
    const t = setup('cli', [{ step: 10, hf: true }]);
    const WRAP = join(ROOT, 'test', 'eval', 'fixtures', 'eval_cli.ts');
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${t.shimDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, SHIM_DIR: t.shimDir, GOLONGRL_JOB_ENV: 'SHIM_DIR', JUDGE_BASE_URL: '', JUDGE_MODEL: '' };
    delete env.ARK_API_KEY;
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', WRAP, ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 120_000 });
    const common = [t.ckptDir, '--run', 'cli-run', '--db', t.db, '--jobs-dir', t.jobsDir, '--once', '--poll', '0.2'];
    expect(cli('eval', 'watch', ...common, '--benchmarks', 'verl', '--backend', 'local').status).toBe(2); // no --eval-root
    expect(cli('eval', 'watch', ...common, '--benchmarks', 'verl', '--backend', 'inline', '--eval-root', t.evalRoot).status).toBe(2);
    expect(cli('eval', 'watch', ...common, '--benchmarks', 'verl', '--eval-root', t.evalRoot).stderr).toMatch(/needs a judge/);
    expect(cli('eval', 'watch', ...common, '--benchmarks', 'verl', '--eval-root', t.evalRoot, '--judge-url', JUDGE.baseUrl, '--judge-model', JUDGE.model, '--variant', 'mrcr=2m').status).toBe(2);
    const r = cli('eval', 'watch', ...common, '--benchmarks', 'verl', '--backend', 'local', '--eval-root', t.evalRoot, '--model-name', 'g4b', '--judge-url', JUDGE.baseUrl, '--judge-model', JUDGE.model, '--env-file', envFile, '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ evaluated: [10], failed: [], runner: 'verl:local' });
    expect(r.stderr).toMatch(/step 10: mrcr job \S+ submitted \(local \d+\)/);
    expect(t.calls().some((c) => c.argv.includes('g4b_step10'))).toBe(true);
    const res = cli('results', '--db', t.db, '--run', 'cli-run');
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/cli-run step 10: six-benchmark average \d+\.\d/);
    const long = cli('results', '--db', t.db, '--benchmark', 'mrcr', '--long');
    expect(long.stdout).toMatch(/cli-run\s+10\s+mrcr\s+overall_reference\s+25\n/);
    expect(long.stdout).not.toContain('corpusqa');
    const j = JSON.parse(cli('results', '--db', t.db, '--json').stdout) as { rows: { benchmark: string; metric: string; value: number }[] };
    expect(value(j.rows, 'average', 'avg6')).toBeCloseTo(sixBenchmarkAverage(j.rows).average as number, 9);
    expect([r.stdout, r.stderr, res.stdout].some((x) => x.includes(CANARY))).toBe(false);
  }, 180_000);
});
