/**
 * A JSONL metrics logger in verl's file-logger shape: one line per step,
 *
 *   {"step": N, "data": {"critic/score/mean": 0.41, ...}}
 *
 * Unlike verl's own file logger (which opens its file with mode "wb" and so erases the history of a
 * run when it is resumed), this logger opens the file in APPEND mode: two loggers on the same file,
 * one after the other, keep both histories.
 *
 * Resume rule (`truncateAfter`): a run resumed from the checkpoint of step S first rewrites the file
 * without the lines whose step is > S (steps that ran after the last checkpoint and before the
 * interruption, and that the resumed run is about to run again), then appends. Lines with step ≤ S
 * are never touched, so after a resume every step appears exactly once. The rewrite is atomic
 * (temporary file + rename).
 *
 * Non-finite numbers are written as null (JSON has no NaN).
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { mkdirp } from '../util/fsx.js';

export interface MetricsLine {
  step: number;
  data: Record<string, number | null>;
}

export class JsonlMetricsLogger {
  constructor(readonly path: string) {
    mkdirp(dirname(path));
  }

  /** Append one step's metrics (synchronously, so a killed process loses at most the line being written). */
  log(step: number, data: Record<string, number>): void {
    const clean: Record<string, number | null> = {};
    for (const [k, v] of Object.entries(data)) clean[k] = Number.isFinite(v) ? v : null;
    appendFileSync(this.path, JSON.stringify({ step, data: clean }) + '\n');
  }

  /**
   * Drop every line with step > `step` (and a torn last line, if a kill cut one), keeping the rest
   * byte for byte. Returns how many lines were dropped.
   */
  truncateAfter(step: number): number {
    if (!existsSync(this.path)) return 0;
    const lines = readFileSync(this.path, 'utf8').split('\n').filter((l) => l.length > 0);
    const kept: string[] = [];
    for (const l of lines) {
      let parsed: MetricsLine;
      try {
        parsed = JSON.parse(l) as MetricsLine;
      } catch {
        continue; // a line torn by a kill
      }
      if (parsed.step <= step) kept.push(l);
    }
    const dropped = lines.length - kept.length;
    if (dropped > 0) {
      const tmp = `${this.path}.tmp-${process.pid}`;
      writeFileSync(tmp, kept.map((l) => l + '\n').join(''));
      renameSync(tmp, this.path);
    }
    return dropped;
  }
}

/** Read a metrics JSONL file back (skipping a torn last line). */
export function readMetrics(path: string): MetricsLine[] {
  if (!existsSync(path)) return [];
  const out: MetricsLine[] = [];
  for (const l of readFileSync(path, 'utf8').split('\n')) {
    if (!l) continue;
    try {
      out.push(JSON.parse(l) as MetricsLine);
    } catch {
      /* torn line */
    }
  }
  return out;
}
