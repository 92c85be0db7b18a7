/**
 * `golongrl submit|status|logs|cancel|list` as users run them: the real binary as a child process, real
 * jobs on the local backend (the local trainer), real records under a temp jobs dir, real exit codes.
 * Each verb is also run from a second process to check that records re-attach.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/golongrl.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'golongrl-submit-'));
const jobsDir = join(tmp, 'jobs');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('golongrl submit / status / logs / cancel / list', () => {
  it('--dry-run renders the recipe and the launch file for each backend, submits nothing', () => {
    const slurm = cli(['submit', 'qwen3-4b-tmn-reweight', '--backend', 'slurm', '--dry-run', '--jobs-dir', jobsDir, '--json']);
    expect(slurm.code, slurm.err).toBe(0);
    const j = JSON.parse(slurm.out);
    expect(j.dry_run).toBe(true);
    expect(j.launch).toContain('#SBATCH --nodes=16');
    expect(j.launch).toContain('srun --overlap');
    expect(j.rendered).toContain('algorithm.adv_estimator=tmn_grpo');
    const sky = cli(['submit', 'qwen3-4b-grpo', '--backend', 'skypilot', '--dry-run', '--jobs-dir', jobsDir]);
    expect(sky.code, sky.err).toBe(0);
    expect(sky.out).toContain('num_nodes: 16');
    const ray = cli(['submit', 'qwen3-4b-grpo', '--backend', 'ray', '--dry-run', '--jobs-dir', jobsDir, '--json']);
    expect(ray.code, ray.err).toBe(0);
    expect(JSON.parse(JSON.parse(ray.out).launch).body.entrypoint).toContain('python3 -m recipe.dapo.main_dapo');
    const list = cli(['list', '--jobs-dir', jobsDir, '--json']);
    expect(JSON.parse(list.out)).toEqual([]);
  });

  it('submits the local trainer, waits, and the other verbs re-attach from the record', () => {
    const out = join(tmp, 'train out');
    const r = cli(['submit', 'qwen3-4b-tmn-reweight', '--steps', '2', '--out', out, '--jobs-dir', jobsDir, '--wait', '--json']);
    expect(r.code, r.err).toBe(0);
    const job = JSON.parse(r.out);
    expect(job).toMatchObject({ backend: 'local', state: 'COMPLETED', recipe: 'qwen3-4b-tmn-reweight' });
    expect(existsSync(join(out, 'metrics.jsonl'))).toBe(true);
    const st = cli(['status', job.id, '--jobs-dir', jobsDir, '--json']);
    expect(st.code, st.err).toBe(0);
    expect(JSON.parse(st.out)).toMatchObject({ id: job.id, state: 'COMPLETED' });
    const logs = cli(['logs', job.id, '--jobs-dir', jobsDir]);
    expect(logs.out).toContain('golongrl train — recipe tiny, estimator tmn_grpo');
    const logsJson = cli(['logs', job.id, '--jobs-dir', jobsDir, '--json']).out.trim().split('\n').map((l) => JSON.parse(l));
    expect(logsJson[0]).toMatchObject({ id: job.id, stream: 'stdout' });
    const list = cli(['list', '--jobs-dir', jobsDir]);
    expect(list.out).toMatch(new RegExp(`${job.id}\\s+local\\s+\\d+\\s+COMPLETED\\s+qwen3-4b-tmn-reweight`));
  });

  it('cancel stops a running job (CANCELLED); status lists only unfinished jobs', () => {
    const r = cli(['submit', 'qwen3-4b-grpo', '--steps', '100000', '--out', join(tmp, 'long'), '--jobs-dir', jobsDir, '--json']);
    expect(r.code, r.err).toBe(0);
    const job = JSON.parse(r.out);
    const running = JSON.parse(cli(['status', '--jobs-dir', jobsDir, '--json']).out) as { id: string; state: string }[];
    expect(running.map((x) => [x.id, x.state])).toEqual([[job.id, 'RUNNING']]);
    const c = cli(['cancel', job.id, '--jobs-dir', jobsDir, '--json']);
    expect(c.code, c.err).toBe(0);
    expect(JSON.parse(c.out).state).toBe('CANCELLED');
    expect(JSON.parse(cli(['status', '--jobs-dir', jobsDir, '--json']).out)).toEqual([]);
  });

  it('bad input exits 2 with a clear message', () => {
    const unknownRecipe = cli(['submit', 'nope', '--dry-run', '--jobs-dir', jobsDir]);
    expect(unknownRecipe.code).toBe(2);
    expect(unknownRecipe.err).toContain("unknown cluster recipe 'nope'");
    expect(cli(['submit', 'qwen3-4b-grpo', '--backend', 'k8s', '--jobs-dir', jobsDir]).code).toBe(2);
    const badOverride = cli(['submit', 'qwen3-4b-grpo', '--backend', 'slurm', '--dry-run', '--override', 'trainer.no_such_key=1', '--jobs-dir', jobsDir]);
    expect(badOverride.code).toBe(2);
    expect(badOverride.err).toContain('trainer.no_such_key');
    const noJob = cli(['status', '20990101-000000-deadbeef', '--jobs-dir', jobsDir]);
    expect(noJob.code).toBe(2);
    expect(noJob.err).toContain("no job '20990101-000000-deadbeef'");
    expect(cli(['logs', '../../etc', '--jobs-dir', jobsDir]).code).toBe(2);
    expect(readdirSync(jobsDir).filter((d) => d !== 'dry-run')).toHaveLength(2);
  });
});
