/** `golongrl curves` through `runCurves(argv)` on the real fixtures: text, JSON, CSV, PNG, errors. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCurves } from '../../lib/cli/curves.js';
import { main } from '../../lib/cli/main.js';
import { captureCurves } from './capture.js';
import { UsageError } from '../../lib/cli/io.js';
import { InputError } from '../../lib/util/jsonl.js';

const FIX = join(__dirname, '../fixtures/logs');
const TB = ['grpo-s1', 'grpo-s2', 'tmn-reweight-s1', 'tmn-reweight-s2'].map((n) => join(FIX, 'tensorboard', n));

const capture = captureCurves;
afterEach(() => vi.restoreAllMocks());

describe('golongrl curves', () => {
  const dir = mkdtempSync(join(tmpdir(), 'curves-'));
  it('--json: configs, summary and smoothing over the TensorBoard fixtures', async () => {
    const r = await capture([...TB, '--match', 'task_metrics/.*/mean_reward', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.runs.map((x: { config: string }) => x.config)).toEqual(['grpo', 'grpo', 'tmn-reweight', 'tmn-reweight']);
    expect(j.keys).toEqual(['task_metrics/EM/mean_reward', 'task_metrics/Summary/mean_reward']);
    expect(j.summary).toHaveLength(4);
    expect(j.summary.every((s: { runs: number; lastStep: number }) => s.runs === 2 && s.lastStep === 19)).toBe(true);
  });
  it('--plot and --csv write a PNG and the band rows', async () => {
    const png = join(dir, 'c.png');
    const csv = join(dir, 'c.csv');
    const r = await capture([...TB, '--keys', 'task_metrics/EM/mean_reward,difficulty/mean_pass_rate', '--smooth', '0', '--plot', png, '--csv', csv]);
    expect(r.code).toBe(0);
    expect([...readFileSync(png).subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('config,key,step,mean,std,lo,hi,min,max,n');
    expect(lines).toHaveLength(1 + 2 * 2 * 20);
    expect(r.out).toContain('plot: ' + png);
  });
  it('mixes formats and reports console issues as warnings', async () => {
    const r = await capture([join(FIX, 'verl_console.txt'), join(FIX, 'verl_file_logger.jsonl'), '--keys', 'actor/lr']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('verl_console [console');
    expect(r.out).toContain('verl_file_logger [jsonl');
    expect(r.err).toContain("verl_console.txt:12: 'actor/lr': value is not a Python real-number repr");
  });
  it('usage errors and bad input', async () => {
    await expect(runCurves([])).rejects.toThrow(UsageError);
    await expect(runCurves([TB[0]!, '--smooth', '1'])).rejects.toThrow(UsageError);
    await expect(runCurves([TB[0]!, '--keys', 'nope'])).rejects.toThrow(/no metric key selected/);
    await expect(runCurves([TB[0]!, '--group-by', 'bogus'])).rejects.toThrow(UsageError);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"step":1}\n');
    await expect(runCurves([bad])).rejects.toThrow(InputError);
    await expect(runCurves([join(dir, 'missing')])).rejects.toThrow(InputError);
  });
  it('through the CLI: a missing path, a directory without logs, a file with no metrics → one line naming it, exit 2', async () => {
    const empty = join(dir, 'empty-dir');
    mkdirSync(empty, { recursive: true });
    const noMetrics = join(dir, 'noise.log');
    writeFileSync(noMetrics, Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a, 0x41, 0x42]));
    const cases: [string, RegExp][] = [
      [join(dir, 'missing'), /missing: open: no such file or directory$/],
      [empty, /empty-dir: directory: neither events\.out\.tfevents\.\* files nor metrics\.jsonl/],
      [noMetrics, /noise\.log: metrics: none found \(read as a verl console log/],
    ];
    for (const [path, line] of cases) {
      let err = '';
      const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
      let code: number;
      try {
        code = await main(['curves', path]);
      } finally {
        e.mockRestore();
      }
      expect(code, path).toBe(2);
      expect(err.trimEnd().split('\n'), path).toHaveLength(1);
      expect(err.trimEnd(), path).toMatch(line);
    }
  });
  it('a corrupted event file fails with exit 2 (bad input) and the byte offset', async () => {
    const b = readFileSync(join(TB[0]!, readdirSync(TB[0]!)[0]!));
    b[300]! ^= 0x55;
    const p = join(dir, 'events.out.tfevents.bad');
    writeFileSync(p, b);
    const r = await capture([p]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/record at byte \d+: data CRC mismatch/);
    expect(existsSync(p)).toBe(true);
  });
});
