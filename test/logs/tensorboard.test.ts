/**
 * TensorBoard event files. The fixtures under test/fixtures/logs/tensorboard* were written by
 * TensorBoard's own Python writer with Google's protobuf library (see test/fixtures/logs/README.md);
 * their expected values come from the same generator (expected.json, float32-rounded by NumPy) and
 * one value is recomputed here by hand from the generator's formula.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventFileWriter, listEventFiles, readEventFile, EventFileError } from '../../lib/logs/tensorboard.js';
import { loadRun } from '../../lib/logs/runs.js';
import { TfRecordError, encodeTfRecord } from '../../lib/logs/tfrecord.js';
import { ProtoWriter } from '../../lib/logs/protobuf.js';

const FIX = join(__dirname, '../fixtures/logs');
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8'));

describe('real-writer fixtures (TensorBoard EventFileWriter, simple_value)', () => {
  for (const name of ['grpo-s1', 'grpo-s2', 'tmn-reweight-s1', 'tmn-reweight-s2']) {
    it(`${name}: every scalar equals the float32 value the writer stored`, () => {
      const files = listEventFiles(join(FIX, 'tensorboard', name));
      expect(files).toHaveLength(1);
      const r = readEventFile(files[0]!);
      expect(r.fileVersion).toBe('brain.Event:2');
      expect(r.events).toBe(1 + expected.steps * expected.keys.length);
      expect(r.skipped.size).toBe(0);
      for (const key of expected.keys as string[]) {
        const pts = r.scalars.filter((p) => p.tag === key);
        expect(pts.map((p) => p.step)).toEqual([...Array(expected.steps).keys()]);
        expect(pts.map((p) => p.value)).toEqual(expected.simple_value[name][key]);
        expect(pts.every((p) => p.kind === 'simple_value')).toBe(true);
        expect(pts[3]!.wallTime).toBe(expected.wall0 + 30);
      }
    });
  }
  it('a value recomputed by hand from the generator formula', () => {
    // grpo, seed 1, task_metrics/EM/mean_reward at step 8: 0.25 + 0.20·(1 − e^−1) + 0.02·sin(1.7·8 + 0.9 + 27)
    const key = 'task_metrics/EM/mean_reward';
    const v = 0.25 + 0.2 * (1 - Math.exp(-1)) + 0.02 * Math.sin(1.7 * 8 + 0.9 + key.length);
    const run = loadRun(join(FIX, 'tensorboard', 'grpo-s1'));
    const s = run.series.get(key)!;
    expect(s.value[s.step.indexOf(8)]).toBe(Math.fround(v));
  });
});

describe('real-writer fixtures (tensor scalars: tensorboard.summary.Writer float32, DirectoryOutput float64)', () => {
  const run = loadRun(join(FIX, 'tensorboard-tensor', 'grpo-s1'));
  it('reads both event files of the run directory', () => {
    expect(listEventFiles(join(FIX, 'tensorboard-tensor', 'grpo-s1'))).toHaveLength(2);
    expect([...run.series.keys()].sort()).toEqual(['critic/score/mean', 'difficulty/mean_pass_rate', 'task_metrics/EM/mean_reward', 'task_metrics/Summary/mean_reward']);
  });
  it('float32 tensors', () => {
    for (const [key, pts] of Object.entries(expected.tensor.float32 as Record<string, [number, number][]>)) {
      const s = run.series.get(key)!;
      expect(s.step).toEqual(pts.map((p) => p[0]));
      expect(s.value).toEqual(pts.map((p) => p[1]));
    }
  });
  it('float64 tensors keep full double precision', () => {
    const pts = expected.tensor.float64['difficulty/mean_pass_rate'] as [number, number][];
    const s = run.series.get('difficulty/mean_pass_rate')!;
    expect(s.value).toEqual(pts.map((p) => p[1]));
    expect(s.value.some((v) => v !== Math.fround(v))).toBe(true);
  });
});

describe('our EventFileWriter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tb-'));
  it('round-trips all three encodings', () => {
    for (const encoding of ['simple_value', 'tensor_float', 'tensor_double_content'] as const) {
      const w = new EventFileWriter(join(dir, encoding), { encoding, wallTime: 1000 });
      w.log({ 'a/b': 0.1, c: -3 }, 7, 1234.5);
      w.addScalar('a/b', 0.2, 8, 1240);
      const r = readEventFile(w.path);
      expect(r.fileVersion).toBe('brain.Event:2');
      const want = encoding === 'tensor_double_content' ? [0.1, -3, 0.2] : [Math.fround(0.1), -3, Math.fround(0.2)];
      expect(r.scalars.map((p) => p.value)).toEqual(want);
      expect(r.scalars.map((p) => [p.tag, p.step, p.wallTime])).toEqual([['a/b', 7, 1234.5], ['c', 7, 1234.5], ['a/b', 8, 1240]]);
    }
  });
  it('skips non-scalar values (a 2-element tensor) and counts them', () => {
    const p = join(dir, 'events.out.tfevents.1.h.1.0');
    const tensor = new ProtoWriter().varint(1, 1).message(2, new ProtoWriter().message(2, new ProtoWriter().varint(1, 2))).bytes(5, new Uint8Array(8));
    const ev = new ProtoWriter().varint(2, 1).message(5, new ProtoWriter().message(1, new ProtoWriter().string(1, 'vec').message(8, tensor))).finish();
    writeFileSync(p, encodeTfRecord(ev));
    const r = readEventFile(p);
    expect(r.scalars).toHaveLength(0);
    expect(r.skipped.get('vec')).toBe(1);
  });
  it('a corrupted real fixture fails with the file and the offset of the bad record', () => {
    const src = listEventFiles(join(FIX, 'tensorboard', 'grpo-s2'))[0]!;
    const b = readFileSync(src);
    const p = join(dir, 'events.out.tfevents.corrupt');
    b[500]! ^= 0xff;
    writeFileSync(p, b);
    let err: unknown;
    try {
      readEventFile(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TfRecordError);
    const off = (err as TfRecordError).offset;
    expect(off).toBeLessThanOrEqual(500);
    expect(off).toBeGreaterThan(400);
    expect((err as Error).message).toContain(p);
  });
  it('a record whose CRCs are fine but whose proto is broken names the offset too', () => {
    const p = join(dir, 'events.out.tfevents.badproto');
    writeFileSync(p, Buffer.concat([encodeTfRecord(new ProtoWriter().string(3, 'brain.Event:2').finish()), encodeTfRecord(new Uint8Array([0x2a, 0x10, 1]))]));
    expect(() => readEventFile(p)).toThrow(EventFileError);
    expect(() => readEventFile(p)).toThrow(/record at byte 31: bad Event proto/);
  });
  it('a directory lists only event files', () => {
    expect(readdirSync(dir).length).toBeGreaterThan(listEventFiles(dir).length);
  });
});
