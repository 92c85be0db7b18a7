/**
 * `mkdirp` (lib/util/fsx.ts): `mkdir -p` that returns or throws once. Node 20's recursive mkdirSync spins
 * forever on '/proc/<new>' (ENOENT under an existing parent); `golongrl train --out /proc/x` hung there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mkdirp } from '../../lib/util/fsx.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('mkdirp', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fsx-'));
  it('creates every missing component, and is a no-op on an existing directory', () => {
    const d = join(tmp, 'a', 'b', 'c');
    mkdirp(d);
    expect(statSync(d).isDirectory()).toBe(true);
    mkdirp(d);
    mkdirp(join(tmp, 'a', '.', 'b', '..', 'b'));
    expect(statSync(join(tmp, 'a', 'b')).isDirectory()).toBe(true);
  });
  it('a file in the way: EEXIST / ENOTDIR with the path, thrown once', () => {
    const f = join(tmp, 'file');
    writeFileSync(f, 'x');
    expect(() => mkdirp(f)).toThrow(expect.objectContaining({ code: 'EEXIST', path: f, syscall: 'mkdir' }));
    expect(() => mkdirp(join(f, 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });
  it('a directory that cannot be created under an existing parent (/proc): ENOENT, not a hang', () => {
    expect(existsSync('/proc/self'), 'this test needs Linux /proc').toBe(true);
    expect(() => mkdirp('/proc/golongrl-no-such-dir/x')).toThrow(expect.objectContaining({ code: 'ENOENT', path: '/proc/golongrl-no-such-dir' }));
  });
  it('golongrl train --out /proc/…: one line naming the path, exit 2 (it spun forever in Node\'s recursive mkdir)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'golongrl.mjs'), 'train', '--recipe', 'tiny', '--steps', '1', '--out', '/proc/golongrl-x', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.error, 'timed out').toBeUndefined();
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('golongrl train: /proc/golongrl-x: no such file or directory');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, 90_000);
});
