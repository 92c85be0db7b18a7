/**
 * `golongrl train --engine auto|js|tfjs` (issue 11 §1) and the silenced tfjs banner (issue 12 §6), through
 * the real CLI in child processes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = resolve('bin/golongrl.mjs');

function train(args: string[]) {
  const out = mkdtempSync(join(tmpdir(), 'golongrl-engine-cli-'));
  try {
    const r = spawnSync(process.execPath, [BIN, 'train', '--recipe', 'tiny', '--steps', '1', '--backend', 'cpu', '--resume', 'disable', '--out', out, ...args], { encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('golongrl train --engine', () => {
  it('runs the chosen engine and names it; default auto is the fast js engine on cpu/wasm; no tfjs banner', () => {
    for (const [flag, want] of [[[], 'js'], [['--engine', 'tfjs'], 'tfjs'], [['--engine', 'js'], 'js']] as const) {
      const r = train([...flag, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { engine: string; backend: string };
      expect(summary.engine).toBe(want);
      expect(summary.backend).toBe('cpu');
      expect(r.stderr + r.stdout).not.toMatch(/looks like you are running TensorFlow\.js in Node\.js/);
    }
  });

  it('an unknown engine is a usage error (exit 2, one line)', () => {
    const r = train(['--engine', 'gpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--engine must be auto, js, tfjs, got 'gpu'/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
