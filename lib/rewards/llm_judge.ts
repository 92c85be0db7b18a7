/**
 * An LLM judge of answer equivalence over an OpenAI-compatible chat-completions endpoint, as the
 * reference uses one (GOLONGRL.md §E, §F):
 *
 * - Prompt: the system prompt is the reference's `GENERAL_ORM_PROMPT` and the user message its
 *   `ORM_USER_TEMPLATE` ("Problem: / Answer 1: / Answer 2:"), verbatim from
 *   `Eval/QwenLong-Benchmarks/evalscope/evalscope/benchmarks/docmath/utils.py` (the same text in the
 *   DocMath, Frames and CorpusQA evaluations). As in QwenLong-L1's training reward, Answer 1 is the
 *   model's answer and Answer 2 the reference.
 * - Request: `POST {baseUrl}/chat/completions` with `{model, messages, temperature: 0, max_tokens}`;
 *   the API key, if any, comes ONLY from the environment (`GOLONGRL_JUDGE_API_KEY`, else
 *   `OPENAI_API_KEY`) and is sent as `Authorization: Bearer …`; it is never logged or returned.
 * - Verdict: `choices[0].message.content` must contain exactly one of `[[YES]]` / `[[NO]]` (as
 *   CorpusQA's `corpusqa_eval.py`: correct iff `[[YES]]` is in the reply and `[[NO]]` is not). A reply
 *   with neither or both, a non-JSON body, a non-2xx status, a network error or a timeout is NOT a
 *   verdict: `judge` returns `{verdict: null, reason}` and callers fall back to the rule score (and
 *   count it, hybrid.ts). The reference's DocMath/QwenLong-L1 code instead scores 1 iff the substring
 *   `YES` occurs anywhere; the stricter bracketed form is the one its prompt asks for.
 *
 * `Judge` is an interface so tests and the trainer can inject any implementation; `HttpJudge` is the
 * real client (node's fetch with an AbortController timeout).
 */

export const GENERAL_ORM_PROMPT = `You are an expert in verifying if two answers are the same.
Your input is a problem and two answers, Answer 1 and Answer 2. You need to check if they are equivalent.
Your task is to determine if two answers are equivalent, without attempting to solve the original problem.
Compare the answers to verify they represent identical values or meaning, even when written in different forms or notations.

Your output must follow the following format:
1) Provide an explanation for why the answers are equivalent or not.
2) Then provide your final answer in the form of: [[YES]] or [[NO]]
`;

export function ormUserMessage(problem: string, answer1: string, answer2: string): string {
  return `\nProblem: ${problem}\nAnswer 1: ${answer1}\nAnswer 2: ${answer2}\n`;
}

export interface JudgeRequest {
  problem: string;
  /** The model's answer. */
  answer: string;
  /** The reference answer. */
  reference: string;
}

export type JudgeFailure = 'timeout' | 'http_error' | 'network_error' | 'bad_json' | 'no_verdict';

export interface JudgeResult {
  /** true = [[YES]], false = [[NO]], null = no usable verdict (see `reason`). */
  verdict: boolean | null;
  reason?: JudgeFailure;
  /** Detail for logs (never contains the API key). */
  detail?: string;
}

export interface Judge {
  judge(req: JudgeRequest): Promise<JudgeResult>;
}

/** `[[YES]]` → true, `[[NO]]` → false, neither or both → null. */
export function parseVerdict(content: string): boolean | null {
  const yes = content.includes('[[YES]]');
  const no = content.includes('[[NO]]');
  if (yes === no) return null;
  return yes;
}

export interface HttpJudgeOptions {
  /** Base URL of the OpenAI-compatible API, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  model: string;
  /** Per-request timeout in ms (default 30000). */
  timeoutMs?: number;
  maxTokens?: number;
  /** Where to read the API key from (default process.env). */
  env?: Record<string, string | undefined>;
}

export class HttpJudge implements Judge {
  readonly url: string;
  readonly timeoutMs: number;
  private readonly key: string | undefined;
  constructor(readonly options: HttpJudgeOptions) {
    let u: URL;
    try {
      u = new URL(options.baseUrl);
    } catch {
      throw new RangeError(`judge URL '${options.baseUrl}' is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RangeError(`judge URL '${options.baseUrl}' must be http(s)`);
    this.url = options.baseUrl.replace(/\/+$/, '') + '/chat/completions';
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const env = options.env ?? process.env;
    this.key = env.GOLONGRL_JUDGE_API_KEY ?? env.OPENAI_API_KEY;
  }

  /** The request body sent for a judgement (exported for tests and docs; holds no secret). */
  body(req: JudgeRequest): Record<string, unknown> {
    return {
      model: this.options.model,
      messages: [
        { role: 'system', content: GENERAL_ORM_PROMPT },
        { role: 'user', content: ormUserMessage(req.problem, req.answer, req.reference) },
      ],
      temperature: 0,
      max_tokens: this.options.maxTokens ?? 512,
    };
  }

  async judge(req: JudgeRequest): Promise<JudgeResult> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.timeoutMs);
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (this.key) headers.authorization = `Bearer ${this.key}`;
      let res: Response;
      try {
        res = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify(this.body(req)), signal: ac.signal });
      } catch (e) {
        if (ac.signal.aborted) return { verdict: null, reason: 'timeout', detail: `no reply within ${this.timeoutMs} ms` };
        return { verdict: null, reason: 'network_error', detail: (e as Error).message };
      }
      let text: string;
      try {
        text = await res.text();
      } catch (e) {
        if (ac.signal.aborted) return { verdict: null, reason: 'timeout', detail: `body not complete within ${this.timeoutMs} ms` };
        return { verdict: null, reason: 'network_error', detail: (e as Error).message };
      }
      if (!res.ok) return { verdict: null, reason: 'http_error', detail: `HTTP ${res.status}` };
      let content: unknown;
      try {
        content = (JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message?.content;
      } catch {
        return { verdict: null, reason: 'bad_json', detail: 'reply is not JSON' };
      }
      if (typeof content !== 'string') return { verdict: null, reason: 'bad_json', detail: 'no choices[0].message.content string' };
      const verdict = parseVerdict(content);
      return verdict === null ? { verdict: null, reason: 'no_verdict', detail: 'neither or both of [[YES]] / [[NO]]' } : { verdict };
    } finally {
      clearTimeout(timer);
    }
  }
}
