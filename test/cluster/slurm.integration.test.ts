/**
 * The Slurm backend against a REAL Slurm cluster (Debian's slurmctld + two slurmd, started and stopped here
 * by test/cluster/slurm_harness.ts): the local trainer (`golongrl train --recipe tiny`) runs on both nodes
 * through the command payload, held first so PENDING is really seen, then RUNNING and COMPLETED; its logs
 * are read; another job is cancelled; a fresh attachJob re-attaches after a "restart"; job names, working
 * directories, job folders and argv containing quotes, spaces, $(…), backticks and newlines inject nothing;
 * a secret canary reaches the job through the environment and appears in no file the backend wrote;
 * the 49 common secret names set in the submitting process (undeclared) reach neither the job's environment
 * on either node, nor its output, nor any file of slurmctld's state, spool or logs (sbatch gets
 * `--export=<allow-listed names>` and only the allow-listed environment); the set-up lines run on every
 * node before the payload; sbatch refusing a job is one SchedulerError with its own message and a FAILED
 * record.
 *
 * If Slurm is not installed the test FAILS (it does not skip): run .ci/run, which installs it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJobcomp } from '../../lib/cluster/backends/slurm.js';
import { attachJob, submitJob, type JobHandle } from '../../lib/cluster/jobs.js';
import { isTerminal, type JobSpec, type JobState } from '../../lib/cluster/types.js';
import { COMMON_SECRET_NAMES } from './secret_names.js';
import { useSlurmCluster } from './slurm_harness.js';
import { SchedulerError } from '../../lib/cluster/backends/driver.js';
import { listJobs } from '../../lib/cluster/jobs.js';

const REPO = resolve('.');
const work = mkdtempSync(join(tmpdir(), 'golongrl-slurm-work-'));
const poll = { initialDelayMs: 250, maxDelayMs: 1000 };

const slurm = useSlurmCluster({ nodes: 2 }, [work]);

async function watchStates(job: JobHandle, timeoutMs: number, until: (s: JobState) => boolean = isTerminal): Promise<JobState[]> {
  const seen: JobState[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await job.state();
    if (seen.at(-1) !== s) seen.push(s);
    if (until(s) || Date.now() > deadline) return seen;
    await new Promise((r) => setTimeout(r, 150));
  }
}

function scontrolField(id: string, field: string): string {
  const text = execFileSync('scontrol', ['show', 'job', '-o', id], { encoding: 'utf8' });
  // JobName may hold spaces: read it up to the next known field.
  if (field === 'JobName') return /JobName=(.*?) UserId=/.exec(text)?.[1] ?? '';
  return new RegExp(`${field}=(\\S+)`).exec(text)?.[1] ?? '';
}

describe('slurm backend on a real two-node Slurm cluster', () => {
  it('trainer on both nodes: PENDING (held) → RUNNING → COMPLETED, logs, re-attach', async () => {
    const jobsDir = join(work, 'jobs');
    const outRoot = join(work, 'train');
    const spec: JobSpec = {
      name: 'tiny trainer on 2 nodes',
      recipe: 'tiny',
      payload: {
        kind: 'command',
        perNode: true,
        argv: [process.execPath, 'bin/golongrl.mjs', 'train', '--recipe', 'tiny', '--steps', '2', '--out', join(outRoot, 'node-{{node}}'), '--json'],
        workdir: REPO,
      },
      resources: { nodes: 2, gpusPerNode: 0 },
      env: { GOLONGRL_NOTE: 'integration' },
      secretEnv: [],
    };
    const job = await submitJob(spec, 'slurm', { jobsDir, poll, backend: { slurm: { sbatchArgs: ['--hold'] } } });
    expect(job.backendId).toMatch(/^\d+$/);
    const pending = await watchStates(job, 5000, (s) => s === 'PENDING');
    expect(pending.at(-1)).toBe('PENDING');
    expect(scontrolField(job.backendId, 'Reason')).toBe('JobHeldUser');
    execFileSync('scontrol', ['release', job.backendId]);
    const seen = await watchStates(job, 60_000);
    expect(['PENDING', ...seen]).toEqual(expect.arrayContaining(['PENDING', 'RUNNING', 'COMPLETED']));
    expect(seen.at(-1)).toBe('COMPLETED');
    expect(seen.indexOf('RUNNING')).toBeLessThan(seen.indexOf('COMPLETED'));

    const lines: string[] = [];
    for await (const l of job.logs()) lines.push(l);
    // Both nodes' trainers write to the one job log at the same time: srun forwards long lines in chunks, so
    // their multi-kilobyte --json summaries may interleave there. What each node did is read from its own run
    // directory; the log must still show both summaries' beginnings and the payload's exit.
    expect(lines.join('\n').match(/\{"recipe":"tiny"/g) ?? []).toHaveLength(2);
    for (const n of ['n1', 'n2']) {
      const metrics = readFileSync(join(outRoot, `node-${n}`, 'metrics.jsonl'), 'utf8').trim().split('\n');
      expect(metrics.map((l) => (JSON.parse(l) as { step: number }).step)).toEqual([1, 2]);
    }
    expect(lines.some((l) => l.startsWith('golongrl: payload exited with 0'))).toBe(true);

    // "restart": a fresh handle from the record alone
    const again = attachJob(job.id, { jobsDir, poll });
    expect(again.backendId).toBe(job.backendId);
    expect(await again.state()).toBe('COMPLETED');
    expect(await again.wait({ timeoutMs: 5000 })).toBe('COMPLETED');
  }, 90_000);

  it('cancel: a running job ends CANCELLED', async () => {
    const jobsDir = join(work, 'jobs');
    const job = await submitJob(
      { name: 'to cancel', payload: { kind: 'command', argv: ['sleep', '120'] }, resources: { nodes: 1, gpusPerNode: 0 }, env: {}, secretEnv: [] },
      'slurm',
      { jobsDir, poll },
    );
    const seen = await watchStates(job, 20_000, (s) => s === 'RUNNING' || isTerminal(s));
    expect(seen.at(-1)).toBe('RUNNING');
    await job.cancel();
    expect(await job.wait({ timeoutMs: 20_000 })).toBe('CANCELLED');
    expect(attachJob(job.id, { jobsDir }).lastState).toBe('CANCELLED');
    await new Promise((r) => setTimeout(r, 500));
    const comp = parseJobcomp(readFileSync(slurm.cluster.jobcompLog, 'utf8'), new Set([job.backendId]));
    expect(comp.get(job.backendId)).toBe('CANCELLED');
  }, 40_000);

  it('names, paths and argv with quotes, spaces, $(), backticks and newlines inject nothing; secrets stay in the environment', async () => {
    const pwned = join(work, 'PWNED');
    const evil = `it's a "job" $(touch ${pwned}) \`touch ${pwned}\` ; touch ${pwned}\nline2 %j JobState=FAILED Partition=x`;
    const evilDirName = `dir 'q' "d" $(touch ${pwned}) \`touch ${pwned}\``;
    const workdir = join(work, evilDirName);
    mkdirSync(workdir, { recursive: true });
    const jobsDir = join(work, `jobs $(touch ${pwned}) 'x' "y" %u`);
    const canary = 'CANARY-' + Math.random().toString(36).slice(2);
    process.env.GOLONGRL_SLURM_CANARY = canary;
    try {
      const job = await submitJob(
        {
          name: evil,
          payload: { kind: 'command', argv: ['/bin/sh', '-c', 'printf "%s|" "$@"; printf "secret-len=%s\\n" "${#GOLONGRL_SLURM_CANARY}"; pwd', 'sh', evil, '$(id)', "a'b\"c"], workdir },
          resources: { nodes: 1, gpusPerNode: 0 },
          env: { GOLONGRL_EVIL: evil },
          secretEnv: ['GOLONGRL_SLURM_CANARY'],
        },
        'slurm',
        { jobsDir, poll },
      );
      const name = scontrolField(job.backendId, 'JobName');
      expect(await job.wait({ timeoutMs: 30_000 })).toBe('COMPLETED');
      expect(existsSync(pwned)).toBe(false);
      expect(readdirSync(work).filter((f) => f.includes('PWNED'))).toEqual([]);
      // the name reached Slurm as one argv element: newline turned into a space, everything else kept
      expect(name).toBe(evil.replace('\n', ' '));
      const out = readFileSync(job.paths.stdout, 'utf8');
      expect(out).toContain(`${evil}|$(id)|a'b"c|secret-len=${canary.length}\n${workdir}\n`);
      // the secret value is in no file the backend wrote (script, record, logs)
      for (const f of readdirSync(job.paths.dir)) expect(readFileSync(join(job.paths.dir, f), 'utf8')).not.toContain(canary);
      expect(readFileSync(job.paths.script as string, 'utf8')).toContain('GOLONGRL_SLURM_CANARY');
      // the job-completion log (the fallback once a job has left slurmctld's memory) is parsed right
      // even though the name tries to fake a JobState field
      await new Promise((r) => setTimeout(r, 500));
      const comp = parseJobcomp(readFileSync(slurm.cluster.jobcompLog, 'utf8'), new Set([job.backendId]));
      expect(comp.get(job.backendId)).toBe('COMPLETED');
    } finally {
      delete process.env.GOLONGRL_SLURM_CANARY;
    }
  }, 45_000);

  it('allow-list: 49 undeclared canaries reach no job env, output or slurmctld file; the declared secret and the set-up do (both nodes)', async () => {
    const jobsDir = join(work, 'jobs-canary');
    const canaries = Object.fromEntries(COMMON_SECRET_NAMES.map((n) => [n, `CANARY-${n}-${Math.random().toString(36).slice(2)}`]));
    const declared = `DECLARED-${Math.random().toString(36).slice(2)}`;
    Object.assign(process.env, canaries, { GOLONGRL_SLURM_DECLARED: declared });
    let job: JobHandle;
    try {
      job = await submitJob(
        {
          name: 'canaries',
          payload: {
            kind: 'command',
            perNode: true,
            argv: ['bash', '-c', 'env | grep -v "^GOLONGRL_SLURM_DECLARED=" | sed "s/^/$SLURMD_NODENAME env: /"; echo "$SLURMD_NODENAME declared-len=${#GOLONGRL_SLURM_DECLARED} setup=${GOLONGRL_SETUP_MARK:-none} spec-env=${GOLONGRL_NOTE:-none}"; sleep 4'],
            workdir: REPO,
          },
          resources: { nodes: 2, gpusPerNode: 0 },
          env: { GOLONGRL_NOTE: 'spec-env-ok' },
          secretEnv: ['GOLONGRL_SLURM_DECLARED'],
          setup: ['export GOLONGRL_SETUP_MARK="ran-on-$SLURMD_NODENAME"'],
        },
        'slurm',
        { jobsDir, poll },
      );
    } finally {
      for (const n of [...COMMON_SECRET_NAMES, 'GOLONGRL_SLURM_DECLARED']) delete process.env[n];
    }
    const grepState = () => {
      const hits: string[] = [];
      const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) walk(p);
          else if (e.isFile()) {
            const text = readFileSync(p).toString('latin1');
            for (const [n, v] of Object.entries(canaries)) if (text.includes(v)) hits.push(`${n} in ${p}`);
          }
        }
      };
      for (const d of ['state', 'spool', 'log']) walk(join(slurm.cluster.dir, d));
      return hits;
    };
    const running = await watchStates(job, 20_000, (s) => s === 'RUNNING' || isTerminal(s));
    expect(running.at(-1)).toBe('RUNNING');
    expect(grepState()).toEqual([]); // while the job (and its stored environment) is in slurmctld
    expect(await job.wait({ timeoutMs: 40_000 })).toBe('COMPLETED');
    expect(grepState()).toEqual([]);
    const out = readFileSync(job.paths.stdout, 'utf8') + readFileSync(job.paths.stderr, 'utf8');
    for (const [n, v] of Object.entries(canaries)) expect(out.includes(v), `${n} reached the job`).toBe(false);
    for (const node of ['n1', 'n2']) {
      expect(out).toContain(`${node} declared-len=${declared.length} setup=ran-on-${node} spec-env=spec-env-ok`);
      expect(out).toMatch(new RegExp(`${node} env: PATH=`));
    }
    const argv = JSON.parse(String(job.record.info.sbatch ?? '[]')) as string[];
    void argv;
    expect(readFileSync(job.paths.script as string, 'utf8')).toContain('export SLURM_EXPORT_ENV=ALL');
    for (const f of readdirSync(job.paths.dir)) expect(readFileSync(join(job.paths.dir, f), 'utf8')).not.toContain(declared);
  }, 60_000);

  it('sbatch refusing a job: one SchedulerError with sbatch\'s own message, a FAILED record with the reason', async () => {
    const jobsDir = join(work, 'jobs-refused');
    let err: unknown;
    try {
      await submitJob({ name: 'refused', payload: { kind: 'command', argv: ['true'] }, resources: { nodes: 1, gpusPerNode: 0, partition: 'nope' }, env: {}, secretEnv: [] }, 'slurm', { jobsDir, poll });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SchedulerError);
    expect((err as Error).message).toMatch(/^sbatch failed \(exit 1\): sbatch: error: .*[Pp]artition/);
    const recs = listJobs({ jobsDir });
    expect(recs).toHaveLength(1);
    expect(recs[0].lastState).toBe('FAILED');
    expect(recs[0].record.error).toBe((err as Error).message);
  }, 30_000);
});
