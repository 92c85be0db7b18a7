/**
 * The Ray backend against a REAL Ray head (ray[default] 2.60.0 from requirements-test.txt, installed into
 * .venv by scripts/setup-test-env.sh), started here on loopback with its own temp dir, few CPUs and usage
 * stats off, and stopped in afterAll even when a test fails:
 * - the local trainer (`node bin/golongrl.mjs train --recipe tiny --steps 2`) submitted through the Jobs
 *   REST API with a working dir, its logs streamed while it runs, final state SUCCEEDED (→ COMPLETED);
 * - a long job stopped through the API: Ray's own state STOPPED (→ CANCELLED);
 * - credentials: 49 common secret names set in the SUBMITTING process reach neither job (their values are
 *   absent from the job's environment dump and logs); the declared secret does arrive;
 * - the sbatch/SkyPilot node count (`ray_alive_nodes`) against this live head;
 * - `golongrl compare --backend ray` (tiny budget): one Ray job per (estimator, seed), SUCCEEDED in Ray's own
 *   job list, and the same numbers as an in-process compare.
 * Stopping: not `ray stop --force` (it kills every Ray process of this user on the machine, other
 * sessions' included) but this head's own process tree, by pid: SIGINT to `ray start --block` (Ray's
 * graceful shutdown), then SIGTERM/SIGKILL to whatever of its tree is left.
 * If .venv/bin/ray is missing the test FAILS with the command that installs it (it never skips).
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RAY_ALIVE_NODES_FN } from '../../lib/cluster/ray_wait.js';
import { submitJob, type JobHandle } from '../../lib/cluster/jobs.js';
import { isTerminal, type JobSpec, type JobState } from '../../lib/cluster/types.js';
import { COMMON_SECRET_NAMES } from './secret_names.js';

const REPO = resolve('.');
const RAY = join(REPO, '.venv', 'bin', 'ray');
const work = mkdtempSync(join('/tmp', 'grl-ray-')); // short: Ray's unix socket paths must stay < 108 bytes
let head: ChildProcess | undefined;
let address = '';
let gcs = '';
const poll = { initialDelayMs: 200, maxDelayMs: 1000 };

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/** Every descendant pid of `root` (from /proc), root first. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(root);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

async function stopHead(): Promise<void> {
  if (!head?.pid) return;
  const tree = processTree(head.pid);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  try {
    process.kill(head.pid, 'SIGINT');
  } catch {
    /* gone */
  }
  for (let i = 0; i < 150 && tree.some(alive); i++) await sleep(100);
  for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
    for (const p of tree.filter(alive)) {
      try {
        process.kill(p, sig);
      } catch {
        /* gone */
      }
    }
    for (let i = 0; i < 30 && tree.some(alive); i++) await sleep(100);
  }
}

beforeAll(async () => {
  if (!existsSync(RAY)) throw new Error(`${RAY} is missing: run scripts/setup-test-env.sh (it installs ray[default] from requirements-test.txt into .venv)`);
  const [gcsPort, dash, client, agent, agentGrpc, metrics, rtenv, nm, om] = await Promise.all(Array.from({ length: 9 }, freePort));
  gcs = `127.0.0.1:${gcsPort}`;
  address = `http://127.0.0.1:${dash}`;
  // The head's own environment: what a cluster would have, and NOT the submitting shell's canaries.
  const env = { PATH: `${dirname(process.execPath)}:${join(REPO, '.venv', 'bin')}:/usr/bin:/bin`, HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', RAY_USAGE_STATS_ENABLED: '0' };
  head = spawn(
    RAY,
    [
      'start', '--head', '--block', '--node-ip-address=127.0.0.1', `--port=${gcsPort}`, '--include-dashboard=true', '--dashboard-host=127.0.0.1', `--dashboard-port=${dash}`,
      `--ray-client-server-port=${client}`, `--dashboard-agent-listen-port=${agent}`, `--dashboard-agent-grpc-port=${agentGrpc}`, `--metrics-export-port=${metrics}`,
      `--runtime-env-agent-port=${rtenv}`, `--node-manager-port=${nm}`, `--object-manager-port=${om}`, '--num-cpus=2', '--disable-usage-stats', `--temp-dir=${join(work, 't')}`,
    ],
    { env, stdio: ['ignore', openSync(join(work, 'head.log'), 'a'), openSync(join(work, 'head.log'), 'a')] },
  );
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const r = await fetch(`${address}/api/jobs/`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (head.exitCode !== null || Date.now() > deadline) {
      const log = existsSync(join(work, 'head.log')) ? readFileSync(join(work, 'head.log'), 'utf8').slice(-3000) : '';
      throw new Error(`the Ray head did not come up (exit ${head.exitCode}):\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}, 120_000);

afterAll(async () => {
  await stopHead();
  rmSync(work, { recursive: true, force: true });
}, 60_000);

async function until(job: JobHandle, pred: (s: JobState) => boolean, ms: number): Promise<JobState> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await job.state();
    if (pred(s) || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('ray backend on a REAL Ray 2.60 head (loopback)', () => {
  it('the trainer job SUCCEEDS with logs streamed; undeclared credentials of the submitting shell never reach it', async () => {
    const canaries = Object.fromEntries(COMMON_SECRET_NAMES.map((n) => [n, `CANARY-${n}-${Math.random().toString(36).slice(2)}`]));
    const declared = `DECLARED-${Math.random().toString(36).slice(2)}`;
    Object.assign(process.env, canaries, { GOLONGRL_RAY_DECLARED: declared });
    const out = join(work, 'train');
    const spec: JobSpec = {
      name: 'tiny trainer on ray',
      recipe: 'tiny',
      payload: {
        kind: 'command',
        argv: ['sh', '-c', 'env | grep -v "^GOLONGRL_RAY_DECLARED="; echo "declared-len=${#GOLONGRL_RAY_DECLARED}"; exec "$@"', 'sh', process.execPath, 'bin/golongrl.mjs', 'train', '--recipe', 'tiny', '--steps', '2', '--out', out, '--json'],
        workdir: REPO,
      },
      resources: { nodes: 1, gpusPerNode: 0 },
      env: { GOLONGRL_NOTE: 'ray-real' },
      secretEnv: ['GOLONGRL_RAY_DECLARED'],
    };
    let job: JobHandle;
    try {
      job = await submitJob(spec, 'ray', { jobsDir: join(work, 'jobs'), poll, backend: { ray: { address } } });
    } finally {
      for (const n of [...COMMON_SECRET_NAMES, 'GOLONGRL_RAY_DECLARED']) delete process.env[n];
    }
    const lines: string[] = [];
    let sawWhileRunning = false;
    for await (const l of job.logs({ follow: true, maxDelayMs: 500 })) {
      lines.push(l);
      if (!sawWhileRunning && !isTerminal(job.lastState)) sawWhileRunning = true;
    }
    const final = await job.wait({ timeoutMs: 60_000 });
    const text = lines.join('\n');
    expect(final, text.slice(-2000)).toBe('COMPLETED');
    expect(sawWhileRunning).toBe(true); // lines arrived before the job ended
    const raw = (await (await fetch(`${address}/api/jobs/${job.backendId}`)).json()) as { status: string; entrypoint: string };
    expect(raw.status).toBe('SUCCEEDED');
    const summary = lines.filter((l) => l.startsWith('{"')).map((l) => JSON.parse(l) as { final_step?: number }).find((s) => s.final_step !== undefined);
    expect(summary?.final_step).toBe(2);
    expect(existsSync(join(out, 'metrics.jsonl'))).toBe(true);
    expect(text).toContain('GOLONGRL_NOTE=ray-real');
    expect(text).toContain(`declared-len=${declared.length}`);
    for (const [n, v] of Object.entries(canaries)) expect(text.includes(v), `${n} reached the Ray job`).toBe(false);
    for (const f of readdirSync(job.paths.dir)) expect(readFileSync(join(job.paths.dir, f), 'utf8')).not.toContain(declared);
  }, 120_000);

  it('a long job is stopped: Ray says STOPPED, we say CANCELLED', async () => {
    const job = await submitJob(
      { name: 'sleeper', payload: { kind: 'command', argv: ['sleep', '300'] }, resources: { nodes: 1, gpusPerNode: 0 }, env: {}, secretEnv: [] },
      'ray',
      { jobsDir: join(work, 'jobs'), poll, backend: { ray: { address } } },
    );
    expect(await until(job, (s) => s === 'RUNNING' || isTerminal(s), 60_000)).toBe('RUNNING');
    await job.cancel();
    expect(await job.wait({ timeoutMs: 60_000 })).toBe('CANCELLED');
    const raw = (await (await fetch(`${address}/api/jobs/${job.backendId}`)).json()) as { status: string };
    expect(raw.status).toBe('STOPPED');
  }, 120_000);

  it('the launch files’ node count reads this live head: 1', () => {
    const n = execFileSync('bash', ['-c', `${RAY_ALIVE_NODES_FN.join('\n')}\nray_alive_nodes ${gcs}`], {
      encoding: 'utf8',
      env: { PATH: `${join(REPO, '.venv', 'bin')}:/usr/bin:/bin`, HOME: process.env.HOME ?? '/root' },
      timeout: 60_000,
    });
    const env = { PATH: `${join(REPO, '.venv', 'bin')}:/usr/bin:/bin`, HOME: process.env.HOME ?? '/root' };
    const status = (() => {
      try {
        return execFileSync(RAY, ['status', `--address=${gcs}`], { encoding: 'utf8', env, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        return `ray status failed: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`;
      }
    })();
    expect(n.trim(), status).toBe('1');
  }, 70_000);

  it('golongrl compare --backend ray: one Ray job per (estimator, seed), the same numbers as in process', async () => {
    const cmp = (out: string, extra: string[]) =>
      spawnSync(process.execPath, [join(REPO, 'bin', 'golongrl.mjs'), 'compare', '--recipe', 'tiny', '--seeds', '1', '--steps', '2', '--tf-backend', 'cpu', '--out', out, '--base-root', join(work, 'cmp-base'), '--json', ...extra], {
        encoding: 'utf8',
        cwd: REPO,
        maxBuffer: 1 << 26,
      });
    const ray = cmp(join(work, 'cmp-ray'), ['--backend', 'ray', '--ray-address', address]);
    expect(ray.status, ray.stderr.slice(-3000)).toBe(0);
    const res = JSON.parse(ray.stdout);
    expect(res.backend).toBe('ray');
    // One job record per run, each a Ray submission id that Ray itself reports SUCCEEDED.
    const jobsDir = join(work, 'cmp-ray', 'jobs');
    const records = readdirSync(jobsDir).filter((d) => /^\d{8}-/.test(d)).map((d) => JSON.parse(readFileSync(join(jobsDir, d, 'job.json'), 'utf8')) as { backend: string; backendId: string });
    expect(records.length).toBe(2);
    for (const r of records) expect(r.backend).toBe('ray');
    const ours = new Set(records.map((r) => r.backendId));
    const listed = (await (await fetch(`${address}/api/jobs/`)).json()) as { submission_id: string; status: string }[];
    const mine = listed.filter((j) => ours.has(j.submission_id));
    expect(mine.length).toBe(2);
    for (const j of mine) expect(j.status).toBe('SUCCEEDED');
    const local = cmp(join(work, 'cmp-local'), ['--backend', 'inprocess']);
    expect(local.status, local.stderr.slice(-3000)).toBe(0);
    const res2 = JSON.parse(local.stdout);
    expect(res2.base.created).toBe(false); // the base built before the Ray jobs is reused
    expect(res.final).toEqual(res2.final);
    expect(res.paired_difference).toEqual(res2.paired_difference);
  }, 300_000);
});
