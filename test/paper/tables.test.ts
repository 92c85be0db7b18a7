/** data/paper: every reported Avg recomputed from its six benchmark columns, and the README's claims. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCHMARKS, checkAverages, checkClaims, loadResultsTable, longRows, parseResultsCsv } from '../../lib/paper/tables.js';
import { InputError } from '../../lib/util/jsonl.js';

const DIR = join(__dirname, '../../data/paper');
const t30 = loadResultsTable('30b', DIR);
const t4 = loadResultsTable('4b', DIR);

describe('paper tables', () => {
  it('have the rows of the README table and the 4B ablation', () => {
    expect(t30.rows).toHaveLength(6);
    expect(t4.rows).toHaveLength(5);
    expect(t30.rows.find((r) => r.role === 'ours')!.scores.MRCR).toBe(81.6);
  });
  it('every reported Avg is consistent with the unweighted mean of the six columns (|Δ| ≤ 0.1)', () => {
    for (const c of [...checkAverages(t30), ...checkAverages(t4)]) expect(Math.abs(c.diff), c.model).toBeLessThanOrEqual(0.1 + 1e-9);
  });
  it('two 30B rows sit exactly on a rounding tie (x.x5) and were reported rounded down', () => {
    const inexact = checkAverages(t30).filter((c) => !c.exact);
    expect(inexact.map((c) => c.model)).toEqual(['Gemini-2.5-Flash-Thinking', 'QwenLong-L1.5 (w. GRPO)']);
    expect(inexact.map((c) => c.recomputed)).toEqual([expect.closeTo(68.75, 9), expect.closeTo(67.25, 9)]);
    expect(checkAverages(t4).every((c) => c.exact)).toBe(true);
  });
  it('a hand computation: GoLongRL-30B-A3B = (65.3+55.1+74.5+81.6+73.6+68.7)/6 = 69.8', () => {
    expect(checkAverages(t30).at(-1)!.recomputed).toBeCloseTo(418.8 / 6, 12);
  });
  it('the headline claims hold on the reported columns', () => {
    const claims = checkClaims(t30, t4);
    expect(claims.map((c) => [c.stated, c.holds])).toEqual([[6.1, true], [2.6, true], [63.0, true], [59.4, true], [0.8, true], [4.5, true]]);
    for (const c of claims) expect(c.fromReported, c.claim).toBeCloseTo(c.stated, 9);
    // from recomputed averages the 30B gain is 2.55 and the TMN gain 0.78: the stated numbers use the reported Avg
    expect(claims[1]!.fromRecomputed).toBeCloseTo(2.55, 9);
    expect(claims[4]!.fromRecomputed).toBeCloseTo(0.7833, 3);
  });
  it('a changed number breaks a claim (the check can fail)', () => {
    const bad = { ...t4, rows: t4.rows.map((r) => (r.model === 'GoLongRL-4B (TMN-Reweight)' ? { ...r, scores: { ...r.scores, CorpusQA: 65.0, MRCR: 70 } } : r)) };
    const c = checkClaims(t30, bad).at(-1)!;
    expect(c.holds).toBe(false);
    expect(c.detail).toMatch(/^MRCR \+2\.5/);
  });
  it('bad CSV names the file, line and column', () => {
    const head = `model,role,avg,${BENCHMARKS.join(',')}\n`;
    expect(() => parseResultsCsv(head + 'x,ours,50,1,2,3,4,5,abc\n', 'f.csv')).toThrow(InputError);
    expect(() => parseResultsCsv(head + 'x,ours,50,1,2,3,4,5,abc\n', 'f.csv')).toThrow("f.csv:2: field 'LBV1-QA'");
    expect(() => parseResultsCsv(head + 'x,boss,50,1,2,3,4,5,6\n', 'f.csv')).toThrow("field 'role'");
    expect(() => parseResultsCsv('model,avg\n', 'f.csv')).toThrow("f.csv:1: field '<header>'");
  });
  it('long rows for plotting', () => {
    expect(longRows(t4)).toHaveLength(5 * 7);
  });
});
