/**
 * No checkpoint is silently lost by `eval watch` (issue 15 item 2):
 * - the trainer's keep-last rotation (lib/train/checkpoint.ts) keeps a pinned checkpoint and logs what it
 *   removes; the pin/log names agree with lib/eval/pin.ts;
 * - a watcher started after rotation records every rotated, never-evaluated step as `missed` (with the reason)
 *   and evaluates the rest;
 * - watching a real `golongrl train --recipe tiny --steps 30` (keep-last 2, a checkpoint every 3 steps) as
 *   it trains: every checkpoint step is evaluated or recorded missed, none silently lost, none failed because
 *   its directory vanished mid-evaluation (the pin), and `--until-step` exits non-zero when some were missed;
 * - a failed job's stored reason is the error message, not stack frames;
 * - local evaluation stores sampled scores beside greedy ones (issue 11 §5), shown by `golongrl results`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pinPath, readRotatedSteps, ROTATED_LOG } from '../../lib/eval/pin.js';
import { ResultsDb, makeOwner } from '../../lib/eval/results_db.js';
import { errorMessageFromStderr, inlineRunner, jobRunner } from '../../lib/eval/runners.js';
import { watchCheckpoints } from '../../lib/eval/watcher.js';
import { selectBackend } from '../../lib/train/backend.js';
import { listCheckpoints, rotateCheckpoints } from '../../lib/train/checkpoint.js';
import { getRecipe, train } from '../../lib/train/trainer.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = [process.execPath, '--import', 'tsx', join(ROOT, 'test', 'eval', 'fixtures', 'eval_cli.ts')];

beforeAll(async () => {
  await selectBackend('cpu');
}, 60_000);

describe('rotation respects pins and logs what it removes', () => {
  it('keep-last 2 over six checkpoints keeps the pinned one; the watcher records the rest missed', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'golongrl-pin-')), 'ckpts');
    const r = train({ ...getRecipe('tiny'), steps: 6, saveFreq: 1, keepLast: 0, outDir: dir, resume: 'disable' });
    r.policy.dispose();
    expect(listCheckpoints(dir)).toEqual([1, 2, 3, 4, 5, 6]);
    writeFileSync(pinPath(dir, 2), JSON.stringify({ owner: 'test', pid: process.pid, host: 'x', at: 0 }));
    expect(rotateCheckpoints(dir, 2)).toEqual([1, 3, 4]);
    expect(listCheckpoints(dir)).toEqual([2, 5, 6]);
    expect(readRotatedSteps(dir)).toEqual([1, 3, 4]);
    expect(existsSync(join(dir, ROTATED_LOG))).toBe(true);

    const dbPath = join(dir, '..', 'eval.db');
    const db = new ResultsDb(dbPath);
    const s = await watchCheckpoints({ run: 'r', ckptDir: dir, db, runner: inlineRunner({ promptsPerFamily: 2 }), once: true });
    expect(s.evaluated).toEqual([2, 5, 6]);
    expect(s.missed.map((m) => m.step)).toEqual([1, 3, 4]);
    expect(s.missed[0].reason).toMatch(/keep-last/);
    expect(existsSync(pinPath(dir, 5))).toBe(false); // unpinned after evaluation
    // A second watch changes nothing and evaluates nothing twice.
    const again = await watchCheckpoints({ run: 'r', ckptDir: dir, db, runner: inlineRunner({ promptsPerFamily: 2 }), once: true });
    expect(again.evaluated).toEqual([]);
    expect(again.missed.map((m) => m.step)).toEqual([1, 3, 4]);
    // Greedy AND sampled scores are stored (issue 11 §5), and `golongrl results` shows both and the misses.
    const metrics = db.results('r').filter((x) => x.step === 6).map((x) => x.metric).sort();
    expect(metrics).toEqual(['mean', 'n_prompts', 'precise_retrieval', 'sampled/mean', 'sampled/precise_retrieval', 'sampled/summarization', 'summarization']);
    db.close();
    const res = spawnSync(CLI[0], [...CLI.slice(1), 'results', '--db', dbPath, '--run', 'r'], { cwd: ROOT, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/sampled\/mean/);
    expect(res.stdout).toMatch(/r step 3: MISSED, rotated away/);
  }, 120_000);

  it('a checkpoint claimed and then deleted is recorded missed with the last error', () => {
    const db = new ResultsDb(':memory:');
    db.ensureRun('r', '/nowhere');
    const owner = makeOwner();
    expect(db.claim('r', 7, owner)).toBe('claimed');
    expect(db.markMissed('r', 7, 'gone')).toBe(false); // a live claim is left alone
    db.fail('r', 7, owner, 'model.bin: expected 18240 bytes, found 1000');
    expect(db.markMissed('r', 7, 'gone')).toBe(true);
    expect(db.missed('r')).toEqual([{ step: 7, reason: 'gone (last error: model.bin: expected 18240 bytes, found 1000)', detectedAt: expect.any(Number) }]);
    expect(db.checkpoint('r', 7)).toBeNull();
    db.close();
  });
});

describe('failure reasons are the message, not stack frames', () => {
  it('extracts the error line from a Node stack trace and from the CLI error line', () => {
    const trace = [
      'file:///srv/repo/lib/train/checkpoint.ts:84',
      '  if (buf.length !== total * 4) throw new Error(`${what}: expected ${total * 4} bytes, found ${buf.length}`);',
      '                                      ^',
      '',
      'Error: /tmp/run/global_step_3/actor/model.bin: expected 18240 bytes, found 1000',
      '    at readF32 (/srv/repo/lib/train/checkpoint.ts:84:39)',
      '    at loadCheckpoint (/srv/repo/lib/train/checkpoint.ts:195:19)',
      '',
      'Node.js v20.19.0',
    ].join('\n');
    expect(errorMessageFromStderr(trace)).toBe('/tmp/run/global_step_3/actor/model.bin: expected 18240 bytes, found 1000');
    expect(errorMessageFromStderr('note: x\ngolongrl eval: model.bin: expected 18240 bytes, found 1000\n')).toBe('model.bin: expected 18240 bytes, found 1000');
    expect(errorMessageFromStderr('    at foo (x.js:1:1)\n')).toBeNull();
  });
});

describe('watching a real keep-last-2 training run', () => {
  it('every checkpoint of `train --recipe tiny --steps 30` is evaluated or recorded missed; --until-step exits 1 when some were missed', async () => {
    const base = mkdtempSync(join(tmpdir(), 'golongrl-watch-'));
    const dir = join(base, 'run');
    const dbPath = join(base, 'eval.db');
    const trainer = spawn(process.execPath, [join(ROOT, 'bin', 'golongrl.mjs'), 'train', '--recipe', 'tiny', '--steps', '30', '--out', dir, '--backend', 'cpu'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let trainErr = '';
    trainer.stderr.on('data', (d) => (trainErr += String(d)));
    const trained = new Promise<number | null>((res) => trainer.on('exit', (code) => res(code)));
    // The watcher: the CLI verb as a child process (inline evaluation, 4 prompts per family), polling fast.
    const watcher = spawn(CLI[0], [...CLI.slice(1), 'watch', dir, '--run', 'tiny30', '--db', dbPath, '--backend', 'inline', '--poll', '0.05', '--until-step', '30', '--prompts-per-family', '4', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    watcher.stdout.on('data', (d) => (out += String(d)));
    watcher.stderr.on('data', (d) => (err += String(d)));
    const code = await new Promise<number | null>((res) => watcher.on('exit', (c) => res(c)));
    expect(await trained, trainErr).toBe(0);
    const summary = JSON.parse(out.trim().split('\n').pop()!) as { evaluated: number[]; alreadyDone: number[]; failed: number[]; missed: { step: number; reason: string }[] };
    const checkpoints = Array.from({ length: 10 }, (_, i) => 3 * (i + 1));
    const evaluated = [...summary.evaluated, ...summary.alreadyDone].sort((a, b) => a - b);
    const missed = summary.missed.map((m) => m.step);
    expect([...evaluated, ...missed].sort((a, b) => a - b), err).toEqual(checkpoints); // none silently lost
    expect(evaluated.filter((s) => missed.includes(s))).toEqual([]);
    expect(summary.failed).toEqual([]); // the pin: nothing vanished mid-evaluation
    expect(evaluated).toContain(30);
    expect(code).toBe(missed.length > 0 ? 1 : 0);
    // The database agrees with the summary.
    const db = new ResultsDb(dbPath);
    expect(db.missed('tiny30').map((m) => m.step)).toEqual(missed);
    expect(db.checkpoints('tiny30').filter((c) => c.state === 'done').map((c) => c.step)).toEqual(evaluated);
    db.close();
    // The log the watcher read is the trainer's own.
    expect(readFileSync(join(dir, ROTATED_LOG), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(8 - evaluated.filter((s) => s < 27).length);
    process.stderr.write(`keep-last-2 watch of train --recipe tiny --steps 30: evaluated [${evaluated.join(', ')}], missed [${missed.join(', ')}]\n`);
  }, 300_000);

  it('with the job runner (a child process per checkpoint, slower than the trainer): the same invariants, and the misses are reported', async () => {
    const base = mkdtempSync(join(tmpdir(), 'golongrl-watchjob-'));
    const dir = join(base, 'run');
    const trainer = spawn(process.execPath, [join(ROOT, 'bin', 'golongrl.mjs'), 'train', '--recipe', 'tiny', '--steps', '30', '--out', dir, '--backend', 'cpu'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const trained = new Promise<number | null>((res) => trainer.on('exit', (code) => res(code)));
    const db = new ResultsDb(join(base, 'eval.db'));
    const events: string[] = [];
    const s = await watchCheckpoints({
      run: 'job30',
      ckptDir: dir,
      db,
      runner: jobRunner({ backend: 'local', jobsDir: join(base, 'jobs'), promptsPerFamily: 4, cli: CLI, repoRoot: ROOT, pollMs: 100 }),
      pollMs: 50,
      untilStep: 30,
      onEvent: (e) => events.push(JSON.stringify(e)),
    });
    expect(await trained).toBe(0);
    const evaluated = [...s.evaluated, ...s.alreadyDone].sort((a, b) => a - b);
    const missed = s.missed.map((m) => m.step);
    expect([...evaluated, ...missed].sort((a, b) => a - b), events.join('\n')).toEqual(Array.from({ length: 10 }, (_, i) => 3 * (i + 1)));
    expect(s.failed).toEqual([]);
    expect(events.filter((e) => e.includes('"missed"')).length).toBe(missed.length);
    db.close();
    process.stderr.write(`keep-last-2 watch (job runner) of train --recipe tiny --steps 30: evaluated [${evaluated.join(', ')}], missed [${missed.join(', ')}]\n`);
  }, 300_000);
});
