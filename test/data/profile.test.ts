/**
 * The data profile's breakdowns (arquero group-bys and rollups) against a direct computation over the
 * same rows: counts per capability / reward type / reward mode / data source / ability, and the
 * min / p50 / p90 / max / mean of prompt lengths (numpy's linear-interpolation percentiles).
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../lib/data/dataset.js';
import { lengthStats, profileDataset } from '../../lib/data/profile.js';
import { renderedLength } from '../../lib/data/tokens.js';

const SAMPLE = 'data/sample/golongrl_SAMPLE_synthetic.jsonl';

describe('data profile (arquero rollups)', () => {
  it('every breakdown equals the direct computation over the rows (chars mode)', async () => {
    const { profile, lengths } = await profileDataset(SAMPLE, { tokens: 'chars', collectLengths: true });
    const { rows } = await loadDataset(SAMPLE);
    const recs = rows.map((r) => ({ ...r.value, chars: renderedLength(r.value.prompt) }));
    expect(profile.rows).toBe(27);
    expect(profile.length.chars).toEqual(lengthStats(recs.map((r) => r.chars)));
    expect(profile.length.tokens).toBeNull();
    const caps = [...new Set(recs.map((r) => r.capability))];
    expect(Object.keys(profile.by_capability).sort()).toEqual(caps.sort());
    for (const cap of caps) {
      const mine = recs.filter((r) => r.capability === cap);
      const p = profile.by_capability[cap]!;
      expect(p.rows).toBe(mine.length);
      expect(p.chars.min).toBe(Math.min(...mine.map((r) => r.chars)));
      expect(p.chars.max).toBe(Math.max(...mine.map((r) => r.chars)));
      const want = lengthStats(mine.map((r) => r.chars));
      expect(p.chars.p50).toBeCloseTo(want.p50, 9);
      expect(p.chars.p90).toBeCloseTo(want.p90, 9);
      expect(p.chars.mean).toBeCloseTo(want.mean, 9);
      const rt: Record<string, number> = {};
      for (const r of mine) rt[r.reward_type] = (rt[r.reward_type] ?? 0) + 1;
      expect(p.reward_types).toEqual(rt);
    }
    for (const [mode, m] of Object.entries(profile.by_reward_mode)) {
      const mine = recs.filter((r) => (r.sub_task ?? '') === mode);
      expect(m.rows).toBe(mine.length);
      expect(m.trainer_reward_mode).toBe(mine[0].reward_mode);
      expect(m.capability).toBe(mine[0].capability);
    }
    const ds: Record<string, number> = {};
    for (const r of recs) ds[r.data_source] = (ds[r.data_source] ?? 0) + 1;
    expect(profile.by_data_source).toEqual(ds);
    expect(Object.keys(profile.by_data_source)).toEqual(Object.keys(ds).sort());
    expect(Object.values(profile.by_reward_type).reduce((a, g) => a + g.rows, 0)).toBe(27);
    expect(lengths.map((l) => l.chars)).toEqual(recs.map((r) => r.chars));
  });
});
