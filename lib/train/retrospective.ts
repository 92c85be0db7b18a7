/**
 * QwenLong-L1's difficulty-aware retrospective sampling (GOLONGRL.md §F): hard examples of earlier
 * curriculum phases are kept and replayed in later phases, weighted by difficulty. The paper's exact
 * formula is not public (not in the released code; a third-party account recalls "the inverse of the
 * mean group reward"), so this is OUR definition, stated here and in docs/methods.md:
 *
 *   difficulty(group) = 1 − mean reward of the group's n rollouts             (in [0, 1])
 *
 * (bounded, unlike 1/mean, which is infinite for the all-zero groups that dominate early training).
 *
 * - Admission: after every step, every GENERATED group (kept by dynamic sampling or not) whose
 *   difficulty is ≥ `minDifficulty` enters the buffer tagged with its phase; a prompt already in the
 *   buffer (same prompt uid) has its difficulty replaced by the new measurement (and leaves the buffer
 *   if it fell below `minDifficulty`).
 * - Capacity: at most `capacity` items; beyond it the least difficult go first, ties going to the NEWEST
 *   (so a full buffer of equally hard items keeps the earlier phases' ones — the ones replay needs —
 *   and a new item displaces an old one only when it is strictly harder).
 * - Replay: in phase p, each generation batch replaces round(`replayFraction` · genBatchPrompts) of its
 *   fresh prompts by items of phases < p, drawn WITHOUT replacement with probability ∝ difficulty from
 *   a counter-based stream (streams.ts, purpose `replay`). Replayed prompts keep their original length.
 *   Nothing is replayed in phase 1, or when no earlier-phase item is buffered.
 * - The buffer is part of the checkpoint (`extra_state.json`, key `retrospective`), so resume is exact.
 * - Sampler log: `<out>/retrospective.jsonl`, one JSON object per event
 *   `{step, gen_batch, event: "add"|"update"|"drop"|"evict"|"replay", uid, family, phase, context_len, difficulty}`;
 *   on resume the lines of steps after the checkpoint are dropped, as for metrics.jsonl.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Rng } from '../util/random.js';
import { SEP, type TaskPrompt } from './tasks.js';
import { mkdirp } from '../util/fsx.js';

export interface RetrospectiveConfig {
  /** Most items kept (default 64). */
  capacity: number;
  /** Smallest difficulty admitted (default 0.5: the group failed on average). */
  minDifficulty: number;
  /** Share of each generation batch replayed from earlier phases (default 0.25). */
  replayFraction: number;
}

export const DEFAULT_RETROSPECTIVE: Readonly<RetrospectiveConfig> = Object.freeze({ capacity: 64, minDifficulty: 0.5, replayFraction: 0.25 });

export interface BufferItem {
  prompt: TaskPrompt;
  /** Phase (1-based) in which the item was first admitted. */
  phase: number;
  difficulty: number;
  /** Global step of the last measurement. */
  step: number;
  /** Admission order (for ties in eviction). */
  seq: number;
}

export interface SamplerEvent {
  step: number;
  gen_batch: number;
  event: 'add' | 'update' | 'drop' | 'evict' | 'replay';
  uid: string;
  family: string;
  phase: number;
  context_len: number;
  difficulty: number;
}

export function validateRetrospective(c: RetrospectiveConfig): void {
  if (!Number.isInteger(c.capacity) || c.capacity < 1) throw new RangeError(`retrospective.capacity must be a positive integer, got ${c.capacity}`);
  if (!(c.minDifficulty >= 0 && c.minDifficulty <= 1)) throw new RangeError(`retrospective.minDifficulty must be in [0, 1], got ${c.minDifficulty}`);
  if (!(c.replayFraction >= 0 && c.replayFraction <= 1)) throw new RangeError(`retrospective.replayFraction must be in [0, 1], got ${c.replayFraction}`);
}

/** Our difficulty of a group: 1 − its mean reward. */
export function groupDifficulty(scores: readonly number[]): number {
  if (scores.length === 0) return 0;
  return 1 - scores.reduce((a, b) => a + b, 0) / scores.length;
}

/** Context length of a prompt (its key/value tokens). */
export function contextLenOf(p: TaskPrompt): number {
  return p.promptTokens.indexOf(SEP) - 2;
}

export class RetrospectiveBuffer {
  private items = new Map<string, BufferItem>();
  private seq = 0;
  constructor(readonly config: RetrospectiveConfig) {
    validateRetrospective(config);
  }

  get size(): number {
    return this.items.size;
  }

  list(): BufferItem[] {
    return [...this.items.values()];
  }

  /** Record one group's measurement; returns the events. */
  observe(prompt: TaskPrompt, scores: readonly number[], phase: number, step: number, genBatch: number): SamplerEvent[] {
    const d = groupDifficulty(scores);
    const ev = (event: SamplerEvent['event'], it: { prompt: TaskPrompt; phase: number; difficulty: number }): SamplerEvent => ({
      step,
      gen_batch: genBatch,
      event,
      uid: it.prompt.uid,
      family: it.prompt.family,
      phase: it.phase,
      context_len: contextLenOf(it.prompt),
      difficulty: it.difficulty,
    });
    const old = this.items.get(prompt.uid);
    if (old) {
      old.difficulty = d;
      old.step = step;
      if (d < this.config.minDifficulty) {
        this.items.delete(prompt.uid);
        return [ev('drop', old)];
      }
      return [ev('update', old)];
    }
    if (d < this.config.minDifficulty) return [];
    const it: BufferItem = { prompt, phase, difficulty: d, step, seq: this.seq++ };
    this.items.set(prompt.uid, it);
    const out = [ev('add', it)];
    while (this.items.size > this.config.capacity) {
      let worst: BufferItem | null = null;
      for (const x of this.items.values()) if (worst === null || x.difficulty < worst.difficulty || (x.difficulty === worst.difficulty && x.seq > worst.seq)) worst = x;
      const w = worst as BufferItem;
      this.items.delete(w.prompt.uid);
      out.push(ev('evict', w));
    }
    return out;
  }

  /**
   * Draw up to `k` items of phases < `phase` without replacement, probability ∝ difficulty (items in
   * admission order, so the draw depends only on the buffer and the Rng).
   */
  sample(k: number, phase: number, rng: Rng): BufferItem[] {
    const pool = this.list()
      .filter((x) => x.phase < phase && x.difficulty > 0)
      .sort((a, b) => a.seq - b.seq);
    const out: BufferItem[] = [];
    while (out.length < k && pool.length > 0) {
      const total = pool.reduce((a, x) => a + x.difficulty, 0);
      let u = rng.next() * total;
      let j = pool.length - 1;
      for (let i = 0; i < pool.length; i++) {
        u -= pool[i].difficulty;
        if (u < 0) {
          j = i;
          break;
        }
      }
      out.push(pool[j]);
      pool.splice(j, 1);
    }
    return out;
  }

  /** JSON state for the checkpoint. */
  toJSON(): { seq: number; items: BufferItem[] } {
    return { seq: this.seq, items: this.list() };
  }

  static fromJSON(config: RetrospectiveConfig, state: unknown): RetrospectiveBuffer {
    const b = new RetrospectiveBuffer(config);
    const s = state as { seq?: unknown; items?: unknown } | null | undefined;
    if (!s || typeof s.seq !== 'number' || !Array.isArray(s.items)) throw new Error('checkpoint has no valid retrospective buffer (extra_state.json key "retrospective")');
    b.seq = s.seq;
    for (const it of s.items as BufferItem[]) b.items.set(it.prompt.uid, it);
    return b;
  }
}

/** Append-mode JSONL sampler log with the same resume rule as the metrics log. */
export class SamplerLog {
  constructor(readonly path: string) {
    mkdirp(dirname(path));
  }
  write(events: readonly SamplerEvent[]): void {
    if (events.length > 0) appendFileSync(this.path, events.map((e) => JSON.stringify(e) + '\n').join(''));
  }
  truncateAfter(step: number): void {
    if (!existsSync(this.path)) return;
    const kept = readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((l) => {
        if (l.length === 0) return false;
        try {
          return (JSON.parse(l) as SamplerEvent).step <= step;
        } catch {
          return false;
        }
      });
    const tmp = `${this.path}.tmp-${process.pid}`;
    writeFileSync(tmp, kept.map((l) => l + '\n').join(''));
    renameSync(tmp, this.path);
  }
}

/** Read a sampler log back. */
export function readSamplerLog(path: string): SamplerEvent[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as SamplerEvent];
      } catch {
        return [];
      }
    });
}
