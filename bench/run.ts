/**
 * `npm run bench` — every benchmark in one command, each reported as a ratio against a
 * reference run measured in the same command (never as a timed assertion in tests).
 *
 *   1. TMN-Reweight (tmn_grpo, difficulty reweight, alpha 0.8) on 1M rollouts (62,500 prompts × 16,
 *      9 tasks) vs a vectorised numpy implementation of the same formulas. Ratio = ours / numpy
 *      (target ≤ 0.5).
 *   2. ROUGE-L on 2,000 summary pairs of 500–2,000 words vs a pure-Python port of the pltrdy
 *      algorithm. Ratio = python / ours (target ≥ 30), scores identical.
 *   3. Local trainer throughput (tokens/s) on the wasm and cpu tfjs backends (and native TensorFlow when
 *      it loads), each in its own child process, same recipe and seed. Ratio = wasm / cpu.
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

process.stderr.write('bench 3/4: local trainer tokens/s, wasm vs cpu backend (child processes) …\n');
const trainTp = await benchTrainThroughput();
results.push({ ...trainTp, ratio_meaning: 'wasm tokens/s / cpu tokens/s' });

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
  `  ${trainTp.name}: wasm is ${trainTp.ratio.toFixed(1)}× the cpu backend's tokens/s`,
  `    ${trainTp.details}`,
  ...(data ? [`  ${data.name}: ${data.details}`] : ['  data profile: skipped (--skip-data)']),
];
process.stdout.write(lines.join('\n') + '\n');
mkdirSync('.bench', { recursive: true });
writeFileSync('.bench/results.json', JSON.stringify({ started, node: process.version, results }, null, 2) + '\n');
