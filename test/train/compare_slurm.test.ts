/**
 * `golongrl compare --backend slurm` on the real throw-away Slurm cluster of the cluster tests
 * (test/cluster/slurm_harness.ts: Debian's slurmctld + slurmd, two node names on this host): each
 * (estimator, seed) is one Slurm job (`compare --run-spec`), the report is aggregated from the run
 * directories, and the numbers equal an in-process compare of the same budget. A tiny budget.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useSlurmCluster } from '../cluster/slurm_harness.js';

const BIN = fileURLToPath(new URL('../../bin/golongrl.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'golongrl-compare-slurm-'));

const harness = useSlurmCluster({ nodes: 2 }, [work]);

function compare(out: string, extra: string[]) {
  return spawnSync(process.execPath, [BIN, 'compare', '--recipe', 'tiny', '--seeds', '1', '--steps', '2', '--tf-backend', 'cpu', '--out', out, '--base-root', join(work, 'base'), '--json', ...extra], {
    encoding: 'utf8',
    env: process.env,
    maxBuffer: 1 << 26,
  });
}

describe('golongrl compare --backend slurm', () => {
  it('runs one Slurm job per (estimator, seed) and reports the same numbers as in process', () => {
    const slurm = compare(join(work, 'slurm'), ['--backend', 'slurm']);
    expect(slurm.status, slurm.stderr).toBe(0);
    const res = JSON.parse(slurm.stdout);
    expect(res.backend).toBe('slurm');
    // One job record per run, each a real Slurm job id, each COMPLETED in the job-completion log.
    const jobs = readdirSync(join(work, 'slurm', 'jobs')).filter((d) => /^\d{8}-/.test(d));
    expect(jobs.length).toBe(2);
    const ids = jobs.map((d) => JSON.parse(readFileSync(join(work, 'slurm', 'jobs', d, 'job.json'), 'utf8')).backendId as string);
    for (const id of ids) expect(id).toMatch(/^\d+$/);
    const jobcomp = readFileSync(harness.cluster.jobcompLog, 'utf8');
    for (const id of ids) expect(jobcomp).toMatch(new RegExp(`JobId=${id} .*JobState=COMPLETED`));
    const local = compare(join(work, 'inprocess'), ['--backend', 'inprocess']);
    expect(local.status, local.stderr).toBe(0);
    const res2 = JSON.parse(local.stdout);
    expect(res2.base.created).toBe(false); // the base built by the first compare is reused
    expect(res.final).toEqual(res2.final);
    expect(res.paired_difference).toEqual(res2.paired_difference);
  }, 300_000);
});
