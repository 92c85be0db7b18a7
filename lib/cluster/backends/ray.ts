/**
 * `ray` backend: the Ray Jobs REST API of an existing Ray cluster's dashboard (default :8265), as
 * documented at docs.ray.io "Ray Jobs REST API" and its OpenAPI specification:
 *   POST /api/jobs/                 {entrypoint, submission_id, runtime_env, metadata} → {submission_id, job_id}
 *   GET  /api/jobs/                 list of job details (older servers: an object keyed by id)
 *   GET  /api/jobs/{id}             {status: PENDING|RUNNING|STOPPED|SUCCEEDED|FAILED, message, …}
 *   GET  /api/jobs/{id}/logs        {logs: "…"}
 *   POST /api/jobs/{id}/stop        {stopped: bool}
 * States: PENDING→PENDING, RUNNING→RUNNING, SUCCEEDED→COMPLETED, FAILED→FAILED, STOPPED→CANCELLED.
 * One GET /api/jobs/ per address answers every job there (the batched poll).
 *
 * The entrypoint is a shell command on the head node (Ray runs it with a shell), so each argv element is
 * single-quoted. Environment: the job gets the Ray cluster's own environment plus `runtime_env.env_vars`
 * = the spec's non-secret env and its DECLARED secrets — nothing of the submitting process's environment
 * (the allow-list holds by construction). Secret values are in the in-memory request only; the request
 * written to the job folder (`ray_request.json`) carries secret NAMES, never values. (Anyone who can read
 * the Ray dashboard can read a job's runtime_env; use cluster-side env for secrets if that matters.)
 * Tested against a real Ray head on loopback (test/cluster/ray.real.test.ts) and the documented shapes
 * (test/cluster/ray.test.ts). An unreachable or refusing job server is a `SchedulerError`.
 */
import type { JobRecord } from '../store.js';
import { writeFileAtomic } from '../store.js';
import { shJoin } from '../shell.js';
import type { JobSpec, JobState } from '../types.js';
import { SchedulerError, type BackendDriver, type SubmitContext, type SubmitResult } from './driver.js';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';

export const DEFAULT_RAY_ADDRESS = 'http://127.0.0.1:8265';

export interface RaySubmitRequest {
  entrypoint: string;
  submission_id: string;
  runtime_env: { env_vars: Record<string, string> };
  metadata: Record<string, string>;
}

export function rayAddress(opt?: string): string {
  const a = opt ?? process.env.RAY_API_SERVER_ADDRESS ?? (process.env.RAY_ADDRESS?.startsWith('http') ? process.env.RAY_ADDRESS : undefined) ?? DEFAULT_RAY_ADDRESS;
  return a.replace(/\/+$/, '');
}

export function rayEntrypoint(spec: JobSpec): string {
  const p = spec.payload;
  const argv = p.kind === 'verl' ? [...p.entrypoint, ...p.overrides] : [...p.argv];
  if (argv.length === 0) throw new Error(`job '${spec.name}': empty payload`);
  const cmd = shJoin(argv);
  return p.workdir ? `cd ${shJoin([p.workdir])} && ${cmd}` : cmd;
}

/** The submit body; `secrets` are included only when given (in memory, for the HTTP request). */
export function rayRequest(spec: JobSpec, id: string, secrets: Readonly<Record<string, string>> = {}): RaySubmitRequest {
  return {
    entrypoint: rayEntrypoint(spec),
    submission_id: `golongrl-${id}`,
    runtime_env: { env_vars: { ...spec.env, ...secrets } },
    metadata: { golongrl_job_id: id, name: spec.name, ...(spec.recipe ? { recipe: spec.recipe } : {}) },
  };
}

export function mapRayStatus(s: string): JobState {
  switch (s) {
    case 'PENDING':
      return 'PENDING';
    case 'RUNNING':
      return 'RUNNING';
    case 'SUCCEEDED':
      return 'COMPLETED';
    case 'FAILED':
      return 'FAILED';
    case 'STOPPED':
      return 'CANCELLED';
    default:
      return 'UNKNOWN';
  }
}

/**
 * One JSON request through node:http(s) — NOT fetch: Node's fetch sends `Sec-Fetch-Mode: cors`, and Ray's
 * dashboard refuses POSTs carrying any Sec-Fetch-* / Origin / Referer header as "browser traffic" (HTTP 405;
 * ray/dashboard/optional_utils.py `is_browser_request`), which only a real Ray head revealed.
 */
function request(method: 'GET' | 'POST', url: string, body?: string): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = mod(u, { method, headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) }, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out after 60 s'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

async function http(method: 'GET' | 'POST', url: string, body?: unknown): Promise<unknown> {
  let res: { status: number; text: string };
  try {
    res = await request(method, url, body !== undefined ? JSON.stringify(body) : undefined);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new SchedulerError(`Ray job server ${new URL(url).origin} unreachable (${code}): is the head running with its dashboard? (--ray-address / $RAY_API_SERVER_ADDRESS)`);
  }
  const text = res.text;
  if (res.status < 200 || res.status >= 300) throw new SchedulerError(`Ray job server ${method} ${url}: HTTP ${res.status} ${text.slice(0, 300).replace(/\s+/g, ' ')}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new SchedulerError(`Ray job server ${method} ${url}: response is not JSON: ${text.slice(0, 200)}`);
  }
}

function addressOf(rec: JobRecord): string {
  return String(rec.info.address ?? DEFAULT_RAY_ADDRESS);
}

export const rayBackend: BackendDriver = {
  kind: 'ray',

  async submit(spec: JobSpec, ctx: SubmitContext): Promise<SubmitResult> {
    const address = rayAddress(ctx.options.ray?.address);
    const persisted = rayRequest(spec, ctx.id);
    const script = join(ctx.paths.dir, 'ray_request.json');
    writeFileAtomic(script, JSON.stringify({ url: `${address}/api/jobs/`, secret_env_names: spec.secretEnv, body: persisted }, null, 2) + '\n');
    if (ctx.dryRun) return { backendId: 'dry-run', info: { address }, script };
    const res = (await http('POST', `${address}/api/jobs/`, rayRequest(spec, ctx.id, ctx.secrets))) as { submission_id?: string; job_id?: string };
    const backendId = res.submission_id ?? res.job_id;
    if (typeof backendId !== 'string') throw new SchedulerError(`Ray job server: submit response has no submission_id: ${JSON.stringify(res)}`);
    return { backendId, info: { address }, script };
  },

  async states(records) {
    const m = new Map<string, JobState>();
    const byAddr = new Map<string, JobRecord[]>();
    for (const r of records) byAddr.set(addressOf(r), [...(byAddr.get(addressOf(r)) ?? []), r]);
    for (const [addr, recs] of byAddr) {
      let list: unknown;
      try {
        list = await http('GET', `${addr}/api/jobs/`);
      } catch {
        continue; // unreachable: states stay unknown ("status may be inaccurate")
      }
      const status = new Map<string, string>();
      if (Array.isArray(list)) {
        for (const j of list as { submission_id?: string; job_id?: string; status?: string }[]) {
          if (j.status && j.submission_id) status.set(j.submission_id, j.status);
          if (j.status && j.job_id) status.set(j.job_id, j.status);
        }
      } else if (list && typeof list === 'object') {
        for (const [k, j] of Object.entries(list as Record<string, { status?: string }>)) if (j?.status) status.set(k, j.status);
      }
      for (const r of recs) {
        const s = status.get(r.backendId);
        if (s) m.set(r.id, mapRayStatus(s));
      }
    }
    return m;
  },

  async cancel(rec) {
    await http('POST', `${addressOf(rec)}/api/jobs/${encodeURIComponent(rec.backendId)}/stop`);
  },

  async readLog(rec, stream, offset) {
    if (stream === 'stderr') return { text: '', offset }; // Ray merges the driver's streams into one log
    const res = (await http('GET', `${addressOf(rec)}/api/jobs/${encodeURIComponent(rec.backendId)}/logs`)) as { logs?: string };
    const all = typeof res.logs === 'string' ? res.logs : '';
    if (all.length < offset) return { text: all, offset: all.length };
    return { text: all.slice(offset), offset: all.length };
  },
};
