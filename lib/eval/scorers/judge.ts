/**
 * The LLM-judge side of the benchmarks: the shared ORM prompt (as data) and, per benchmark, how the
 * judge's reply becomes a verdict — the deterministic half of judging, so saved replies can be re-scored
 * without Python. Sources (GoLongRL `Eval/QwenLong-Benchmarks/evalscope/`):
 *
 * - DocMath (`evalscope/benchmarks/docmath/docmath_adapter.py` llm_match_score) and Frames
 *   (`benchmarks/frames/frames_adapter.py`): system = GENERAL_ORM_PROMPT, user = ORM_USER_TEMPLATE with
 *   Answer 1 = GOLD, Answer 2 = prediction; correct iff the substring `YES` occurs anywhere in the reply
 *   (so "[[NO]] … YES" counts — reproduced as is).
 * - CorpusQA (`corpusqa_eval.py`): system = JUDGE_SYSTEM (the same text without the final newline), user =
 *   JUDGE_USER with Answer 1 = PREDICTION, Answer 2 = gold, temperature 0; correct iff `[[YES]]` is in the
 *   reply and `[[NO]]` is not.
 * - LBV1-QA (`lbv1qa_eval.py` llm_score / llm_judge): ONE user message (the prompt says "Answer1 and
 *   Answer2" in its second line), temperature 0; the first match of `\[\[\s*(yes|no)\s*\]\]`
 *   (case-insensitive) decides 1/0; no match = ambiguous (0.5) → ask again, up to 3 attempts in total,
 *   then 0; errors are retried the same way. The sample's score is the MAX over its gold answers.
 */

/** The reference ORM judge prompt; one copy, in the reward layer (QwenLong-L1's hybrid reward uses it too). */
import { GENERAL_ORM_PROMPT } from '../../rewards/llm_judge.js';
export { GENERAL_ORM_PROMPT };

export const ORM_USER_TEMPLATE = `
Problem: {problem}
Answer 1: {answer_1}
Answer 2: {answer_2}
`;

/** CorpusQA's system prompt: GENERAL_ORM_PROMPT without its trailing newline. */
export const CORPUSQA_JUDGE_SYSTEM = GENERAL_ORM_PROMPT.slice(0, -1);
export const CORPUSQA_JUDGE_USER = ORM_USER_TEMPLATE;

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

function fill(template: string, v: { problem: string; answer_1: string; answer_2: string }): string {
  // Python str.format: placeholders replaced once, left to right; values are not re-scanned.
  return template.replace(/\{(problem|answer_1|answer_2)\}/g, (_, k: 'problem' | 'answer_1' | 'answer_2') => v[k]);
}

/** DocMath / Frames judge request (Answer 1 = gold, Answer 2 = prediction). */
export function evalscopeJudgeMessages(problem: string, gold: string, prediction: string): ChatMessage[] {
  return [
    { role: 'system', content: GENERAL_ORM_PROMPT },
    { role: 'user', content: fill(ORM_USER_TEMPLATE, { problem, answer_1: gold, answer_2: prediction }) },
  ];
}

/** CorpusQA judge request (Answer 1 = prediction, Answer 2 = gold). */
export function corpusqaJudgeMessages(problem: string, prediction: string, gold: string): ChatMessage[] {
  return [
    { role: 'system', content: CORPUSQA_JUDGE_SYSTEM },
    { role: 'user', content: fill(CORPUSQA_JUDGE_USER, { problem, answer_1: prediction, answer_2: gold }) },
  ];
}

/** LBV1-QA judge request: one user message, as lbv1qa_eval.py builds it. */
export function lbv1JudgeMessages(question: string, pred: string, answer: string): ChatMessage[] {
  const prompt = `You are an expert in verifying if two answers are the same.
Your input is a problem and two answers, Answer1 and Answer2. You need to check if they are equivalent.
Your task is to determine if two answers are equivalent, without attempting to solve the original problem.
Compare the answers to verify they represent identical values or meaning, even when written in different forms or notations.
Your output must follow the following format:
1) Provide an explanation for why the answers are equivalent or not.
2) Then provide your final answer in the form of: [[YES]] or [[NO]]
Problem: ${question}
Answer 1: ${pred}
Answer 2: ${answer}`;
  return [{ role: 'user', content: prompt }];
}

/** DocMath / Frames: 1 iff 'YES' occurs in the reply. */
export function evalscopeVerdict(reply: string): 0 | 1 {
  return reply.includes('YES') ? 1 : 0;
}

/** CorpusQA: '[[YES]]' in and '[[NO]]' not in. */
export function corpusqaVerdict(reply: string): boolean {
  return reply.includes('[[YES]]') && !reply.includes('[[NO]]');
}

// `re.IGNORECASE` on a str pattern folds Unicode case (e.g. U+017F 'ſ' matches 's'); the JS `iu` flags do too.
const LBV1_RE = /\[\[\s*(yes|no)\s*\]\]/iu;

/** LBV1 `llm_score`: 1 (yes), 0 (no) or 0.5 (no verdict found: ambiguous). */
export function lbv1Verdict(reply: string): 0 | 0.5 | 1 {
  const m = LBV1_RE.exec(reply);
  if (!m) return 0.5;
  return m[1].toLowerCase() === 'yes' ? 1 : 0;
}

/**
 * LBV1 `llm_judge`'s retry loop: up to `maxRetries` calls; an ambiguous verdict or an error is retried;
 * after the last attempt the score is 0. `ask` is the judge call (replayed replies, or a real client).
 */
export async function lbv1JudgeWithRetry(ask: (attempt: number) => Promise<string>, maxRetries = 3): Promise<{ score: 0 | 1; attempts: number }> {
  for (let attempt = 1; attempt <= maxRetries; attempt++) {
    try {
      const s = lbv1Verdict(await ask(attempt));
      if (s !== 0.5) return { score: s, attempts: attempt };
    } catch {
      // retried like an ambiguous verdict
    }
  }
  return { score: 0, attempts: maxRetries };
}
