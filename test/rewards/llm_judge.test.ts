/**
 * The LLM judge client and the hybrid reward against a REAL HTTP server on 127.0.0.1 that implements
 * the OpenAI chat-completions endpoint with a deterministic judge (it answers from the request's
 * Answer 1 / Answer 2), plus misbehaving modes: malformed reply, non-JSON, a hang (timeout), HTTP 500.
 * Only the boundary is tested here (no real LLM is installable); the request is checked against the
 * documented chat-completions shape and the reference prompt text.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyHybridStats, hybridScore, hybridScores } from '../../lib/rewards/hybrid.js';
import { GENERAL_ORM_PROMPT, HttpJudge, ormUserMessage, parseVerdict, type Judge } from '../../lib/rewards/llm_judge.js';

interface Seen {
  url: string;
  auth: string | undefined;
  body: { model: string; messages: { role: string; content: string }[]; temperature: number; max_tokens: number };
}

const seen: Seen[] = [];
let server: Server;
let base = '';
const hanging: ServerResponse[] = [];

/** The deterministic judge: equal answers (case-insensitive, trimmed) → [[YES]], else [[NO]]. */
function verdictFor(user: string): string {
  const a1 = /Answer 1: (.*)\n/.exec(user)?.[1] ?? '';
  const a2 = /Answer 2: (.*)\n/.exec(user)?.[1] ?? '';
  return a1.trim().toLowerCase() === a2.trim().toLowerCase() ? 'They are the same value. [[YES]]' : 'They differ. [[NO]]';
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const mode = req.url?.split('/')[1] ?? '';
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as Seen['body'];
      seen.push({ url: req.url, auth: req.headers.authorization, body });
      const reply = (content: string) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
      };
      if (mode === 'ok') reply(verdictFor(body.messages[1].content));
      else if (mode === 'malformed') reply('I think they might be the same, hard to say.');
      else if (mode === 'both') reply('[[YES]] or maybe [[NO]]');
      else if (mode === 'notjson') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('<html>gateway</html>');
      } else if (mode === 'error500') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error": "overloaded"}');
      } else if (mode === 'hang') hanging.push(res);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const r of hanging) r.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const REQ = { problem: 'What is the value of k3?', answer: 'v7', reference: 'V7' };

describe('parseVerdict', () => {
  it('[[YES]] → true, [[NO]] → false, neither or both → null', () => {
    expect(parseVerdict('blah [[YES]]')).toBe(true);
    expect(parseVerdict('[[NO]]')).toBe(false);
    expect(parseVerdict('YES')).toBe(null);
    expect(parseVerdict('[[YES]] [[NO]]')).toBe(null);
  });
});

describe('HttpJudge against a local chat-completions server', () => {
  it('sends the reference ORM prompt (system) and Problem/Answer 1/Answer 2 (user), temperature 0, to …/chat/completions', async () => {
    seen.length = 0;
    const j = new HttpJudge({ baseUrl: `${base}/ok/v1`, model: 'judge-x', env: {} });
    expect(await j.judge(REQ)).toEqual({ verdict: true });
    expect(seen).toHaveLength(1);
    expect(seen[0].url).toBe('/ok/v1/chat/completions');
    expect(seen[0].auth).toBeUndefined();
    const b = seen[0].body;
    expect(b.model).toBe('judge-x');
    expect(b.temperature).toBe(0);
    expect(b.messages[0]).toEqual({ role: 'system', content: GENERAL_ORM_PROMPT });
    expect(b.messages[0].content).toContain('You are an expert in verifying if two answers are the same.');
    expect(b.messages[0].content).toContain('[[YES]] or [[NO]]');
    expect(b.messages[1]).toEqual({ role: 'user', content: ormUserMessage(REQ.problem, REQ.answer, REQ.reference) });
    expect(b.messages[1].content).toBe('\nProblem: What is the value of k3?\nAnswer 1: v7\nAnswer 2: V7\n');
  });

  it('[[NO]] for different answers', async () => {
    const j = new HttpJudge({ baseUrl: `${base}/ok/v1`, model: 'm', env: {} });
    expect(await j.judge({ ...REQ, answer: 'v2' })).toEqual({ verdict: false });
  });

  it('the API key comes from the environment only, as a Bearer header, and never appears in results', async () => {
    seen.length = 0;
    const j = new HttpJudge({ baseUrl: `${base}/error500/v1`, model: 'm', env: { GOLONGRL_JUDGE_API_KEY: 'sk-secret-123' } });
    const r = await j.judge(REQ);
    expect(seen[0].auth).toBe('Bearer sk-secret-123');
    expect(JSON.stringify(r)).not.toContain('sk-secret');
    expect(JSON.stringify(j.body(REQ))).not.toContain('sk-secret');
  });

  it.each([
    ['malformed', 'no_verdict'],
    ['both', 'no_verdict'],
    ['notjson', 'bad_json'],
    ['error500', 'http_error'],
  ])('%s reply → no verdict (%s)', async (mode, reason) => {
    const j = new HttpJudge({ baseUrl: `${base}/${mode}/v1`, model: 'm', env: {} });
    const r = await j.judge(REQ);
    expect(r.verdict).toBe(null);
    expect(r.reason).toBe(reason);
  });

  it('a hanging server times out after timeoutMs', async () => {
    const j = new HttpJudge({ baseUrl: `${base}/hang/v1`, model: 'm', timeoutMs: 200, env: {} });
    const t0 = Date.now();
    const r = await j.judge(REQ);
    expect(r).toMatchObject({ verdict: null, reason: 'timeout' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a closed port is a network error', async () => {
    const j = new HttpJudge({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm', env: {} });
    expect((await j.judge(REQ)).reason).toBe('network_error');
  });

  it('rejects a non-http URL', () => {
    expect(() => new HttpJudge({ baseUrl: 'ftp://x', model: 'm' })).toThrow(/http/);
    expect(() => new HttpJudge({ baseUrl: 'not a url', model: 'm' })).toThrow(/not a URL/);
  });
});

describe('hybrid reward: max(rule, judge) when rule < 1', () => {
  it('rule 1 never calls the judge; rule < 1 with [[YES]] → 1; [[NO]] keeps the rule score', async () => {
    seen.length = 0;
    const j = new HttpJudge({ baseUrl: `${base}/ok/v1`, model: 'm', env: {} });
    const st = emptyHybridStats();
    expect(await hybridScore(1, REQ, j, st)).toBe(1);
    expect(seen).toHaveLength(0);
    expect(await hybridScore(0.25, REQ, j, st)).toBe(1);
    expect(await hybridScore(0.25, { ...REQ, answer: 'v1' }, j, st)).toBe(0.25);
    expect(st).toMatchObject({ calls: 2, yes: 1, no: 1, fallbacks: 0, raised: 1 });
  });

  it('timeouts, 500s and bad replies fall back to the rule score and are counted by reason', async () => {
    const st = emptyHybridStats();
    for (const [mode, rule] of [['hang', 0.5], ['error500', 0], ['malformed', 0.3], ['notjson', 0.1]] as const) {
      const j = new HttpJudge({ baseUrl: `${base}/${mode}/v1`, model: 'm', timeoutMs: 150, env: {} });
      expect(await hybridScore(rule, REQ, j, st)).toBe(rule);
    }
    expect(st).toMatchObject({ calls: 4, yes: 0, no: 0, fallbacks: 4, raised: 0, failures: { timeout: 1, http_error: 1, no_verdict: 1, bad_json: 1 } });
  });

  it('a judge that throws is a fallback too; hybridScores keeps input order under concurrency', async () => {
    const thrower: Judge = { judge: () => Promise.reject(new Error('boom')) };
    const st = emptyHybridStats();
    expect(await hybridScore(0.2, REQ, thrower, st)).toBe(0.2);
    expect(st.fallbacks).toBe(1);
    // Replies arrive in reverse order; results stay in input order.
    const slow: Judge = { judge: (r) => new Promise((res) => setTimeout(() => res({ verdict: r.answer === 'yes' }), r.answer === 'yes' ? 30 : 1)) };
    const st2 = emptyHybridStats();
    const out = await hybridScores([{ rule: 0, req: { ...REQ, answer: 'yes' } }, { rule: 0.5, req: { ...REQ, answer: 'no' } }, { rule: 1, req: REQ }], slow, st2, 4);
    expect(out).toEqual([1, 0.5, 1]);
    expect(st2.calls).toBe(2);
  });
});
