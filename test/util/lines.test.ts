/**
 * The one line reader (lib/util/lines.ts): the async and sync drivers split identically at every chunk
 * size (multi-byte UTF-8, CRLF, BOM, no final newline), report byte offsets and the unterminated last
 * line, and a line over the limit is a LineTooLongError with its line and first byte — checked with
 * GOLONGRL_MAX_LINE_BYTES instead of allocating 512 MiB. readJsonl turns that into an InputError.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError, readJsonl } from '../../lib/util/jsonl.js';
import { forEachLine, forEachLineSync, LineTooLongError, maxLineBytes, MAX_LINE_BYTES, type LineInfo } from '../../lib/util/lines.js';

const tmp = mkdtempSync(join(tmpdir(), 'golongrl-lines-'));
const text = '\ufeffα,β\r\n{"a": "日本語"}\n\n  x  \r\nlast without newline 🎉';
const want = ['α,β', '{"a": "日本語"}', '', '  x  ', 'last without newline 🎉'];

function chunks(buf: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

afterEach(() => {
  delete process.env.GOLONGRL_MAX_LINE_BYTES;
});

describe('lib/util/lines.ts', () => {
  const buf = Buffer.from(text, 'utf8');
  const file = join(tmp, 't.txt');
  writeFileSync(file, buf);

  it('async and sync drivers agree at every chunk size, with offsets and the unterminated last line', async () => {
    for (const size of [1, 2, 3, 5, 7, 64, 1 << 20]) {
      const a: [string, LineInfo][] = [];
      const ra = await forEachLine(chunks(buf, size), (t, i) => void a.push([t, i]));
      const b: [string, LineInfo][] = [];
      const rb = forEachLineSync(file, (t, i) => void b.push([t, i]), size);
      expect(a.map(([t]) => t)).toEqual(want);
      expect(b).toEqual(a);
      expect(ra).toEqual({ lines: 5, bytes: buf.length });
      expect(rb).toEqual(ra);
      expect(a.map(([, i]) => i.unterminated)).toEqual([false, false, false, false, true]);
      // offsets: each line starts where the previous one's terminator ended
      for (let k = 1; k < a.length; k++) expect(a[k][1].offset).toBe(a[k - 1][1].bytesRead);
      expect(buf.subarray(a[1][1].offset, a[1][1].bytesRead).toString()).toBe('{"a": "日本語"}\n');
    }
  });

  it('a line over the limit is LineTooLongError(line, bytes, first byte), in one chunk or across many', async () => {
    process.env.GOLONGRL_MAX_LINE_BYTES = '100';
    expect(maxLineBytes()).toBe(100);
    const data = Buffer.from(`{"s":1}\n${'y'.repeat(250)}\nnever\n`);
    for (const size of [7, 1 << 20]) {
      const seen: string[] = [];
      const err = await forEachLine(chunks(data, size), (t) => void seen.push(t)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LineTooLongError);
      expect(err).toMatchObject({ line: 2, offset: 8, limit: 100 });
      expect(seen).toEqual(['{"s":1}']);
    }
    const f = join(tmp, 'long.jsonl');
    writeFileSync(f, data);
    expect(() => forEachLineSync(f, () => {})).toThrow(LineTooLongError);
    const e = await readJsonl(f, (o) => o).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toMatch(new RegExp(`^${f}: line 2, byte 8: too long: line 2 \\(from byte 8\\) is longer than 100 bytes`));
  });

  it('the limit can only be lowered, never raised', () => {
    process.env.GOLONGRL_MAX_LINE_BYTES = String(MAX_LINE_BYTES * 4);
    expect(maxLineBytes()).toBe(MAX_LINE_BYTES);
    process.env.GOLONGRL_MAX_LINE_BYTES = 'lots';
    expect(maxLineBytes()).toBe(MAX_LINE_BYTES);
  });

  it('readJsonl: a UTF-8 BOM is not part of the first row; blank lines are counted, not rows', async () => {
    const f = join(tmp, 'bom.jsonl');
    writeFileSync(f, '\ufeff{"x": 1}\n\n{"x": 2}\n');
    const r = await readJsonl(f, (o) => o.x as number);
    expect(r.rows.map((x) => x.value)).toEqual([1, 2]);
    expect(r).toMatchObject({ blank: 1, bad: 0, delivered: 2, lines: 3 });
  });
});
