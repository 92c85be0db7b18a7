/**
 * cluster/reward/golongrl_reward.py (verl custom_reward_function) is tested with Debian's python3 on its
 * own: its unittest file stubs GoLongRL's verl with a package in a temporary directory.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('cluster/reward/golongrl_reward.py', () => {
  it('passes its python3 unittest suite', () => {
    const file = fileURLToPath(new URL('../../cluster/reward/test_golongrl_reward.py', import.meta.url));
    const r = spawnSync('python3', [file], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } });
    if (r.error) throw new Error(`python3 could not be run: ${r.error.message}`);
    expect(r.stderr).toMatch(/Ran 7 tests/);
    expect(r.status, r.stderr).toBe(0);
  });
});
