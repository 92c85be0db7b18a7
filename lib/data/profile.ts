/**
 * `golongrl data profile`: one streaming pass over a dataset (JSONL or parquet) that validates every
 * row and reports rows per capability / reward type / reward mode / data source / ability, and prompt
 * length distributions in Qwen3 tokens (exact, cached) or in characters.
 *
 * Lengths are of the prompt as verl tokenizes it (Qwen3 chat template, generation prompt added; see
 * lib/data/tokens.ts), so they compare directly with `data.max_prompt_length` (GoLongRL: 163840).
 * Percentiles use linear interpolation between order statistics (numpy's default):
 * p(q) = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]) with h = q(n − 1) over the sorted values.
 */
import { CAPABILITIES, type Capability } from './capabilities.js';
import { readDataset, type DatasetFormat, type ReadProgress } from './dataset.js';
import { createTokenCounter, defaultCacheDir, ENGINE, renderedLength, type PromptTokenCounter } from './tokens.js';

export type TokenMode = 'exact' | 'chars';

/** GoLongRL's `data.max_prompt_length` (160K); longer prompts are dropped by `filter_overlong_prompts`. */
export const GOLONGRL_MAX_PROMPT_TOKENS = 163_840;

export interface LengthStats {
  min: number;
  p50: number;
  p90: number;
  max: number;
  mean: number;
}

export interface GroupProfile {
  rows: number;
  /** Prompt tokens (exact mode) or null (chars mode). */
  tokens: LengthStats | null;
  /** Prompt characters (UTF-16 code units of the rendered prompt). */
  chars: LengthStats;
}

export interface CapabilityProfile extends GroupProfile {
  reward_types: Record<string, number>;
  data_sources: Record<string, number>;
}

export interface RewardModeProfile extends GroupProfile {
  /** The trainer's reward mode (the metric for LongBench-Pro sub-tasks). */
  trainer_reward_mode: string;
  capability: Capability;
  reward_type: string;
}

export interface DataProfile {
  file: string;
  format: DatasetFormat;
  bytes: number;
  rows: number;
  quarantined: number;
  blank_lines: number;
  token_mode: TokenMode;
  tokenizer: string | null;
  prompt_template: string;
  seconds: number;
  mb_per_s: number;
  rows_per_s: number;
  cache: { dir: string; file: string; hits: number; misses: number } | null;
  max_prompt_tokens: number;
  /** Rows longer than max_prompt_tokens (exact mode; null in chars mode). */
  over_max_prompt: number | null;
  /** Over all rows (null for an empty file). */
  length: { tokens: LengthStats | null; chars: LengthStats | null };
  by_capability: Partial<Record<Capability, CapabilityProfile>>;
  by_reward_type: Record<string, GroupProfile>;
  by_reward_mode: Record<string, RewardModeProfile>;
  by_data_source: Record<string, number>;
  by_ability: Record<string, number>;
}

/** One row's lengths, for plots. */
export interface RowLength {
  capability: Capability;
  reward_type: string;
  reward_mode: string;
  tokens: number | null;
  chars: number;
}

export interface ProfileOptions {
  tokens?: TokenMode;
  /** Token cache directory; null disables the cache. Default: lib/data/tokens.ts `defaultCacheDir()`. */
  cacheDir?: string | null;
  skipBad?: string;
  onProgress?: (p: ReadProgress) => void;
  /** Reuse a loaded counter (tests, benchmarks). */
  counter?: PromptTokenCounter;
  /** Also return every row's lengths (for plots); off by default to keep memory flat on huge files. */
  collectLengths?: boolean;
}

/** Percentile with linear interpolation (numpy default) over sorted values; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = q * (n - 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** min / p50 / p90 / max / mean of a list of lengths. */
export function lengthStats(values: readonly number[]): LengthStats {
  const s = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of s) sum += v;
  return { min: s[0], p50: percentile(s, 0.5), p90: percentile(s, 0.9), max: s[s.length - 1], mean: s.length ? sum / s.length : NaN };
}

class Group {
  rows = 0;
  tokens: number[] = [];
  chars: number[] = [];
  add(tokens: number | null, chars: number) {
    this.rows++;
    if (tokens !== null) this.tokens.push(tokens);
    this.chars.push(chars);
  }
  profile(): GroupProfile {
    return { rows: this.rows, tokens: this.tokens.length ? lengthStats(this.tokens) : null, chars: lengthStats(this.chars) };
  }
}

const inc = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
const sortKeys = <V>(m: Record<string, V>): Record<string, V> => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Profile a dataset file in one streaming pass. */
export async function profileDataset(path: string, opts: ProfileOptions = {}): Promise<{ profile: DataProfile; lengths: RowLength[] }> {
  const mode = opts.tokens ?? 'exact';
  const counter = mode === 'exact' ? (opts.counter ?? (await createTokenCounter({ cacheDir: opts.cacheDir }))) : null;
  const started = performance.now();
  const all = new Group();
  const byCap = new Map<Capability, { g: Group; rt: Record<string, number>; ds: Record<string, number> }>();
  const byRt = new Map<string, Group>();
  const byMode = new Map<string, { g: Group; trainer: string; capability: Capability; rt: string }>();
  const byDs: Record<string, number> = {};
  const byAbility: Record<string, number> = {};
  const lengths: RowLength[] = [];
  let over = 0;
  const res = await readDataset(
    path,
    (row) => {
      const r = row.value;
      const chars = renderedLength(r.prompt);
      const tokens = counter ? counter.countPrompt(r.prompt) : null;
      if (tokens !== null && tokens > GOLONGRL_MAX_PROMPT_TOKENS) over++;
      all.add(tokens, chars);
      let c = byCap.get(r.capability);
      if (!c) byCap.set(r.capability, (c = { g: new Group(), rt: {}, ds: {} }));
      c.g.add(tokens, chars);
      inc(c.rt, r.reward_type);
      inc(c.ds, r.data_source);
      let g = byRt.get(r.reward_type);
      if (!g) byRt.set(r.reward_type, (g = new Group()));
      g.add(tokens, chars);
      const modeKey = r.sub_task ?? '';
      let m = byMode.get(modeKey);
      if (!m) byMode.set(modeKey, (m = { g: new Group(), trainer: r.reward_mode, capability: r.capability, rt: r.reward_type }));
      m.g.add(tokens, chars);
      inc(byDs, r.data_source);
      inc(byAbility, r.ability ?? '<none>');
      if (opts.collectLengths) lengths.push({ capability: r.capability, reward_type: r.reward_type, reward_mode: modeKey, tokens, chars });
    },
    { skipBad: opts.skipBad, onProgress: opts.onProgress },
  );
  counter?.flush();
  const seconds = (performance.now() - started) / 1000;
  const byCapability: Partial<Record<Capability, CapabilityProfile>> = {};
  for (const cap of CAPABILITIES) {
    const c = byCap.get(cap);
    if (c) byCapability[cap] = { ...c.g.profile(), reward_types: sortKeys(c.rt), data_sources: sortKeys(c.ds) };
  }
  const cache = counter?.cache ?? null;
  const profile: DataProfile = {
    file: path,
    format: res.format,
    bytes: res.bytes,
    rows: res.rows,
    quarantined: res.bad,
    blank_lines: res.blank,
    token_mode: mode,
    tokenizer: counter ? `Qwen3 (${ENGINE})` : null,
    prompt_template: 'qwen3 chat template, add_generation_prompt=True',
    seconds,
    mb_per_s: seconds > 0 ? res.bytes / 1e6 / seconds : 0,
    rows_per_s: seconds > 0 ? res.rows / seconds : 0,
    cache: cache ? { dir: opts.cacheDir ?? defaultCacheDir(), file: cache.file, hits: cache.hits, misses: cache.misses } : null,
    max_prompt_tokens: GOLONGRL_MAX_PROMPT_TOKENS,
    over_max_prompt: counter ? over : null,
    length: all.rows ? { tokens: all.tokens.length ? lengthStats(all.tokens) : null, chars: lengthStats(all.chars) } : { tokens: null, chars: null },
    by_capability: byCapability,
    by_reward_type: sortKeys(Object.fromEntries([...byRt].map(([k, g]) => [k, g.profile()]))),
    by_reward_mode: sortKeys(Object.fromEntries([...byMode].map(([k, m]) => [k, { ...m.g.profile(), trainer_reward_mode: m.trainer, capability: m.capability, reward_type: m.rt }]))),
    by_data_source: sortKeys(byDs),
    by_ability: sortKeys(byAbility),
  };
  return { profile, lengths };
}
