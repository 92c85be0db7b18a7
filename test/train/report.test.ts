/**
 * The main job (`golongrl compare`, lib/train/compare/) end to end on the `tiny` recipe: the base model
 * is built once and reused; runs are paired; the JSON has base per family, finals per estimator and
 * seed, paired differences with intervals and seconds; every report file is linked; an interrupted
 * compare resumes (finished runs reused, the cut run resumed from its checkpoint, every metric line
 * once) and gives the same numbers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LATEST_FILE, listCheckpoints } from '../../lib/train/checkpoint.js';
import { readMetrics } from '../../lib/train/logger.js';
import { summarize, tCi95, verdictSentence, type HeldOutScore, type PairedSummary } from '../../lib/train/report.js';
import { taskScale } from '../../lib/train/compare/report.js';

const BIN = fileURLToPath(new URL('../../bin/golongrl.mjs', import.meta.url));
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function compare(out: string, baseRoot: string, extra: string[] = []) {
  return spawnSync(process.execPath, [BIN, 'compare', '--recipe', 'tiny', '--seeds', '1,2', '--tf-backend', 'cpu', '--out', out, '--base-root', baseRoot, '--json', ...(extra.includes('--backend') ? extra : ['--backend', 'inprocess', ...extra])], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
}

describe('golongrl compare (tiny recipe)', () => {
  const root = mkdtempSync(join(tmpdir(), 'golongrl-compare-'));
  const out = join(root, 'run');
  const baseRoot = join(root, 'base');
  const r = compare(out, baseRoot);
  const res = r.status === 0 ? JSON.parse(r.stdout) : null;
  const dir = join(out, 'report');

  it('runs and prints base per family, finals per estimator and seed, paired differences with CIs, seconds', () => {
    expect(r.status, r.stderr).toBe(0);
    expect(res.recipe).toBe('tiny');
    expect(res.seeds).toEqual([1, 2]);
    expect(res.estimators).toEqual(['GRPO', 'TMN-Reweight']);
    expect(res.base.created).toBe(true);
    for (const mode of ['greedy', 'sample']) for (const f of [...res.families, 'all']) expect(typeof res.base.held_out[mode][f]).toBe('number');
    for (const e of res.estimators) for (const seed of [1, 2]) for (const f of [...res.families, 'all']) expect(typeof res.final[e].sample[seed][f]).toBe('number');
    const p = res.paired_difference.find((x: PairedSummary) => x.mode === 'sample' && x.family === 'all');
    expect(p.contrast).toBe('TMN-Reweight − GRPO');
    expect(p.n).toBe(2);
    expect(p.lo).toBeLessThanOrEqual(p.mean);
    expect(p.hi).toBeGreaterThanOrEqual(p.mean);
    // The paired difference is the mean of the per-seed differences of the finals printed.
    const d = [1, 2].map((s) => res.final['TMN-Reweight'].sample[s].all - res.final.GRPO.sample[s].all);
    expect(p.mean).toBeCloseTo((d[0] + d[1]) / 2, 10);
    expect(res.verdict).toMatch(/TMN-Reweight − GRPO = [+-]\d\.\d{3} \[/);
    expect(res.seconds).toBeGreaterThan(0);
    expect(res.cpu_seconds).toBeGreaterThan(0);
    // format gate: per estimator, base and final, both modes; the rates agree with the per-prompt rows
    expect(res.format_gate).toHaveLength(2 * 2 * 2);
    const held = [1, 2].flatMap((s) => (JSON.parse(readFileSync(join(out, 'runs', `grpo-s${s}`, 'result.json'), 'utf8')).heldOut as HeldOutScore[]));
    const fin = held.filter((h) => h.policy === 'final' && h.mode === 'sample');
    expect(fin.every((h) => h.format === 0 || h.format === 1)).toBe(true);
    expect(fin.filter((h) => h.format === 0).every((h) => h.score === 0)).toBe(true); // the gate scores 0
    const fg = res.format_gate.find((f: { estimator: string; policy: string; mode: string }) => f.estimator === 'GRPO' && f.policy === 'final' && f.mode === 'sample');
    expect(fg.pass.mean).toBeCloseTo(fin.filter((h) => h.format === 1).length / fin.length, 10); // equal prompts per seed
  });

  it('rejects a bad --base-format-noise with exit 2 and one line', () => {
    for (const bad of ['1', '-0.1', 'x', '']) {
      const b = spawnSync(process.execPath, [BIN, 'compare', '--recipe', 'tiny', `--base-format-noise=${bad}`, '--json'], { encoding: 'utf8' });
      expect(b.status, bad).toBe(2);
      expect(b.stderr).toMatch(/--base-format-noise must be a number in \[0, 1\)/);
      expect(b.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('is paired: both estimators of a seed start from the same base and sample the same first step', () => {
    for (const seed of [1, 2]) {
      const a = readMetrics(join(out, 'runs', `grpo-s${seed}`, 'metrics.jsonl'));
      const b = readMetrics(join(out, 'runs', `tmn-reweight-s${seed}`, 'metrics.jsonl'));
      expect(a[0].step).toBe(1);
      // Same weights + same prompt and sample streams → identical rollouts at step 1 (the estimators differ only in the update).
      for (const k of Object.keys(a[0].data).filter((x) => x.startsWith('train/gen_score'))) expect(b[0].data[k], k).toBe(a[0].data[k]);
      expect(a[0].data['train/gen_score_mean']).toBeTypeOf('number');
    }
    const held = JSON.parse(readFileSync(join(out, 'runs', 'grpo-s1', 'result.json'), 'utf8')).heldOut as HeldOutScore[];
    const held2 = JSON.parse(readFileSync(join(out, 'runs', 'tmn-reweight-s1', 'result.json'), 'utf8')).heldOut as HeldOutScore[];
    const baseOf = (h: HeldOutScore[]) => h.filter((x) => x.policy === 'base').map((x) => [x.mode, x.prompt, x.score]);
    expect(baseOf(held2)).toEqual(baseOf(held));
    expect(held.filter((x) => x.policy === 'final').map((x) => x.prompt)).toEqual(held2.filter((x) => x.policy === 'final').map((x) => x.prompt));
  });

  it('index.html links every PNG and CSV, states the verdict, the base and the disclaimer', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const files = readdirSync(dir).filter((f) => f.endsWith('.png') || f.endsWith('.csv'));
    expect(files.filter((f) => f.endsWith('.png')).sort()).toEqual(['advantages_per_task.png', 'heldout_scores.png', 'paired_difference.png', 'training_curves.png']);
    for (const f of files) expect(html, f).toMatch(new RegExp(`(src|href)="${f.replace('.', '\\.')}"`));
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(existsSync(join(dir, m[1])), m[1]).toBe(true);
    expect(html).toContain('small synthetic suite and a tiny model');
    expect(html).toContain('Nothing was tuned to make one estimator win');
    expect(html).toContain(res.verdict.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;'));
    expect(html).toContain(res.base.hash);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.png'))) {
      const buf = readFileSync(join(dir, f));
      expect(statSync(join(dir, f)).size, f).toBeGreaterThan(1000);
      expect([...buf.subarray(0, 8)], f).toEqual(PNG_SIGNATURE);
    }
    const paired = readFileSync(join(dir, 'paired_difference.csv'), 'utf8').split('\n');
    expect(paired[0]).toBe('contrast,mode,family,seeds,mean,ci95_low,ci95_high');
    expect(paired.filter((l) => l.startsWith('TMN-Reweight − GRPO,sample,')).length).toBe(res.families.length + 1);
    const curves = readFileSync(join(dir, 'training_curves.csv'), 'utf8');
    for (const f of res.families) expect(curves).toContain(`,${f},`);
  });

  it('an interrupted compare resumes: finished runs reused, a cut run resumed from its checkpoint (or started over when cut before its first), metric lines once, same numbers', () => {
    // Cut TMN-Reweight seed 2 back to step 2: no result, latest checkpoint 2, metric lines of step 3 left behind.
    const run = join(out, 'runs', 'tmn-reweight-s2');
    rmSync(join(run, 'result.json'));
    for (const s of listCheckpoints(run)) if (s > 2) rmSync(join(run, `global_step_${s}`), { recursive: true });
    writeFileSync(join(run, LATEST_FILE), '2');
    // Cut GRPO seed 1 before its first checkpoint: one metric line, no checkpoint at all.
    const run1 = join(out, 'runs', 'grpo-s1');
    rmSync(join(run1, 'result.json'));
    for (const s of listCheckpoints(run1)) rmSync(join(run1, `global_step_${s}`), { recursive: true });
    rmSync(join(run1, LATEST_FILE));
    writeFileSync(join(run1, 'metrics.jsonl'), readFileSync(join(run1, 'metrics.jsonl'), 'utf8').split('\n')[0] + '\n');
    const again = compare(out, baseRoot);
    expect(again.status, again.stderr).toBe(0);
    const res2 = JSON.parse(again.stdout);
    expect(res2.runs_reused).toBe(2);
    expect(res2.base.created).toBe(false);
    for (const seed of [1, 2])
      for (const e of ['grpo', 'tmn-reweight']) expect(readMetrics(join(out, 'runs', `${e}-s${seed}`, 'metrics.jsonl')).map((m) => m.step)).toEqual([1, 2, 3]);
    expect(res2.final).toEqual(res.final);
    expect(res2.paired_difference).toEqual(res.paired_difference);
  });

  it('the same compare with local jobs (--backend local --parallel 2) gives the same numbers', () => {
    const r3 = compare(join(root, 'local'), baseRoot, ['--backend', 'local', '--parallel', '2']);
    expect(r3.status, r3.stderr).toBe(0);
    const res3 = JSON.parse(r3.stdout);
    expect(res3.backend).toBe('local');
    expect(res3.final).toEqual(res.final);
    expect(readdirSync(join(root, 'local', 'jobs')).filter((d) => /^\d{8}-/.test(d)).length).toBe(4);
  });
}, 300_000);

describe('statistics and the verdict', () => {
  it('tCi95 uses Student t over seeds', () => {
    const c = tCi95([0.1, 0.2, 0.3, 0.4, 0.5]);
    // sd = 0.1581, se = 0.0707, t(0.975, 4) = 2.776
    expect(c.mean).toBeCloseTo(0.3, 12);
    expect(c.hi - c.mean).toBeCloseTo(2.776 * Math.sqrt(0.025 / 5), 6);
  });

  const paired = (m: number, lo: number, hi: number, f = 'all'): PairedSummary => ({ mode: 'sample', family: f, contrast: 'B − A', n: 5, mean: m, lo, hi });
  it('states the sign the numbers give', () => {
    expect(verdictSentence([paired(0.05, 0.01, 0.09), paired(0.1, 0.02, 0.2, 'x'), paired(0, -0.1, 0.1, 'y')], 'A', 'B', ['x', 'y'])).toMatch(
      /^B scores higher than A: B − A = \+0\.050 \[\+0\.010, \+0\.090\].*above 0 for 1 \(x\), below 0 for 0 \(none\) and includes 0 for the other 1\.$/,
    );
    expect(verdictSentence([paired(-0.05, -0.09, -0.01)], 'A', 'B', [])).toMatch(/^B scores lower than A/);
    expect(verdictSentence([paired(0.01, -0.02, 0.04)], 'A', 'B', [])).toMatch(/^No difference between B and A is detectable at this budget: .* includes 0/);
  });

  it('taskScale is TMN-GRPO\'s task-level scale: √(mean over groups of the Bessel variance), n = 1 → 1', () => {
    const r = (estimator: string, seed: number, uid: string, score: number) => ({ estimator, seed, uid, score });
    // groups [0, 1] (var 0.5) and [1, 1] (var 0): √0.25
    expect(taskScale([r('A', 1, 'u', 0), r('A', 1, 'u', 1), r('A', 1, 'v', 1), r('A', 1, 'v', 1)])).toBeCloseTo(0.5, 12);
    // the same uid in another run is another group; a single row counts as variance 1
    expect(taskScale([r('A', 1, 'u', 0), r('A', 1, 'u', 1), r('B', 1, 'u', 0.25)])).toBeCloseTo(Math.sqrt((0.5 + 1) / 2), 12);
  });

  it('summarize: per-seed means first, "all" = mean over families, gain paired with the base', () => {
    const rows: HeldOutScore[] = [];
    const add = (policy: 'base' | 'final', estimator: string, seed: number, family: string, scores: number[]) =>
      scores.forEach((score, i) => rows.push({ policy, estimator, seed, mode: 'sample', family, prompt: `${family}-${i}`, score, format: score > 0 ? 1 : 0 }));
    for (const seed of [1, 2, 3]) {
      for (const e of ['A', 'B']) add('base', e, seed, 'f', [0, 0.5]);
      add('base', 'A', seed, 'g', [0, 0]);
      add('base', 'B', seed, 'g', [0, 0]);
      add('final', 'A', seed, 'f', [0.5, 0.5]);
      add('final', 'A', seed, 'g', [0, 0.2]);
      add('final', 'B', seed, 'f', [1, 0.5 + 0.1 * seed]);
      add('final', 'B', seed, 'g', [0, 0.2]);
    }
    const s = summarize({ heldOut: rows, estimators: ['A', 'B'], families: ['f', 'g'], seeds: [1, 2, 3] });
    expect(s.base.sample.f).toBeCloseTo(0.25, 12);
    expect(s.base.sample.all).toBeCloseTo(0.125, 12);
    const fa = s.finals.find((x) => x.estimator === 'A' && x.mode === 'sample' && x.family === 'all')!;
    expect(fa.mean).toBeCloseTo((0.5 + 0.1) / 2, 12);
    const gA = s.gains.find((g) => g.estimator === 'A' && g.mode === 'sample')!;
    expect(gA.mean).toBeCloseTo(0.3 - 0.125, 12);
    expect(gA.learns).toBe(true);
    const pf = s.paired.find((p) => p.mode === 'sample' && p.family === 'f')!;
    // B − A on f per seed: (1 + 0.5 + 0.1 s)/2 − 0.5 = 0.25 + 0.05 s → 0.3, 0.35, 0.4
    expect(pf.mean).toBeCloseTo(0.35, 12);
    expect(pf.lo).toBeGreaterThan(0);
    // format gate (here: a response passes iff it scored > 0): base 1 of 4 rows per seed pass, scoring 0.5
    const fb = s.formats.find((f) => f.estimator === 'B' && f.policy === 'base' && f.mode === 'sample')!;
    expect(fb.pass.mean).toBeCloseTo(0.25, 12);
    expect(fb.contentScore).toBeCloseTo(0.5, 12);
    // final A: 3 of 4 pass (0.5, 0.5, 0.2) → content 0.4; final B: 4 of 4 pass per seed except none (all > 0)
    const fa2 = s.formats.find((f) => f.estimator === 'A' && f.policy === 'final' && f.mode === 'sample')!;
    expect(fa2.pass.mean).toBeCloseTo(0.75, 12);
    expect(fa2.pass.n).toBe(3);
    expect(fa2.contentScore).toBeCloseTo(0.4, 12);
    expect(s.formats.filter((f) => f.mode === 'greedy')).toEqual([]); // no greedy rows here
  });
});
