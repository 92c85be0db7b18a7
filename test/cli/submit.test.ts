/**
 * `golongrl submit|status|logs|cancel|list` as users run them: the real binary as a child process, real
 * jobs on the local backend (the local trainer), real records under a temp jobs dir, real exit codes.
 * Each verb is also run from a second process to check that records re-attach.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { submitJob } from '../../lib/cluster/jobs.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/golongrl.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'golongrl-submit-'));
const jobsDir = join(tmp, 'jobs');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], env?: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, ...(env ? { env } : {}) });
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

const REAL_PATHS = ['--override', 'actor_rollout_ref.model.path=/shared/models/Qwen3-4B', '--override', 'data.train_files=/shared/data/train.jsonl', '--override', 'data.val_files=/shared/data/test.jsonl'];

describe('submit: scheduler settings, set-up, verl dir, preflight, scheduler errors, log redaction', () => {
  it('DONE-WHEN: a Slurm dry run with --partition p --account a --time 1:00:00 --setup "module load x" --verl-dir D renders them (golden)', () => {
    const r = cli(['submit', 'qwen3-4b-grpo', '--backend', 'slurm', '--dry-run', '--partition', 'p', '--account', 'a', '--time', '1:00:00', '--setup', 'module load x', '--verl-dir', 'D', '--jobs-dir', jobsDir, '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const file = join('test', 'cluster', 'golden', 'slurm-flags.sbatch');
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, j.launch);
    expect(j.launch).toBe(readFileSync(file, 'utf8'));
    execFileSync('bash', ['-n'], { input: j.launch });
    for (const l of ['#SBATCH --partition=p', '#SBATCH --account=a', '#SBATCH --time=1:00:00', '  module load x', 'export -f golongrl_setup', 'cd -- D || exit 2']) expect(j.launch).toContain(l);
    expect(j.launch).toContain(`srun --nodes=1 --ntasks=1 -w "$HEAD" bash -c 'golongrl_setup && exec "$@"' golongrl-node ray start --head`);
    expect(j.rendered).toContain('scheduler: partition p, account a, time 1:00:00');
    expect(j.rendered).toContain('setup (run on every node before Ray/the payload starts): module load x');
    expect(j.rendered).toContain('payload: verl (workdir D)');
    expect(j.spec.resources).toMatchObject({ partition: 'p', account: 'a', timeLimit: '1:00:00' });
    // the dry run says what a real submit would refuse: the reference's placeholder paths (not the verl dir: D is set)
    expect(j.preflight).toEqual([
      "data.train_files: '/path/to/train.jsonl' is a placeholder (the recipe's paths.train_file, or --override data.train_files=…)",
      "data.val_files: '/path/to/test.jsonl' is a placeholder (the recipe's paths.test_file, or --override data.val_files=…)",
      "actor_rollout_ref.model.path: '/path/to/Qwen3-4B' is a placeholder (the recipe's paths.model, or --override actor_rollout_ref.model.path=…)",
    ]);
    const q = JSON.parse(cli(['submit', 'qwen3-4b-grpo', '--backend', 'slurm', '--dry-run', '--qos', 'high', '--gres', 'gpu:4', '--jobs-dir', jobsDir, '--json']).out);
    expect(q.launch).toContain('#SBATCH --qos=high');
    expect(q.launch).toContain('#SBATCH --gres=gpu:4');
    expect(q.launch).not.toContain('--gpus-per-node');
    expect(q.rendered).toContain('payload: verl (workdir NOT SET');
    expect(q.launch).not.toContain('cd --');
  });

  it('preflight: placeholders, a missing verl dir and (local) missing paths are each named, exit 2, nothing recorded', () => {
    const before = readdirSync(jobsDir).length;
    const r = cli(['submit', 'qwen3-4b-grpo', '--backend', 'slurm', '--jobs-dir', jobsDir], { ...process.env, GOLONGRL_VERL_DIR: '' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('4 problem(s) before submitting');
    expect(r.err).toContain('verl checkout directory: not set (pass --verl-dir DIR, set verl_dir: in the recipe, or export GOLONGRL_VERL_DIR=DIR');
    expect(r.err).toContain("data.train_files: '/path/to/train.jsonl' is a placeholder");
    expect(r.err).toContain("actor_rollout_ref.model.path: '/path/to/Qwen3-4B' is a placeholder");
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    const nope = join(tmp, 'nope');
    const l = cli(['submit', 'qwen3-4b-grpo', '--backend', 'local', '--payload', 'verl', '--verl-dir', nope, '--override', `actor_rollout_ref.model.path=${nope}/model`, '--override', `data.train_files=${nope}/t.jsonl`, '--override', `data.val_files=[${nope}/v.jsonl]`, '--jobs-dir', jobsDir]);
    expect(l.code).toBe(2);
    for (const what of [`verl checkout directory: '${nope}' does not exist on this machine`, `actor_rollout_ref.model.path: '${nope}/model' does not exist`, `data.train_files: '${nope}/t.jsonl' does not exist`, `data.val_files: '${nope}/v.jsonl' does not exist`]) expect(l.err).toContain(what);
    expect(readdirSync(jobsDir).length).toBe(before);
  });

  it('sbatch missing / Ray unreachable: one line with the reason, exit 2, a FAILED record list shows', () => {
    const bin = join(tmp, 'only-node');
    mkdirSync(bin, { recursive: true });
    if (!existsSync(join(bin, 'node'))) symlinkSync(process.execPath, join(bin, 'node'));
    const jd = join(tmp, 'jobs-missing');
    const r = cli(['submit', 'qwen3-4b-grpo', '--backend', 'slurm', '--verl-dir', '/opt/verl', ...REAL_PATHS, '--jobs-dir', jd], { ...process.env, PATH: bin });
    expect(r.code).toBe(2);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^golongrl submit: sbatch: command not found on PATH \(install Slurm's client tools .*\) \(job \S+ recorded as FAILED; 'golongrl status \S+'\)$/);
    const list = JSON.parse(cli(['list', '--jobs-dir', jd, '--json']).out) as { state: string; error?: string }[];
    expect(list).toHaveLength(1);
    expect(list[0].state).toBe('FAILED');
    expect(list[0].error).toMatch(/^sbatch: command not found on PATH/);
    const ray = cli(['submit', 'qwen3-4b-grpo', '--backend', 'ray', '--ray-address', 'http://127.0.0.1:9', '--verl-dir', '/opt/verl', ...REAL_PATHS, '--jobs-dir', jd]);
    expect(ray.code).toBe(2);
    expect(ray.err.trim().split('\n')).toHaveLength(1);
    expect(ray.err).toContain('Ray job server http://127.0.0.1:9 unreachable (ECONNREFUSED)');
  });

  it('logs prints known secret values as ***', async () => {
    const secret = 'wandb-' + Math.random().toString(36).slice(2);
    process.env.GOLONGRL_LOGS_SECRET = secret;
    let job;
    try {
      job = await submitJob(
        { name: 'leaky', payload: { kind: 'command', argv: ['sh', '-c', 'echo "my key is $GOLONGRL_LOGS_SECRET, again: $GOLONGRL_LOGS_SECRET"'] }, resources: { nodes: 1, gpusPerNode: 0 }, env: {}, secretEnv: ['GOLONGRL_LOGS_SECRET'] },
        'local',
        { jobsDir },
      );
    } finally {
      delete process.env.GOLONGRL_LOGS_SECRET;
    }
    expect(await job.wait({ timeoutMs: 20_000 })).toBe('COMPLETED');
    expect(readFileSync(job.paths.stdout, 'utf8')).toContain(secret); // the job itself printed it
    const shown = cli(['logs', job.id, '--jobs-dir', jobsDir], { ...process.env, GOLONGRL_LOGS_SECRET: secret });
    expect(shown.out).toBe('my key is ***, again: ***\n');
    const envFile = join(tmp, 'secrets.env');
    writeFileSync(envFile, `GOLONGRL_LOGS_SECRET=${secret}\n`, { mode: 0o600 });
    const viaFile = cli(['logs', job.id, '--jobs-dir', jobsDir, '--env-file', envFile, '--json']);
    expect(viaFile.out).not.toContain(secret);
    expect(viaFile.out).toContain('***');
  });
});
