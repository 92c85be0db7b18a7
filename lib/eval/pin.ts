/**
 * Pins and the rotation log: how the watcher and the trainer's keep-last rotation cooperate
 * (issue 15 item 2; docs/eval.md "Rotation, pins and missed checkpoints").
 *
 *   <ckptDir>/global_step_<N>.eval-pin     a watcher is evaluating step N: rotation must not delete it.
 *                                          JSON {owner, pid, host, at}; written after the claim, removed
 *                                          after the result (done or failed) is committed.
 *   <ckptDir>/rotated_steps.jsonl          one line {"step": N, "at": ms} per checkpoint the trainer's
 *                                          keep-last removed; a step listed there that was never evaluated
 *                                          is recorded `missed` by the watcher (never silently lost).
 *
 * lib/train/checkpoint.ts `rotateCheckpoints` skips pinned steps and appends to the log; the names are
 * repeated there (the train layer must not import eval), and test/eval/pin.test.ts checks both sides agree.
 * A pin left by a watcher killed with SIGKILL keeps its checkpoint (the safe direction) until the next
 * watcher takes the stale claim over and removes it when done; `clearStalePins` drops pins whose pid is dead.
 * verl's own rotation (`max_actor_ckpt_to_keep`) knows neither file: there only checkpoints the watcher saw
 * and that vanished before evaluation are detected as missed.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Owner } from './results_db.js';

export const PIN_SUFFIX = '.eval-pin';
export const ROTATED_LOG = 'rotated_steps.jsonl';

export function pinPath(ckptDir: string, step: number): string {
  return join(ckptDir, `global_step_${step}${PIN_SUFFIX}`);
}

/** Pin step N for `owner`; false (and a reason) when the directory cannot be written (read-only mounts). */
export function pinCheckpoint(ckptDir: string, step: number, owner: Owner): { ok: true } | { ok: false; reason: string } {
  try {
    writeFileSync(pinPath(ckptDir, step), JSON.stringify({ owner: owner.id, pid: owner.pid, host: owner.host, at: Date.now() }) + '\n');
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

export function unpinCheckpoint(ckptDir: string, step: number): void {
  rmSync(pinPath(ckptDir, step), { force: true });
}

/** Remove pins of dead watcher processes on this host (their checkpoints may be rotated again). */
export function clearStalePins(ckptDir: string, alive: (pid: number) => boolean): number[] {
  const cleared: number[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(ckptDir);
  } catch {
    return cleared;
  }
  for (const n of names) {
    const m = /^global_step_(\d+)\.eval-pin$/.exec(n);
    if (!m) continue;
    try {
      const pin = JSON.parse(readFileSync(join(ckptDir, n), 'utf8')) as { pid?: number; host?: string };
      if (pin.host === hostname() && typeof pin.pid === 'number' && !alive(pin.pid)) {
        rmSync(join(ckptDir, n), { force: true });
        cleared.push(Number(m[1]));
      }
    } catch {
      // unreadable pin: leave it (keeping a checkpoint is the safe direction)
    }
  }
  return cleared;
}

/** Steps the trainer's rotation removed (from rotated_steps.jsonl; malformed lines are skipped). */
export function readRotatedSteps(ckptDir: string): number[] {
  const f = join(ckptDir, ROTATED_LOG);
  if (!existsSync(f)) return [];
  const out: number[] = [];
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const step = (JSON.parse(line) as { step?: unknown }).step;
      if (typeof step === 'number' && Number.isInteger(step) && step >= 0) out.push(step);
    } catch {
      // a line cut by a crash mid-append
    }
  }
  return out;
}
