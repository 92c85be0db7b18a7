/**
 * lib/cluster/secrets.ts on real files: env files must have mode 0600 (the error names file and mode),
 * malformed lines are reported with file:line, values come from the environment first, errors never carry
 * a secret value, `redact` scrubs log lines, `assertNoSecrets` catches a value in any artifact — and a real
 * child process receives a secret through its environment only (its argv, read back from /proc, is clean).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { submitJob } from '../../lib/cluster/jobs.js';
import { COMMON_SECRET_NAMES } from './secret_names.js';
import { assertNoSecrets, jobEnvironment, knownSecretValues, loadSecretEnv, looksSecret, readEnvFile, redact, safeEnvName, SecretError } from '../../lib/cluster/secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
function envFile(name: string, text: string, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

const WANDB = 'wandb_v1_0123456789abcdefXYZ';
const JUDGE = 'sk-judge-"quoted"-9876';

describe('env files', () => {
  it('reads NAME=value lines: comments, blanks, export, quotes, inline comments', () => {
    const p = envFile('ok.env', `# secrets\n\nexport WANDB_API_KEY=${WANDB}\nJUDGE_API_KEY='${JUDGE}'\nOTHER="a b # not a comment"\nPLAIN=x # comment\n`);
    expect(readEnvFile(p)).toEqual({ WANDB_API_KEY: WANDB, JUDGE_API_KEY: JUDGE, OTHER: 'a b # not a comment', PLAIN: 'x' });
    expect(loadSecretEnv(['WANDB_API_KEY', 'JUDGE_API_KEY'], { envFile: p, env: {} })).toEqual({ WANDB_API_KEY: WANDB, JUDGE_API_KEY: JUDGE });
  });

  it('refuses a file that is not mode 0600, naming file and mode', () => {
    for (const mode of [0o644, 0o640, 0o400, 0o700]) {
      const p = envFile(`m${mode.toString(8)}.env`, `WANDB_API_KEY=${WANDB}\n`, mode);
      let err: Error | undefined;
      try {
        loadSecretEnv(['WANDB_API_KEY'], { envFile: p, env: {} });
      } catch (e) {
        err = e as Error;
      }
      expect(err).toBeInstanceOf(SecretError);
      expect(err?.message).toContain(`${p}: env file has mode 0${mode.toString(8)}; secrets files must have mode 0600`);
      expect(err?.message).not.toContain(WANDB);
    }
  });

  it('reports malformed lines with file:line and never echoes the value', () => {
    const p = envFile('bad.env', `A=1\n\nthis line has no equals ${WANDB}\n`);
    expect(() => readEnvFile(p)).toThrow(`${p}:3: malformed line (expected NAME=value)`);
    try {
      readEnvFile(p);
    } catch (e) {
      expect((e as Error).message).not.toContain(WANDB);
    }
    expect(() => readEnvFile(envFile('q.env', `X='${WANDB}\n`))).toThrow(/q\.env:1: X: unterminated single quote/);
    expect(() => readEnvFile(envFile('n.env', `9X=1\n`))).toThrow(/n\.env:1: '9X' is not a valid variable name/);
    expect(() => readEnvFile(join(dir, 'missing.env'))).toThrow(/missing\.env: cannot read env file \(ENOENT\)/);
  });

  it('the environment wins over the file; missing secrets are named (names only)', () => {
    const p = envFile('both.env', `WANDB_API_KEY=from-file-value\n`);
    expect(loadSecretEnv(['WANDB_API_KEY'], { envFile: p, env: { WANDB_API_KEY: WANDB } })).toEqual({ WANDB_API_KEY: WANDB });
    expect(() => loadSecretEnv(['WANDB_API_KEY', 'JUDGE_API_KEY'], { envFile: p, env: {} })).toThrow(`missing secret JUDGE_API_KEY: set it in the environment or in ${p}`);
    expect(() => loadSecretEnv(['A_KEY', 'B_KEY'], { env: {} })).toThrow('missing secrets A_KEY, B_KEY: set them in the environment or pass an env file (mode 0600)');
    expect(() => loadSecretEnv(['bad name'], { env: {} })).toThrow(/not a valid secret name/);
  });
});

describe('redact and assertNoSecrets', () => {
  it('redact scrubs every occurrence, longest first', () => {
    expect(redact(`key=${WANDB} again ${WANDB}; judge ${JUDGE}`, [WANDB, JUDGE])).toBe('key=*** again ***; judge ***');
    expect(redact('abcdef-long and abcdef', ['abcdef', 'abcdef-long'])).toBe('*** and ***');
    expect(() => redact('x', ['ab'])).toThrow(/shorter than 4/);
  });

  it('assertNoSecrets catches raw and JSON-escaped values, naming only the secret', () => {
    const secrets = { WANDB_API_KEY: WANDB, JUDGE_API_KEY: JUDGE };
    expect(() => assertNoSecrets(['python3', '-m', 'x', `+k=${WANDB}`], secrets, 'argv')).toThrow('argv contains the value of secret WANDB_API_KEY');
    expect(() => assertNoSecrets({ env: { J: JUDGE } }, secrets, 'record')).toThrow(/record contains the \(JSON-escaped\) value of secret JUDGE_API_KEY/);
    expect(() => assertNoSecrets('#!/bin/bash\nexport WANDB_API_KEY\n', secrets, 'script')).not.toThrow();
  });

  it('a real child process gets the secret through its environment only', async () => {
    const secrets = loadSecretEnv(['WANDB_API_KEY'], { envFile: envFile('child.env', `WANDB_API_KEY=${WANDB}\n`), env: {} });
    const argv = ['-e', 'setTimeout(() => { process.stdout.write(String(process.env.WANDB_API_KEY === process.argv[1] ? "" : "len=" + process.env.WANDB_API_KEY.length)) }, 300)', 'placeholder'];
    assertNoSecrets(argv, secrets, 'argv');
    const child = spawn(process.execPath, argv, { env: { ...process.env, ...secrets } });
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
    } catch {
      /* not Linux */
    }
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((res) => child.on('close', res));
    expect(out).toBe(`len=${WANDB.length}`);
    if (cmdline) assertNoSecrets(cmdline, secrets, '/proc/<pid>/cmdline');
  });
});

describe('jobEnvironment (allow-list)', () => {
  it('passes the safe set, the declared env and the declared secrets, nothing else', () => {
    const parent = { PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', LC_ALL: 'C', WANDB_API_KEY: 'w-secret', ARK_API_KEY: 'a-secret', HF_TOKEN: 'h', MY_SECRET: 's', DB_PASSWORD: 'p', TOKENIZERS_PARALLELISM: 'false', SLURM_CONF: '/x', CUDA_VISIBLE_DEVICES: '0', RAY_ADDRESS: 'auto', RAY_AUTH_TOKEN: 't', EDITOR: 'vim', NODE_OPTIONS: '--x' };
    const { env, withheld } = jobEnvironment(parent, ['ARK_API_KEY'], { NCCL_DEBUG: 'VERSION' }, { ARK_API_KEY: 'from-file' });
    expect(withheld).toEqual(['DB_PASSWORD', 'EDITOR', 'HF_TOKEN', 'MY_SECRET', 'NODE_OPTIONS', 'RAY_AUTH_TOKEN', 'WANDB_API_KEY']);
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', LC_ALL: 'C', TOKENIZERS_PARALLELISM: 'false', SLURM_CONF: '/x', CUDA_VISIBLE_DEVICES: '0', RAY_ADDRESS: 'auto', NCCL_DEBUG: 'VERSION', ARK_API_KEY: 'from-file' });
    expect(looksSecret('TOKENIZERS_PARALLELISM')).toBe(false);
    expect(looksSecret('GOLONGRL_JUDGE_API_KEY')).toBe(true);
  });

  it('none of the 49 common secret names passes unless declared', () => {
    expect(new Set(COMMON_SECRET_NAMES).size).toBe(49);
    for (const n of COMMON_SECRET_NAMES) expect(safeEnvName(n), n).toBe(false);
    const parent = Object.fromEntries(COMMON_SECRET_NAMES.map((n) => [n, `canary-${n}`]));
    const { env, withheld } = jobEnvironment({ ...parent, PATH: '/bin' }, ['PGPASSWORD'], {}, { PGPASSWORD: 'declared-value' });
    expect(env).toEqual({ PATH: '/bin', PGPASSWORD: 'declared-value' });
    expect(withheld).toHaveLength(48);
  });

  it('GOLONGRL_JOB_ENV declares extra non-secret names; a credential-looking one is refused', () => {
    const { env } = jobEnvironment({ PATH: '/bin', SCRATCH: '/s', SHIM_DIR: '/x', OTHER: 'o', GOLONGRL_JOB_ENV: 'SCRATCH, SHIM_DIR' }, [], {}, {});
    expect(env).toEqual({ PATH: '/bin', SCRATCH: '/s', SHIM_DIR: '/x', GOLONGRL_JOB_ENV: 'SCRATCH, SHIM_DIR' });
    expect(() => jobEnvironment({ GOLONGRL_JOB_ENV: 'AWS_SECRET_ACCESS_KEY' }, [], {}, {})).toThrow(/GOLONGRL_JOB_ENV: 'AWS_SECRET_ACCESS_KEY' looks like a credential; declare it as a secret/);
    expect(() => jobEnvironment({ GOLONGRL_JOB_ENV: 'PGPASSWORD' }, [], {}, {})).toThrow(SecretError);
  });

  it('knownSecretValues: declared and credential-looking values, for redacting logs', () => {
    const vals = knownSecretValues(['MY_DECLARED'], { MY_DECLARED: 'decl-value', WANDB_API_KEY: 'wandb-value', PATH: '/usr/bin', X_TOKEN: 'abc' }, { FROM_FILE: 'file-value' });
    expect(vals.sort()).toEqual(['decl-value', 'file-value', 'wandb-value']); // 'abc' is too short to redact safely
  });
});

describe('allow-list on a REAL local job', () => {
  it('49 canaries set in the submitting process are absent from the job; the declared secret is there', async () => {
    const canaries = Object.fromEntries(COMMON_SECRET_NAMES.map((n) => [n, `CANARY-${n}-${Math.random().toString(36).slice(2)}`]));
    const declared = `DECLARED-${Math.random().toString(36).slice(2)}`;
    Object.assign(process.env, canaries, { GOLONGRL_LOCAL_DECLARED: declared });
    let job;
    try {
      job = await submitJob(
        { name: 'canaries', payload: { kind: 'command', argv: ['sh', '-c', 'env | grep -v "^GOLONGRL_LOCAL_DECLARED="; echo "declared-len=${#GOLONGRL_LOCAL_DECLARED}"'] }, resources: { nodes: 1, gpusPerNode: 0 }, env: { GOLONGRL_NOTE: 'local' }, secretEnv: ['GOLONGRL_LOCAL_DECLARED'] },
        'local',
        { jobsDir: join(dir, 'jobs'), poll: { initialDelayMs: 50, maxDelayMs: 200 } },
      );
    } finally {
      for (const n of [...COMMON_SECRET_NAMES, 'GOLONGRL_LOCAL_DECLARED']) delete process.env[n];
    }
    expect(await job.wait({ timeoutMs: 20_000 })).toBe('COMPLETED');
    const out = readFileSync(job.paths.stdout, 'utf8');
    expect(out).toContain(`declared-len=${declared.length}`);
    expect(out).toContain('GOLONGRL_NOTE=local');
    expect(out).toMatch(/^PATH=/m);
    for (const [n, v] of Object.entries(canaries)) expect(out.includes(v), `${n} reached the local job`).toBe(false);
  });
});
