/**
 * verl rollout dumps: the writer produces verl's exact line format (Python json.dumps), the reader
 * round-trips it, joins reward modes from the dataset by prompt text, and the joined rows replay to
 * the same advantages as the synthetic rollouts they were made from (grouped by uid there, by input
 * here).
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayAdvantages } from '../../lib/advantage/index.js';
import {
  buildPromptIndex,
  DUMP_FIXTURE_OPTIONS,
  formatDumpLine,
  listDumpDir,
  promptJoinKey,
  pyJsonDumps,
  readRolloutDump,
  syntheticDump,
  toReplayRows,
  writeRolloutDump,
} from '../../lib/data/rollout_dump.js';
import { syntheticRollouts } from '../../lib/data/synthetic_rollouts.js';
import { InputError } from '../../lib/util/jsonl.js';

const tmp = mkdtempSync(join(tmpdir(), 'golongrl-dump-'));

describe('dump format', () => {
  it('writes lines as verl does: json.dumps(ensure_ascii=False) key order and separators, scores as Python floats', () => {
    expect(formatDumpLine({ step: 3, input: 'user\n问题\nassistant\n', output: 'a "b"\n</think>x', gts: { doc_ids: ['a', 'b'], golden_label: '', n: 2 }, score: 1, extra: { acc: 0.5 } })).toBe(
      '{"input": "user\\n问题\\nassistant\\n", "output": "a \\"b\\"\\n</think>x", "gts": {"doc_ids": ["a", "b"], "golden_label": "", "n": 2}, "score": 1.0, "step": 3, "acc": 0.5}',
    );
    expect(pyJsonDumps({ score: 1e-5, acc: 0, x: [], y: {}, z: null, t: true }, new Set(['score', 'acc']))).toBe('{"score": 1e-05, "acc": 0.0, "x": [], "y": {}, "z": null, "t": true}');
  });

  it('round-trips: write a dump, read it back, same rows (step from the lines and the file names)', async () => {
    const { entries } = syntheticDump({ seed: 3, steps: 2, promptsPerTask: 1, n: 4 });
    const dir = join(tmp, 'roundtrip');
    const files = writeRolloutDump(dir, entries);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['1.jsonl', '2.jsonl']);
    const res = await readRolloutDump(dir);
    expect(res.rows.map((r) => ({ step: r.step, input: r.input, output: r.output, gts: r.gts, score: r.score, extra: r.extra }))).toEqual(entries);
    expect(res.rows[0]).toMatchObject({ file: files[0], line: 1 });
    expect(res.rows.every((r) => r.reward_mode === undefined)).toBe(true);
  });

  it('reads a single <step>.jsonl, takes a missing step from the file name, and names file, line and field on errors', async () => {
    const dir = join(tmp, 'errors');
    mkdirSync(dir, { recursive: true });
    const f = join(dir, '12.jsonl');
    writeFileSync(f, '{"input": "p", "output": "o", "gts": null, "score": 0.5}\n{"input": "p", "output": "o", "gts": null, "score": "high", "step": 12}\n');
    await expect(readRolloutDump(f)).rejects.toThrow(`${f}:2: field 'score': expected a finite number, got string`);
    writeFileSync(f, '{"input": "p", "output": "o", "gts": null, "score": 0.5}\n{"input": "p", "output": "o", "gts": null, "score": 1.0, "step": 13}\n');
    await expect(readRolloutDump(f)).rejects.toThrow(`${f}:2: field 'step': is 13 but the file is 12.jsonl`);
    const q = join(tmp, 'dump-quarantine.jsonl');
    const res = await readRolloutDump(dir, { skipBad: q });
    expect(res.rows).toHaveLength(1);
    expect(res.rows[0].step).toBe(12);
    expect(res.bad).toBe(1);
  });

  it('never skips a .jsonl silently: notes.jsonl / step5.jsonl are refused with the file named (issue 15 §6)', async () => {
    for (const name of ['notes.jsonl', 'step5.jsonl']) {
      const dir = join(tmp, `stray-${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, '1.jsonl'), '{"input": "p", "output": "o", "score": 1.0, "step": 1}\n');
      writeFileSync(join(dir, name), '{"input": "p", "output": "o", "score": 1.0, "step": 5}\n');
      await expect(readRolloutDump(dir)).rejects.toThrow(`${join(dir, name)}: file name: not a verl step file`);
      expect(() => listDumpDir(dir)).toThrow(InputError);
    }
  });

  it('refuses one step given twice (01.jsonl and 1.jsonl) instead of doubling it', async () => {
    const dir = join(tmp, 'double');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '01.jsonl'), '{"input": "p", "output": "o", "score": 1.0, "step": 1}\n');
    writeFileSync(join(dir, '1.jsonl'), '{"input": "p", "output": "o", "score": 0.0, "step": 1}\n');
    await expect(readRolloutDump(dir)).rejects.toThrow("step 1 is given twice, as '01.jsonl' and '1.jsonl'");
  });

  it('lists other entries (a README, a subdirectory) as skipped with a reason, and sorts steps numerically', async () => {
    const dir = join(tmp, 'listing');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    for (const s of [10, 2, 1]) writeFileSync(join(dir, `${s}.jsonl`), `{"input": "p", "output": "o", "score": 1.0, "step": ${s}}\n`);
    writeFileSync(join(dir, 'README.md'), 'notes');
    const l = listDumpDir(dir);
    expect(l.files.map((f) => f.step)).toEqual([1, 2, 10]);
    expect(l.skipped).toEqual([
      { file: join(dir, 'README.md'), reason: 'not a <step>.jsonl file' },
      { file: join(dir, 'sub'), reason: 'a directory, not a <step>.jsonl file' },
    ]);
    const res = await readRolloutDump(dir);
    expect(res.skipped).toHaveLength(2);
    expect(res.rows.map((r) => r.step)).toEqual([1, 2, 10]);
  });
});

describe('join and replay', () => {
  it('the join key ignores NFC differences and a thinking template generation prefix', () => {
    expect(promptJoinKey('user\nCafe\u0301\nassistant\n')).toBe(promptJoinKey('user\nCafé\nassistant\n'));
    expect(promptJoinKey('user\nq\nassistant\n<think>\n')).toBe(promptJoinKey('user\nq\nassistant\n'));
    expect(promptJoinKey('user\nq\nassistant\n<think>\n\n</think>\n\n')).toBe(promptJoinKey('user\nq\nassistant\n'));
    expect(promptJoinKey('user\nq2\nassistant\n')).not.toBe(promptJoinKey('user\nq\nassistant\n'));
  });

  it('the shipped fixture joins with its prompts file and replays to the same advantages as the synthetic rollouts', async () => {
    const index = await buildPromptIndex('data/sample/rollout_dump_prompts.jsonl');
    const res = await readRolloutDump('data/sample/rollout_dump', { join: index });
    const rollouts = syntheticRollouts(DUMP_FIXTURE_OPTIONS);
    expect(res.rows).toHaveLength(rollouts.length);
    expect(res.files).toHaveLength(3);
    expect([res.joined, res.unmatched, res.bad]).toEqual([rollouts.length, 0, 0]);
    res.rows.forEach((r, i) => {
      expect(r.score).toBe(rollouts[i].score);
      expect(r.extra.acc).toBe(rollouts[i].score);
      expect(r.capability).toBe(rollouts[i].capability);
      expect(r.data_source).toBe(rollouts[i].data_source);
    });
    const replayRows = toReplayRows(res.rows);
    for (const [est, opts] of [
      ['grpo', {}],
      ['tmn_grpo', { difficultyReweight: true, difficultySmoothAlpha: 0.8 }],
      ['qwenlong_grpo', {}],
    ] as const) {
      const fromDump = replayAdvantages(replayRows, est, opts);
      const fromUids = replayAdvantages(rollouts, est, opts);
      expect(Array.from(fromDump.advantages)).toEqual(Array.from(fromUids.advantages));
      expect(fromDump.steps.map((s) => s.metrics)).toEqual(fromUids.steps.map((s) => s.metrics));
    }
  });

  it('a reward_mode field on the dump line wins over the join; unmatched prompts are counted', async () => {
    const dir = join(tmp, 'mixed');
    mkdirSync(dir, { recursive: true });
    const lines = readFileSync('data/sample/rollout_dump/1.jsonl', 'utf8').trim().split('\n');
    const first = JSON.parse(lines[0]);
    writeFileSync(
      join(dir, '1.jsonl'),
      [JSON.stringify({ ...first, reward_mode: 'mine' }), lines[1], JSON.stringify({ ...first, input: 'user\nunknown prompt\nassistant\n' })].join('\n') + '\n',
    );
    const index = await buildPromptIndex('data/sample/rollout_dump_prompts.jsonl');
    const res = await readRolloutDump(dir, { join: index });
    expect(res.rows.map((r) => r.reward_mode)).toEqual(['mine', 'EM', undefined]);
    expect([res.joined, res.unmatched]).toEqual([1, 1]);
  });
});
