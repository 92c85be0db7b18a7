/**
 * The dataset readers on real files: schema validation with errors naming file, line (JSONL) or row
 * (parquet) and field; quarantine counts; streaming of multi-MB lines and awkward chunk boundaries;
 * parquet (hyparquet, INT64 → BigInt → number) read identically to JSONL.
 */
import { mkdtempSync, readFileSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { loadDataset, normalizeParquetValue, readDataset, RowInputError } from '../../lib/data/dataset.js';
import { forEachLine } from '../../lib/util/lines.js';
import { validateRecord } from '../../lib/data/schema.js';
import { FieldError, InputError } from '../../lib/util/jsonl.js';

const tmp = mkdtempSync(join(tmpdir(), 'golongrl-data-'));
const SAMPLE_JSONL = 'data/sample/golongrl_SAMPLE_synthetic.jsonl';
const SAMPLE_PARQUET = 'data/sample/golongrl_SAMPLE_synthetic.parquet';

const good = (over: Record<string, unknown> = {}) => ({
  data_source: 'longbench_pro',
  prompt: [{ role: 'user', content: 'Read this. Question?' }],
  ability: 'comprehension',
  reward_model: { style: 'rule', ground_truth: { golden_label: 'x', doc_ids: ['x'], summary: 'English' } },
  extra_info: { reward_mode: 'T3.2 Single-Hop Fact QA', question: 'Question?' },
  ...over,
});
const jsonl = (rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

/** The FieldError a row raises (field and reason), or null when it is valid. */
function problem(row: Record<string, unknown>): { field: string; reason: string } | null {
  try {
    validateRecord(row);
    return null;
  } catch (e) {
    if (e instanceof FieldError) return { field: e.field, reason: e.reason };
    throw e;
  }
}

describe('validateRecord: every rule names its field', () => {
  it('accepts a well-formed row and maps it to capability, reward type and reward mode', () => {
    const r = validateRecord(good());
    expect(r).toMatchObject({ capability: 'comprehension', reward_type: 'Accuracy', reward_mode: 'Accuracy', sub_task: 'T3.2 Single-Hop Fact QA', question: 'Question?' });
    expect(r.gt).toEqual({ golden_label: 'x', doc_ids: ['x'], summary: 'English' });
  });
  const gt = (g: unknown) => ({ reward_model: { ground_truth: g } });
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['missing data_source', { data_source: undefined }, 'data_source', /missing/],
    ['numeric data_source', { data_source: 3 }, 'data_source', /expected a string, got number/],
    ['unknown data_source', { data_source: 'nope' }, 'data_source', /no reward function for 'nope'/],
    ['prompt as a string', { prompt: 'hello' }, 'prompt', /expected a list of \{role, content\} messages, got string/],
    ['empty prompt', { prompt: [] }, 'prompt', /empty/],
    ['message not an object', { prompt: [{ role: 'user', content: 'a' }, 'b'] }, 'prompt[1]', /expected a \{role, content\} object/],
    ['missing role', { prompt: [{ content: 'a' }] }, 'prompt[0].role', /missing/],
    ['unknown role', { prompt: [{ role: 'robot', content: 'a' }] }, 'prompt[0].role', /unknown role 'robot'/],
    ['non-string content', { prompt: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 5 }] }, 'prompt[1].content', /expected a string, got number/],
    ['no user message', { prompt: [{ role: 'system', content: 'a' }] }, 'prompt', /no message with role "user"/],
    ['ability not a string', { ability: 7 }, 'ability', /expected a string/],
    ['missing reward_model', { reward_model: undefined }, 'reward_model', /missing/],
    ['missing ground_truth', { reward_model: { style: 'rule' } }, 'reward_model.ground_truth', /missing/],
    ['empty ground-truth list', gt([]), 'reward_model.ground_truth', /empty list/],
    ['doc_ids not a list', gt({ doc_ids: 'a', summary: 'English' }), 'reward_model.ground_truth.doc_ids', /expected a list of strings, got string/],
    ['doc_ids element not a string', gt({ doc_ids: ['a', 2] }), 'reward_model.ground_truth.doc_ids[1]', /expected a string, got number/],
    ['golden_label not a string', gt({ doc_ids: ['a'], golden_label: 1 }), 'reward_model.ground_truth.golden_label', /expected a string/],
    ['summary not a string', gt({ doc_ids: ['a'], summary: ['English'] }), 'reward_model.ground_truth.summary', /expected a string, got array/],
    ['longbench_pro without doc_ids', gt({ golden_label: 'a' }), 'reward_model.ground_truth.doc_ids', /missing/],
    ['longbench_pro with empty doc_ids', gt({ doc_ids: [] }), 'reward_model.ground_truth.doc_ids', /empty list: the row would score 0/],
    ['extra_info not an object', { extra_info: 'x' }, 'extra_info', /expected an object or null/],
    ['reward_mode not a string', { extra_info: { reward_mode: 3 } }, 'extra_info.reward_mode', /expected a string/],
    ['unknown sub-task', { extra_info: { reward_mode: 'T0 Nothing' } }, 'extra_info.reward_mode', /unknown LongBench-Pro sub-task 'T0 Nothing'/],
    ['longbench_pro without reward_mode', { extra_info: null }, 'extra_info.reward_mode', /missing/],
    ['EM without golden_label', { data_source: 'EM', ...gt({ doc_ids: [] }) }, 'reward_model.ground_truth.golden_label', /missing/],
    ['EM with blank golden_label', { data_source: 'EM', ...gt({ golden_label: '  ' }) }, 'reward_model.ground_truth.golden_label', /blank/],
    ['math with blank bare-string label', { data_source: 'math_longcot_math_verify', ...gt('') }, 'reward_model.ground_truth', /blank/],
    ['retrieval_calculate without doc_ids', { data_source: 'retrieval_calculate', ...gt({ golden_label: '3' }) }, 'reward_model.ground_truth.doc_ids', /expected a list/],
    ['retrieval_calculate with empty doc_ids', { data_source: 'retrieval_calculate', ...gt({ golden_label: '3', doc_ids: [] }) }, 'reward_model.ground_truth.doc_ids', /empty list/],
    ['question not a string', { extra_info: { reward_mode: 'T3.2 Single-Hop Fact QA', question: {} } }, 'extra_info.question', /expected a string, got object/],
  ];
  for (const [name, over, field, reason] of cases) {
    it(name, () => {
      const p = problem(good(over));
      expect(p, name).not.toBeNull();
      expect(p!.field).toBe(field);
      expect(p!.reason).toMatch(reason);
    });
  }
  it('accepts what the reference accepts: list-wrapped ground truth (last element), bare-string math label, nulls as absent, other data sources', () => {
    expect(validateRecord(good(gt([{ doc_ids: ['old'] }, { doc_ids: ['new'], summary: 'Chinese' }]))).gt).toEqual({ doc_ids: ['new'], summary: 'Chinese' });
    expect(validateRecord(good({ data_source: 'math_longcot_math_verify', ...gt('42'), extra_info: null }))).toMatchObject({ capability: 'numerical_reasoning', reward_type: 'math_verify', reward_mode: '' });
    expect(validateRecord(good({ ability: null, ...gt({ doc_ids: ['a'], golden_label: null, summary: null }) })).gt).toEqual({ doc_ids: ['a'] });
    expect(validateRecord(good({ data_source: 'multitableqa_pretraining', ...gt({ golden_label: '{"data": []}' }), extra_info: { reward_mode: 'multitableqa_pretraining' } })).capability).toBe('structured_extraction');
    expect(validateRecord(good({ data_source: 'selection', ...gt({ golden_label: 'B' }), extra_info: {} })).reward_type).toBe('selection');
    expect(validateRecord(good({ prompt: [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }, { role: 'tool', content: 't' }] })).prompt).toHaveLength(3);
  });
});

describe('readDataset (JSONL)', () => {
  it('a bad row throws an InputError naming file, 1-based line and field', async () => {
    const f = join(tmp, 'bad.jsonl');
    writeFileSync(f, jsonl([good(), good(), good({ prompt: [{ role: 'user', content: 'a' }, { role: 'user' }] })]));
    await expect(readDataset(f, () => {})).rejects.toThrow(`${f}:3: field 'prompt[1].content': missing`);
    const g = join(tmp, 'notjson.jsonl');
    writeFileSync(g, jsonl([good(), '{"data_source": "EM",', '[1, 2]']));
    await expect(readDataset(g, () => {})).rejects.toThrow(new RegExp(`${g}:2: field '<line>': not valid JSON`));
  });
  it('--skip-bad quarantines every bad row with file, line, field, reason and text, counts them, and goes on', async () => {
    const f = join(tmp, 'mixed.jsonl');
    const q = join(tmp, 'quarantine.jsonl');
    writeFileSync(f, jsonl([good(), '{oops', good({ data_source: 'nope' }), '', good(), '[1]', good({ extra_info: { reward_mode: 'T99' } }), '   ']));
    const seen: number[] = [];
    const res = await readDataset(f, (r) => void seen.push(r.index), { skipBad: q });
    expect(res).toMatchObject({ format: 'jsonl', rows: 2, bad: 4, blank: 2 });
    expect(seen).toEqual([1, 5]);
    const bad = readFileSync(q, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(bad.map((b) => [b.line, b.field])).toEqual([
      [2, '<line>'],
      [3, 'data_source'],
      [6, '<line>'],
      [7, 'extra_info.reward_mode'],
    ]);
    expect(bad[0]).toMatchObject({ file: f, text: '{oops' });
    expect(bad[1].reason).toMatch(/no reward function for 'nope'/);
  });
  it('streams a file with multi-MB lines (one 12 MB prompt among small rows) and reports the byte progress', async () => {
    const f = join(tmp, 'big.jsonl');
    const huge = 'The harbour clerk reviewed the winter accounts. 港口的文书核对了冬季账目。\n'.repeat(200_000);
    writeFileSync(f, jsonl([good(), good({ prompt: [{ role: 'user', content: huge }] }), good()]));
    const lengths: number[] = [];
    let last = 0;
    const res = await readDataset(f, (r) => void lengths.push(r.value.prompt[0].content.length), { onProgress: (p) => (last = p.bytesRead) });
    expect(res.rows).toBe(3);
    expect(lengths[1]).toBe(huge.length);
    expect(huge.length).toBeGreaterThan(12_000_000);
    expect(last).toBe(readFileSync(f).length);
  });
  it('splits lines correctly across awkward chunk boundaries (multi-byte UTF-8, CRLF, BOM, no final newline)', async () => {
    const f = join(tmp, 'edges.jsonl');
    const texts = ['{"a": "é中😀"}', '', '{"b": "x\\ny"}', '{"c": "€"}'];
    writeFileSync(f, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(texts.join('\r\n'), 'utf8')]));
    for (const hw of [1, 2, 3, 5, 7, 64]) {
      const got: string[] = [];
      const res = await forEachLine(createReadStream(f, { highWaterMark: hw }), (t) => void got.push(t));
      expect(got, `highWaterMark ${hw}`).toEqual(texts);
      expect(res.bytes).toBe(readFileSync(f).length);
    }
  });
});

describe('parquet', () => {
  it('the shipped SAMPLE parquet reads identically to the SAMPLE JSONL (INT64 columns as numbers)', async () => {
    const a = await loadDataset(SAMPLE_JSONL);
    const b = await loadDataset(SAMPLE_PARQUET);
    expect(b.result).toMatchObject({ format: 'parquet', rows: 27, bad: 0, totalRows: 27 });
    expect(a.result).toMatchObject({ format: 'jsonl', rows: 27, bad: 0 });
    expect(b.rows.map((r) => r.raw)).toEqual(a.rows.map((r) => r.raw));
    expect(b.rows.map((r) => r.value)).toEqual(a.rows.map((r) => r.value));
    expect(b.rows.map((r) => r.index)).toEqual([...Array(27).keys()]);
    expect(typeof b.rows[5].raw.extra_info).toBe('object');
    expect((b.rows[5].raw.extra_info as Record<string, unknown>).index).toBe(5);
  });
  it('INT64 → BigInt → number when safe, decimal string otherwise', () => {
    expect(normalizeParquetValue({ a: 5n, b: [2n ** 60n, -3n], c: { d: 'x', e: null } })).toEqual({ a: 5, b: ['1152921504606846976', -3], c: { d: 'x', e: null } });
    expect(normalizeParquetValue(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });
  it('a bad parquet row names file, 0-based row index and field; --skip-bad quarantines it', async () => {
    const f = join(tmp, 'bad.parquet');
    parquetWriteFile({
      filename: f,
      columnData: [
        { name: 'data_source', data: ['EM', 'EM', 'nope', 'EM'], type: 'STRING' },
        { name: 'prompt', data: ['[]', '[]', '[]', '[]'], type: 'STRING' },
        { name: 'n', data: [1n, 2n, 3n, 4n], type: 'INT64' },
      ],
      rowGroupSize: 2,
    });
    const err = await readDataset(f, () => {}).catch((e) => e);
    expect(err).toBeInstanceOf(RowInputError);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${f}: row 0: field 'prompt': expected a list of {role, content} messages, got string`);
    const q = join(tmp, 'pq-quarantine.jsonl');
    const res = await readDataset(f, () => {}, { skipBad: q });
    expect(res).toMatchObject({ format: 'parquet', rows: 0, bad: 4, totalRows: 4 });
    const bad = readFileSync(q, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(bad.map((b) => [b.row, b.field])).toEqual([
      [0, 'prompt'],
      [1, 'prompt'],
      [2, 'prompt'],
      [3, 'prompt'],
    ]);
    expect(JSON.parse(bad[3].text)).toEqual({ data_source: 'EM', prompt: '[]', n: 4 });
  });
  it('a file that is not parquet is reported as such', async () => {
    const f = join(tmp, 'fake.parquet');
    writeFileSync(f, 'not a parquet file at all, just text');
    await expect(readDataset(f, () => {})).rejects.toThrow(`${f}: footer (file of 36 bytes): not a readable parquet file: file invalid (footer != PAR1)`);
  });
});
