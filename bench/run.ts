/**
 * `npm run bench` — every benchmark in one command, each reported as a ratio against a
 * reference run measured in the same command (never as a timed assertion in tests).
 *
 *   1. TMN-Reweight (tmn_grpo, difficulty reweight, alpha 0.8) on 1M rollouts (62,500 prompts × 16,
 *      9 tasks) vs a vectorised numpy implementation of the same formulas. Ratio = ours / numpy
 *      (target ≤ 0.5).
 *   2. ROUGE-L on 2,000 summary pairs of 500–2,000 words vs a pure-Python port of the pltrdy
 *      algorithm. Ratio = python / ours (target ≥ 30), scores identical.
 *
 * Results are also written to `.bench/results.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchAdvantage } from './advantage.js';
import { benchRouge } from './rouge.js';

const started = new Date().toISOString();
const results = [];
process.stderr.write('bench 1/2: TMN-Reweight on 1M rollouts vs numpy …\n');
const adv = await benchAdvantage();
results.push({ ...adv, ratio_meaning: 'ours_s / numpy_s (target <= 0.5)' });
process.stderr.write('bench 2/2: ROUGE-L on 2,000 long summary pairs vs pure-Python pltrdy port …\n');
const rouge = await benchRouge();
results.push({ ...rouge, ratio_meaning: 'python_s / ours_s (target >= 30)' });

const lines = [
  '',
  `golongrl-lab benchmarks (${started}, node ${process.version}, ${process.arch})`,
  `  ${adv.name}: ours ${adv.ours_s.toFixed(4)} s vs numpy ${adv.ref_s.toFixed(4)} s → ratio ${adv.ratio.toFixed(3)} (ours/numpy; target ≤ 0.5)`,
  `    ${adv.details}`,
  `  ${rouge.name}: ours ${rouge.ours_s.toFixed(3)} s vs python ${rouge.ref_s.toFixed(1)} s → ${rouge.ratio.toFixed(1)}× faster (target ≥ 30×), identical scores: ${rouge.identical}`,
  `    ${rouge.details}`,
];
process.stdout.write(lines.join('\n') + '\n');
mkdirSync('.bench', { recursive: true });
writeFileSync('.bench/results.json', JSON.stringify({ started, node: process.version, results }, null, 2) + '\n');
