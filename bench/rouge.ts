/**
 * Benchmark: our ROUGE-L (lib/rewards/rouge.ts) against a pure-Python port of pltrdy rouge 1.0.1's
 * algorithm (bench/py/rouge_pltrdy.py: dict-based O(|x|·|y|) LCS table per sentence pair and the
 * recursive reconstruction).
 *
 * Data: 2,000 deterministic (seeded) summary pairs of 500–2,000 words, 3,000-word vocabulary with a
 * skewed word distribution, sentences of 10–40 words ending with "."; about half of the hypothesis
 * sentences are edited copies of reference sentences. Written to a temporary JSONL file.
 *
 * Timing: ours = all pairs, in-process (after a short warm-up). Python = every `every`-th pair only
 * (the full set would take tens of minutes), timed by the script itself; its time is extrapolated per
 * pair to the full set, and the output says so. Scores are compared on the pairs Python scored.
 *
 * Run standalone: `node --import tsx bench/rouge.ts [--pairs N] [--every K]`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { RougeValueError, rougeLF } from '../lib/rewards/rouge.js';
import { Rng } from '../lib/util/random.js';

export interface BenchResult {
  name: string;
  ours_s: number;
  ref_s: number;
  ratio: number;
  identical: boolean;
  details: string;
}

export interface BenchRougeOptions {
  /** number of pairs (default 2000) */
  pairs?: number;
  /** Python scores pairs 0, every, 2·every, … (default 10) */
  every?: number;
  seed?: number;
  python?: string;
}

export interface RougePair {
  hyp: string;
  ref: string;
}

/** Deterministic summary pairs (see the file header). */
export function makeRougePairs(count: number, seed: number): RougePair[] {
  const rng = new Rng(seed);
  const rnd = () => rng.next();
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const vocab = new Set<string>();
  while (vocab.size < 3000) {
    let w = '';
    for (let k = int(2, 9); k > 0; k--) w += letters[int(0, 25)];
    vocab.add(w);
  }
  const V = [...vocab];
  const word = () => V[Math.floor(V.length * Math.pow(rnd(), 2.5))];
  const sentence = () => Array.from({ length: int(10, 40) }, word);
  const pairs: RougePair[] = [];
  for (let p = 0; p < count; p++) {
    const refSents: string[][] = [];
    for (let target = int(500, 2000), n = 0; n < target; ) {
      const s = sentence().slice(0, Math.max(10, target - n));
      refSents.push(s);
      n += s.length;
    }
    const hypSents: string[][] = [];
    for (let target = int(500, 2000), n = 0; n < target; ) {
      let s: string[];
      if (rnd() < 0.5) {
        s = [];
        for (const w of refSents[int(0, refSents.length - 1)]) {
          const r = rnd();
          if (r < 0.1) continue;
          s.push(r < 0.4 ? word() : w);
        }
        if (s.length < 10) s.push(...sentence().slice(0, 10 - s.length));
        if (s.length > 40) s.length = 40;
      } else s = sentence();
      s = s.slice(0, Math.max(10, target - n));
      hypSents.push(s);
      n += s.length;
    }
    const text = (ss: string[][]) => ss.map((s) => s.join(' ') + '.').join(' ');
    pairs.push({ hyp: text(hypSents), ref: text(refSents) });
  }
  return pairs;
}

function scoreOurs(pair: RougePair): number | null {
  try {
    return rougeLF(pair.hyp, pair.ref);
  } catch (e) {
    if (e instanceof RougeValueError) return null;
    throw e;
  }
}

export async function benchRouge(opts: BenchRougeOptions = {}): Promise<BenchResult> {
  const count = opts.pairs ?? 2000;
  const every = Math.max(1, opts.every ?? 10);
  const python = opts.python ?? '/usr/bin/python3';
  const pairs = makeRougePairs(count, opts.seed ?? 20250101);
  const words = pairs.reduce((a, p) => a + p.hyp.split(' ').length + p.ref.split(' ').length, 0);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rouge-'));
  const file = path.join(dir, 'pairs.jsonl');
  fs.writeFileSync(file, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');

  try {
    // Ours: warm-up, then every pair.
    for (let k = 0; k < Math.min(20, count); k++) scoreOurs(pairs[k]);
    const t0 = performance.now();
    const ours = pairs.map(scoreOurs);
    const oursS = (performance.now() - t0) / 1000;
    // Ours on the Python subset only (apples-to-apples).
    const t1 = performance.now();
    for (let k = 0; k < count; k += every) scoreOurs(pairs[k]);
    const oursSubsetS = (performance.now() - t1) / 1000;

    // Reference port.
    const script = fileURLToPath(new URL('./py/rouge_pltrdy.py', import.meta.url));
    let py: { indices: number[]; scores: (number | null)[]; elapsed_s: number };
    try {
      const { stdout } = await promisify(execFile)(python, [script, file, '--every', String(every)], {
        maxBuffer: 64 << 20,
        timeout: 20 * 60 * 1000,
      });
      py = JSON.parse(stdout);
    } catch (e) {
      return {
        name: 'rouge-l',
        ours_s: oursS,
        ref_s: NaN,
        ratio: NaN,
        identical: false,
        details: `${count} pairs; ours ${oursS.toFixed(3)} s; python reference failed: ${(e as Error).message}`,
      };
    }
    let maxDiff = 0;
    let identical = py.indices.length === py.scores.length;
    py.indices.forEach((idx, k) => {
      const a = ours[idx];
      const b = py.scores[k];
      if (a === null || b === null) {
        if (a !== b) identical = false;
        return;
      }
      const d = Math.abs(a - b);
      maxDiff = Math.max(maxDiff, d);
      if (!(d <= 1e-9)) identical = false;
    });
    const scored = py.indices.length;
    const extrapolated = scored < count;
    const refS = (py.elapsed_s / scored) * count;
    const ratio = refS / oursS;
    const subsetRatio = py.elapsed_s / oursSubsetS;
    const details =
      `${count} pairs (500-2000 words each, ${words} words in all); ours ${oursS.toFixed(3)} s for all pairs; ` +
      (extrapolated
        ? `python timed on ${scored} pairs (every ${every}th): ${py.elapsed_s.toFixed(1)} s, ` +
          `EXTRAPOLATED per pair to ${count} pairs = ${refS.toFixed(1)} s; ` +
          `subset-only ratio ${subsetRatio.toFixed(1)}x (ours ${oursSubsetS.toFixed(3)} s on the same pairs); `
        : `python ${py.elapsed_s.toFixed(1)} s on all pairs; `) +
      `speed-up ${ratio.toFixed(1)}x; scores compared on ${scored} pairs, max |diff| ${maxDiff.toExponential(2)} ` +
      `(${identical ? 'identical within 1e-9' : 'NOT identical'})`;
    return { name: 'rouge-l', ours_s: oursS, ref_s: refS, ratio, identical, details };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function argValue(argv: string[], name: string): number | undefined {
  const k = argv.indexOf(name);
  return k >= 0 ? Number(argv[k + 1]) : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  void benchRouge({ pairs: argValue(argv, '--pairs'), every: argValue(argv, '--every') }).then((res) => {
    console.log(JSON.stringify(res, null, 2));
    if (!res.identical) process.exitCode = 1;
  });
}
