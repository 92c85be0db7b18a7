/**
 * `golongrl eval …` and `golongrl results` as real child processes (through the test wrapper around
 * runEval/runResults: the verbs are registered in lib/cli/main.ts by the lead): offline re-scoring of a
 * saved MRCR run against the Python-computed summary, the job-spec printer, the results table and JSON,
 * and exit codes (2 for usage and bad input, naming file, line and field).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOwner, ResultsDb } from '../../lib/eval/results_db.js';

const ROOT = join(import.meta.dirname, '..', '..');
const WRAP = join(ROOT, 'test', 'eval', 'fixtures', 'eval_cli.ts');
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', WRAP, ...args], { cwd: ROOT, encoding: 'utf8' });

describe('eval / results CLI', () => {
  it('eval score mrcr re-scores a saved run exactly as Python did', () => {
    const r = cli('eval', 'score', 'mrcr', join(ROOT, 'test', 'eval', 'fixtures', 'mrcr_runs.jsonl'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const expected = JSON.parse(readFileSync(join(ROOT, 'test', 'eval', 'fixtures', 'mrcr_runs_summary.python.json'), 'utf8'));
    expect(JSON.parse(r.stdout)).toEqual({ benchmark: 'mrcr', ...expected.summary });
  });

  it('bad input names file, line and field; usage errors exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'golongrl-cli-'));
    const f = join(dir, 'bad.jsonl');
    writeFileSync(f, '{"response":"x","answer":"y","random_string_to_prepend":"p"}\n{"response":"x","answer":3,"random_string_to_prepend":"p"}\n');
    const r = cli('eval', 'score', 'mrcr', f);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${f}:2: field 'answer'`);
    expect(cli('eval', 'score', 'nope', f).status).toBe(2);
    expect(cli('eval', 'watch', dir).status).toBe(2); // --run missing
    expect(cli('eval', 'frobnicate').status).toBe(2);
    expect(cli('eval', 'spec', 'corpusqa', '--model', '/m', '--eval-root', '/e').status).toBe(2); // judge endpoint missing
  });

  it('eval spec prints the JobSpec (no secret values)', () => {
    const r = cli('eval', 'spec', 'mrcr', '--model', '/m', '--eval-root', '/e', '--variant', '128k-512k', '--json');
    expect(r.status, r.stderr).toBe(0);
    const spec = JSON.parse(r.stdout);
    expect(spec.resources.gpusPerNode).toBe(8);
    expect(spec.payload.argv[2]).toContain('"rope_type":"yarn","factor":2');
  });

  it('results: text table, JSON, six-benchmark average when all six are present', () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'golongrl-res-')), 'eval.db');
    const db = new ResultsDb(dbPath);
    const me = makeOwner();
    db.ensureRun('big', '/ck');
    db.claim('big', 50, me);
    const cols = { docmath: ['max_acc', 0.623], longbench_v2: ['acc', 0.471], frames: ['acc', 0.674], mrcr: ['overall', 65.5], corpusqa: ['accuracy', 69.6], lbv1qa: ['overall', 65.9] } as const;
    db.complete('big', 50, me, Object.entries(cols).map(([benchmark, [metric, value]]) => ({ benchmark, metric, value })));
    db.close();
    const t = cli('results', '--db', dbPath);
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/big\s+50\s+corpusqa/);
    expect(t.stdout).toContain('big step 50: six-benchmark average 63.0');
    const j = JSON.parse(cli('results', '--db', dbPath, '--json').stdout);
    expect(j.rows).toHaveLength(6);
    expect(j.averages[0].average).toBeCloseTo(62.9667, 3);
    expect(cli('results', '--db', join(tmpdir(), 'does-not-exist.db')).status).toBe(2);
  });
});
