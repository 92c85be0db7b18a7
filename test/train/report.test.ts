/**
 * The main job's report (`golongrl compare`, lib/train/report.ts) end to end on the `tiny` recipe:
 * every file it writes is linked from index.html, PNGs decode, CSVs have the right headers and rows.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { meanCi95, REPLAY_PROMPTS_PER_FAMILY, toCsv } from '../../lib/train/report.js';
import { getRecipe } from '../../lib/train/trainer.js';

const BIN = fileURLToPath(new URL('../../bin/golongrl.mjs', import.meta.url));
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Minimal CSV reader for what toCsv writes (quoted cells may hold commas). */
function parseCsv(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => {
      const cells: string[] = [];
      let cur = '';
      let q = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (q) {
          if (ch === '"' && line[i + 1] === '"') {
            cur += '"';
            i++;
          } else if (ch === '"') q = false;
          else cur += ch;
        } else if (ch === '"') q = true;
        else if (ch === ',') {
          cells.push(cur);
          cur = '';
        } else cur += ch;
      }
      cells.push(cur);
      return cells;
    });
}

describe('golongrl compare (tiny recipe)', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'golongrl-compare-')), 'run');
  const seeds = [1, 2];
  const steps = 2;
  const estimators = 2;
  const r = spawnSync(process.execPath, [BIN, 'compare', '--recipe', 'tiny', '--seeds', seeds.join(','), '--steps', String(steps), '--backend', 'cpu', '--out', out, '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const dir = join(out, 'report');

  it('runs and reports the backend, recipe and files', () => {
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.backend).toBe('cpu');
    expect(res.recipe).toBe('tiny');
    expect(res.seeds).toEqual(seeds);
    expect(res.summary.map((x: { estimator: string }) => x.estimator)).toEqual(['GRPO', 'TMN-Reweight']);
  });

  it('index.html links every PNG and CSV, and states the disclaimer and backend', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const files = readdirSync(dir).filter((f) => f.endsWith('.png') || f.endsWith('.csv'));
    expect(files.filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(2);
    expect(files.filter((f) => f.endsWith('.csv')).length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect(html, f).toMatch(new RegExp(`(src|href)="${f.replace('.', '\\.')}"`));
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(existsSync(join(dir, m[1])), m[1]).toBe(true);
    expect(html).toContain('small synthetic suite and a tiny model');
    expect(html).toContain('Nothing was tuned to make one estimator win');
    expect(html).toMatch(/Backend: <strong>cpu<\/strong>/);
  });

  it('writes PNGs that carry the PNG signature', () => {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.png'))) {
      const buf = readFileSync(join(dir, f));
      expect(statSync(join(dir, f)).size, f).toBeGreaterThan(1000);
      expect([...buf.subarray(0, 8)], f).toEqual(PNG_SIGNATURE);
    }
  });

  it('writes CSVs with the right headers and one row per step × run / prompt × run × mode', () => {
    const tiny = getRecipe('tiny');
    const runs = seeds.length * estimators;
    const metrics = parseCsv(readFileSync(join(dir, 'metrics.csv'), 'utf8'));
    expect(metrics[0].slice(0, 3)).toEqual(['estimator', 'seed', 'step']);
    expect(metrics[0]).toContain('train/gen_score_mean');
    expect(metrics.length - 1).toBe(steps * runs);
    for (const row of metrics.slice(1)) expect(row).toHaveLength(metrics[0].length);

    const held = parseCsv(readFileSync(join(dir, 'heldout_scores.csv'), 'utf8'));
    expect(held[0]).toEqual(['estimator', 'seed', 'mode', 'family', 'prompt', 'score']);
    expect(held.length - 1).toBe(runs * tiny.families.length * tiny.evalPromptsPerFamily * 2);
    for (const row of held.slice(1)) {
      const s = Number(row[5]);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }

    const summary = parseCsv(readFileSync(join(dir, 'heldout_summary.csv'), 'utf8'));
    expect(summary[0]).toEqual(['estimator', 'mode', 'family', 'n', 'mean', 'se', 'ci95_low', 'ci95_high']);
    expect(summary.length - 1).toBe(2 * estimators * (tiny.families.length + 1));
    const perFamily = summary.find((x) => x[2] === tiny.families[0])!;
    expect(Number(perFamily[3])).toBe(seeds.length * tiny.evalPromptsPerFamily);

    const adv = parseCsv(readFileSync(join(dir, 'advantages.csv'), 'utf8'));
    expect(adv[0]).toEqual(['estimator', 'seed', 'task', 'reward_mode', 'uid', 'score', 'advantage']);
    expect(adv.length - 1).toBe(runs * tiny.families.length * REPLAY_PROMPTS_PER_FAMILY * tiny.n);
  });
});

describe('report helpers', () => {
  it('meanCi95 is mean ± 1.96 · (sample std / √n)', () => {
    const s = meanCi95([0, 1, 0, 1]);
    expect(s.mean).toBe(0.5);
    expect(s.se).toBeCloseTo(Math.sqrt(1 / 3 / 4), 12);
    expect(s.lo).toBeCloseTo(0.5 - 1.96 * s.se, 12);
    expect(s.hi).toBeCloseTo(0.5 + 1.96 * s.se, 12);
    expect(meanCi95([0.3]).se).toBe(0);
  });
  it('toCsv quotes cells with commas and leaves non-finite numbers empty', () => {
    expect(toCsv(['a', 'b'], [['x,y', NaN], ['q"', 2]])).toBe('a,b\n"x,y",\n"q""",2\n');
  });
});
