/**
 * BOUNDARY TEST — SkyPilot cannot be installed here (and would need a cloud), so this does not run it.
 * (1) The generated task YAML is parsed back and checked against the documented SkyPilot task schema
 * (docs.skypilot.co "SkyPilot YAML": name, workdir, num_nodes, resources.accelerators `TYPE:COUNT`, envs,
 * secrets with null values, run) and its `run:` block is syntax-checked with the real bash.
 * (2) The `sky` CLI calls go through execa to a stand-in `sky` executable on PATH that records its argv and
 * answers in the documented output format (`Job ID: N`, `sky queue` tables); the recorded argv is checked.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { COMMON_SECRET_NAMES } from './secret_names.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSkyQueue, skyTask } from '../../lib/cluster/backends/skypilot.js';
import { attachJob, pollStates, submitJob } from '../../lib/cluster/jobs.js';
import type { JobSpec } from '../../lib/cluster/types.js';

const dir = mkdtempSync(join(tmpdir(), 'golongrl-sky-'));
const bin = join(dir, 'bin');
const calls = join(dir, 'calls.jsonl');
const state = join(dir, 'state.json');
let oldPath = '';

// The stand-in: records argv (+ which secret NAMES were in its environment, and their lengths), keeps job
// states in a JSON file, prints SkyPilot-shaped output.
const SKY = `#!${process.execPath}
const fs = require('fs');
const argv = process.argv.slice(2);
const st = fs.existsSync(${JSON.stringify(state)}) ? JSON.parse(fs.readFileSync(${JSON.stringify(state)}, 'utf8')) : {};
fs.appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ argv, secretLen: (process.env.GOLONGRL_SKY_CANARY || '').length, envNames: Object.keys(process.env).sort() }) + '\\n');
const save = () => fs.writeFileSync(${JSON.stringify(state)}, JSON.stringify(st));
if (argv[0] === 'launch') { const c = argv[2]; st[c] = { polls: 0, status: 'PENDING' }; save(); console.log('Launching on cluster ' + c + '\\nJob submitted, ID: 1'); }
else if (argv[0] === 'queue') {
  for (const c of argv.slice(1)) {
    const j = st[c]; if (!j) continue;
    if (j.status !== 'CANCELLED') { j.polls++; j.status = j.polls >= 3 ? 'SUCCEEDED' : j.polls >= 2 ? 'RUNNING' : 'PENDING'; }
    console.log('Fetching job queue for: ' + c + '\\n\\nJob queue of current user on cluster ' + c);
    console.log('ID  NAME     USER  SUBMITTED    STARTED      DURATION  RESOURCES   STATUS     LOG');
    console.log('1   RUNNING  me    1 min ago    1 min ago    1m        1x[H100:8]  ' + j.status.padEnd(10) + ' ~/sky_logs/1');
  }
  save();
}
else if (argv[0] === 'logs') console.log('(task, pid=1) step 1\\n(task, pid=1) done');
else if (argv[0] === 'cancel') { st[argv[2]].status = 'CANCELLED'; save(); console.log('Cancelled'); }
else { console.error('unknown'); process.exit(2); }
`;

beforeAll(() => {
  mkdirSync(bin);
  writeFileSync(join(bin, 'sky'), SKY);
  chmodSync(join(bin, 'sky'), 0o755);
  oldPath = process.env.PATH ?? '';
  process.env.PATH = `${bin}:${oldPath}`;
});
afterAll(() => {
  process.env.PATH = oldPath;
  rmSync(dir, { recursive: true, force: true });
});

const VERL: JobSpec = {
  name: "sky 'grpo' $(x)",
  payload: { kind: 'verl', entrypoint: ['python3', '-m', 'verl.trainer.main_ppo'], overrides: ["trainer.experiment_name='a b'"], workdir: '/opt/verl' },
  resources: { nodes: 2, gpusPerNode: 8, cpusPerTask: 64 },
  env: { VLLM_USE_V1: '1' },
  secretEnv: ['GOLONGRL_SKY_CANARY'],
};

const TOP = ['name', 'workdir', 'num_nodes', 'resources', 'envs', 'secrets', 'file_mounts', 'setup', 'run', 'config', 'volumes'];
const RES = ['infra', 'cloud', 'region', 'zone', 'accelerators', 'accelerator_args', 'cpus', 'memory', 'instance_type', 'use_spot', 'disk_size', 'disk_tier', 'network_tier', 'image_id', 'ports', 'labels', 'autostop', 'any_of', 'ordered', 'job_recovery'];

describe('skypilot backend (BOUNDARY TEST: documented YAML schema + argv via a stand-in sky, not a real SkyPilot)', () => {
  it('task YAML has only documented fields, secrets by name, a run block bash accepts', () => {
    const y = YAML.parse(YAML.stringify(skyTask(VERL))) as Record<string, unknown>;
    for (const k of Object.keys(y)) expect(TOP).toContain(k);
    for (const k of Object.keys(y.resources as object)) expect(RES).toContain(k);
    expect(y).toMatchObject({ name: VERL.name, num_nodes: 2, workdir: '/opt/verl', envs: { VLLM_USE_V1: '1' }, secrets: { GOLONGRL_SKY_CANARY: null } });
    expect((y.resources as { accelerators: string }).accelerators).toMatch(/^[A-Za-z0-9-]+:\d+$/);
    expect((y.resources as { cpus: string }).cpus).toBe('64+');
    execFileSync('bash', ['-n'], { input: y.run as string });
    expect(y.run).toContain("python3 -m verl.trainer.main_ppo 'trainer.experiment_name='\\''a b'\\'''");
    expect(y.run).toContain('ray start --head --disable-usage-stats --port=6379');
    const cmd = YAML.parse(YAML.stringify(skyTask({ ...VERL, payload: { kind: 'command', argv: ['echo', '$(id)'] } }))) as { run: string };
    expect(cmd.run).toContain(`if [ "$SKYPILOT_NODE_RANK" = "0" ]; then echo '$(id)'; fi`);
  });

  it('launch/queue/logs/cancel argv through execa; secret value only in the sky environment', async () => {
    const canary = 'CANARY-' + Math.random().toString(36).slice(2);
    process.env.GOLONGRL_SKY_CANARY = canary;
    const undeclared = Object.fromEntries(COMMON_SECRET_NAMES.map((n) => [n, `UNDECLARED-${n}`]));
    Object.assign(process.env, undeclared, { AWS_PROFILE: 'research' });
    const opts = { jobsDir: join(dir, 'jobs'), poll: { initialDelayMs: 20, maxDelayMs: 50 } };
    let job;
    try {
      job = await submitJob(VERL, 'skypilot', opts);
    } finally {
      for (const n of [...COMMON_SECRET_NAMES, 'GOLONGRL_SKY_CANARY', 'AWS_PROFILE']) delete process.env[n];
    }
    const cluster = `golongrl-${job.id}`;
    expect(job.backendId).toBe(`${cluster}/1`);
    const launched = readFileSync(calls, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; secretLen: number; envNames: string[] });
    // the sky client ran with the allow-list + the declared secret + credential-file pointers, no undeclared secret
    for (const n of COMMON_SECRET_NAMES) expect(launched[0].envNames, n).not.toContain(n);
    expect(launched[0].envNames).toEqual(expect.arrayContaining(['PATH', 'GOLONGRL_SKY_CANARY', 'AWS_PROFILE']));
    expect(launched[0].argv).toEqual(['launch', '-c', cluster, job.paths.script, '--secret', 'GOLONGRL_SKY_CANARY', '-y', '--detach-run']);
    expect(launched[0].secretLen).toBe(canary.length); // the value reached sky through its environment
    for (const f of readdirSync(job.paths.dir)) expect(readFileSync(join(job.paths.dir, f), 'utf8')).not.toContain(canary);
    expect(readFileSync(calls, 'utf8')).not.toContain(canary);

    const job2 = await submitJob({ ...VERL, secretEnv: [] }, 'skypilot', opts);
    await pollStates([job, job2]);
    const queues = readFileSync(calls, 'utf8').trim().split('\n').map((l) => JSON.parse(l).argv as string[]).filter((a) => a[0] === 'queue');
    expect(queues).toEqual([['queue', cluster, `golongrl-${job2.id}`]]); // one call for both jobs
    expect(await job.wait()).toBe('COMPLETED');
    const lines: string[] = [];
    for await (const l of job.logs()) lines.push(l);
    expect(lines).toEqual(['(task, pid=1) step 1', '(task, pid=1) done']);
    await job2.cancel();
    expect(await job2.wait()).toBe('CANCELLED');
    const all = readFileSync(calls, 'utf8').trim().split('\n').map((l) => JSON.parse(l).argv as string[]);
    expect(all).toContainEqual(['logs', cluster, '1', '--no-follow']);
    expect(all).toContainEqual(['cancel', '-y', `golongrl-${job2.id}`, '1']);
    expect(attachJob(job.id, opts).lastState).toBe('COMPLETED');
  });

  it('parses sky queue tables per cluster, STATUS after a NAME that looks like a status', () => {
    const text = 'Job queue of current user on cluster c-a\nID  NAME     USER  STATUS\n1   FAILED   me    RUNNING\n2   x        me    SUCCEEDED\n\nJob queue of cluster c-b\nID NAME USER STATUS\n1  y  me  FAILED_SETUP\n';
    expect(Object.fromEntries(parseSkyQueue(text))).toEqual({ 'c-a/1': 'RUNNING', 'c-a/2': 'COMPLETED', 'c-b/1': 'FAILED' });
  });
});
