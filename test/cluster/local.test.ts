/**
 * The local backend with real child processes: submit → RUNNING → COMPLETED with logs, a failing payload,
 * cancel (SIGTERM to the process group) → CANCELLED, re-attach from the record after a "restart" (a fresh
 * attachJob with no in-memory state), and secrets reaching the child only through its environment.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attachJob, listJobs, pollStates, submitJob, JobWatcher } from '../../lib/cluster/jobs.js';
import type { JobSpec } from '../../lib/cluster/types.js';

const dir = mkdtempSync(join(tmpdir(), 'golongrl-local-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const opts = { jobsDir: join(dir, 'jobs'), poll: { initialDelayMs: 100, maxDelayMs: 400 } };

function cmd(name: string, script: string, extra: Partial<JobSpec> = {}): JobSpec {
  return { name, payload: { kind: 'command', argv: ['/bin/sh', '-c', script] }, resources: { nodes: 1, gpusPerNode: 0 }, env: {}, secretEnv: [], ...extra };
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

function allFiles(d: string): string[] {
  return readdirSync(d, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('local backend (real child processes)', () => {
  it('runs to COMPLETED, follows logs, re-attaches after a restart', async () => {
    const job = await submitJob(cmd(`it's "quoted" $(touch ${dir}/PWNED)`, 'echo one; sleep 0.6; echo two; echo err >&2'), 'local', opts);
    expect(job.id).toMatch(/^\d{8}-\d{6}-[0-9a-f]{8}$/);
    expect(await job.state()).toBe('RUNNING');
    const followed = await collect(job.logs({ follow: true }));
    expect(followed).toEqual(['one', 'two']);
    expect(await job.wait()).toBe('COMPLETED');
    expect(await collect(job.logs({ stream: 'stderr' }))).toEqual(['err']);
    // "restart": nothing in memory, only the record on disk
    const again = attachJob(job.id, opts);
    expect(again.name).toBe(job.name);
    expect(again.lastState).toBe('COMPLETED');
    expect(await again.state()).toBe('COMPLETED');
    expect(listJobs(opts).map((j) => j.id)).toContain(job.id);
    expect(readdirSync(dir)).not.toContain('PWNED');
  });

  it('a failing payload is FAILED; a running job re-attached from disk is still watched', async () => {
    const bad = await submitJob(cmd('bad', 'exit 3'), 'local', opts);
    const slow = await submitJob(cmd('slow', 'sleep 1; echo done'), 'local', opts);
    const slow2 = attachJob(slow.id, opts);
    expect(slow2.lastState).toBe('PENDING');
    const m = await pollStates([bad, slow2]);
    expect(m.get(slow.id)).toBe('RUNNING');
    expect(await bad.wait()).toBe('FAILED');
    expect(await slow2.wait()).toBe('COMPLETED');
    expect(readFileSync(slow.paths.stdout, 'utf8')).toBe('done\n');
  });

  it('cancel sends SIGTERM to the process group and the job ends CANCELLED', async () => {
    const job = await submitJob(cmd('long', 'sleep 30 & wait'), 'local', opts);
    expect(await job.state()).toBe('RUNNING');
    const t0 = Date.now();
    await job.cancel();
    expect(await job.wait()).toBe('CANCELLED');
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(attachJob(job.id, opts).lastState).toBe('CANCELLED');
  });

  it('wait() honours its timeout and returns the last state', async () => {
    const job = await submitJob(cmd('sleepy', 'sleep 3'), 'local', opts);
    expect(await job.wait({ timeoutMs: 300 })).toBe('RUNNING');
    await job.cancel();
  });

  it('secrets reach the child only through its environment, never a file under the job folder', async () => {
    const canary = 'CANARY-' + Math.random().toString(36).slice(2);
    const envFile = join(dir, 'secrets.env');
    writeFileSync(envFile, `GOLONGRL_TEST_SECRET='${canary}'\n`, { mode: 0o600 });
    const job = await submitJob(cmd('secret', 'test "$GOLONGRL_TEST_SECRET" = "$EXPECTED_LEN_OK" || echo ok-len-${#GOLONGRL_TEST_SECRET}', { secretEnv: ['GOLONGRL_TEST_SECRET'] }), 'local', { ...opts, envFile });
    expect(await job.wait()).toBe('COMPLETED');
    expect(readFileSync(job.paths.stdout, 'utf8')).toBe(`ok-len-${canary.length}\n`);
    for (const f of allFiles(job.paths.dir)) expect(readFileSync(f, 'utf8')).not.toContain(canary);
    // a group-readable env file is refused
    writeFileSync(join(dir, 'open.env'), `GOLONGRL_TEST_SECRET=x\n`, { mode: 0o644 });
    await expect(submitJob(cmd('x', 'true', { secretEnv: ['GOLONGRL_TEST_SECRET'] }), 'local', { ...opts, envFile: join(dir, 'open.env') })).rejects.toThrow(/mode 0600/);
    await expect(submitJob(cmd('x', 'true', { secretEnv: ['GOLONGRL_NOT_SET_ANYWHERE'] }), 'local', opts)).rejects.toThrow(/missing secret GOLONGRL_NOT_SET_ANYWHERE/);
  });

  it('credential-looking variables the job did not declare stay out of its environment', async () => {
    const undeclared = 'UNDECLARED-' + Math.random().toString(36).slice(2);
    process.env.GOLONGRL_OTHER_API_KEY = undeclared;
    process.env.WANDB_API_KEY = undeclared;
    try {
      const job = await submitJob(cmd('least-privilege', 'echo "other=${GOLONGRL_OTHER_API_KEY:-unset} wandb=${WANDB_API_KEY:-unset} path=${PATH:+set}"'), 'local', opts);
      expect(await job.wait({ timeoutMs: 20_000 })).toBe('COMPLETED');
      expect(readFileSync(job.paths.stdout, 'utf8')).toBe('other=unset wandb=unset path=set\n');
      // Declared, it arrives (from the environment, since no env file is given).
      const job2 = await submitJob(cmd('declared', 'echo "wandb=${#WANDB_API_KEY}"', { secretEnv: ['WANDB_API_KEY'] }), 'local', opts);
      expect(await job2.wait({ timeoutMs: 20_000 })).toBe('COMPLETED');
      expect(readFileSync(job2.paths.stdout, 'utf8')).toBe(`wandb=${undeclared.length}\n`);
    } finally {
      delete process.env.GOLONGRL_OTHER_API_KEY;
      delete process.env.WANDB_API_KEY;
    }
  });

  it('dry-run writes a record outside the job list and runs nothing', async () => {
    const job = await submitJob(cmd('dry', `touch ${dir}/RAN`), 'local', { ...opts, dryRun: true });
    expect(job.dryRun).toBe(true);
    expect(statSync(job.paths.record).isFile()).toBe(true);
    expect(listJobs(opts).map((j) => j.id)).not.toContain(job.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(readdirSync(dir)).not.toContain('RAN');
  });

  it('the watcher backs off 0, d, 2d, 4d … up to the cap', () => {
    const w = new JobWatcher({ initialDelayMs: 2000, maxDelayMs: 60_000 });
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => w.delayFor(n))).toEqual([0, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });
});
