/**
 * `golongrl data …` as users run it: the real binary in a child process, real files, exit codes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAPABILITIES } from '../../lib/data/capabilities.js';

const BIN = 'bin/golongrl.mjs';
const JSONL = 'data/sample/golongrl_SAMPLE_synthetic.jsonl';
const PARQUET = 'data/sample/golongrl_SAMPLE_synthetic.parquet';
const tmp = mkdtempSync(join(tmpdir(), 'golongrl-data-cli-'));

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('golongrl data validate', () => {
  it('validates the SAMPLE (JSONL and parquet): 27 rows, all nine capabilities, exit 0', () => {
    for (const f of [JSONL, PARQUET]) {
      const r = cli(['data', 'validate', f, '--json']);
      expect(r.code, r.err).toBe(0);
      const s = JSON.parse(r.out);
      expect(s).toMatchObject({ file: f, valid: true, rows: 27, quarantined: 0 });
      expect(Object.keys(s.by_capability)).toEqual([...CAPABILITIES]);
      expect(s.by_data_source).toEqual({ EM: 2, longbench_pro: 17, math_longcot_math_verify: 2, multitableqa_pretraining: 2, retrieval_calculate: 2, selection: 2 });
    }
    expect(cli(['data', 'validate', JSONL]).out).toContain('27 valid rows');
  });
  it('a bad row exits 2 naming file, line and field; --skip-bad quarantines, counts, and still exits 2', () => {
    const rows = readFileSync(JSONL, 'utf8').trim().split('\n').slice(0, 3);
    const bad = JSON.parse(rows[1]);
    bad.reward_model.ground_truth.doc_ids = [1];
    const f = join(tmp, 'bad.jsonl');
    writeFileSync(f, [rows[0], JSON.stringify(bad), rows[2], '{"data_source": "EM"}'].join('\n') + '\n');
    let r = cli(['data', 'validate', f]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${f}:2: field 'reward_model.ground_truth.doc_ids[0]': expected a string, got number`);
    const g = join(tmp, 'bad2.jsonl');
    const row = JSON.parse(rows[2]);
    row.reward_model.ground_truth.doc_ids = ['x', 2];
    writeFileSync(g, JSON.stringify(row) + '\n');
    r = cli(['data', 'validate', g]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${g}:1: field 'reward_model.ground_truth.doc_ids[1]': expected a string, got number`);
    const q = join(tmp, 'q.jsonl');
    r = cli(['data', 'validate', f, '--skip-bad', q, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ valid: false, rows: 2, quarantined: 2, quarantine_file: q });
    const quarantined = readFileSync(q, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(quarantined.map((b) => [b.file, b.line, b.field])).toEqual([
      [f, 2, 'reward_model.ground_truth.doc_ids[0]'],
      [f, 4, 'prompt'],
    ]);
  });
  it('reads JSONL from stdin; usage errors exit 2 with the help', () => {
    const r = cli(['data', 'validate', '-', '--json'], readFileSync(JSONL, 'utf8'));
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).rows).toBe(27);
    const u = cli(['data', 'frobnicate']);
    expect(u.code).toBe(2);
    expect(u.err).toContain("unknown subverb 'frobnicate'");
    expect(cli(['data', 'profile', JSONL, '--tokens', 'words']).err).toContain('--tokens must be exact or chars');
    expect(cli(['data', '--help']).out).toContain('golongrl data <subverb>');
  });
});

describe('golongrl data profile', () => {
  it('--json with exact Qwen3 tokens: rows per capability, reward types, sources, token stats; then cache hits', () => {
    const cache = join(tmp, 'cache');
    const r = cli(['data', 'profile', JSONL, '--json', '--cache-dir', cache]);
    expect(r.code, r.err).toBe(0);
    const p = JSON.parse(r.out);
    expect(p).toMatchObject({ format: 'jsonl', rows: 27, quarantined: 0, token_mode: 'exact', over_max_prompt: 0, max_prompt_tokens: 163840 });
    expect(p.cache).toMatchObject({ hits: 0, misses: 27 });
    expect(Object.keys(p.by_capability)).toEqual([...CAPABILITIES]);
    expect(p.by_capability.comprehension).toMatchObject({ rows: 5, reward_types: { Accuracy: 3, selection: 2 }, data_sources: { longbench_pro: 3, selection: 2 } });
    expect(p.by_capability.numerical_reasoning.data_sources).toEqual({ math_longcot_math_verify: 2, retrieval_calculate: 2 });
    expect(p.by_reward_mode['T4.1 Global-Coverage Constrained Summary']).toMatchObject({ rows: 2, trainer_reward_mode: 'Summary', reward_type: 'ROUGE-L', capability: 'summarization' });
    const t = p.length.tokens;
    expect(t.min).toBeGreaterThanOrEqual(8000);
    expect(t.max).toBeLessThanOrEqual(64000);
    expect(t.min <= t.p50 && t.p50 <= t.p90 && t.p90 <= t.max).toBe(true);
    expect(p.length.chars.min).toBeGreaterThan(t.min);
    const again = JSON.parse(cli(['data', 'profile', PARQUET, '--json', '--cache-dir', cache]).out);
    expect(again.cache).toMatchObject({ hits: 27, misses: 0 });
    expect(again.by_capability).toEqual(p.by_capability);
    expect(again.length).toEqual(p.length);
  });
  it('--tokens chars needs no tokenizer; --plot writes a PNG (or SVG); --progress forces the progress line', () => {
    const png = join(tmp, 'lengths.png');
    const r = cli(['data', 'profile', PARQUET, '--tokens', 'chars', '--plot', png, '--progress']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('prompt length in characters');
    expect(r.err).toMatch(/profile \[#+\] 100% 27 rows/);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    const svg = join(tmp, 'lengths.svg');
    expect(cli(['data', 'profile', JSONL, '--tokens', 'chars', '--plot', svg, '--json']).code).toBe(0);
    expect(readFileSync(svg, 'utf8')).toContain('<svg');
    const p = JSON.parse(cli(['data', 'profile', JSONL, '--tokens', 'chars', '--json']).out);
    expect(p).toMatchObject({ token_mode: 'chars', tokenizer: null, cache: null, over_max_prompt: null });
    expect(p.length.tokens).toBeNull();
    expect(existsSync(svg)).toBe(true);
  });
});

describe('golongrl data rollouts | golongrl advantages', () => {
  it('joins the fixture dump with its prompts and replays it with tmn_grpo', () => {
    const r = cli(['data', 'rollouts', 'data/sample/rollout_dump', '--dataset', 'data/sample/rollout_dump_prompts.jsonl', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.err)).toEqual({ files: 3, rows: 432, steps: 3, quarantined: 0, joined: 432, unmatched: 0, skipped: [] });
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows[0]).toMatchObject({ step: 1, reward_mode: 'EM', data_source: 'EM', capability: 'precise_retrieval' });
    const a = cli(['advantages', '--estimator', 'tmn_grpo', '--difficulty-reweight', '--difficulty-alpha', '0.8', '--metrics', '-'], r.out);
    expect(a.code, a.err).toBe(0);
    expect(a.out.trim().split('\n').map((l) => JSON.parse(l).step)).toEqual([1, 2, 3]);
  });

  it('names every directory entry that is not a step file instead of skipping it silently', () => {
    const dir = mkdtempSync(join(tmpdir(), 'golongrl-dump-extra-'));
    writeFileSync(join(dir, '1.jsonl'), readFileSync('data/sample/rollout_dump/1.jsonl', 'utf8'));
    writeFileSync(join(dir, 'README.txt'), 'notes\n');
    const text = cli(['data', 'rollouts', dir]);
    expect(text.code, text.err).toBe(0);
    expect(text.err).toContain(`skipped ${join(dir, 'README.txt')}: not a <step>.jsonl file`);
    expect(text.err).toContain('1 other entries skipped');
    const json = cli(['data', 'rollouts', dir, '--json']);
    expect(JSON.parse(json.err).skipped).toEqual([{ file: join(dir, 'README.txt'), reason: 'not a <step>.jsonl file' }]);
  });
});
