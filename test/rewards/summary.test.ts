import fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutBlockWithEngine, hmmSkipSplit, jiebaCut, jiebaEngineCalls, jiebaJoin } from '../../lib/rewards/jieba.js';
import { rougeLF } from '../../lib/rewards/rouge.js';
import { summaryScore } from '../../lib/rewards/summary.js';

const GOLDEN = new URL('../fixtures/golden/rewards.jsonl', import.meta.url);
const SUMMARY_MODES = new Set(['T4.1 Global-Coverage Constrained Summary', 'T4.2 Query-Focused Summary']);

interface GoldenCase {
  case: { data_source: string; response: string; ground_truth: unknown; extra_info?: { reward_mode?: string } | null };
  expected: number;
}

function count(s: string, sub: string): number {
  return s.split(sub).length - 1;
}

/** default_compute_score's format gate (implemented elsewhere), applied inline, then the Summary metric. */
function gatedSummary(c: GoldenCase['case']): number {
  const r = c.response;
  if (!r.includes('</think>')) return 0;
  if (count(r, '<think>') > 1 || count(r, '</think>') > 1) return 0;
  let gt = c.ground_truth as Record<string, unknown> | Record<string, unknown>[];
  if (Array.isArray(gt)) gt = gt[gt.length - 1];
  return summaryScore(r, gt.doc_ids as string[], gt.summary === 'Chinese');
}

function loadSummaryCases(): GoldenCase[] {
  return fs
    .readFileSync(GOLDEN, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as GoldenCase)
    .filter((g) => g.case.data_source === 'longbench_pro' && SUMMARY_MODES.has(g.case.extra_info?.reward_mode ?? ''));
}

describe('Summary: golden cases from GoLongRL + pltrdy rouge 1.0.1 + jieba', () => {
  const cases = loadSummaryCases();
  it('the golden file has the summary cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(46);
    expect(cases.some((g) => (g.case.ground_truth as { summary?: string }).summary === 'Chinese')).toBe(true);
  });
  it.each(cases.map((g, k) => [k, g] as const))('case %i', (_k, g) => {
    expect(Math.abs(gatedSummary(g.case) - g.expected)).toBeLessThanOrEqual(1e-6);
  });
});

describe('summaryScore', () => {
  it('scores the FULL lowercased, whitespace-fixed response (think block included)', () => {
    const resp = '<think>The  Cat\nsat</think>\n[Answer]\nthe dog ran';
    const pred = '<think>the cat sat</think> [answer] the dog ran';
    expect(summaryScore(resp, ['The cat sat on the mat.'], false)).toBe(rougeLF(pred, 'the cat sat on the mat.'));
    expect(summaryScore(resp, ['The cat sat on the mat.'], false)).toBeGreaterThan(0);
  });

  it('takes the max over references', () => {
    const a = summaryScore('alpha beta gamma', ['alpha zeta'], false);
    const b = summaryScore('alpha beta gamma', ['alpha beta gamma delta'], false);
    expect(summaryScore('alpha beta gamma', ['alpha zeta', 'alpha beta gamma delta'], false)).toBe(Math.max(a, b));
  });

  it('is 0 when the reference get_scores call would raise (any empty or dots-only reference)', () => {
    expect(summaryScore('alpha beta', ['alpha beta', '   '], false)).toBe(0);
    expect(summaryScore('alpha beta', ['alpha beta', '...'], false)).toBe(0);
    expect(summaryScore('....', ['alpha beta'], false)).toBe(0);
    expect(summaryScore('  \n ', ['alpha beta'], false)).toBe(0);
    expect(summaryScore('alpha beta', [], false)).toBe(0);
  });

  it('segments Chinese with jieba before scoring', () => {
    const ref = '我来到北京清华大学';
    const pred = '他来到了北京';
    // jieba: "我 来到 北京 清华大学" vs "他 来到 了 北京" → LCS {来到, 北京}: m = 4, n = 4 → F ≈ 0.5.
    expect(summaryScore(pred, [ref], true)).toBe(rougeLF('他 来到 了 北京', '我 来到 北京 清华大学'));
    expect(summaryScore(pred, [ref], true)).toBeCloseTo(0.5, 6);
    // Without segmentation each text is a single word.
    expect(summaryScore(pred, [ref], false)).toBe(0);
  });

  it('never throws on non-string answers', () => {
    expect(summaryScore('a b', [1 as unknown as string], false)).toBe(0);
    expect(summaryScore('a b', null as unknown as string[], false)).toBe(0);
  });

  it('property: never throws, finite and in [0, 1] (100,000 fuzzed inputs)', () => {
    const unit = fc.constantFrom(
      'a', 'b', 'the', 'cat', ' ', '  ', '.', '..', '\n', '\t', '\r\n', '<think>', '</think>', '<thi', 'nk>',
      '[Answer]', '[答案]', '中', '国', '北京', '大学', '。', '，', '1-2', '100%', '3.14', 'c++', '㐀', '🙂', 'İ', 'Σ',
    );
    const text = fc.array(unit, { maxLength: 24 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, fc.array(text, { maxLength: 3 }), fc.boolean(), (resp, answers, zh) => {
        const s = summaryScore(resp, answers, zh);
        return typeof s === 'number' && Number.isFinite(s) && s >= 0 && s <= 1;
      }),
      { numRuns: 100000 },
    );
  }, 120_000);
});

describe('jieba (default mode, HMM) — outputs of Python jieba 0.42.1', () => {
  const cases: [string, string][] = [
    ['我来到北京清华大学', '我 来到 北京 清华大学'],
    ['他来到了网易杭研大厦', '他 来到 了 网易 杭研 大厦'],
    ['小明硕士毕业于中国科学院计算所，后在日本京都大学深造', '小明 硕士 毕业 于 中国科学院 计算所 ， 后 在 日本京都大学 深造'],
    // jieba-rs keeps "2020-2021" / "100%100%" whole (unescaped dot in its HMM skip regex); Python splits them.
    ['2020-2021年的增长率为100%100%', '2020 - 2021 年 的 增长率 为 100% 100%'],
    ['1-2c++3-4', '1 - 2 c++ 3 - 4'],
    ['版本v1.2.3于3.14.15发布', '版本 v1.2 . 3 于 3.14 . 15 发布'],
    // Outside U+4E00–U+9FD5 Python emits one token per character; jieba-rs would glue them.
    ['中国㐀㐁人民', '中国 㐀 㐁 人民'],
    ['中国鿖鿗 豈更车', '中国 鿖 鿗   豈 更车'],
    ['a\r\nb c', 'a \r\n b   c'],
  ];
  it.each(cases)('%j', (text, expected) => {
    expect(jiebaJoin(text)).toBe(expected);
  });
  it('empty text gives no tokens', () => {
    expect(jiebaCut('')).toEqual([]);
  });
  it("the HMM skip split is Python's re_skip.split (matches and non-empty gaps) on any string", () => {
    const reSplit = (x: string) => {
      const out: string[] = [];
      let last = 0;
      for (const m of x.matchAll(/[a-zA-Z0-9]+(?:\.[0-9]+)?%?/g)) {
        if ((m.index ?? 0) > last) out.push(x.slice(last, m.index));
        out.push(m[0]);
        last = (m.index ?? 0) + m[0].length;
      }
      if (last < x.length) out.push(x.slice(last));
      return out;
    };
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'Z', '7', '0', '.', '%', '-', '_', '+', '#', '&', '中', ' ', '..', '.5', '%%'), { maxLength: 40 }), (parts) => {
        const x = parts.join('');
        expect(hmmSkipSplit(x)).toEqual(reSplit(x));
      }),
      { numRuns: 3000 },
    );
  });
  it('a text whose blocks are cut in one batched jieba-rs call equals one call per block', () => {
    // Fresh blocks (not memoised yet) of every kind: Han clauses, Han with digits / c++ / AT&T / 3.14%,
    // long blocks (over the memo's 64 units), plain ASCII words; separated by punctuation and whitespace.
    const han = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经';
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    const clause = () => {
      const parts = [...Array.from({ length: 2 + rnd(90) }, () => han[rnd(han.length)])];
      const extra = ['2021年', 'c++', 'AT&T', '3.14%', 'v1.2.3', 'ab12'][rnd(8)] ?? '';
      parts.splice(rnd(parts.length), 0, extra);
      return parts.join('');
    };
    const seps = ['，', '。', ' ', '\n', '、', ' hello world ', '\r\n', '；'];
    for (let t = 0; t < 20; t++) {
      const text = Array.from({ length: 5 + rnd(40) }, () => clause() + seps[rnd(seps.length)]).join('');
      // Python jieba outside blocks: one token per code point, "\r\n" one token.
      const skip = (x: string) => x.split(/(\r\n)/).flatMap((p) => (p === '\r\n' ? [p] : [...p]));
      const expected: string[] = [];
      let last = 0;
      for (const m of text.matchAll(/[\u4E00-\u9FD5a-zA-Z0-9+#&._%-]+/g)) {
        expected.push(...skip(text.slice(last, m.index)), ...cutBlockWithEngine(m[0]));
        last = (m.index ?? 0) + m[0].length;
      }
      expected.push(...skip(text.slice(last)));
      const calls = jiebaEngineCalls();
      expect(jiebaCut(text)).toEqual(expected);
      expect(jiebaEngineCalls() - calls).toBe(1);
      // Cut again: the blocks of up to 64 units are memoised now; longer ones go to jieba-rs again, in one call.
      const long = [...text.matchAll(/[\u4E00-\u9FD5a-zA-Z0-9+#&._%-]+/g)].some((m) => m[0].length > 64 && /[^\x00-\x7f]/.test(m[0]));
      expect(jiebaCut(text)).toEqual(expected);
      expect(jiebaEngineCalls() - calls).toBe(long ? 2 : 1);
    }
  });
});
