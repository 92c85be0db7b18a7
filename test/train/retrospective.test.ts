/**
 * QwenLong-L1 difficulty-aware retrospective sampling (retrospective.ts): the buffer's admission,
 * update, eviction and difficulty-weighted draws; in training, replayed items of earlier phases in the
 * sampler log (JSONL under the run directory) and in the metrics; exact resume with the buffer.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/train/backend.js';
import { parseCurriculum } from '../../lib/train/curriculum.js';
import { contextLenOf, groupDifficulty, readSamplerLog, RetrospectiveBuffer } from '../../lib/train/retrospective.js';
import { getRecipe, train, type TrainConfig } from '../../lib/train/trainer.js';
import { makeBatch } from '../../lib/train/tasks.js';
import { Rng } from '../../lib/util/random.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const prompts = makeBatch(new Rng(5), { contextLen: 8, families: ['precise_retrieval'], promptsPerFamily: 6 });

describe('RetrospectiveBuffer', () => {
  it('difficulty = 1 − group mean reward', () => {
    expect(groupDifficulty([0, 0, 0, 0])).toBe(1);
    expect(groupDifficulty([1, 0, 0.5, 0.5])).toBe(0.5);
    expect(groupDifficulty([1, 1])).toBe(0);
  });

  it('admits groups at or above minDifficulty, updates and drops re-measured items, evicts the least difficult beyond capacity', () => {
    const b = new RetrospectiveBuffer({ capacity: 2, minDifficulty: 0.5, replayFraction: 0.5 });
    expect(b.observe(prompts[0], [1, 1], 1, 1, 0)).toEqual([]); // easy: not admitted
    expect(b.observe(prompts[1], [0, 0], 1, 1, 0).map((e) => e.event)).toEqual(['add']);
    expect(b.observe(prompts[2], [0, 1], 1, 1, 0).map((e) => e.event)).toEqual(['add']);
    // A third item: the least difficult (prompts[2], d 0.5) is evicted.
    const ev = b.observe(prompts[3], [0, 0.2], 1, 2, 0);
    expect(ev.map((e) => [e.event, e.uid])).toEqual([['add', prompts[3].uid], ['evict', prompts[2].uid]]);
    expect(b.list().map((x) => x.prompt.uid).sort()).toEqual([prompts[1].uid, prompts[3].uid].sort());
    // Re-measured as solved: dropped.
    expect(b.observe(prompts[1], [1, 1], 2, 3, 0).map((e) => e.event)).toEqual(['drop']);
    expect(b.size).toBe(1);
  });

  it('samples only items of earlier phases, without replacement, with probability ∝ difficulty', () => {
    const b = new RetrospectiveBuffer({ capacity: 10, minDifficulty: 0, replayFraction: 0.5 });
    b.observe(prompts[0], [0.75, 0.75], 1, 1, 0); // d 0.25
    b.observe(prompts[1], [0, 0], 1, 1, 0); // d 1
    b.observe(prompts[2], [0, 0], 2, 5, 0); // phase 2: not replayable in phase 2
    expect(b.sample(3, 1, new Rng(1))).toEqual([]);
    const two = b.sample(5, 2, new Rng(1));
    expect(two.map((x) => x.prompt.uid).sort()).toEqual([prompts[0].uid, prompts[1].uid].sort());
    const counts = new Map<string, number>();
    const rng = new Rng(9);
    for (let i = 0; i < 4000; i++) {
      const [x] = b.sample(1, 2, rng);
      counts.set(x.prompt.uid, (counts.get(x.prompt.uid) ?? 0) + 1);
    }
    // 1 : 0.25 → 80% / 20%.
    expect((counts.get(prompts[1].uid) ?? 0) / 4000).toBeGreaterThan(0.77);
    expect((counts.get(prompts[1].uid) ?? 0) / 4000).toBeLessThan(0.83);
  });

  it('round-trips through JSON (the checkpoint) and rejects a missing state', () => {
    const cfg = { capacity: 4, minDifficulty: 0.5, replayFraction: 0.5 };
    const b = new RetrospectiveBuffer(cfg);
    b.observe(prompts[1], [0, 0], 1, 1, 0);
    const c = RetrospectiveBuffer.fromJSON(cfg, JSON.parse(JSON.stringify(b.toJSON())));
    expect(c.list()).toEqual(b.list());
    expect(() => RetrospectiveBuffer.fromJSON(cfg, undefined)).toThrow(/retrospective/);
    expect(() => new RetrospectiveBuffer({ ...cfg, replayFraction: 2 })).toThrow(/replayFraction/);
  });
});

describe('retrospective sampling in training', () => {
  const config = (out: string, steps: number): TrainConfig => ({
    ...getRecipe('tiny'),
    families: ['precise_retrieval', 'summarization'],
    steps,
    saveFreq: 2,
    keepLast: 0,
    outDir: out,
    resume: 'auto',
    curriculum: parseCurriculum('8:2,16'),
    retrospective: { capacity: 16, minDifficulty: 0.5, replayFraction: 0.5 },
  });

  it('phase 2 replays hard phase-1 items (sampler log + metrics); phase 1 replays nothing; resume reproduces run and log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'golongrl-retro-'));
    const r = train(config(dir, 4));
    r.policy.dispose();
    const log = readSamplerLog(join(dir, 'retrospective.jsonl'));
    const adds = log.filter((e) => e.event === 'add');
    const replays = log.filter((e) => e.event === 'replay');
    expect(adds.length).toBeGreaterThan(0);
    expect(adds.every((e) => e.difficulty >= 0.5)).toBe(true);
    expect(replays.length).toBeGreaterThan(0);
    // Only in phase 2 (steps 3–4), only items admitted in phase 1, with their original 8-token documents.
    expect(replays.every((e) => e.step >= 3 && e.phase === 1 && e.context_len === 8 && e.difficulty >= 0.5)).toBe(true);
    for (const h of r.history) {
      if (h.step <= 2) expect(h.metrics['retrospective/replayed']).toBe(0);
      else expect(h.metrics['retrospective/replayed']).toBeGreaterThan(0);
      expect(h.metrics['retrospective/buffer_size']).toBeLessThanOrEqual(16);
    }
    expect(r.history[3].metrics['retrospective/replayed_difficulty_mean']).toBeGreaterThanOrEqual(0.5);

    // Resume: 2 steps, then continue to 4 from the step-2 checkpoint (the buffer comes from extra_state.json).
    const dir2 = mkdtempSync(join(tmpdir(), 'golongrl-retro-'));
    train(config(dir2, 2)).policy.dispose();
    const extra = JSON.parse(readFileSync(join(dir2, 'global_step_2', 'actor', 'extra_state.json'), 'utf8')) as { retrospective: { items: unknown[] } };
    expect(extra.retrospective.items.length).toBeGreaterThan(0);
    const r2 = train(config(dir2, 4));
    expect(r2.startStep).toBe(2);
    expect(readFileSync(join(dir2, 'retrospective.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'retrospective.jsonl'), 'utf8'));
    expect(readFileSync(join(dir2, 'global_step_4', 'actor', 'model.bin')).equals(readFileSync(join(dir, 'global_step_4', 'actor', 'model.bin')))).toBe(true);
    r2.policy.dispose();
    expect(contextLenOf(prompts[0])).toBe(8);
  });
});
