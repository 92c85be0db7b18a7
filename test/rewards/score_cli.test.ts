/**
 * `golongrl score` reads a UTF-8 byte-order mark as the `data` verbs do (issue 15 item 6), and the
 * `--skip-bad` hint appears only for verbs that have that option.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = (verb: string[], input: string) => spawnSync(process.execPath, [root + 'bin/golongrl.mjs', ...verb, '-'], { input, encoding: 'utf8', cwd: root });

describe('golongrl score input', () => {
  it('accepts a UTF-8 BOM before the first row', () => {
    const r = run(['score'], '\ufeff{"data_source":"EM","response":"<think>t</think>a","ground_truth":{"golden_label":"a"}}\n');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim()).score).toBe(1);
  });
  it('a bad row names the line and offers --skip-bad (score has it)', () => {
    const r = run(['score'], '{"data_source":"EM"}\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/:1/);
    expect(r.stderr).toMatch(/--skip-bad/);
  });
});
