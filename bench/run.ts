/**
 * `npm run bench` — every benchmark in one command, each reported as a ratio against a
 * reference run measured in the same command (never as a timed assertion in tests).
 *
 *   1. TMN-Reweight (tmn_grpo, difficulty reweight, alpha 0.8) on 1M rollouts (62,500 prompts × 16,
 *      9 tasks) vs a vectorised numpy implementation of the same formulas. Ratio = ours / numpy
 *      (target ≤ 0.5).
 *   2. ROUGE-L on 2,000 summary pairs of 500–2,000 words vs a pure-Python port of the pltrdy
 *      algorithm. Ratio = python / ours (target ≥ 30), scores identical.
 *   3. The local trainer's policy engine (docs/engine.md): generated and trained tokens/s of the fast js
 *      engine vs the same model, batch and step in PyTorch (bench/torch_policy.py, 2 threads), ratio =
 *      ours / torch (target ≥ 1.0), share of peak FLOP/s; and `golongrl train` end to end, js engine vs
 *      today's tfjs-wasm trainer (the baseline), speed-up = js / tfjs (target ≥ 30).
 *   4. `golongrl data profile` / `data validate` on a generated 2 GB JSONL in the GoLongRL schema, in a
 *      child process: throughput and peak RSS (target ≤ 1 GB); exact Qwen3 tokenizer throughput on a
 *      20 MB prefix. Needs ~2.2 GB free in the temp dir; `--skip-data` leaves it out.
 *
 * Results are also written to `.bench/results.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchAdvantage } from './advantage.js';
import { benchDataProfile } from './data_profile.js';
import { benchRouge } from './rouge.js';
import { benchScorerWorstCase } from './scorer_worst.js';
import { benchScoringStep } from './scoring_step.js';
import { benchTrainThroughput } from './train_throughput.js';

const started = new Date().toISOString();
const results = [];
const skipData = process.argv.includes('--skip-data');
process.stderr.write('bench 1/4: TMN-Reweight on 1M rollouts vs numpy …\n');
const adv = await benchAdvantage();
results.push({ ...adv, ratio_meaning: 'ours_s / numpy_s (target <= 0.5)' });
process.stderr.write('bench 2/4: ROUGE-L on 2,000 long summary pairs vs pure-Python pltrdy port …\n');
const rouge = await benchRouge();
results.push({ ...rouge, ratio_meaning: 'python_s / ours_s (target >= 30)' });

process.stderr.write('bench: scorer worst case on the audit attacks (65,536 / 262,144 spaces, 64K-space math gold) …\n');
const scorerWorst = benchScorerWorstCase();
results.push({ ...scorerWorst, ratio_meaning: 'max per-char time at 262,144 spaces / at 1,024 (linear ~1)' });

process.stderr.write('bench: scoring one GoLongRL step (2,048 rows) in process, as a cold CLI call, and with the Python reference libraries …\n');
const scoringStep = benchScoringStep();
results.push({ ...scoringStep, ratio_meaning: 'python_s / ours_s (CPU, warm, in process); cli_cold_cpu_s target < 1' });

process.stderr.write('bench 3/4: policy engine vs PyTorch, and golongrl train end to end vs the tfjs-wasm baseline …\n');
const trainTp = await benchTrainThroughput();
results.push({ ...trainTp, ratio_meaning: 'speedup: js engine trained tokens/s / tfjs-wasm trainer (target >= 30); workloads[].*_ratio_vs_torch: ours / torch (target >= 1)' });

let data: Awaited<ReturnType<typeof benchDataProfile>> | null = null;
if (!skipData) {
  process.stderr.write('bench 4/4: data profile on a generated 2 GB JSONL (child process) …\n');
  data = await benchDataProfile();
  results.push({ ...data, ratio_meaning: 'none: throughput and peak RSS (target <= 1024 MB)' });
}

const lines = [
  '',
  `golongrl-lab benchmarks (${started}, node ${process.version}, ${process.arch})`,
  `  ${adv.name}: ours ${adv.ours_s.toFixed(4)} s vs numpy ${adv.ref_s.toFixed(4)} s → ratio ${adv.ratio.toFixed(3)} (ours/numpy; target ≤ 0.5)`,
  `    ${adv.details}`,
  `  ${rouge.name}: ours ${rouge.ours_s.toFixed(3)} s vs python ${rouge.ref_s.toFixed(1)} s → ${rouge.ratio.toFixed(1)}× faster (target ≥ 30×), identical scores: ${rouge.identical}`,
  `    ${rouge.details}`,
  `  ${scorerWorst.name}: ${scorerWorst.details}`,
  `  ${scoringStep.name}: ${scoringStep.details}`,
  `  ${trainTp.name}: end-to-end speed-up ${trainTp.speedup.toFixed(1)}× over today's trainer (target ≥ 30×)`,
  `    ${trainTp.details}`,
  ...(data ? [`  ${data.name}: ${data.details}`] : ['  data profile: skipped (--skip-data)']),
];
process.stdout.write(lines.join('\n') + '\n');
mkdirSync('.bench', { recursive: true });
writeFileSync('.bench/results.json', JSON.stringify({ started, node: process.version, results }, null, 2) + '\n');
