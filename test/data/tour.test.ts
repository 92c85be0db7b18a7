/** The capability-example table of notebook 01, on the shipped SAMPLE. */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../lib/data/dataset.js';
import { capabilityExamples, corruptDigits } from '../../lib/notebook/tour.js';
import { CAPABILITIES } from '../../lib/data/capabilities.js';

describe('capabilityExamples', () => {
  it('one row per capability; gold answers score (nearly) 1, corrupted ones less', async () => {
    const { rows } = await loadDataset('data/sample/golongrl_SAMPLE_synthetic.jsonl');
    const ex = capabilityExamples(rows.map((r) => r.value));
    expect(ex.map((e) => e.capability).sort()).toEqual([...CAPABILITIES].sort());
    for (const e of ex) {
      expect(e.score_gold, e.capability).toBeGreaterThan(0.9);
      expect(e.score_corrupted, e.capability).toBeLessThanOrEqual(e.score_gold);
    }
    expect(ex.filter((e) => e.score_corrupted < e.score_gold).length).toBeGreaterThanOrEqual(6);
  });
  it('corrupts digits only', () => {
    expect(corruptDigits('chi 19, 2x')).toBe('chi 42, 5x');
  });
});
