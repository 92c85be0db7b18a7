/**
 * The launch files' Ray node count (lib/cluster/ray_wait.ts) run by the real bash over captured `ray status`
 * outputs of both layouts (test/cluster/fixtures/: Ray 2.60.0 as installed here, its autoscaler-v2 layout,
 * and the Ray 1.x `Healthy:` layout with node types), through a stand-in `ray` that prints the fixture; the
 * python fallback through a stand-in `python3`. The same function against a REAL Ray head is in
 * test/cluster/ray.real.test.ts. The old `grep -c " node_"` is run on the same inputs to show what it got wrong.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RAY_ALIVE_NODES_FN } from '../../lib/cluster/ray_wait.js';
import { renderSbatch } from '../../lib/cluster/sbatch.js';
import { skyRunScript } from '../../lib/cluster/backends/skypilot.js';
import type { JobSpec } from '../../lib/cluster/types.js';

const VERL_SPEC: JobSpec = {
  name: 'verl',
  payload: { kind: 'verl', entrypoint: ['python3', '-m', 'recipe.dapo.main_dapo'], overrides: ['trainer.nnodes=2'], workdir: '/opt/verl' },
  resources: { nodes: 2, gpusPerNode: 8 },
  env: {},
  secretEnv: [],
};

const tmp = mkdtempSync(join(tmpdir(), 'golongrl-raywait-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const FIX = join('test', 'cluster', 'fixtures');

function count(statusFile: string | null, pythonOut: string | null, fn: readonly string[] = RAY_ALIVE_NODES_FN): string {
  const bin = mkdtempSync(join(tmp, 'bin-'));
  writeFileSync(join(bin, 'ray'), statusFile ? `#!/bin/sh\ncat '${statusFile}'\n` : '#!/bin/sh\necho "ray: cannot connect" >&2; exit 1\n');
  writeFileSync(join(bin, 'python3'), pythonOut !== null ? `#!/bin/sh\necho 'a ray log line'\necho '${pythonOut}'\n` : '#!/bin/sh\nexit 1\n');
  for (const f of ['ray', 'python3']) chmodSync(join(bin, f), 0o755);
  const script = `${fn.join('\n')}\nray_alive_nodes 10.0.0.1:6379`;
  return execFileSync('bash', ['-c', script], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } }).trim();
}

const oldGrep = (f: string) => readFileSync(f, 'utf8').split('\n').filter((l) => l.includes(' node_')).length;

describe('ray_alive_nodes (bash, stand-in ray/python3)', () => {
  it('Ray 2.60.0 `ray status` (captured): 1 live node under Active:', () => {
    expect(count(join(FIX, 'ray_status_2.60.0.txt'), null)).toBe('1');
  });
  it('Ray 2.60.0 with autoscaler v2 (captured): the idle node under Idle: counts', () => {
    expect(count(join(FIX, 'ray_status_2.60.0_autoscaler_v2.txt'), null)).toBe('1');
  });
  it('Ray 1.x layout: Healthy: with node types and counts → 3 (the old grep saw 0)', () => {
    expect(count(join(FIX, 'ray_status_1.x.txt'), null)).toBe('3');
    expect(oldGrep(join(FIX, 'ray_status_1.x.txt'))).toBe(0);
  });
  it('pending nodes do not count', () => {
    const f = join(tmp, 'pending.txt');
    writeFileSync(f, 'Node status\n----\nActive:\n 1 node_aaa\nPending:\n 10.0.0.2: ray.worker.default, setting-up\n 1 node_bbb\nRecent failures:\n (no failures)\n');
    expect(count(f, null)).toBe('1');
  });
  it('falls back to ray.nodes() when ray status has nothing countable; 0 when nothing answers', () => {
    expect(count(null, '4')).toBe('4');
    const f = join(tmp, 'changed.txt');
    writeFileSync(f, 'Cluster status: something new\nNodes: 2 alive\n');
    expect(count(f, '2')).toBe('2');
    expect(count(null, null)).toBe('0');
    expect(count(null, 'garbage')).toBe('0');
  });
  it('the sbatch script and the SkyPilot run block both use it', () => {
    const s = renderSbatch(VERL_SPEC);
    expect(s).toContain(RAY_ALIVE_NODES_FN.join('\n'));
    expect(s).toContain('joined=$(ray_alive_nodes "$RAY_ADDRESS_HEAD")');
    expect(s).not.toContain('grep -c " node_"');
    const sky = skyRunScript(VERL_SPEC);
    expect(sky).toContain('ray_alive_nodes() {');
    expect(sky).not.toContain('grep -c " node_"');
    execFileSync('bash', ['-n'], { input: sky });
    // SkyPilot runs the set-up lines on every node (the run block runs on each) before Ray starts
    const withSetup = skyRunScript({ ...VERL_SPEC, setup: ['module load cuda/12.4'] });
    expect(withSetup.indexOf('module load cuda/12.4')).toBeGreaterThan(0);
    expect(withSetup.indexOf('module load cuda/12.4')).toBeLessThan(withSetup.indexOf('ray start'));
  });
});
