/**
 * The TypeScript benchmark scorers, case by case. The reference drivers (mrcr_eval.py, docmath utils,
 * corpusqa_eval.py, lbv1qa_eval.py, score_frame.py) need openai/evalscope/sympy/numpy, which are not
 * installed here, so the expectations below are HAND-WORKED from the reference text (each case says which
 * rule it exercises); Python-only behaviours we reproduce (Unicode \b, IGNORECASE folding, strip sets)
 * were checked against Debian's python3 `re`/`str` where noted. difflib itself is checked against CPython
 * in difflib.parity.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { domainOf, extractAnswer as cqExtract, stripThink as cqStrip, summarizeCorpusQa } from '../../lib/eval/scorers/corpusqa.js';
import { compareTwoNumbers, extractAnswer as dmExtract, getAcc, normalize, normalizeString, pyEval, removeUntil, scoreDocMath, summarizeDocMath } from '../../lib/eval/scorers/docmath.js';
import { cem, extractFramesAnswer, normalize as framesNorm, scoreFrames, stripThink as framesStrip } from '../../lib/eval/scorers/frames.js';
import { corpusqaJudgeMessages, corpusqaVerdict, evalscopeJudgeMessages, evalscopeVerdict, GENERAL_ORM_PROMPT, lbv1JudgeMessages, lbv1JudgeWithRetry, lbv1Verdict } from '../../lib/eval/scorers/judge.js';
import { extractAnswer as lbExtract, middleTruncate, scoreLbv1Sample, summarizeLbv1 } from '../../lib/eval/scorers/lbv1qa.js';
import { grade, rescoreMrcr, stripThinking, summarizeMrcr } from '../../lib/eval/scorers/mrcr.js';
import { pyRound2, pySplit, pySplitlines, pyStrip } from '../../lib/eval/scorers/pytext.js';

const FIX = join(import.meta.dirname, 'fixtures');

describe('pytext (Python str semantics)', () => {
  it('strip/split use str.isspace, not JS trim', () => {
    expect(pyStrip('\ufeffx\ufeff')).toBe('\ufeffx\ufeff'); // BOM is not Python whitespace
    expect(pyStrip('\x1cx\x85')).toBe('x'); // \x1c and \x85 are
    expect(pySplit(' a\u3000b\x1fc ')).toEqual(['a', 'b', 'c']);
    expect(pySplitlines('a\r\nb\x0bc\u2028d\n')).toEqual(['a', 'b', 'c', 'd']);
    expect(pySplitlines('')).toEqual([]);
  });
  it('round(x, 2) ties to even on the binary value', () => {
    expect(pyRound2(0.125)).toBe(0.12); // exact tie → even
    expect(pyRound2(0.375)).toBe(0.38);
    expect(pyRound2(2.675)).toBe(2.67); // 2.67499999… in binary
    expect(pyRound2(66.66666666)).toBe(66.67);
  });
});

describe('MRCR (mrcr_eval.py)', () => {
  it('strip_thinking: <think> blocks, then the text after the first remaining </think>', () => {
    expect(stripThinking('<think>a\nb</think>  answer ')).toBe('answer');
    expect(stripThinking('reasoning</think>ans</think>x')).toBe('ans</think>x');
    expect(stripThinking('<think>1</think>A<think>2</think>B')).toBe('AB');
  });
  it('grade: 0 without the prefix, else difflib ratio of the stripped strings', () => {
    expect(grade('hello', 'PFXhello', 'PFX')).toBe(0);
    expect(grade('PFXhello world', 'PFXhello world', 'PFX')).toBe(1);
    expect(grade('PFXabcd', 'PFXbcde', 'PFX')).toBe(0.75); // 2·3/8
    expect(grade('PFXX', 'Y', 'PFX')).toBe(0); // answer without the prefix is compared as is
  });
  it('summary: overall/per_needle/per_bin × 100, round(·, 2), str keys, "?" for missing', () => {
    const recs = [
      { needle_count: 2, bin: '0-8k', score: 1 },
      { needle_count: 2, bin: '8k-16k', score: 0.5 },
      { needle_count: 8, bin: '0-8k', score: 0.3333333 },
      { score: 0 },
    ];
    const s = summarizeMrcr(recs);
    expect(s).toEqual({ overall: 45.83, n_samples: 4, per_needle: { '2': 75, '8': 33.33, '?': 0 }, per_bin: { '0-8k': 66.67, '8k-16k': 50, '?': 0 } });
  });
  it('rescore (the reference --rescore): think stripped, then graded', () => {
    const { records, summary } = rescoreMrcr([{ answer: 'Kxyz', random_string_to_prepend: 'K', response: '<think>hmm</think>Kxyz', needle_count: 4, bin: '0-8k' }]);
    expect(records[0].score).toBe(1);
    expect(records[0].response).toBe('Kxyz');
    expect(summary.overall).toBe(100);
  });
});

describe('DocMath rule (docmath/utils.py), hand-worked', () => {
  it('extract_answer: number after "the answer is", commas and trailing dots dropped', () => {
    expect(dmExtract('So... Therefore, the answer is 1,234.5.')).toBe('1234.5');
    expect(dmExtract('the answer is **$-3.2**')).toBe('$-3.2'); // * removed first
    expect(dmExtract('THE ANSWER IS 12.5%')).toBe('12.5'); // case-insensitive; % is not part of the group after the digits
    expect(dmExtract('no final answer (sorry)')).toBe('no final answer sorry'); // parentheses deleted, whole text returned
  });
  it('remove_until keeps the text after the FIRST </think>', () => {
    expect(removeUntil('a</think>b</think>c')).toBe('b</think>c');
    expect(removeUntil('plain')).toBe('plain');
  });
  it('normalize: currency words, =, ≈, booleans, units, 10^, x, options', () => {
    expect(normalizeString('= 3 + 4 = 7.')).toBe('7');
    expect(normalizeString('≈ 3.5')).toBe('3.5');
    expect(normalizeString('yes')).toBe('True');
    expect(normalizeString('It is False that')).toBe('False');
    expect(normalizeString('42 apples')).toBe('42'); // unit after the number
    expect(normalizeString('USD 42')).toBe('42'); // 'US' is deleted before 'USD' is tried: 'D 42', then the unit-before rule
    expect(normalizeString('about 42')).toBe('42'); // unit before the number
    expect(normalizeString('42kg')).toBe('42'); // ≤ 2 trailing non-digits
    expect(normalizeString('2 x 10^3')).toBe('2*math.pow(10, 3)');
    expect(normalizeString('1,234,567')).toBe('1234567');
    expect(normalizeString('(b) 12')).toBe('12'); // the unit-before rule fires first ('(b)' is a "unit")
    expect(normalizeString('(b)')).toBe('"(b)"'); // option → quoted string
    expect(normalizeString('')).toBe('0');
  });
  it('eval subset: Python literal rules and arithmetic', () => {
    expect(pyEval('2*math.pow(10, 3)')).toEqual({ t: 'float', v: 2000 });
    expect(pyEval('1/4')).toEqual({ t: 'float', v: 0.25 });
    expect(pyEval('7//2')).toEqual({ t: 'int', v: 3 });
    expect(pyEval('-7 % 3')).toEqual({ t: 'int', v: 2 });
    expect(pyEval('2**-1')).toEqual({ t: 'float', v: 0.5 });
    expect(pyEval('1_000')).toEqual({ t: 'int', v: 1000 });
    expect(pyEval('1e3')).toEqual({ t: 'float', v: 1000 });
    expect(pyEval('1, 2')).toEqual({ t: 'tuple', v: [{ t: 'int', v: 1 }, { t: 'int', v: 2 }] });
    expect(() => pyEval('007')).toThrow(); // leading zeros: SyntaxError in Python 3
    expect(() => pyEval('12abc')).toThrow();
    expect(() => pyEval('x')).toThrow(/NameError/);
    expect(normalize('007')).toEqual({ t: 'int', v: 0 }); // eval failure → 0
    expect(normalize('3, 4')).toEqual({ t: 'list', v: [{ t: 'int', v: 3 }, { t: 'int', v: 4 }] });
  });
  it('compare_two_numbers: powers of ten, scale tolerance, 2-decimal ceil, 0.15 % eps', () => {
    expect(compareTwoNumbers({ t: 'float', v: 12.5 }, 0.125)).toBe(true); // ratio exactly 100
    expect(compareTwoNumbers({ t: 'int', v: 5 }, 5_000_000)).toBe(true); // ratio 10^6 ("5 million")
    expect(compareTwoNumbers({ t: 'float', v: 100.1 }, 100)).toBe(true); // |Δ| = 0.1 ≤ 0.15
    expect(compareTwoNumbers({ t: 'float', v: 100.2 }, 100)).toBe(false); // 0.2 > 0.15
    expect(compareTwoNumbers({ t: 'float', v: 0.0149 }, 0.0151)).toBe(true); // ceil(1.49) = ceil(1.51) = 2 → 0.02 = 0.02
    expect(compareTwoNumbers({ t: 'float', v: 0.0149 }, 0.0161)).toBe(true); // ceil(1.61) = ceil(1.49) = 2 as well
    expect(compareTwoNumbers({ t: 'float', v: 0.0149 }, 0.0251)).toBe(false); // 0.02 vs 0.03, ratio 1.68, far outside 0.15 %
    expect(compareTwoNumbers({ t: 'int', v: 0 }, 0)).toBe(true); // v2 ≤ v1/50 and 0 within 0 ± 0
    expect(compareTwoNumbers({ t: 'int', v: 0 }, 42)).toBe(false);
    expect(compareTwoNumbers({ t: 'str', v: '42' }, 42)).toBe(false);
    expect(() => compareTwoNumbers({ t: 'none' }, 42)).toThrow();
  });
  it('get_acc: answer types, int(gt), the bool(gt) quirk, exceptions → 0', () => {
    expect(getAcc('1234.5', '1234.5', 'float')).toBe(1);
    expect(getAcc('12.0', '12', 'int')).toBe(1);
    expect(getAcc('12', '12.0', 'int')).toBe(0); // int('12.0') raises → 0
    expect(getAcc('12', '12.0', 'float64')).toBe(1);
    expect(getAcc('yes', 'False', 'bool')).toBe(1); // bool('False') is True: the reference's quirk, reproduced
    expect(getAcc('no', 'False', 'bool')).toBe(0);
    expect(getAcc('12', '12', 'str')).toBe(0); // answer_type must be int/float/float64/bool
    expect(getAcc('007', '7', 'int')).toBe(0); // eval('007') fails → 0 vs 7
    expect(getAcc('It is 42 apples', '42', 'int')).toBe(0); // no rule extracts the number → eval fails → 0
    expect(getAcc('(a)', '1', 'int')).toBe(0); // option string vs number → False
    expect(getAcc('None', '1', 'int')).toBe(0);
    expect(getAcc('-5.005', '-5', 'float')).toBe(1);
  });
  it('per-sample max(rule, judge) and the micro-average', () => {
    const s1 = scoreDocMath({ prediction: '<think>x</think>Therefore, the answer is 12.5%', target: '0.125', answer_type: 'float', judge: 'Equivalent. [[NO]]' });
    expect(s1).toEqual({ extracted: '12.5', acc: 1, llm_judge_acc: 0, max_acc: 1 });
    const s2 = scoreDocMath({ prediction: 'the answer is 7', target: '8', answer_type: 'int', judge: 'They match. [[YES]]' });
    expect(s2.max_acc).toBe(1);
    const sum = summarizeDocMath([
      { prediction: 'the answer is 1', target: '1', answer_type: 'int', subset: 'a' },
      { prediction: 'the answer is 2', target: '3', answer_type: 'int', subset: 'a' },
      { prediction: 'the answer is 3', target: '3', answer_type: 'int', subset: 'b' },
    ]);
    expect(sum.acc).toBeCloseTo(2 / 3, 15);
    expect(sum.llm_judge_acc).toBeNull();
    expect(sum.per_subset).toEqual({ a: { n: 2, acc: 0.5, max_acc: 0.5 }, b: { n: 1, acc: 1, max_acc: 1 } });
  });
});

describe('judge verdicts and prompts', () => {
  it('DocMath/Frames: YES anywhere; CorpusQA: [[YES]] and not [[NO]]', () => {
    expect(evalscopeVerdict('[[NO]] but YES')).toBe(1);
    expect(evalscopeVerdict('[[yes]]')).toBe(0);
    expect(corpusqaVerdict('... [[YES]]')).toBe(true);
    expect(corpusqaVerdict('[[YES]] ... actually [[NO]]')).toBe(false);
    expect(corpusqaVerdict('YES')).toBe(false);
  });
  it('LBV1: first [[yes|no]] match, case-insensitive with Unicode folding; else ambiguous', () => {
    expect(lbv1Verdict('Explanation. [[ Yes ]]')).toBe(1);
    expect(lbv1Verdict('[[no]] then [[YES]]')).toBe(0);
    expect(lbv1Verdict('no verdict')).toBe(0.5);
    // Python: re.I matches 'ſ' (U+017F) for 's', then group(1).lower() == 'yeſ' != 'yes' → 0 (checked with python3).
    expect(lbv1Verdict('[[YEſ]]')).toBe(0);
  });
  it('LBV1 retry: ambiguous or error → ask again, 3 attempts, then 0', async () => {
    const replies = ['hmm', 'still unsure', '[[YES]]'];
    expect(await lbv1JudgeWithRetry(async (a) => replies[a - 1])).toEqual({ score: 1, attempts: 3 });
    expect(await lbv1JudgeWithRetry(async () => 'no verdict')).toEqual({ score: 0, attempts: 3 });
    expect(await lbv1JudgeWithRetry(async (a) => (a === 1 ? Promise.reject(new Error('timeout')) : '[[NO]]'))).toEqual({ score: 0, attempts: 2 });
  });
  it('prompt texts and answer order per benchmark', () => {
    expect(GENERAL_ORM_PROMPT.endsWith('[[YES]] or [[NO]]\n')).toBe(true);
    const ev = evalscopeJudgeMessages('Q?', 'GOLD', 'PRED');
    expect(ev[1].content).toBe('\nProblem: Q?\nAnswer 1: GOLD\nAnswer 2: PRED\n');
    const cq = corpusqaJudgeMessages('Q?', 'PRED', 'GOLD');
    expect(cq[0].content.endsWith('[[YES]] or [[NO]]')).toBe(true);
    expect(cq[1].content).toBe('\nProblem: Q?\nAnswer 1: PRED\nAnswer 2: GOLD\n');
    const lb = lbv1JudgeMessages('Q?', 'PRED', 'GOLD');
    expect(lb).toHaveLength(1);
    expect(lb[0].content).toContain('two answers, Answer1 and Answer2.');
    expect(lb[0].content.endsWith('Problem: Q?\nAnswer 1: PRED\nAnswer 2: GOLD')).toBe(true);
    // str.format semantics: a value containing a placeholder is not re-expanded.
    expect(evalscopeJudgeMessages('{answer_1}', 'G', 'P')[1].content).toBe('\nProblem: {answer_1}\nAnswer 1: G\nAnswer 2: P\n');
  });
});

describe('CorpusQA (corpusqa_eval.py)', () => {
  it('strip_think after the LAST </think>; extract "the answer is" to end of line', () => {
    expect(cqStrip('a</think>b</think> c ')).toBe('c');
    expect(cqExtract('Reasoning.\nThe answer is: 42 million\nDone')).toBe('42 million');
    expect(cqExtract('the answer is\n  7')).toBe('7'); // \s* crosses the newline, (.*) takes the next line
    expect(cqExtract(' no marker ')).toBe('no marker');
    expect(domainOf('financial_en_12')).toBe('financial_en');
  });
  it('overall and per-domain accuracy, verdict recomputed from the stored reply', () => {
    const s = summarizeCorpusQa([
      { id: 'financial_en_1', correct: false, reason: 'same [[YES]]' },
      { id: 'financial_en_2', correct: true, reason: 'different [[NO]]' },
      { id: 'education_en_1', correct: true },
      { id: 'x_1', correct: false, reason: 'Error: timeout' },
    ]);
    expect(s.total).toBe(4);
    expect(s.correct).toBe(2);
    expect(s.accuracy).toBe(50);
    expect(s.per_domain.financial_en).toEqual({ total: 2, correct: 1, accuracy: 50 });
  });
});

describe('Frames (score_frame.py + adapter)', () => {
  it('normalisation and CEM with Python word boundaries', () => {
    expect(framesNorm('The Eiffel Tower, 1,000 m.')).toBe('eiffel tower 1000 m');
    expect(cem('It opened in 2019.', '2')).toBe(false);
    expect(cem('Answer: 2 floors', '2')).toBe(true);
    expect(cem('Café de Flore', 'cafe')).toBe(true); // NFKD splits é; the combining mark is not \w
    expect(cem('ßx', 'x')).toBe(false); // ß is a Python word character: no boundary before x (checked with python3)
    expect(cem('anything', 'the')).toBe(false); // target normalises to '' → never matches
  });
  it('think stripping, answer extraction, max(CEM, LLM)', () => {
    expect(framesStrip('<think>a</think>b</think>c')).toBe('c');
    expect(extractFramesAnswer('**So** the answer is Paris. And the answer is  London..')).toBe('London');
    expect(extractFramesAnswer('no marker')).toBe('');
    expect(scoreFrames({ target: 'Paris', prediction: '<think>London?</think>It is Paris.', llmAcc: 0 }).score).toBe(1);
    expect(scoreFrames({ target: 'Paris', prediction: 'It is Lyon.', llmAcc: 1 }).score).toBe(1);
    expect(scoreFrames({ target: 'Paris', prediction: 'It is Lyon.', llmAcc: 0.4 }).score).toBe(0);
  });
});

describe('LBV1-QA (lbv1qa_eval.py)', () => {
  it('extract_answer: last "Therefore, the answer is" line, cleaned as the reference', () => {
    expect(lbExtract('x\nTherefore, the answer is (Paris).\nmore\ntherefore the answer is: "London".')).toBe('London"'); // strip('"') then rstrip('.') leaves the closing quote
    expect(lbExtract('Therefore the answer is (Rome)')).toBe('Rome');
    expect(lbExtract('first\n\n  last line.  \n')).toBe('last line');
    expect(lbExtract('   ')).toBe('');
  });
  it('middle truncation by code points', () => {
    expect(middleTruncate('abcdefghij', 4)).toBe('ab\n...[truncated]...\nij');
    expect(middleTruncate('😀😀😀', 3)).toBe('😀😀😀');
  });
  it('max over gold answers; per-subset mean × 100; overall = unweighted subset mean', async () => {
    const judge = async (pred: string, gold: string) => (pred === gold ? '[[YES]]' : '[[NO]]');
    expect(await scoreLbv1Sample('Therefore, the answer is Bob', ['Alice', 'Bob'], judge)).toEqual({ pred: 'Bob', score: 1 });
    expect(await scoreLbv1Sample('Therefore, the answer is Bob', [], judge)).toEqual({ pred: 'Bob', score: 0 });
    const s = summarizeLbv1([
      { dataset: 'qasper', llm_score: 1 },
      { dataset: 'qasper', llm_score: 0 },
      { dataset: 'musique', llm_score: 1 },
      { dataset: 'other', llm_score: 1 },
    ]);
    expect(s).toEqual({ per_subset: { qasper: 50, musique: 100 }, overall: 75 });
  });
});

describe('fixtures', () => {
  it('the MRCR fixture re-scores to the Python-computed summary stored with it', () => {
    const recs = readFileSync(join(FIX, 'mrcr_runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const expected = JSON.parse(readFileSync(join(FIX, 'mrcr_runs_summary.python.json'), 'utf8'));
    const { records, summary } = rescoreMrcr(recs);
    expect(records.map((r) => r.score)).toEqual(expected.scores);
    expect(summary).toEqual(expected.summary);
  });
});
