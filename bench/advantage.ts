/**
 * Benchmark: TMN-Reweight (`tmn_grpo`, difficultyReweight, α = 0.8, γ = 1) on 1M rollouts
 * (62,500 prompts × 16 rollouts, 9 reward modes), ours vs a vectorised numpy version of the
 * same formulas (`bench/py/tmn_numpy.py`, run with Debian's /usr/bin/python3).
 *
 * - Scores are synthetic and seeded: each prompt has a hidden difficulty; the four binary
 *   modes (Accuracy, EM, math_longcot_math_verify, selection) draw Bernoulli scores, the five
 *   continuous ones (F1_Score, NDCG, Pairwise_Accuracy, SubEM, Summary) a clipped noisy value
 *   with a point mass at 0. Rollouts of a prompt are contiguous, as verl lays them out.
 * - Both sides get the same columns: scores/group/task are written as little-endian binary
 *   files that Python reads with np.fromfile.
 * - Only the compute is timed on both sides (no data generation, no I/O); best of REPEATS.
 * - Our advantages must equal numpy's within 1e-6 (max abs), and the mean pass rates too.
 *
 * ratio = ours_s / numpy_s; the target is ≤ 0.5.
 * Run standalone: `node --import tsx bench/advantage.ts`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeTmnGrpoAdvantage } from '../lib/advantage/tmn_grpo.js';
import { batchFromArrays, type AdvBatch } from '../lib/advantage/types.js';
import { Rng } from '../lib/util/random.js';

export interface BenchResult {
  name: string;
  ours_s: number;
  ref_s: number;
  ratio: number;
  details: string;
}

const PROMPTS = 62_500;
const ROLLOUTS = 16;
const MODES = [
  'Accuracy',
  'EM',
  'F1_Score',
  'NDCG',
  'Pairwise_Accuracy',
  'SubEM',
  'Summary',
  'math_longcot_math_verify',
  'selection',
]; // already in np.unique (code-point) order
const BINARY = new Set(['Accuracy', 'EM', 'math_longcot_math_verify', 'selection']);
const ALPHA = 0.8;
const GAMMA = 1.0;
const REPEATS = 7;
const PYTHON = '/usr/bin/python3';


export function makeSyntheticBatch(prompts = PROMPTS, rollouts = ROLLOUTS, seed = 20240611): AdvBatch {
  const n = prompts * rollouts;
  const scores = new Float64Array(n);
  const group = new Int32Array(n);
  const task = new Int32Array(n);
  const gen = new Rng(seed);
  const r = () => gen.next();
  for (let p = 0; p < prompts; p++) {
    const k = Math.floor(r() * MODES.length);
    const binary = BINARY.has(MODES[k]);
    const difficulty = r();
    for (let j = 0; j < rollouts; j++) {
      const i = p * rollouts + j;
      group[i] = p;
      task[i] = k;
      if (binary) scores[i] = r() < difficulty ? 1 : 0;
      else if (r() < 0.2) scores[i] = 0;
      else {
        const v = difficulty + (r() - 0.5) * 0.6;
        scores[i] = v < 0 ? 0 : v > 1 ? 1 : Math.round(v * 1e6) / 1e6;
      }
    }
  }
  return batchFromArrays({ scores, group, task, groupCount: prompts, taskNames: MODES });
}

function timeOurs(batch: AdvBatch, repeats: number): { best: number; times: number[]; adv: Float64Array; mpr: number } {
  const opts = { difficultyReweight: true, difficultySmoothAlpha: ALPHA, difficultyGamma: GAMMA };
  // warm up the JIT (tiered compilation) before timing
  for (let w = 0; w < 3; w++) computeTmnGrpoAdvantage(batch, opts);
  const times: number[] = [];
  let res = computeTmnGrpoAdvantage(batch, opts);
  for (let k = 0; k < repeats; k++) {
    const t0 = process.hrtime.bigint();
    res = computeTmnGrpoAdvantage(batch, opts);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { best: Math.min(...times), times, adv: res.advantages, mpr: res.extraMetrics['difficulty/mean_pass_rate'] };
}

function bufferOf(a: Float64Array | Int32Array): Buffer {
  // typed arrays are little-endian on every platform Node runs on (x64, arm64)
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export async function benchAdvantage(): Promise<BenchResult> {
  const name = 'advantage/tmn_reweight_1M';
  const batch = makeSyntheticBatch();
  const dir = mkdtempSync(join(tmpdir(), 'golongrl-bench-adv-'));
  try {
    writeFileSync(join(dir, 'scores.f64'), bufferOf(batch.scores));
    writeFileSync(join(dir, 'group.i32'), bufferOf(batch.group));
    writeFileSync(join(dir, 'task.i32'), bufferOf(batch.task));
    const script = fileURLToPath(new URL('./py/tmn_numpy.py', import.meta.url));
    let out: string;
    try {
      out = execFileSync(
        PYTHON,
        [script, dir, String(batch.size), String(batch.groupCount), String(batch.taskCount), String(ALPHA), String(GAMMA), String(REPEATS)],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
    } catch (e) {
      throw new Error(
        `${name}: the numpy baseline failed; it needs ${PYTHON} with numpy (Debian: apt-get install python3-numpy): ${(e as Error).message}`,
      );
    }
    const py = JSON.parse(out.trim().split('\n').pop()!) as { best_s: number; times_s: number[]; mean_pass_rate: number; numpy: string };

    const ours = timeOurs(batch, REPEATS);
    const raw = readFileSync(join(dir, 'adv_numpy.f64'));
    const ref = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    if (ref.length !== ours.adv.length) throw new Error(`numpy returned ${ref.length} advantages, expected ${ours.adv.length}`);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(ref[i] - ours.adv[i]);
      if (!(d <= maxDiff)) maxDiff = d;
    }
    const mprDiff = Math.abs(py.mean_pass_rate - ours.mpr);
    const ok = maxDiff <= 1e-6 && mprDiff <= 1e-9;
    const ratio = ours.best / py.best_s;
    const details =
      `${batch.size} rollouts (${batch.groupCount} prompts x ${ROLLOUTS}, ${batch.taskCount} modes), alpha ${ALPHA}; ` +
      `best of ${REPEATS}: ours ${(ours.best * 1e3).toFixed(2)} ms, numpy ${py.numpy} ${(py.best_s * 1e3).toFixed(2)} ms; ` +
      `max |adv diff| ${maxDiff.toExponential(2)}, mean_pass_rate ${ours.mpr.toFixed(6)} (diff ${mprDiff.toExponential(1)}); ` +
      `${ok ? 'MATCH' : 'MISMATCH'}; target ratio <= 0.5 ${ratio <= 0.5 ? 'met' : 'NOT met'}`;
    if (!ok) throw new Error(`${name}: results differ from numpy — ${details}`);
    return { name, ours_s: ours.best, ref_s: py.best_s, ratio, details };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchAdvantage().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
