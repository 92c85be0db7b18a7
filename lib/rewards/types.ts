/**
 * Shared shapes for the reward layer.
 *
 * A `RewardCase` is one row as verl's reward manager sees it (see
 * `docs/reference.md` §A.1 and §A.6): the decoded response, the
 * record's `data_source`, its `reward_model.ground_truth` and its `extra_info`.
 */

/** `reward_model.ground_truth` as the GoLongRL records carry it (a dict, or a list whose last element is used). */
export interface GroundTruthDict {
  doc_ids?: unknown;
  golden_label?: unknown;
  summary?: unknown;
  [key: string]: unknown;
}

export type GroundTruth = GroundTruthDict | GroundTruthDict[] | string | unknown;

export interface RewardCase {
  data_source: string;
  response: string;
  ground_truth: GroundTruth;
  extra_info?: Record<string, unknown> | null;
}

/**
 * A scorer for one `data_source`. Contract for every scorer in `lib/rewards/`:
 * it never throws, and it always returns a finite number in [0, 1].
 */
export type DataSourceScorer = (c: RewardCase) => number;

/** Clamp anything to a finite number in [0, 1]; NaN and non-numbers become 0 (the reference's `except: return 0.0`). */
export function safeUnit(x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) return 0;
  if (x < 0) return 0;
  if (x > 1) return 1;
  return x;
}

/** Run `f`, turning any exception into 0 — the reference wraps each scorer in `try/except: return 0.0`. */
export function guarded<A extends unknown[]>(f: (...a: A) => number): (...a: A) => number {
  return (...a: A) => {
    try {
      return safeUnit(f(...a));
    } catch {
      return 0;
    }
  };
}
