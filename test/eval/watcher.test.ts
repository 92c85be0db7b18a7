/**
 * The checkpoint → evaluation loop, for real:
 * - crash test: the watcher runs as a CHILD PROCESS over a run directory with four checkpoints of the
 *   local trainer; it is killed with SIGKILL while a checkpoint is claimed (twice, on different
 *   checkpoints), restarted, and must end with every checkpoint done, exactly one set of result rows each,
 *   none missing, and the killed ones re-evaluated (attempts = 2).
 * - incomplete checkpoints (step directory above `latest`, or files missing) are not evaluated until they
 *   are complete, and then they are.
 * - the default runner: each checkpoint is a real Job through lib/cluster `submitJob(…, 'local')`, a child
 *   process running `golongrl eval checkpoint … --json` (via the test wrapper around runEval, because the
 *   `eval` verb is registered in lib/cli/main.ts by the lead).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { localEvalJobSpec, inlineRunner, jobRunner } from '../../lib/eval/runners.js';
import { LOCAL_BENCHMARK } from '../../lib/eval/local.js';
import { ResultsDb } from '../../lib/eval/results_db.js';
import { checkStepDir, scanCheckpoints, watchCheckpoints } from '../../lib/eval/watcher.js';
import { selectBackend } from '../../lib/train/backend.js';
import { markLatest } from '../../lib/train/checkpoint.js';
import { getRecipe, train } from '../../lib/train/trainer.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = [process.execPath, '--import', 'tsx', join(ROOT, 'test', 'eval', 'fixtures', 'eval_cli.ts')];
const ROWS_PER_CKPT = 7; // greedy summarization, precise_retrieval, mean; the same three sampled/…; n_prompts

let runDir: string;

beforeAll(async () => {
  await selectBackend('cpu');
  runDir = mkdtempSync(join(tmpdir(), 'golongrl-eval-'));
  const r = train({ ...getRecipe('tiny'), steps: 8, saveFreq: 2, keepLast: 0, outDir: join(runDir, 'ckpts'), resume: 'disable' });
  r.policy.dispose();
}, 120_000);

function startWatcher(ckptDir: string, db: string, run: string, extra: string[] = []): ChildProcess {
  return spawn(CLI[0], [...CLI.slice(1), 'watch', ckptDir, '--run', run, '--db', db, '--once', '--backend', 'inline', ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  p.stderr?.on('data', (d) => (stderr += String(d)));
  return new Promise((res) => p.on('exit', (code, signal) => res({ code, signal, stderr })));
}

async function waitForClaim(dbPath: string, run: string, notSteps: number[], timeoutMs = 60_000): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (existsSync(dbPath)) {
      try {
        const db = new Database(dbPath, { readonly: true, fileMustExist: true });
        try {
          const row = db.prepare("SELECT step FROM checkpoints WHERE run = ? AND state = 'claimed' ORDER BY step").get(run) as { step: number } | undefined;
          if (row && !notSteps.includes(row.step)) return row.step;
        } finally {
          db.close();
        }
      } catch {
        // schema not created yet
      }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('the watcher never claimed a checkpoint');
}

describe('eval watcher', () => {
  it('scans the trainer run: four complete checkpoints', () => {
    const s = scanCheckpoints('x', join(runDir, 'ckpts'));
    expect(s.latest).toBe(8);
    expect(s.complete.map((c) => c.step)).toEqual([2, 4, 6, 8]);
    expect(s.complete.every((c) => c.layout === 'local')).toBe(true);
    expect(s.pending).toEqual([]);
  });

  it('crash test: kill -9 mid-evaluation twice, restart; every checkpoint scored exactly once', async () => {
    const ckpt = join(runDir, 'ckpts');
    const dbPath = join(runDir, 'crash.db');
    const run = 'crash';
    // Many held-out prompts per family make one evaluation take long enough to be killed in the middle.
    const slow = ['--prompts-per-family', '800'];
    const killed: number[] = [];
    for (let k = 0; k < 2; k++) {
      const child = startWatcher(ckpt, dbPath, run, slow);
      const done = exited(child);
      const step = await waitForClaim(dbPath, run, killed);
      child.kill('SIGKILL');
      const r = await done;
      expect(r.signal).toBe('SIGKILL');
      killed.push(step);
      // Nothing of the killed evaluation was committed.
      const db = new ResultsDb(dbPath);
      expect(db.checkpoint(run, step)?.state).toBe('claimed');
      expect(db.results(run).filter((x) => x.step === step)).toEqual([]);
      db.close();
    }
    expect(new Set(killed).size).toBe(2);
    const final = startWatcher(ckpt, dbPath, run, slow);
    const r = await exited(final);
    expect(r.stderr).toContain('done');
    expect(r.code).toBe(0);

    const db = new ResultsDb(dbPath);
    try {
      expect(db.rowCounts(run)).toEqual([2, 4, 6, 8].map((step) => ({ step, rows: ROWS_PER_CKPT })));
      const cks = db.checkpoints(run);
      expect(cks.map((c) => c.state)).toEqual(['done', 'done', 'done', 'done']);
      for (const c of cks) expect(c.attempts).toBe(killed.includes(c.step) ? 2 : 1);
      for (const step of [2, 4, 6, 8]) {
        const rows = db.results(run).filter((x) => x.step === step);
        expect(rows.every((x) => x.benchmark === LOCAL_BENCHMARK)).toBe(true);
        expect(rows.find((x) => x.metric === 'n_prompts')?.value).toBe(1600);
      }
      // A further watcher finds nothing to do and scores nothing twice.
      const again = await exited(startWatcher(ckpt, dbPath, run, slow));
      expect(again.code).toBe(0);
      expect(db.rowCounts(run).map((x) => x.rows)).toEqual([ROWS_PER_CKPT, ROWS_PER_CKPT, ROWS_PER_CKPT, ROWS_PER_CKPT]);
    } finally {
      db.close();
    }
  });

  it('does not evaluate an incomplete checkpoint until it is complete', async () => {
    const src = join(runDir, 'ckpts');
    const ckpt = join(runDir, 'partial');
    cpSync(src, ckpt, { recursive: true });
    // Step 8 is written but latest still says 6; step 4 is missing its weights.
    markLatest(ckpt, 6);
    renameSync(join(ckpt, 'global_step_4', 'actor', 'model.bin'), join(runDir, 'model4.bin'));
    expect(checkStepDir(join(ckpt, 'global_step_4')).missing).toMatch(/model\.bin/);
    const db = new ResultsDb(join(runDir, 'partial.db'));
    try {
      const s1 = await watchCheckpoints({ run: 'p', ckptDir: ckpt, db, runner: inlineRunner(), once: true });
      expect(s1.evaluated).toEqual([2, 6]);
      expect(s1.pending.map((p) => p.step)).toEqual([4, 8]);
      expect(s1.pending.find((p) => p.step === 8)?.reason).toMatch(/above the latest/);
      expect(db.checkpoint('p', 4)).toBeNull();
      expect(db.checkpoint('p', 8)).toBeNull();
      // Complete them: the weights arrive, then the trainer marks 8 latest.
      renameSync(join(runDir, 'model4.bin'), join(ckpt, 'global_step_4', 'actor', 'model.bin'));
      markLatest(ckpt, 8);
      const s2 = await watchCheckpoints({ run: 'p', ckptDir: ckpt, db, runner: inlineRunner(), once: true });
      expect(s2.evaluated).toEqual([4, 8]);
      expect(s2.alreadyDone).toEqual([2, 6]);
      expect(db.rowCounts('p')).toEqual([2, 4, 6, 8].map((step) => ({ step, rows: ROWS_PER_CKPT })));
      // No latest file at all: nothing is complete.
      rmSync(join(ckpt, 'latest_checkpointed_iteration.txt'));
      expect(scanCheckpoints('p', ckpt).complete).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('watch mode picks up a checkpoint that appears later, then stops at --until-step', async () => {
    const ckpt = join(runDir, 'live');
    cpSync(join(runDir, 'ckpts'), ckpt, { recursive: true });
    rmSync(join(ckpt, 'global_step_8'), { recursive: true });
    markLatest(ckpt, 6);
    const db = new ResultsDb(join(runDir, 'live.db'));
    try {
      const events: string[] = [];
      const p = watchCheckpoints({ run: 'live', ckptDir: ckpt, db, runner: inlineRunner(), pollMs: 50, untilStep: 8, onEvent: (e) => e.type === 'done' && events.push(`done ${e.step}`) });
      await new Promise((r) => setTimeout(r, 400));
      cpSync(join(runDir, 'ckpts', 'global_step_8'), join(ckpt, 'global_step_8'), { recursive: true });
      markLatest(ckpt, 8);
      const s = await p;
      expect(events).toEqual(['done 2', 'done 4', 'done 6', 'done 8']);
      expect(s.evaluated).toEqual([2, 4, 6, 8]);
    } finally {
      db.close();
    }
  });

  it('a failing evaluation is recorded and retried up to maxAttempts, never written', async () => {
    const db = new ResultsDb(join(runDir, 'fail.db'));
    try {
      let calls = 0;
      const bad = { name: 'bad', evaluate: async () => (calls++, Promise.reject(new Error('boom'))) };
      const s = await watchCheckpoints({ run: 'f', ckptDir: join(runDir, 'ckpts'), db, runner: bad, once: true, maxAttempts: 2 });
      expect(calls).toBe(8);
      expect(s.failed).toEqual([2, 4, 6, 8]);
      expect(db.checkpoints('f').map((c) => [c.state, c.attempts, c.error])).toEqual(Array(4).fill(['failed', 2, 'boom']));
      expect(db.results('f')).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('default runner: each checkpoint is a real local Job running `eval checkpoint`', async () => {
    const db = new ResultsDb(join(runDir, 'jobs.db'));
    try {
      const jobs: string[] = [];
      const runner = jobRunner({ backend: 'local', jobsDir: join(runDir, 'jobs'), cli: CLI, repoRoot: ROOT, pollMs: 200, onJob: (j) => jobs.push(j.id) });
      const s = await watchCheckpoints({ run: 'j', ckptDir: join(runDir, 'ckpts'), db, runner, once: true });
      expect(s.evaluated).toEqual([2, 4, 6, 8]);
      expect(jobs.length).toBe(4);
      expect(db.rowCounts('j').map((x) => x.rows)).toEqual([ROWS_PER_CKPT, ROWS_PER_CKPT, ROWS_PER_CKPT, ROWS_PER_CKPT]);
      // Same numbers as in-process evaluation (same weights, greedy decoding).
      const db2 = new ResultsDb(join(runDir, 'inline.db'));
      await watchCheckpoints({ run: 'j', ckptDir: join(runDir, 'ckpts'), db: db2, runner: inlineRunner(), once: true });
      expect(db.results('j')).toEqual(db2.results('j'));
      db2.close();
    } finally {
      db.close();
    }
  });

  it('the job spec runs the CLI with argv (no shell) and no secrets', () => {
    const spec = localEvalJobSpec({ run: 'r', ckptDir: '/x/ck', step: 3, dir: '/x/ck/global_step_3', layout: 'local' }, { repoRoot: '/repo' });
    expect(spec.payload).toEqual({ kind: 'command', argv: [process.execPath, '/repo/bin/golongrl.mjs', 'eval', 'checkpoint', '/x/ck', '--step', '3', '--json'], workdir: '/repo' });
    expect(spec.secretEnv).toEqual([]);
  });

  it('refuses verl checkpoints in the local runners with a clear error', async () => {
    await expect(inlineRunner().evaluate({ run: 'r', ckptDir: '/x', step: 1, dir: '/x/global_step_1', layout: 'verl' }, { heartbeat: () => {} })).rejects.toThrow(/verl checkpoint.*verl runner/);
  });
});
