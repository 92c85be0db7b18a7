/**
 * `golongrl advantages` passes the optional row fields of upstream verl's estimators through to the
 * replay: GDPO's per-row reward `components` and `response_length`. The CLI's advantages equal
 * replayAdvantages on the same rows, and differ from what the score alone gives (so the components are
 * really used); a malformed component is one line naming the field, exit 2.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replayAdvantages, type ReplayRow } from '../../lib/advantage/index.js';

const BIN = fileURLToPath(new URL('../../bin/golongrl.mjs', import.meta.url));
const rows = [
  { step: 1, uid: 'a', score: 1, components: { fmt: 1, acc: 0 }, response_length: 3 },
  { step: 1, uid: 'a', score: 0, components: { fmt: 0, acc: 1 }, response_length: 3 },
  { step: 1, uid: 'a', score: 1, components: { fmt: 1, acc: 1 }, response_length: 3 },
  { step: 1, uid: 'b', score: 0, components: { fmt: 0, acc: 0 }, response_length: 2 },
  { step: 1, uid: 'b', score: 1, components: { fmt: 1, acc: 0 }, response_length: 2 },
];

function cli(input: string, ...args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'golongrl-adv-comp-'));
  const file = join(dir, 'rows.jsonl');
  writeFileSync(file, input);
  return spawnSync(process.execPath, [BIN, 'advantages', ...args, file], { encoding: 'utf8' });
}

describe('golongrl advantages with reward components (GDPO)', () => {
  it('uses the components: same advantages as replayAdvantages, not those of the score alone', () => {
    const r = cli(rows.map((x) => JSON.stringify(x)).join('\n') + '\n', '--estimator', 'gdpo');
    expect(r.status, r.stderr).toBe(0);
    const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l).advantage as number);
    const replayRows: ReplayRow[] = rows.map((x) => ({ ...x, uid: `s:${x.uid}` }));
    const want = replayAdvantages(replayRows, 'gdpo').advantages;
    got.forEach((a, i) => expect(a).toBeCloseTo(want[i], 9));
    const scoreOnly = replayAdvantages(replayRows.map(({ components: _c, ...x }) => x), 'gdpo').advantages;
    expect(got.some((a, i) => Math.abs(a - scoreOnly[i]) > 1e-3)).toBe(true);
  });

  it('a non-numeric component or a bad response_length is one line naming the field, exit 2', () => {
    const bad = cli('{"step":1,"uid":"a","score":1,"components":{"fmt":"x"}}\n', '--estimator', 'gdpo');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("field 'components.fmt'");
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const len = cli('{"step":1,"uid":"a","score":1,"response_length":0}\n', '--estimator', 'rloo');
    expect(len.status).toBe(2);
    expect(len.stderr).toContain("field 'response_length'");
  });
});
