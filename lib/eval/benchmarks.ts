/**
 * The six long-context benchmarks of the GoLongRL tables (GOLONGRL.md §E), as data, and the JobSpec that
 * evaluates a checkpoint on one of them: start a vLLM OpenAI server on the model, wait for a 200 from a
 * tiny request, run the reference's evaluation entry point, stop the server. Sources: GoLongRL
 * `Eval/QwenLong-Benchmarks/evalscope/{run_docmath_eval.new_api.sh, eval_frames.new_api.sh,
 * eval_mrcr.128K.sh, eval_mrcr_4B.128K_512K.sh, eval_mrcr.512K_1M.sh, eval_corpusqa.128K.new_api.sh,
 * eval_corpusqa.1M.new_api.sh, eval_lbv1qa.sh}` and the Python drivers they call.
 *
 * Secrets: the judge key's NAME (`ARK_API_KEY`, as the scripts read it) is in `secretEnv`; the generated
 * script refers to it as "$ARK_API_KEY" and never holds its value. The judge endpoint and model are
 * ordinary env (`JUDGE_BASE_URL`/`JUDGE_MODEL`, and the DocMath/Frames spellings `JUDGE_API_URL`/
 * `JUDGE_MODEL_ID`), taken from `opts.judge` or this process's environment at spec time. Caveat inherited
 * from the reference: docmath_eval.py, corpusqa_eval.py and evalscope's --judge-model-args take the key
 * on their command line, so at RUN time the key is visible in that process's argv (ps); we cannot change
 * that without changing the reference drivers (lbv1qa_eval.py reads it from the environment).
 *
 * Headline metric per benchmark (the number in the paper's tables, on a 0–100 scale) — `HEADLINE`:
 *   DocMath max_acc (evalscope report, ×100) [UNVERIFIED in §E: the report's first metric is acc],
 *   LongBench-V2 acc (×100), Frames acc [UNVERIFIED: evalscope's LLM-judge acc or score_frame.py's
 *   max(CEM, LLM)], MRCR overall (mrcr_eval.py summary, already ×100; range 128K by default
 *   [UNVERIFIED]), CorpusQA accuracy (correct/total ×100), LBV1-QA overall (unweighted mean of the
 *   subsets, already ×100).
 * `benchmarkOutputs` says where each driver writes (the reference scripts' default layouts), which is where
 * lib/eval/verl_collect.ts reads the results back.
 * `sixBenchmarkAverage` is the unweighted mean of the six headline numbers, as the README's Avg column
 * (checked by recomputation in §E); it is null unless all six are present.
 */
import { dirname, join } from 'node:path';
import type { JobSpec } from '../cluster/types.js';
import { shQuote } from '../cluster/shell.js';
import type { ResultRow } from './results_db.js';

export type BenchmarkId = 'docmath' | 'longbench_v2' | 'frames' | 'mrcr' | 'corpusqa' | 'lbv1qa';

export const BENCHMARK_IDS: readonly BenchmarkId[] = ['docmath', 'longbench_v2', 'frames', 'mrcr', 'corpusqa', 'lbv1qa'];

export interface RopeScaling {
  rope_type: 'yarn';
  factor: number;
  original_max_position_embeddings: number;
}

export interface ServingConfig {
  port: number;
  tensorParallel: number;
  maxModelLen: number;
  gpuMemoryUtilization?: number;
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  ropeScaling?: RopeScaling;
  /** Health-check tries (5 s apart). */
  healthTries: number;
  /** The request used as health check. */
  healthEndpoint: 'completions' | 'chat/completions';
}

export interface GenerationConfig {
  temperature: number;
  top_p: number;
  max_tokens: number;
}

export interface Variant {
  /** e.g. '128k', '128k-512k', '512k-1m', '1m' */
  name: string;
  script: string;
  serving: ServingConfig;
  /** Driver-specific numbers: concurrency, max_input_tokens, data file name. */
  driver: Record<string, string | number>;
}

export interface Benchmark {
  id: BenchmarkId;
  title: string;
  /** The column header in the paper's tables. */
  column: string;
  variants: readonly Variant[];
  generation: GenerationConfig;
  truncation: string;
  judge: 'none' | 'evalscope' | 'corpusqa' | 'lbv1';
  /** [UNVERIFIED] markers carried from §E. */
  unverified: readonly string[];
}

const GEN: GenerationConfig = { temperature: 0.7, top_p: 0.95, max_tokens: 51200 };
const BASE_SERVING = { maxModelLen: 182272, healthTries: 120, healthEndpoint: 'chat/completions' as const };
const yarn = (factor: number): RopeScaling => ({ rope_type: 'yarn', factor, original_max_position_embeddings: 262144 });

export const BENCHMARKS: Readonly<Record<BenchmarkId, Benchmark>> = {
  docmath: {
    id: 'docmath',
    title: 'DocMath-Eval (testmini: complong, compshort, simplong, simpshort)',
    column: 'DocMath',
    variants: [{ name: '128k', script: 'run_docmath_eval.new_api.sh', serving: { ...BASE_SERVING, port: 8802, tensorParallel: 8, healthEndpoint: 'completions' }, driver: { max_input_tokens: 131000, eval_batch_size: 32 } }],
    generation: GEN,
    truncation: 'middle, token level, to 131000 tokens (docmath_adapter.py)',
    judge: 'evalscope',
    unverified: ['headline metric max_acc (evalscope reports acc first)'],
  },
  longbench_v2: {
    id: 'longbench_v2',
    title: 'LongBench-V2 (ZhipuAI/LongBench-v2, short/medium/long)',
    column: 'LBV2',
    variants: [{ name: '128k', script: '(none: evalscope longbench_v2 adapter)', serving: { ...BASE_SERVING, port: 8003, tensorParallel: 8 }, driver: {} }],
    generation: GEN,
    truncation: 'as the evalscope adapter (not specified by a script)',
    judge: 'none',
    unverified: ['no script in the reference: port, TP and serving flags are ours (the common pattern)'],
  },
  frames: {
    id: 'frames',
    title: 'FRAMES',
    column: 'Frames',
    variants: [{ name: '128k', script: 'eval_frames.new_api.sh', serving: { ...BASE_SERVING, port: 8001, tensorParallel: 8, healthTries: 120, healthEndpoint: 'completions' }, driver: { max_length: 131072, eval_batch_size: 8 } }],
    generation: GEN,
    truncation: 'middle, to 131072 (evalscope dataset-args)',
    judge: 'evalscope',
    unverified: ['whether the table reports the LLM-judge acc or score_frame.py max(CEM, LLM)'],
  },
  mrcr: {
    id: 'mrcr',
    title: 'OpenAI MRCR (filtered by n_tokens_qwen)',
    column: 'MRCR',
    variants: [
      { name: '128k', script: 'eval_mrcr.128K.sh', serving: { ...BASE_SERVING, port: 8000, tensorParallel: 4 }, driver: { concurrency: 4, max_input_tokens: 131072, data_file: 'mrcr_0_128K.jsonl' } },
      {
        name: '128k-512k',
        script: 'eval_mrcr_4B.128K_512K.sh',
        serving: { port: 8002, tensorParallel: 8, maxModelLen: 524288, gpuMemoryUtilization: 0.95, maxNumSeqs: 8, maxNumBatchedTokens: 65536, ropeScaling: yarn(2.0), healthTries: 180, healthEndpoint: 'chat/completions' },
        driver: { concurrency: 6, max_input_tokens: 524288, data_file: 'mrcr_128K_512K.jsonl' },
      },
      {
        name: '512k-1m',
        script: 'eval_mrcr.512K_1M.sh',
        serving: { port: 8002, tensorParallel: 8, maxModelLen: 1048576, gpuMemoryUtilization: 0.95, maxNumSeqs: 4, maxNumBatchedTokens: 65536, ropeScaling: yarn(4.0), healthTries: 300, healthEndpoint: 'chat/completions' },
        driver: { concurrency: 4, max_input_tokens: 1048576, data_file: 'mrcr_512K_1M.jsonl' },
      },
    ],
    generation: GEN,
    truncation: 'middle, token level, to max_input − query − 1024 (mrcr_eval.py)',
    judge: 'none',
    unverified: ['which range the headline MRCR column uses (default here: 128k)'],
  },
  corpusqa: {
    id: 'corpusqa',
    title: 'CorpusQA (Tongyi-Zhiwen/CorpusQA, 4 domains)',
    column: 'CorpusQA',
    variants: [
      { name: '128k', script: 'eval_corpusqa.128K.new_api.sh', serving: { ...BASE_SERVING, port: 7000, tensorParallel: 8 }, driver: { concurrency: 8, data_file: '128k_4domains.jsonl' } },
      {
        name: '1m',
        script: 'eval_corpusqa.1M.new_api.sh',
        serving: { port: 7000, tensorParallel: 8, maxModelLen: 1048576, gpuMemoryUtilization: 0.95, maxNumSeqs: 6, maxNumBatchedTokens: 65536, ropeScaling: yarn(4.0), healthTries: 300, healthEndpoint: 'chat/completions' },
        driver: { concurrency: 6, data_file: '1m_4domains.jsonl' },
      },
    ],
    generation: GEN,
    truncation: 'none in the driver (the prompt is sent as stored)',
    judge: 'corpusqa',
    unverified: [],
  },
  lbv1qa: {
    id: 'lbv1qa',
    title: 'LongBench-v1 QA (narrativeqa, qasper, hotpotqa, 2wikimqa, musique)',
    column: 'LBV1-QA',
    variants: [{ name: '128k', script: 'eval_lbv1qa.sh', serving: { ...BASE_SERVING, port: 8002, tensorParallel: 8 }, driver: { concurrency: 8, max_context_chars: 500000 } }],
    generation: GEN,
    truncation: 'middle, character level, to 500000 characters (lbv1qa_eval.py)',
    judge: 'lbv1',
    unverified: [],
  },
};

/** The metric (as stored in the results DB) that is the table's number, and its scale to 0–100. */
export const HEADLINE: Readonly<Record<BenchmarkId, { metric: string; scale: number; note: string }>> = {
  docmath: { metric: 'max_acc', scale: 100, note: 'micro-average over the four subsets of max(rule, judge) [UNVERIFIED]' },
  longbench_v2: { metric: 'acc', scale: 100, note: 'evalscope acc' },
  frames: { metric: 'acc', scale: 100, note: 'evalscope LLM-judge acc [UNVERIFIED vs max(CEM, LLM)]' },
  mrcr: { metric: 'overall', scale: 1, note: 'mean ratio × 100 (mrcr_eval.py summary)' },
  corpusqa: { metric: 'accuracy', scale: 1, note: 'correct / total × 100' },
  lbv1qa: { metric: 'overall', scale: 1, note: 'unweighted mean of per-subset mean × 100' },
};

export function getBenchmark(id: string): Benchmark {
  const b = (BENCHMARKS as Record<string, Benchmark>)[id];
  if (!b) throw new RangeError(`unknown benchmark '${id}' (known: ${BENCHMARK_IDS.join(', ')})`);
  return b;
}

export function getVariant(b: Benchmark, name?: string): Variant {
  if (name === undefined) return b.variants[0];
  const v = b.variants.find((x) => x.name === name);
  if (!v) throw new RangeError(`benchmark '${b.id}' has no variant '${name}' (known: ${b.variants.map((x) => x.name).join(', ')})`);
  return v;
}

/** vLLM's OpenAI server argv for a model and a serving config (GOLONGRL.md §E). */
export function vllmServeArgv(modelPath: string, modelName: string, s: ServingConfig, python = 'python'): string[] {
  const argv = [python, '-m', 'vllm.entrypoints.openai.api_server', '--model', modelPath, '--served-model-name', modelName, '--tensor-parallel-size', String(s.tensorParallel), '--max-model-len', String(s.maxModelLen)];
  if (s.gpuMemoryUtilization !== undefined) argv.push('--gpu-memory-utilization', String(s.gpuMemoryUtilization));
  if (s.maxNumSeqs !== undefined) argv.push('--max-num-seqs', String(s.maxNumSeqs));
  if (s.maxNumBatchedTokens !== undefined) argv.push('--max-num-batched-tokens', String(s.maxNumBatchedTokens));
  if (s.ropeScaling) argv.push('--rope-scaling', JSON.stringify(s.ropeScaling));
  argv.push('--port', String(s.port));
  return argv;
}

/** The health-check request body (the scripts poll until it returns HTTP 200). */
export function healthRequest(modelName: string, s: ServingConfig): { url: string; body: Record<string, unknown> } {
  return s.healthEndpoint === 'completions'
    ? { url: `http://127.0.0.1:${s.port}/v1/completions`, body: { model: modelName, prompt: 'Hi', max_tokens: 5, temperature: 0 } }
    : { url: `http://127.0.0.1:${s.port}/v1/chat/completions`, body: { model: modelName, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5, temperature: 0 } };
}

export interface EvalJobOptions {
  /** Served model name (default: 'ckpt'). */
  modelName?: string;
  variant?: string;
  /** GoLongRL's `Eval/QwenLong-Benchmarks/evalscope` directory on the cluster. */
  evalRoot: string;
  /**
   * The benchmark's output directory (default: the reference layout, `benchmarkOutputs(...).dir`:
   * `<evalRoot>/results/outputs_docmath/<MODEL>`, `…/MRCR_eval`, `…/CorpusQA_eval`, `…/LBv1QA_eval/data1`, …).
   */
  outputDir?: string;
  /** DocMath dataset path (run_docmath_eval.new_api.sh DATASET_PATH). */
  datasetPath?: string;
  judge?: { baseUrl?: string; model?: string };
  /** Secret env var holding the judge key (default ARK_API_KEY, as the scripts). */
  judgeKeyEnv?: string;
  python?: string;
  gpus?: string;
  env?: Record<string, string>;
  partition?: string;
  account?: string;
  timeLimit?: string;
}

/**
 * Where each reference driver writes, for a served model name and a variant (GOLONGRL.md §E, the reference
 * scripts' defaults; `dir` is what `evalJobSpec` passes as the output directory):
 * - DocMath / Frames / LongBench-V2 (evalscope with `--use-cache DIR --work-dir DIR`, so no timestamp
 *   folder, `evalscope/run.py` setup_work_directory): `dir = <root>/results/outputs_<bench>/<MODEL>`, report
 *   `<dir>/reports/<MODEL>/<bench>.json`, per-sample reviews `<dir>/reviews/<MODEL>/<bench>_<subset>.jsonl`
 *   (`api/evaluator/cache.py`). LongBench-V2 has no script in the reference: the folder name is ours.
 * - MRCR: `dir = <root>/MRCR_eval`, runs `<dir>/runs/<MODEL>_mrcr_<variant, '-'→'_'>.jsonl`, summary the same
 *   path with `.jsonl` → `_summary.json` (mrcr_eval.py run_report).
 * - CorpusQA: `dir = <root>/CorpusQA_eval`, `runs/<MODEL>_<variant>.jsonl`, `evals/<MODEL>_<variant>_eval.jsonl`.
 * - LBV1-QA: `dir = <root>/LBv1QA_eval/data1`, `evals/<MODEL>_<subset>.jsonl` per subset and
 *   `evals/<MODEL>_lbv1qa_summary.json`.
 */
export interface BenchmarkOutputs {
  dir: string;
  /** evalscope: the report JSON and the reviews folder. */
  report?: string;
  reviewsDir?: string;
  /** MRCR runs file / CorpusQA evals file / LBV1 evals folder. */
  runs?: string;
  summary?: string;
  evals?: string;
  evalsDir?: string;
}

export function benchmarkOutputs(bench: BenchmarkId, evalRoot: string, modelName: string, variant = '128k', outputDir?: string): BenchmarkOutputs {
  switch (bench) {
    case 'docmath':
    case 'frames':
    case 'longbench_v2': {
      const dir = outputDir ?? join(evalRoot, 'results', `outputs_${bench}`, modelName);
      return { dir, report: join(dir, 'reports', modelName, `${bench}.json`), reviewsDir: join(dir, 'reviews', modelName) };
    }
    case 'mrcr': {
      const dir = outputDir ?? join(evalRoot, 'MRCR_eval');
      const runs = join(dir, 'runs', `${modelName}_mrcr_${variant.replaceAll('-', '_')}.jsonl`);
      return { dir, runs, summary: runs.replace(/\.jsonl$/, '_summary.json') };
    }
    case 'corpusqa': {
      const dir = outputDir ?? join(evalRoot, 'CorpusQA_eval');
      return { dir, runs: join(dir, 'runs', `${modelName}_${variant}.jsonl`), evals: join(dir, 'evals', `${modelName}_${variant}_eval.jsonl`) };
    }
    case 'lbv1qa': {
      const dir = outputDir ?? join(evalRoot, 'LBv1QA_eval', 'data1');
      return { dir, evalsDir: join(dir, 'evals'), summary: join(dir, 'evals', `${modelName}_lbv1qa_summary.json`) };
    }
  }
}

/** The evaluation driver's argv (after the server is up). `$VAR` references are expanded by the job's shell. */
export function evalDriverArgv(b: Benchmark, v: Variant, modelPath: string, modelName: string, out: string, o: EvalJobOptions): string[] {
  const py = o.python ?? 'python';
  const root = o.evalRoot;
  const url = `http://127.0.0.1:${v.serving.port}/v1`;
  const key = `$${o.judgeKeyEnv ?? 'ARK_API_KEY'}`;
  switch (b.id) {
    case 'docmath':
      return [py, join(root, 'docmath_eval.py'), '--model_name', modelName, '--model_path', modelPath, '--port', String(v.serving.port), '--output_path', out, '--judge_api_key', key, '--judge_model_id', '$JUDGE_MODEL_ID', '--judge_api_url', '$JUDGE_API_URL', '--dataset_path', o.datasetPath ?? join(root, 'data', 'docmath'), '--subsets', 'complong_testmini,compshort_testmini,simplong_testmini,simpshort_testmini', '--max_input_tokens', String(v.driver.max_input_tokens), '--max_tokens', String(b.generation.max_tokens), '--eval_batch_size', String(v.driver.eval_batch_size)];
    case 'frames':
    case 'longbench_v2': {
      const dsArgs = b.id === 'frames' ? { frames: { filters: { remove_until: '</think>' }, max_length: 131072, truncation_strategy: 'middle' } } : { longbench_v2: { filters: { remove_until: '</think>' } } };
      const argv = ['evalscope', 'eval', '--model', modelName, '--eval-type', 'openai_api', '--api-url', url, '--api-key', 'EMPTY', '--datasets', b.id, '--dataset-args', JSON.stringify(dsArgs), '--generation-config', JSON.stringify(b.generation)];
      if (b.judge === 'evalscope') argv.push('--judge-model-args', `{"model_id":"$JUDGE_MODEL_ID","api_url":"$JUDGE_API_URL","api_key":"${key}"}`);
      argv.push('--repeats', '1', '--eval-batch-size', String(v.driver.eval_batch_size ?? 8), '--use-cache', out, '--work-dir', out);
      return argv;
    }
    case 'mrcr':
      return [py, join(root, 'mrcr_eval.py'), '--data_file', join(root, 'datasets', 'mrcr', String(v.driver.data_file)), '--model', modelName, '--model_path', modelPath, '--api_url', url, '--concurrency', String(v.driver.concurrency), '--infer_output', join(out, 'runs', `${modelName}_mrcr_${v.name.replaceAll('-', '_')}.jsonl`), '--max_input_tokens', String(v.driver.max_input_tokens)];
    case 'corpusqa':
      return [py, join(root, 'corpusqa_eval.py'), '--data_file', join(root, 'CorpusQA_eval', 'data', String(v.driver.data_file)), '--model', modelName, '--api_url', url, '--concurrency', String(v.driver.concurrency), '--infer_output', join(out, 'runs', `${modelName}_${v.name}.jsonl`), '--eval_output', join(out, 'evals', `${modelName}_${v.name}_eval.jsonl`), '--judge_api_key', key, '--judge_base_url', '$JUDGE_BASE_URL', '--judge_model', '$JUDGE_MODEL'];
    case 'lbv1qa':
      // lbv1qa_eval.py reads the key from ARK_API_KEY itself: no key on its command line.
      return [py, join(root, 'lbv1qa_eval.py'), '--model', modelName, '--api_url', url, '--concurrency', String(v.driver.concurrency), '--data_dir', join(out, 'data'), '--runs_dir', join(out, 'runs'), '--evals_dir', join(out, 'evals'), '--judge_base_url', '$JUDGE_BASE_URL', '--judge_model', '$JUDGE_MODEL', '--skip_download'];
  }
}

/** Quote an argv element for the job's shell, leaving `$NAME` references (and only those) expandable. */
function shArg(a: string): string {
  if (!a.includes('$')) return shQuote(a);
  // Split on $NAME tokens: quote the literal parts, double-quote the references.
  return a
    .split(/(\$[A-Za-z_][A-Za-z0-9_]*)/)
    .filter((p) => p !== '')
    .map((p) => (/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `"${p}"` : shQuote(p)))
    .join('');
}

/**
 * The JobSpec for one benchmark on one model directory (after merge.ts): a `bash -c` script that serves
 * the model with vLLM, waits for health, runs the driver, and stops the server on exit.
 */
export function evalJobSpec(benchmark: BenchmarkId | string, checkpoint: { modelPath: string; step?: number; run?: string }, opts: EvalJobOptions): JobSpec {
  const b = getBenchmark(benchmark);
  const v = getVariant(b, opts.variant);
  const modelName = opts.modelName ?? 'ckpt';
  const outs = benchmarkOutputs(b.id, opts.evalRoot, modelName, v.name, opts.outputDir);
  const out = outs.dir;
  const vllmLog = join(out, `vllm_${modelName}.log`);
  const keyEnv = opts.judgeKeyEnv ?? 'ARK_API_KEY';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(keyEnv)) throw new Error(`judgeKeyEnv must be an environment variable name, got '${keyEnv}'`);
  const serve = vllmServeArgv(checkpoint.modelPath, modelName, v.serving, opts.python ?? 'python');
  const health = healthRequest(modelName, v.serving);
  const driver = evalDriverArgv(b, v, checkpoint.modelPath, modelName, out, opts);
  const lines = [
    'set -euo pipefail',
    `mkdir -p ${[out, ...[outs.runs, outs.evals].filter((f): f is string => f !== undefined).map(dirname)].filter((d, i, a) => a.indexOf(d) === i).map(shQuote).join(' ')}`,
    ...(v.serving.ropeScaling ? ['export VLLM_ALLOW_LONG_MAX_MODEL_LEN=1'] : []),
    `${serve.map(shQuote).join(' ')} > ${shQuote(vllmLog)} 2>&1 &`,
    'VLLM_PID=$!',
    `trap 'kill $VLLM_PID 2>/dev/null || true; wait $VLLM_PID 2>/dev/null || true' EXIT`,
    'READY=0',
    `for i in $(seq 1 ${v.serving.healthTries}); do`,
    `  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST ${shQuote(health.url)} -H 'Content-Type: application/json' -d ${shQuote(JSON.stringify(health.body))} || true)`,
    '  if [ "$code" = 200 ]; then READY=1; break; fi',
    '  sleep 5',
    'done',
    `if [ "$READY" != 1 ]; then echo ${shQuote(`vLLM did not become ready; see ${vllmLog}`)} >&2; exit 1; fi`,
    driver.map(shArg).join(' '),
  ];
  const judgeEnv: Record<string, string> = {};
  if (b.judge !== 'none') {
    const baseUrl = opts.judge?.baseUrl ?? process.env.JUDGE_BASE_URL ?? process.env.JUDGE_API_URL;
    const model = opts.judge?.model ?? process.env.JUDGE_MODEL ?? process.env.JUDGE_MODEL_ID;
    if (!baseUrl || !model) throw new Error(`benchmark '${b.id}' needs a judge: pass judge {baseUrl, model} or set JUDGE_BASE_URL and JUDGE_MODEL`);
    Object.assign(judgeEnv, { JUDGE_BASE_URL: baseUrl, JUDGE_API_URL: baseUrl, JUDGE_MODEL: model, JUDGE_MODEL_ID: model });
  }
  return {
    name: `eval ${b.id}${v.name !== '128k' ? ` ${v.name}` : ''}${checkpoint.run ? ` ${checkpoint.run}` : ''}${checkpoint.step !== undefined ? ` step ${checkpoint.step}` : ''}`,
    payload: { kind: 'command', argv: ['bash', '-c', lines.join('\n')], workdir: opts.evalRoot },
    resources: { nodes: 1, gpusPerNode: v.serving.tensorParallel, ...(opts.partition ? { partition: opts.partition } : {}), ...(opts.account ? { account: opts.account } : {}), timeLimit: opts.timeLimit ?? '24:00:00' },
    env: { ...(opts.gpus ? { CUDA_VISIBLE_DEVICES: opts.gpus } : {}), ...judgeEnv, ...(opts.env ?? {}) },
    secretEnv: b.judge !== 'none' ? [keyEnv] : [],
    recipe: `eval-${b.id}`,
  };
}

export interface AverageResult {
  /** Unweighted mean of the six headline numbers (0–100), null unless all six are present. */
  average: number | null;
  /** Each benchmark's headline number on the 0–100 scale (missing ones absent). */
  columns: Partial<Record<BenchmarkId, number>>;
  missing: BenchmarkId[];
}

/** The six-benchmark average of one checkpoint's result rows (see the file header). */
export function sixBenchmarkAverage(rows: readonly ResultRow[]): AverageResult {
  const columns: Partial<Record<BenchmarkId, number>> = {};
  const missing: BenchmarkId[] = [];
  for (const id of BENCHMARK_IDS) {
    const h = HEADLINE[id];
    const r = rows.find((x) => x.benchmark === id && x.metric === h.metric);
    if (r) columns[id] = r.value * h.scale;
    else missing.push(id);
  }
  const vals = Object.values(columns) as number[];
  return { average: missing.length === 0 ? vals.reduce((a, b) => a + b, 0) / vals.length : null, columns, missing };
}
