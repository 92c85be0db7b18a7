/**
 * Golden sbatch scripts (as submitit pins its `_sbatch_test_record.txt`): one verl payload (Ray head +
 * workers, join wait, driver via `srun --overlap`) and one per-node command payload. `UPDATE_GOLDEN=1`
 * rewrites them. Plus: the quoting every generated script relies on, checked against the real bash
 * (fast-check strings round-trip through `bash -c 'printf %s …'`), `bash -n` on the scripts, and the
 * array-bug fix (one NODES element per node) run for real with a stand-in `scontrol`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { sbatchArgv } from '../../lib/cluster/backends/slurm.js';
import { renderSbatch } from '../../lib/cluster/sbatch.js';
import { shQuote, taskWrapper } from '../../lib/cluster/shell.js';
import type { JobSpec } from '../../lib/cluster/types.js';

const GOLDEN = join('test', 'cluster', 'golden');
const tmp = mkdtempSync(join(tmpdir(), 'golongrl-sbatch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

export const VERL_SPEC: JobSpec = {
  name: 'GoLongRL 4B run (tmn-reweight)',
  recipe: 'qwen3-4b-tmn-reweight',
  payload: {
    kind: 'verl',
    entrypoint: ['python3', '-m', 'recipe.dapo.main_dapo', '--config-name=dapo_megatron_trainer'],
    overrides: [
      'algorithm.adv_estimator=tmn_grpo',
      '+algorithm.difficulty_reweight=True',
      "data.train_files=['/data/GoLongRL train.jsonl']",
      'trainer.nnodes=16',
      'trainer.n_gpus_per_node=8',
      "trainer.experiment_name='Qwen3-4B-tmn-reweight'",
    ],
    workdir: '/opt/GoLongRL/Train/verl',
  },
  resources: { nodes: 16, gpusPerNode: 8, cpusPerTask: 64, timeLimit: '72:00:00', partition: 'gpu', memory: '200G' },
  env: { TORCH_NCCL_AVOID_RECORD_STREAMS: '1', VLLM_USE_V1: '1', NCCL_SOCKET_IFNAME: 'bond0' },
  secretEnv: ['WANDB_API_KEY'],
};

export const COMMAND_SPEC: JobSpec = {
  name: "tiny trainer 'on' $(both) nodes",
  payload: {
    kind: 'command',
    perNode: true,
    argv: ['node', 'bin/golongrl.mjs', 'train', '--recipe', 'tiny', '--steps', '2', '--out', 'runs/slurm/node-{{node}}', '--json'],
    workdir: '/srv/golongrl lab',
  },
  resources: { nodes: 2, gpusPerNode: 0 },
  env: { NOTE: "it's \"quoted\" $(not run)" },
  secretEnv: [],
};

function golden(name: string, text: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);
  if (!existsSync(file)) throw new Error(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/cluster/sbatch.golden.test.ts`);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

describe('sbatch scripts', () => {
  it('verl payload matches the golden file and parses with bash -n', () => {
    const s = renderSbatch(VERL_SPEC);
    golden('verl.sbatch', s);
    execFileSync('bash', ['-n'], { input: s });
    expect(s).toContain('mapfile -t NODES < <(scontrol show hostnames "$SLURM_JOB_NODELIST")');
    expect(s).not.toContain('nodes_array=("$nodes")');
    expect(s).toContain('srun --overlap --nodes=1 --ntasks=1 -w "$HEAD" python3 -m recipe.dapo.main_dapo');
    expect(s).toContain('#SBATCH --requeue');
    expect(s).not.toContain(VERL_SPEC.name); // the name goes to sbatch as an argument
  });

  it('command payload matches the golden file and parses with bash -n', () => {
    const s = renderSbatch(COMMAND_SPEC);
    golden('command.sbatch', s);
    execFileSync('bash', ['-n'], { input: s });
    expect(s).toContain('srun --nodes="$SLURM_JOB_NUM_NODES" --ntasks-per-node=1 bash -c');
  });

  it('sbatch gets the name and paths as single argv elements; % is escaped', () => {
    const argv = sbatchArgv(COMMAND_SPEC, { paths: { dir: '/j/a%b', record: '/j/a%b/job.json', stdout: '/j/a%b/stdout.log', stderr: '/j/a%b/stderr.log' }, options: {}, cwd: '/w' }, '/j/a%b/job.sbatch');
    expect(argv).toContain("--job-name=tiny trainer 'on' $(both) nodes");
    expect(argv).toContain('--output=/j/a%%b/stdout.log');
    expect(argv.at(-1)).toBe('/j/a%b/job.sbatch');
  });

  it('rejects resource strings that could add directives, and bad env names', () => {
    expect(() => renderSbatch({ ...COMMAND_SPEC, resources: { nodes: 1, gpusPerNode: 0, partition: 'gpu\n#SBATCH --uid=0' } })).toThrow(/resources.partition/);
    expect(() => renderSbatch({ ...COMMAND_SPEC, env: { 'A;B': 'x' } })).toThrow(/not a valid environment variable name/);
    expect(() => renderSbatch({ ...COMMAND_SPEC, resources: { nodes: 0, gpusPerNode: 0 } })).toThrow(/resources.nodes/);
  });

  it('shQuote round-trips any string through the real bash', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/\0/g, '')), { minLength: 1, maxLength: 4 }), (words) => {
        const script = `printf '%s\\0' ${words.map(shQuote).join(' ')}`;
        const out = execFileSync('bash', ['-c', script], { encoding: 'utf8' });
        expect(out.split('\0').slice(0, -1)).toEqual(words);
      }),
      { numRuns: 150 },
    );
  });

  it('the {{node}}/{{rank}} wrapper substitutes without re-evaluating', () => {
    const evil = `$(touch ${tmp}/PWNED) {{node}}-{{rank}} \`id\``;
    const out = execFileSync(taskWrapper('NODE_X', 'RANK_X')[0], [...taskWrapper('NODE_X', 'RANK_X').slice(1), 'printf', '%s', evil], { encoding: 'utf8', env: { ...process.env, NODE_X: 'n2', RANK_X: '1' } });
    expect(out).toBe(`$(touch ${tmp}/PWNED) n2-1 \`id\``);
    expect(existsSync(join(tmp, 'PWNED'))).toBe(false);
  });

  it('the node-array fix: one NODES element per host (run with a stand-in scontrol)', () => {
    const bin = join(tmp, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'scontrol'), '#!/bin/sh\nprintf "gpu01\\ngpu02\\ngpu03\\n"\n');
    chmodSync(join(bin, 'scontrol'), 0o755);
    const s = renderSbatch(VERL_SPEC);
    const start = s.indexOf('mapfile');
    const snippet = s.slice(start, s.indexOf('\n', start)) + '\necho "${#NODES[@]} ${NODES[0]} ${NODES[2]}"';
    const out = execFileSync('bash', ['-c', snippet], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SLURM_JOB_NODELIST: 'gpu[01-03]' } });
    expect(out.trim()).toBe('3 gpu01 gpu03');
  });
});
