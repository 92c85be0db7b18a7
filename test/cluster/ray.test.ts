/**
 * SHAPES TEST — the real Ray is in test/cluster/ray.real.test.ts. Here a real HTTP server on 127.0.0.1
 * implements the request/response shapes of the documented Ray Jobs REST API (docs.ray.io "Ray Jobs REST
 * API" + its OpenAPI spec: POST /api/jobs/, GET /api/jobs/, GET /api/jobs/{id}, GET /api/jobs/{id}/logs,
 * POST /api/jobs/{id}/stop; statuses PENDING/RUNNING/STOPPED/SUCCEEDED/FAILED) and checks every request
 * the backend sends against that format (including that no browser-only header — Origin, Referer,
 * Sec-Fetch-* — is sent: Ray refuses such POSTs); the backend is driven through the same Job API.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapRayStatus, rayEntrypoint } from '../../lib/cluster/backends/ray.js';
import { attachJob, pollStates, submitJob } from '../../lib/cluster/jobs.js';
import type { JobSpec } from '../../lib/cluster/types.js';

type RayJob = { submission_id: string; entrypoint: string; status: string; polls: number; logs: string; body: Record<string, unknown> };
const jobs = new Map<string, RayJob>();
const violations: string[] = [];
const requests: string[] = [];
let server: Server;
let address = '';
const dir = mkdtempSync(join(tmpdir(), 'golongrl-ray-'));

function send(res: ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Validate a submit body against the documented request JSON object. */
function checkSubmit(b: Record<string, unknown>): void {
  const allowed = ['entrypoint', 'submission_id', 'job_id', 'runtime_env', 'metadata', 'entrypoint_num_cpus', 'entrypoint_num_gpus', 'entrypoint_memory', 'entrypoint_resources'];
  for (const k of Object.keys(b)) if (!allowed.includes(k)) violations.push(`unknown submit field ${k}`);
  if (typeof b.entrypoint !== 'string' || b.entrypoint === '') violations.push('entrypoint must be a non-empty string');
  if (b.submission_id !== undefined && typeof b.submission_id !== 'string') violations.push('submission_id must be a string');
  if (b.runtime_env !== undefined && (typeof b.runtime_env !== 'object' || b.runtime_env === null)) violations.push('runtime_env must be an object');
  const env = (b.runtime_env as { env_vars?: Record<string, unknown> } | undefined)?.env_vars;
  if (env) for (const [k, v] of Object.entries(env)) if (typeof v !== 'string') violations.push(`env_vars.${k} must be a string`);
  if (b.metadata !== undefined) for (const [k, v] of Object.entries(b.metadata as object)) if (typeof v !== 'string') violations.push(`metadata.${k} must be a string`);
}

function details(j: RayJob) {
  return { type: 'SUBMISSION', job_id: null, submission_id: j.submission_id, status: j.status, entrypoint: j.entrypoint, message: `Job ${j.status}`, metadata: j.body.metadata, runtime_env: j.body.runtime_env };
}

/** PENDING → RUNNING → SUCCEEDED as the job is polled (a job whose entrypoint contains 'exit 1' FAILS). */
function advance(j: RayJob) {
  if (j.status === 'STOPPED' || j.status === 'SUCCEEDED' || j.status === 'FAILED') return;
  j.polls++;
  if (j.polls >= 2) j.status = 'RUNNING';
  if (j.polls >= 2) j.logs = 'step 1\n';
  if (j.polls >= 4) {
    j.status = j.entrypoint.includes('exit 1') ? 'FAILED' : 'SUCCEEDED';
    j.logs += 'step 2\ndone';
  }
}

async function handler(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const url = req.url ?? '';
  requests.push(`${req.method} ${url}`);
  if (req.method === 'POST' && url === '/api/jobs/') {
    if (req.headers['content-type'] !== 'application/json') violations.push('submit without content-type application/json');
    for (const h of Object.keys(req.headers)) if (/^(origin|referer|sec-fetch-)/i.test(h)) violations.push(`browser header ${h}: Ray's dashboard refuses it as browser traffic`);
    const b = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    checkSubmit(b);
    const id = (b.submission_id as string) ?? `raysubmit_${jobs.size}`;
    if (jobs.has(id)) return send(res, 400, { error: 'duplicate submission_id' });
    jobs.set(id, { submission_id: id, entrypoint: b.entrypoint as string, status: 'PENDING', polls: 0, logs: '', body: b });
    return send(res, 200, { job_id: id, submission_id: id });
  }
  if (req.method === 'GET' && url === '/api/jobs/') {
    for (const j of jobs.values()) advance(j);
    return send(res, 200, [...jobs.values()].map(details));
  }
  const m = /^\/api\/jobs\/([^/]+)(\/logs|\/stop)?$/.exec(url);
  const j = m ? jobs.get(decodeURIComponent(m[1])) : undefined;
  if (!m || !j) return send(res, 404, { error: 'not found' });
  if (req.method === 'GET' && !m[2]) return send(res, 200, details(j));
  if (req.method === 'GET' && m[2] === '/logs') return send(res, 200, { logs: j.logs });
  if (req.method === 'POST' && m[2] === '/stop') {
    const stopped = j.status === 'PENDING' || j.status === 'RUNNING';
    if (stopped) j.status = 'STOPPED';
    return send(res, 200, { stopped });
  }
  send(res, 405, { error: 'method not allowed' });
}

beforeAll(async () => {
  server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  address = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const spec = (extra: Partial<JobSpec> = {}): JobSpec => ({
  name: "ray 'job' $(x)",
  payload: { kind: 'verl', entrypoint: ['python3', '-m', 'verl.trainer.main_ppo'], overrides: ["trainer.experiment_name='a b'", 'trainer.nnodes=2'], workdir: '/opt/verl dir' },
  resources: { nodes: 2, gpusPerNode: 8 },
  env: { VLLM_USE_V1: '1' },
  secretEnv: ['GOLONGRL_RAY_CANARY'],
  ...extra,
});

describe('ray backend (documented Ray Jobs REST shapes on a loopback server; the real Ray is ray.real.test.ts)', () => {
  it('submits, polls (batched), reads logs, re-attaches; the secret travels only in the request', async () => {
    const canary = 'CANARY-' + Math.random().toString(36).slice(2);
    process.env.GOLONGRL_RAY_CANARY = canary;
    const opts = { jobsDir: join(dir, 'jobs'), poll: { initialDelayMs: 20, maxDelayMs: 50 }, backend: { ray: { address } } };
    const job = await submitJob(spec(), 'ray', opts);
    delete process.env.GOLONGRL_RAY_CANARY;
    expect(violations).toEqual([]);
    expect(job.backendId).toBe(`golongrl-${job.id}`);
    const sent = jobs.get(job.backendId)!.body as { entrypoint: string; runtime_env: { env_vars: Record<string, string> }; metadata: Record<string, string> };
    expect(sent.entrypoint).toBe("cd '/opt/verl dir' && python3 -m verl.trainer.main_ppo 'trainer.experiment_name='\\''a b'\\''' trainer.nnodes=2");
    expect(sent.runtime_env.env_vars).toEqual({ VLLM_USE_V1: '1', GOLONGRL_RAY_CANARY: canary });
    expect(sent.metadata).toEqual({ golongrl_job_id: job.id, name: "ray 'job' $(x)" });
    for (const f of readdirSync(job.paths.dir)) expect(readFileSync(join(job.paths.dir, f), 'utf8')).not.toContain(canary);

    const other = await submitJob(spec({ payload: { kind: 'command', argv: ['sh', '-c', 'exit 1'] }, secretEnv: [] }), 'ray', opts);
    const before = requests.filter((r) => r === 'GET /api/jobs/').length;
    await pollStates([job, other]);
    expect(requests.filter((r) => r === 'GET /api/jobs/').length).toBe(before + 1); // one query for both
    expect(await job.wait()).toBe('COMPLETED');
    expect(await other.wait()).toBe('FAILED');
    const lines: string[] = [];
    for await (const l of job.logs()) lines.push(l);
    expect(lines).toEqual(['step 1', 'step 2', 'done']);
    expect(attachJob(job.id, opts).lastState).toBe('COMPLETED');
    expect(violations).toEqual([]);
  });

  it('cancel posts /stop and the job ends CANCELLED (STOPPED)', async () => {
    const opts = { jobsDir: join(dir, 'jobs'), poll: { initialDelayMs: 20, maxDelayMs: 50 }, backend: { ray: { address } } };
    const job = await submitJob(spec({ secretEnv: [] }), 'ray', opts);
    await job.cancel();
    expect(requests).toContain(`POST /api/jobs/${job.backendId}/stop`);
    expect(await job.wait()).toBe('CANCELLED');
  });

  it('maps every documented status and quotes the entrypoint', () => {
    expect(['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'STOPPED', 'weird'].map(mapRayStatus)).toEqual(['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'UNKNOWN']);
    expect(rayEntrypoint({ ...spec(), payload: { kind: 'command', argv: ['echo', '$(touch /tmp/x)', '`id`'] } })).toBe("echo '$(touch /tmp/x)' '`id`'");
  });
});
