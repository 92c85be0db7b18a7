/** `golongrl replay` as a process: --json summary and report files; bad input is one line and exit 2. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tmp = mkdtempSync(join(tmpdir(), 'golongrl-replay-cli-'));
const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/golongrl.mjs', 'replay', ...args], { encoding: 'utf8' });

describe('golongrl replay (CLI)', () => {
  it('replays the older layout joined with the dataset: --json summary, report written', () => {
    const out = join(tmp, 'r');
    const r = cli('data/replay/verl_lt_0_6', '--data', 'data/replay/prompts.jsonl', '--estimators', 'grpo,tmn_grpo,rloo', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ layout: 'verl<0.6', steps: 8, rows: 1728, joined: 1728, unjoined: 0, estimators: ['grpo', 'tmn_grpo', 'rloo'], refused: 0 });
    expect(s.tasks).toHaveLength(9);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    expect(s.pngs).toHaveLength(5);
  });

  it('bad input: one line naming file, line and field, exit 2, no stack trace', () => {
    const dir = join(tmp, 'bad');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '4.jsonl'), '{"input": "a", "output": "x", "score": 1.0, "step": 4}\n{"input": "a", "output": "x", "step": 4}\n');
    const r = cli(dir, '--out', join(tmp, 'bad-out'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(dir, '4.jsonl')}:2: field 'score': missing`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const u = cli('data/replay/verl_0_6', '--estimators', 'grpo,nope');
    expect(u.status).toBe(2);
    expect(u.stderr).toContain("unknown estimator 'nope'");
  });
});
