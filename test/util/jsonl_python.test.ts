/**
 * Python's json.dumps writes NaN / Infinity / -Infinity (allow_nan=True by default): verl's rollout dumps
 * and many datasets contain them. `parseJsonObject` (every JSONL reader) reads them as numbers, only
 * outside string literals, and the validators then name a non-finite value where a finite one is needed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FieldError, parseJsonObject } from '../../lib/util/jsonl.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('parseJsonObject and Python JSON', () => {
  it('reads NaN, Infinity and -Infinity as numbers, anywhere outside strings', () => {
    const o = parseJsonObject('{"a": NaN, "b": [Infinity, -Infinity, 1], "c": {"d": NaN}, "s": "NaN \\"Infinity\\" -Infinity", "t": "\\\\", "u": 2}');
    expect(o.a).toBeNaN();
    expect(o.b).toEqual([Infinity, -Infinity, 1]);
    expect((o.c as { d: number }).d).toBeNaN();
    expect(o.s).toBe('NaN "Infinity" -Infinity');
    expect(o.t).toBe('\\');
    expect(o.u).toBe(2);
  });
  it('is the same as JSON.parse on standard JSON, and still rejects what Python rejects', () => {
    expect(parseJsonObject('{"x": "NaN", "y": [1.5e3]}')).toEqual({ x: 'NaN', y: [1500] });
    for (const bad of ['{"a": NaNx}', '{"a": nan}', '{"a": Inf}', '{"a": NaN', '[NaN]', 'NaN']) {
      expect(() => parseJsonObject(bad), bad).toThrow(FieldError);
    }
  });
  it('a verl rollout dump with NaN in an extra field is read; a non-finite score is a bad row named as such', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pyjson-dump-')), 'dump');
    mkdirSync(dir);
    writeFileSync(
      join(dir, '1.jsonl'),
      [
        '{"input": "Q1", "output": "<think>x</think>42", "gts": {"golden_label": "42"}, "score": 1.0, "step": 1, "acc": NaN}',
        '{"input": "Q2", "output": "<think>y</think>no", "gts": "abc", "score": 0.0, "step": 1, "acc": 0.0}',
      ].join('\n') + '\n',
    );
    const ok = spawnSync(process.execPath, [join(ROOT, 'bin', 'golongrl.mjs'), 'data', 'rollouts', dir, '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(2);
    writeFileSync(join(dir, '2.jsonl'), '{"input": "Q3", "output": "a", "gts": "a", "score": Infinity, "step": 2}\n');
    const bad = spawnSync(process.execPath, [join(ROOT, 'bin', 'golongrl.mjs'), 'data', 'rollouts', dir], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe(`golongrl data: ${join(dir, '2.jsonl')}:1: field 'score': expected a finite number, got Infinity`);
  });
});
