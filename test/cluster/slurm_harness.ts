/**
 * A real, throw-away Slurm cluster from Debian's packages (slurmctld, slurmd, slurm-client 22.05) for the
 * integration test: two node names (n1, n2) on this one host, loopback only, everything (config, state,
 * spool, logs, job-completion log) under a temp dir, ports picked free. Debian 12 ships `auth/none` and
 * `cred/none`, so munge is not needed. `slurmctld -D` and one `slurmd -D -N nX` per node run as children
 * of the test process; `stop()` (also run on process exit) cancels the jobs and ends them by pid.
 * Clients find the cluster through SLURM_CONF, which `start()` sets in process.env.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export interface SlurmCluster {
  dir: string;
  conf: string;
  jobcompLog: string;
  nodes: string[];
  stop(): Promise<void>;
}

export function slurmInstalled(): boolean {
  return ['slurmctld', 'slurmd', 'sbatch', 'squeue'].every((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status === 0);
}

export const NOT_INSTALLED =
  'Slurm is not installed (need slurmctld, slurmd and slurm-client from Debian). Run .ci/run, which installs them, ' +
  'or: apt-get install -y --no-install-recommends slurmctld slurmd slurm-client';

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function startSlurm(opts: { nodes?: number; minJobAge?: number } = {}): Promise<SlurmCluster> {
  if (!slurmInstalled()) throw new Error(NOT_INSTALLED);
  const n = opts.nodes ?? 2;
  const dir = mkdtempSync(join(tmpdir(), 'golongrl-slurm-'));
  for (const d of ['state', 'spool', 'log']) mkdirSync(join(dir, d));
  const nodes = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  for (const node of nodes) mkdirSync(join(dir, 'spool', node));
  const [ctldPort, ...nodePorts] = await freePorts(n + 1);
  const user = userInfo().username;
  const jobcompLog = join(dir, 'log', 'jobcomp.log');
  const conf = join(dir, 'slurm.conf');
  const lines = [
    'ClusterName=golongrl-test',
    'SlurmctldHost=localhost(127.0.0.1)',
    `SlurmctldPort=${ctldPort}`,
    'AuthType=auth/none',
    'CredType=cred/none',
    `SlurmUser=${user}`,
    `SlurmdUser=${user}`,
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'JobCompType=jobcomp/filetxt',
    `JobCompLoc=${jobcompLog}`,
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_CPU',
    'SchedulerType=sched/backfill',
    'MpiDefault=none',
    'ReturnToService=2',
    `MinJobAge=${opts.minJobAge ?? 300}`,
    'SlurmdTimeout=30',
    'InactiveLimit=0',
    'KillWait=5',
    `StateSaveLocation=${join(dir, 'state')}`,
    `SlurmdSpoolDir=${join(dir, 'spool')}/%n`,
    `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
    `SlurmdPidFile=${join(dir, 'slurmd-%n.pid')}`,
    `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
    `SlurmdLogFile=${join(dir, 'log', 'slurmd-%n.log')}`,
    ...nodes.map((node, i) => `NodeName=${node} NodeHostname=localhost NodeAddr=127.0.0.1 Port=${nodePorts[i]} CPUs=1 State=UNKNOWN`),
    `PartitionName=debug Nodes=${nodes.join(',')} Default=YES MaxTime=INFINITE State=UP`,
  ];
  writeFileSync(conf, lines.join('\n') + '\n');
  process.env.SLURM_CONF = conf;
  const env = { ...process.env, SLURM_CONF: conf };
  const procs: ChildProcess[] = [];
  const out = (name: string) => openSync(join(dir, 'log', `${name}.out`), 'a');
  procs.push(spawn('slurmctld', ['-D', '-c', '-i', '-f', conf], { env, stdio: ['ignore', out('slurmctld'), out('slurmctld')] }));
  await sleep(500);
  for (const node of nodes) procs.push(spawn('slurmd', ['-D', '-N', node, '-f', conf], { env, stdio: ['ignore', out(node), out(node)] }));

  let stopped = false;
  const killAll = (sig: NodeJS.Signals) => {
    for (const p of procs) if (p.pid && p.exitCode === null && p.signalCode === null) {
      try {
        process.kill(p.pid, sig);
      } catch {
        /* gone */
      }
    }
  };
  const onExit = () => killAll('SIGKILL');
  process.on('exit', onExit);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    spawnSync('scancel', ['--full', `--user=${user}`], { env, timeout: 10_000 });
    await sleep(300);
    killAll('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && procs.some((p) => p.exitCode === null && p.signalCode === null)) await sleep(100);
    killAll('SIGKILL');
    process.off('exit', onExit);
    if (process.env.SLURM_CONF === conf) delete process.env.SLURM_CONF;
    if (!process.env.GOLONGRL_KEEP_SLURM) rmSync(dir, { recursive: true, force: true });
  };

  // Wait until sinfo shows every node idle.
  const deadline = Date.now() + 45_000;
  for (;;) {
    const r = spawnSync('sinfo', ['-h', '-N', '-o', '%N %t'], { env, encoding: 'utf8', timeout: 10_000 });
    const idle = (r.stdout ?? '').split('\n').filter((l) => /\bidle\b/.test(l)).length;
    if (idle >= n) break;
    const dead = procs.find((p) => p.exitCode !== null);
    if (dead || Date.now() > deadline) {
      const log = (f: string) => (existsSync(join(dir, 'log', f)) ? readFileSync(join(dir, 'log', f), 'utf8').slice(-2000) : '');
      await stop().catch(() => undefined);
      throw new Error(`test Slurm cluster did not come up (sinfo: ${(r.stdout ?? '').trim() || r.stderr}).\nslurmctld: ${log('slurmctld.out')}\nn1: ${log('n1.out')}`);
    }
    await sleep(300);
  }
  return { dir, conf, jobcompLog, nodes, stop };
}

/**
 * One cluster for a whole test file: starts it before the file's tests and stops it after (removing the
 * `cleanup` directories too). Read `.cluster` inside tests and hooks, once it is started.
 */
export function useSlurmCluster(opts: { nodes?: number; minJobAge?: number } = {}, cleanup: readonly string[] = []): { readonly cluster: SlurmCluster } {
  let cluster: SlurmCluster | undefined;
  beforeAll(async () => {
    cluster = await startSlurm(opts);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  }, 30_000);
  return {
    get cluster(): SlurmCluster {
      if (!cluster) throw new Error('the Slurm cluster of this test file is not started');
      return cluster;
    },
  };
}
