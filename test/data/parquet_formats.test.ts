/**
 * Parquet as other tools write it: the shipped SAMPLE written by pyarrow (Arrow's C++ writer) in every
 * common codec and by Hugging Face `datasets` (test/fixtures/parquet/generate.py; MANIFEST.json says
 * which writer and version made each file) validates with the same rows as the SAMPLE JSONL. And any
 * file that cannot be read — truncated, byte-flipped, not parquet at all — is one `InputError` naming
 * the file and the place (footer, row group, column, bytes), never another exception.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, loadHyparquet, readDataset } from '../../lib/data/dataset.js';
import { InputError } from '../../lib/util/jsonl.js';

const DIR = 'test/fixtures/parquet';
const SAMPLE_JSONL = 'data/sample/golongrl_SAMPLE_synthetic.jsonl';
const manifest = JSON.parse(readFileSync(join(DIR, 'MANIFEST.json'), 'utf8')) as {
  pyarrow: string;
  datasets?: string;
  files: Record<string, { rows: number; row_groups: number; codecs: string[]; sha256: string }>;
};
const tmp = mkdtempSync(join(tmpdir(), 'golongrl-pq-'));

/** Parquet has no "absent": a struct field missing from a JSONL row is written as null. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)]));
  return v;
}

describe('parquet from independent writers', () => {
  it('the fixtures are the five common codecs, data page v2, and a datasets-written file', () => {
    const codecs = Object.values(manifest.files).flatMap((f) => f.codecs);
    for (const c of ['SNAPPY', 'ZSTD', 'GZIP', 'BROTLI', 'LZ4']) expect(codecs).toContain(c);
    expect(Object.keys(manifest.files).sort()).toEqual([
      'sample.brotli.parquet',
      'sample.datasets.parquet',
      'sample.gzip.parquet',
      'sample.lz4.parquet',
      'sample.snappy.parquet',
      'sample.zstd-v2.parquet',
      'sample.zstd.parquet',
    ]);
    expect(manifest.pyarrow).toBe('18.1.0');
    expect(manifest.datasets).toMatch(/^\d+\.\d+/);
  });

  const jsonl = loadDataset(SAMPLE_JSONL);
  for (const name of Object.keys(manifest.files)) {
    it(`${name} (${manifest.files[name].codecs.join(', ')}) validates with the same rows as the JSONL`, async () => {
      const a = await jsonl;
      const path = join(DIR, name);
      // The codec hyparquet sees in the footer is the one the manifest names (LZ4 from pyarrow is LZ4_RAW).
      const { parquetMetadataAsync } = await loadHyparquet();
      const buf = readFileSync(path);
      const md = await parquetMetadataAsync(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
      const seen = new Set(md.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data!.codec)));
      expect([...seen].map((c) => c.replace('LZ4_RAW', 'LZ4'))).toEqual(manifest.files[name].codecs);

      const b = await loadDataset(path);
      expect(b.result).toMatchObject({ format: 'parquet', rows: 27, bad: 0, totalRows: 27 });
      expect(b.rows.map((r) => dropNulls(r.value))).toEqual(a.rows.map((r) => dropNulls(r.value)));
      expect(b.rows.map((r) => dropNulls(r.raw))).toEqual(a.rows.map((r) => dropNulls(r.raw)));
      // The nested schema as written: prompt list<struct>, reward_model.ground_truth struct, extra_info struct with INT64.
      const r0 = b.rows[0].raw as { prompt: { role: string }[]; reward_model: { ground_truth: Record<string, unknown> }; extra_info: Record<string, unknown> };
      expect(r0.prompt[0].role).toBe('user');
      expect(typeof r0.reward_model.ground_truth).toBe('object');
      expect(r0.extra_info.index).toBe(0);
    });
  }
});

describe('unreadable parquet: one InputError naming file and place', () => {
  const src = readFileSync(join(DIR, 'sample.zstd.parquet'));

  async function failure(bytes: Buffer, name: string): Promise<unknown> {
    const f = join(tmp, name);
    writeFileSync(f, bytes);
    return readDataset(f, () => {}).then(
      () => null,
      (e: unknown) => e,
    );
  }

  it('truncated anywhere → the footer is named, with the file size', async () => {
    for (const keep of [0, 3, 8, 100, src.length >> 1, src.length - 9, src.length - 1]) {
      const e = await failure(src.subarray(0, keep), `cut-${keep}.parquet`);
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).toMatch(new RegExp(`cut-${keep}\\.parquet: footer \\(file of ${keep} bytes\\): not a readable parquet file: `));
    }
  });

  it('not parquet at all', async () => {
    const e = await failure(Buffer.from('not a parquet file at all, just text'), 'text.parquet');
    expect((e as Error).message).toMatch(/text\.parquet: footer \(file of 36 bytes\): not a readable parquet file: file invalid \(footer != PAR1\)/);
  });

  it('a corrupt page → row group, rows, column, codec and the column chunk bytes', async () => {
    const flipped = Buffer.from(src);
    for (let i = 0; i < 64; i++) flipped[4 + 100 * i] ^= 0xff;
    const e = await failure(flipped, 'flipped.parquet');
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toMatch(/flipped\.parquet: row group 0 \(rows 0–9\), column '[^']+' \(ZSTD, bytes \d+–\d+\): cannot decode the column's pages: /);
  });

  it('single byte flips all over the file: each read either succeeds (the data still validates or is quarantined) or is one InputError', async () => {
    let errors = 0;
    const step = Math.floor(src.length / 97);
    for (let pos = 0; pos < src.length; pos += step) {
      const b = Buffer.from(src);
      b[pos] ^= 0x5a;
      const e = await failure(b, `flip-${pos}.parquet`);
      if (e === null) continue;
      errors++;
      expect(e, `flip at byte ${pos}: ${(e as Error).stack}`).toBeInstanceOf(InputError);
      expect((e as Error).message.split('\n')).toHaveLength(1);
    }
    expect(errors).toBeGreaterThan(0);
  }, 120_000);
});
