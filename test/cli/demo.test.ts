/**
 * `golongrl demo`: synthetic rollouts scored by the real rewards, five
 * estimator settings — and its files replay through `golongrl advantages` to the same numbers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CAPABILITIES } from '../../lib/data/capabilities.js';
import { computeScore } from '../../lib/rewards/index.js';

const BIN = fileURLToPath(new URL('../../bin/golongrl.mjs', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
const lines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l));

describe('golongrl demo', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'golongrl-demo-')), 'demo');
  const r = run(['demo', '--seed', '3', '--prompts', '2', '--n', '4', '--out', out, '--json']);
  it('covers the nine capability types with real reward scores', () => {
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.rewards.map((x: { capability: string }) => x.capability).sort()).toEqual([...CAPABILITIES].sort());
    const rollouts = lines(readFileSync(join(out, 'rollouts.jsonl'), 'utf8'));
    expect(rollouts).toHaveLength(9 * 2 * 4);
    for (const x of rollouts) expect(x.score).toBe(computeScore(x)); // the stored score is the reward's
    expect(Object.keys(res.mean_abs_advantage)).toEqual(['GRPO', 'Dr. GRPO', 'TMN', 'TMN-Reweight', 'QwenLong task']);
  });
  it('its rollouts replay through `golongrl advantages` to the advantages it wrote', () => {
    const want = lines(readFileSync(join(out, 'advantages.jsonl'), 'utf8')).map((x) => x['TMN-Reweight']);
    const rep = run(['advantages', '--estimator', 'tmn_grpo', '--difficulty-reweight', '--difficulty-alpha', '0.8', join(out, 'rollouts.jsonl')]);
    expect(rep.status, rep.stderr).toBe(0);
    expect(lines(rep.stdout).map((x) => x.advantage)).toEqual(want);
  });
});

describe('golongrl demo usage errors', () => {
  it('a non-integer, zero or oversized --seed/--prompts/--n: one line, exit 2 (it ran with NaN before)', () => {
    for (const [args, msg] of [
      [['--n', 'abc'], "--n needs an integer >= 1, got 'abc'"],
      [['--prompts', '0'], "--prompts needs an integer >= 1, got '0'"],
      [['--seed', '1.5'], "--seed needs an integer >= 0, got '1.5'"],
      [['--prompts', '1000', '--n', '1000'], '--prompts × --n must be at most 100000'],
    ] as const) {
      const r = run(['demo', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toContain(`golongrl demo: ${msg}`);
    }
  });
});

describe('data/examples', () => {
  it('is exactly what its documented command regenerates', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'golongrl-examples-')), 'examples');
    const r = run(['demo', '--seed', '1', '--prompts', '2', '--n', '4', '--out', dir]);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['rollouts.jsonl', 'advantages.jsonl']) {
      expect(readFileSync(join(dir, f), 'utf8')).toBe(readFileSync(fileURLToPath(new URL(`../../data/examples/${f}`, import.meta.url)), 'utf8'));
    }
  });
});
