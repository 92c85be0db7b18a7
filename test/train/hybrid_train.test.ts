/**
 * The hybrid reward inside training (trainAsync) and `golongrl train`'s method flags: a REAL local
 * HTTP server on 127.0.0.1 implements the chat-completions endpoint with a deterministic judge; the
 * trainer rescoring each generation batch before dynamic sampling shows in the judge counters and in
 * score ≥ rule score; a failing judge falls back to the rule score with a count.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpJudge } from '../../lib/rewards/llm_judge.js';
import { selectBackend } from '../../lib/train/backend.js';
import { readSamplerLog } from '../../lib/train/retrospective.js';
import { getRecipe, train, trainAsync, type TrainConfig } from '../../lib/train/trainer.js';

const ROOT = join(import.meta.dirname, '..', '..');
let server: Server;
let base = '';
let requests = 0;

beforeAll(async () => {
  await selectBackend('cpu');
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      requests++;
      if (req.url?.startsWith('/down/')) {
        res.writeHead(500).end('{"error":"down"}');
        return;
      }
      const user = (JSON.parse(raw) as { messages: { content: string }[] }).messages[1].content;
      const answer = /Answer 1: (.*)\n/.exec(user)?.[1] ?? '';
      // Deterministic "lenient" judge: an answer that names at least one key is equivalent.
      const yes = /\bk[1-9]\b/.test(answer);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: yes ? 'Same keys. [[YES]]' : 'No. [[NO]]' } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const config = (): TrainConfig => ({ ...getRecipe('tiny'), families: ['summarization'], steps: 2 });

describe('hybrid reward in training', () => {
  it('rule < 1 rollouts go to the judge; [[YES]] lifts them to 1; counters and rule/final scores are logged', async () => {
    requests = 0;
    const judge = new HttpJudge({ baseUrl: `${base}/ok/v1`, model: 'judge', env: {} });
    const r = await trainAsync(config(), {}, { judge });
    r.policy.dispose();
    const st = r.judgeStats!;
    expect(st.calls).toBeGreaterThan(0);
    expect(st.calls).toBe(requests);
    expect(st.yes + st.no + st.fallbacks).toBe(st.calls);
    expect(st.raised).toBe(st.yes);
    expect(st.yes).toBeGreaterThan(0);
    const m = r.history.find((h) => h.metrics['train/num_kept_groups'] > 0)!.metrics;
    expect(m['critic/score/mean']).toBeGreaterThan(m['critic/rule_score/mean']);
    expect(m['critic/score/max']).toBe(1);
    expect(r.history.reduce((a, h) => a + h.metrics['reward/judge_calls'], 0)).toBe(st.calls);
    expect(r.history.reduce((a, h) => a + h.metrics['reward/judge_raised'], 0)).toBe(st.raised);
  });

  it('a judge that answers 500 falls back to the rule score on every call: the run equals the judge-less run', async () => {
    const judge = new HttpJudge({ baseUrl: `${base}/down/v1`, model: 'judge', env: {} });
    const r = await trainAsync(config(), {}, { judge });
    const plain = train(config());
    expect(r.judgeStats!.fallbacks).toBe(r.judgeStats!.calls);
    expect(r.judgeStats!.failures.http_error).toBe(r.judgeStats!.calls);
    expect(r.history.map((h) => h.metrics['critic/score/mean'])).toEqual(plain.history.map((h) => h.metrics['critic/score/mean']));
    const a = r.policy.getWeights();
    const b = plain.policy.getWeights();
    for (const k of Object.keys(a)) expect(Array.from(a[k])).toEqual(Array.from(b[k]));
    r.policy.dispose();
    plain.policy.dispose();
    expect(() => train(config(), {}, { judge })).toThrow(/trainAsync/);
  });
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'golongrl.mjs'), 'train', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOLONGRL_JUDGE_API_KEY: 'sk-never-printed' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('golongrl train: method flags', () => {
  it('--curriculum --retrospective --sft-steps --short-long-mix --judge-url run together; the key is never printed', async () => {
    const out = mkdtempSync(join(tmpdir(), 'golongrl-cli-methods-'));
    const r = await cli(['--recipe', 'tiny', '--steps', '4', '--backend', 'cpu', '--out', out, '--curriculum', '8:2,12', '--retrospective', '--replay-fraction', '0.5', '--sft-steps', '3', '--short-long-mix', '0.2:8', '--judge-url', `${base}/ok/v1`, '--lr-warmup-steps', '1', '--weight-decay', '0.1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { sft_steps_run: number; judge: { calls: number }; last_step_metrics: Record<string, number> };
    expect(s.sft_steps_run).toBe(3);
    expect(s.judge.calls).toBeGreaterThan(0);
    expect(s.last_step_metrics['curriculum/context_len']).toBe(12);
    expect(readSamplerLog(join(out, 'retrospective.jsonl')).some((e) => e.event === 'replay')).toBe(true);
    expect(r.stdout + r.stderr).not.toContain('sk-never-printed');
  });

  it('usage errors exit 2: --retrospective without a curriculum, a bad --curriculum, distill without a teacher', async () => {
    for (const args of [['--retrospective'], ['--curriculum', '8:x'], ['--distill-beta', '0.5']]) {
      const r = await cli(['--recipe', 'tiny', '--steps', '1', '--backend', 'cpu', '--json', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    }
  });
});
