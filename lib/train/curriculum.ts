/**
 * QwenLong-L1's progressive context scaling (GOLONGRL.md §F): RL in phases of growing input length
 * (the paper: a warm-up SFT, then phase 1 at 20K input tokens, phase 2 at 60K). The released
 * QwenLong-L1 code is a single-stage demo; the phase schedule here is ours, over the synthetic suite's
 * document length (`contextLen`, tasks.ts):
 *
 *   phases = [{contextLen: c_1, steps: s_1}, …, {contextLen: c_K}]    (the last phase runs to the end)
 *   phase(step) = the first k with step ≤ s_1 + … + s_k  (1-based; step is the global step)
 *
 * Every prompt of a step is drawn at its phase's `contextLen` (the short side of a short/long mixture,
 * mixture.ts, and replayed items, retrospective.ts, keep their own lengths). The trainer logs
 * `curriculum/phase` and `curriculum/context_len` each step, and `prompt_length/*` of the batch.
 */

export interface CurriculumPhase {
  /** Document length (context tokens) of the phase's prompts: an even integer in [8, 512]. */
  contextLen: number;
  /** Steps in the phase; omitted (or undefined) on the last phase, which runs to the end. */
  steps?: number;
}

export interface CurriculumConfig {
  phases: CurriculumPhase[];
}

export function validateCurriculum(c: CurriculumConfig): void {
  if (!Array.isArray(c.phases) || c.phases.length === 0) throw new RangeError('curriculum.phases must be a non-empty array');
  c.phases.forEach((p, i) => {
    if (!Number.isInteger(p.contextLen) || p.contextLen < 8 || p.contextLen > 512 || p.contextLen % 2 !== 0)
      throw new RangeError(`curriculum.phases[${i}].contextLen must be an even integer in [8, 512], got ${p.contextLen}`);
    const last = i === c.phases.length - 1;
    if (!last && (!Number.isInteger(p.steps) || (p.steps as number) < 1))
      throw new RangeError(`curriculum.phases[${i}].steps must be a positive integer (only the last phase may omit it), got ${p.steps}`);
  });
}

/** The phase (1-based) and context length of a global step (1-based). */
export function phaseAt(c: CurriculumConfig, step: number): { phase: number; contextLen: number } {
  let end = 0;
  for (let i = 0; i < c.phases.length; i++) {
    const p = c.phases[i];
    if (i === c.phases.length - 1 || p.steps === undefined) return { phase: i + 1, contextLen: p.contextLen };
    end += p.steps;
    if (step <= end) return { phase: i + 1, contextLen: p.contextLen };
  }
  throw new Error('unreachable');
}

/** The longest context length of any phase. */
export function maxCurriculumLen(c: CurriculumConfig): number {
  return Math.max(...c.phases.map((p) => p.contextLen));
}

/**
 * Parses the CLI form `LEN:STEPS,LEN:STEPS,…,LEN` (e.g. `8:20,16` = 20 steps at 8 context tokens, then
 * 16 to the end). Throws a RangeError naming the bad part.
 */
export function parseCurriculum(text: string): CurriculumConfig {
  const parts = text.split(',').map((s) => s.trim());
  const phases = parts.map((part, i): CurriculumPhase => {
    const m = /^(\d+)(?::(\d+))?$/.exec(part);
    if (!m) throw new RangeError(`curriculum part ${i + 1} '${part}' is not LEN or LEN:STEPS`);
    return m[2] !== undefined ? { contextLen: Number(m[1]), steps: Number(m[2]) } : { contextLen: Number(m[1]) };
  });
  const c = { phases };
  validateCurriculum(c);
  return c;
}
