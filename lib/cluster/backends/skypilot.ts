/**
 * `skypilot` backend: a SkyPilot task YAML (docs.skypilot.co "SkyPilot YAML": name, workdir, num_nodes,
 * resources.accelerators, envs, secrets, run) and the `sky` CLI through execa:
 *   sky launch -c CLUSTER task.yaml --secret NAME … -y --detach-run
 *   sky queue CLUSTER…          (one call for every job's cluster: the batched poll)
 *   sky logs CLUSTER JOB_ID --no-follow
 *   sky cancel -y CLUSTER JOB_ID
 * Secrets: the YAML lists secret NAMES with a null value and `--secret NAME` (no `=value`) makes SkyPilot
 * read the value from the environment of the `sky` process, which is the only place it is put.
 *
 * The `run:` block follows GoLongRL's `examples/skypilot/verl-grpo.yaml` (GOLONGRL.md §C) for the verl
 * payload: rank 0 starts the Ray head, polls the live node count (lib/cluster/ray_wait.ts) until $SKYPILOT_NUM_NODES nodes joined, runs the
 * driver; other ranks join the head. A command payload runs on every node (`perNode`) or on rank 0 only.
 * Every user string in `run:` is single-quoted. Tested at its boundary (test/cluster/skypilot.test.ts):
 * SkyPilot is not installable here.
 */
import { join } from 'node:path';
import YAML from 'yaml';
import { run } from '../exec.js';
import type { JobRecord } from '../store.js';
import { writeFileAtomic } from '../store.js';
import { assertEnvName, shJoin, taskWrapper, usesPlaceholders } from '../shell.js';
import type { JobSpec, JobState } from '../types.js';
import { schedulerFailure, type BackendDriver, type SubmitContext, type SubmitResult } from './driver.js';
import { jobEnvironment } from '../secrets.js';
import { RAY_ALIVE_NODES_FN } from '../ray_wait.js';

export const DEFAULT_ACCELERATOR = 'H100';

/**
 * What the `sky` client gets besides the allow-list (lib/cluster/secrets.ts) and the declared secrets:
 * where the cloud credentials FILES are (sky reads them itself; inline keys such as AWS_SECRET_ACCESS_KEY
 * are not passed — `sky check` with credential files). The task itself receives only the YAML's `envs`
 * and `secrets` (SkyPilot forwards nothing else of the client's environment).
 */
export const SKY_CLIENT_ENV: readonly string[] = ['AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_DEFAULT_REGION', 'GOOGLE_APPLICATION_CREDENTIALS', 'CLOUDSDK_CONFIG', 'KUBECONFIG', 'AZURE_CONFIG_DIR'];

/** SkyPilot cluster names: lower-case letters, digits and dashes, starting with a letter. */
export function skyClusterName(id: string): string {
  return `golongrl-${id.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 60).replace(/-+$/, '');
}

export function skyRunScript(spec: JobSpec): string {
  const p = spec.payload;
  const L: string[] = ['set -uo pipefail'];
  if (spec.setup?.length) L.push('# Environment set-up (recipe setup / --setup), on every node before Ray starts.', ...spec.setup);
  if (p.workdir) L.push(`cd ${shJoin([p.workdir])}`);
  if (p.kind === 'verl') {
    L.push('HEAD_IP=$(echo "$SKYPILOT_NODE_IPS" | head -n1)');
    L.push('if [ "$SKYPILOT_NODE_RANK" = "0" ]; then');
    L.push('  ps aux | grep -v grep | grep -q 6379 || ray start --head --disable-usage-stats --port=6379 --dashboard-host=0.0.0.0 --dashboard-port=8265');
    L.push(...RAY_ALIVE_NODES_FN.map((l) => `  ${l}`));
    L.push('  for t in $(seq 1 60); do');
    L.push('    n=$(ray_alive_nodes 127.0.0.1:6379)');
    L.push('    [ "$n" -ge "$SKYPILOT_NUM_NODES" ] && break');
    L.push('    sleep 10');
    L.push('  done');
    L.push('  [ "$n" -ge "$SKYPILOT_NUM_NODES" ] || { echo "golongrl: only $n of $SKYPILOT_NUM_NODES ray nodes joined" >&2; exit 1; }');
    L.push(`  ${shJoin([...p.entrypoint, ...p.overrides])}`);
    L.push('else');
    L.push('  sleep 10');
    L.push('  ray start --address "$HEAD_IP:6379" --disable-usage-stats');
    L.push('  sleep 5');
    L.push('fi');
  } else {
    const argv = usesPlaceholders(p.argv) ? [...taskWrapper('SKYPILOT_NODE_RANK', 'SKYPILOT_NODE_RANK'), ...p.argv] : [...p.argv];
    if (p.perNode) L.push(shJoin(argv));
    else L.push(`if [ "$SKYPILOT_NODE_RANK" = "0" ]; then ${shJoin(argv)}; fi`);
  }
  return L.join('\n') + '\n';
}

export function skyTask(spec: JobSpec, opts: { accelerator?: string } = {}): Record<string, unknown> {
  for (const k of Object.keys(spec.env)) assertEnvName(k, 'env');
  for (const k of spec.secretEnv) assertEnvName(k, 'secretEnv');
  const r = spec.resources;
  const resources: Record<string, unknown> = {};
  if (r.gpusPerNode > 0) resources.accelerators = `${opts.accelerator ?? DEFAULT_ACCELERATOR}:${r.gpusPerNode}`;
  if (r.cpusPerTask !== undefined) resources.cpus = `${r.cpusPerTask}+`;
  if (r.memory !== undefined) resources.memory = r.memory;
  const task: Record<string, unknown> = { name: spec.name, num_nodes: r.nodes, resources };
  if (spec.payload.workdir) task.workdir = spec.payload.workdir;
  if (Object.keys(spec.env).length > 0) task.envs = { ...spec.env };
  if (spec.secretEnv.length > 0) task.secrets = Object.fromEntries(spec.secretEnv.map((k) => [k, null]));
  task.run = skyRunScript(spec);
  return task;
}

export function skyLaunchArgv(cluster: string, yamlPath: string, secretNames: readonly string[]): string[] {
  return ['launch', '-c', cluster, yamlPath, ...secretNames.flatMap((s) => ['--secret', s]), '-y', '--detach-run'];
}

const SKY_STATES: Record<string, JobState> = {
  INIT: 'PENDING',
  PENDING: 'PENDING',
  SETTING_UP: 'RUNNING',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'COMPLETED',
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
  FAILED_SETUP: 'FAILED',
  FAILED_DRIVER: 'FAILED',
  FAILED_PRECHECKS: 'FAILED',
};

/**
 * Parses `sky queue CLUSTER…` text: a "Job queue of cluster NAME" header per cluster, then a table whose
 * rows start with the numeric job ID; the STATUS column is the first cell that is a SkyPilot job status.
 */
export function parseSkyQueue(text: string): Map<string, JobState> {
  const m = new Map<string, JobState>();
  let cluster = '';
  for (const line of text.split('\n')) {
    const h = /Job queue of (?:current user on )?cluster (\S+)/i.exec(line);
    if (h) {
      cluster = h[1].replace(/[:.]$/, '');
      continue;
    }
    const cells = line.trim().split(/\s+/);
    if (!cluster || !/^\d+$/.test(cells[0] ?? '')) continue;
    let st: string | undefined; // STATUS comes after NAME, which could be any word: take the last status cell
    for (const c of cells) if (c in SKY_STATES) st = c;
    if (st) m.set(`${cluster}/${cells[0]}`, SKY_STATES[st]);
  }
  return m;
}

function skyBin(rec?: JobRecord, opt?: string): string {
  return opt ?? (rec ? String(rec.info.sky ?? 'sky') : 'sky');
}

function splitId(backendId: string): [string, string] {
  const i = backendId.lastIndexOf('/');
  return [backendId.slice(0, i), backendId.slice(i + 1)];
}

export const skypilotBackend: BackendDriver = {
  kind: 'skypilot',

  async submit(spec: JobSpec, ctx: SubmitContext): Promise<SubmitResult> {
    const o = ctx.options.skypilot ?? {};
    const cluster = o.cluster ?? skyClusterName(ctx.id);
    const sky = skyBin(undefined, o.sky);
    const script = join(ctx.paths.dir, 'task.yaml');
    writeFileAtomic(script, YAML.stringify(skyTask(spec, o)));
    const argv = skyLaunchArgv(cluster, script, spec.secretEnv);
    if (ctx.dryRun) return { backendId: `${cluster}/dry-run`, info: { cluster, sky, launch: JSON.stringify([sky, ...argv]) }, script };
    const r = await run(sky, argv, { env: jobEnvironment(process.env, spec.secretEnv, {}, ctx.secrets, SKY_CLIENT_ENV).env, timeoutMs: 3_600_000 });
    if (r.exitCode !== 0) throw schedulerFailure('sky', r);
    const jobId = /Job (?:ID|submitted, ID):\s*(\d+)/i.exec(r.stdout + '\n' + r.stderr)?.[1] ?? '1';
    return { backendId: `${cluster}/${jobId}`, info: { cluster, sky }, script };
  },

  async states(records) {
    const m = new Map<string, JobState>();
    const bySky = new Map<string, JobRecord[]>();
    for (const r of records) bySky.set(skyBin(r), [...(bySky.get(skyBin(r)) ?? []), r]);
    for (const [sky, recs] of bySky) {
      const clusters = [...new Set(recs.map((r) => splitId(r.backendId)[0]))];
      const q = await run(sky, ['queue', ...clusters]);
      const st = parseSkyQueue(q.stdout);
      for (const r of recs) {
        const s = st.get(r.backendId);
        if (s) m.set(r.id, s);
      }
    }
    return m;
  },

  async cancel(rec) {
    const [cluster, job] = splitId(rec.backendId);
    const r = await run(skyBin(rec), ['cancel', '-y', cluster, job]);
    if (r.exitCode !== 0) throw new Error(`sky cancel failed: ${(r.stderr || r.stdout).trim()}`);
  },

  async readLog(rec, stream, offset) {
    if (stream === 'stderr') return { text: '', offset };
    const [cluster, job] = splitId(rec.backendId);
    const r = await run(skyBin(rec), ['logs', cluster, job, '--no-follow']);
    const all = r.stdout;
    if (all.length < offset) return { text: all, offset: all.length };
    return { text: all.slice(offset), offset: all.length };
  },
};
