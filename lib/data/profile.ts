/**
 * `golongrl data profile`: one streaming pass over a dataset (JSONL or parquet) that validates every
 * row and reports rows per capability / reward type / reward mode / data source / ability, and prompt
 * length distributions in Qwen3 tokens (exact, cached) or in characters.
 *
 * Lengths are of the prompt as verl tokenizes it (Qwen3 chat template, generation prompt added; see
 * lib/data/tokens.ts), so they compare directly with `data.max_prompt_length` (GoLongRL: 163840).
 * Percentiles use linear interpolation between order statistics (numpy's default):
 * p(q) = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]) with h = q(n − 1) over the sorted values.
 *
 * The pass collects one row of columns per record (capability, reward type, reward mode, data source,
 * ability, tokens, characters); every breakdown is then a group-by + rollup of that table in arquero
 * (lib/util/arquero.cjs) — arquero's quantile is the same linear interpolation (d3's, = numpy's).
 */
import { aq } from '../util/arquero.cjs';
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

const sortKeys = <V>(m: Record<string, V>): Record<string, V> => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

type Table = ReturnType<typeof aq.table>;
const { op } = aq;

/** The rollup of one length column: min / p50 / p90 / max / mean. */
function statsSpec(col: 'tokens' | 'chars') {
  return {
    [`${col}_min`]: op.min(col),
    [`${col}_p50`]: op.quantile(col, 0.5),
    [`${col}_p90`]: op.quantile(col, 0.9),
    [`${col}_max`]: op.max(col),
    [`${col}_mean`]: op.mean(col),
  };
}

function statsOf(r: Record<string, unknown>, col: 'tokens' | 'chars'): LengthStats {
  const g = (k: string) => Number(r[`${col}_${k}`]);
  return { min: g('min'), p50: g('p50'), p90: g('p90'), max: g('max'), mean: g('mean') };
}

/** Rows per key, and the length statistics of each group (`groupBy` is a column of `t`). */
function groupProfiles(t: Table, groupBy: string, exact: boolean, extra: Record<string, unknown> = {}): Map<string, Record<string, unknown> & { profile: GroupProfile }> {
  const spec = { rows: op.count(), ...statsSpec('chars'), ...(exact ? statsSpec('tokens') : {}), ...extra };
  const out = new Map<string, Record<string, unknown> & { profile: GroupProfile }>();
  for (const r of t.groupby(groupBy).rollup(spec as never).objects() as Record<string, unknown>[]) {
    out.set(String(r[groupBy]), { ...r, profile: { rows: Number(r.rows), tokens: exact ? statsOf(r, 'tokens') : null, chars: statsOf(r, 'chars') } });
  }
  return out;
}

/** Counts of `col` within each value of `groupBy`: {group: {value: n}} with sorted keys. */
function countsWithin(t: Table, groupBy: string, col: string): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const r of t.groupby(groupBy, col).count().objects() as Record<string, unknown>[]) {
    const k = String(r[groupBy]);
    const m = out.get(k) ?? {};
    m[String(r[col])] = Number(r.count);
    out.set(k, m);
  }
  for (const [k, m] of out) out.set(k, sortKeys(m));
  return out;
}

/** Counts of each value of `col`, sorted by key. */
function counts(t: Table, col: string): Record<string, number> {
  return sortKeys(Object.fromEntries((t.groupby(col).count().objects() as Record<string, unknown>[]).map((r) => [String(r[col]), Number(r.count)])));
}

/** Profile a dataset file in one streaming pass. */
export async function profileDataset(path: string, opts: ProfileOptions = {}): Promise<{ profile: DataProfile; lengths: RowLength[] }> {
  const mode = opts.tokens ?? 'exact';
  const counter = mode === 'exact' ? (opts.counter ?? (await createTokenCounter({ cacheDir: opts.cacheDir }))) : null;
  const started = performance.now();
  // One row of columns per record; strings repeat, so the columns hold shared references.
  const cols = { capability: [] as string[], reward_type: [] as string[], mode: [] as string[], trainer: [] as string[], data_source: [] as string[], ability: [] as string[], tokens: [] as number[], chars: [] as number[] };
  let over = 0;
  const res = await readDataset(
    path,
    (row) => {
      const r = row.value;
      const chars = renderedLength(r.prompt);
      const tokens = counter ? counter.countPrompt(r.prompt) : null;
      if (tokens !== null && tokens > GOLONGRL_MAX_PROMPT_TOKENS) over++;
      cols.capability.push(r.capability);
      cols.reward_type.push(r.reward_type);
      cols.mode.push(r.sub_task ?? '');
      cols.trainer.push(r.reward_mode);
      cols.data_source.push(r.data_source);
      cols.ability.push(r.ability ?? '<none>');
      if (tokens !== null) cols.tokens.push(tokens);
      cols.chars.push(chars);
    },
    { skipBad: opts.skipBad, onProgress: opts.onProgress },
  );
  counter?.flush();
  const exact = counter !== null;
  const t = aq.table({ ...cols, tokens: exact ? Float64Array.from(cols.tokens) : new Float64Array(cols.chars.length), chars: Float64Array.from(cols.chars), all: new Array<string>(cols.chars.length).fill('') });
  const lengths: RowLength[] = opts.collectLengths
    ? cols.chars.map((chars, i) => ({ capability: cols.capability[i] as Capability, reward_type: cols.reward_type[i], reward_mode: cols.mode[i], tokens: exact ? cols.tokens[i] : null, chars }))
    : [];
  const overall = t.numRows() ? groupProfiles(t, 'all', exact).get('')!.profile : null;
  const capRows = groupProfiles(t, 'capability', exact);
  const capRt = countsWithin(t, 'capability', 'reward_type');
  const capDs = countsWithin(t, 'capability', 'data_source');
  const modeRows = groupProfiles(t, 'mode', exact, { trainer: op.any('trainer'), cap: op.any('capability'), rt: op.any('reward_type') });
  const seconds = (performance.now() - started) / 1000;
  const byCapability: Partial<Record<Capability, CapabilityProfile>> = {};
  for (const cap of CAPABILITIES) {
    const c = capRows.get(cap);
    if (c) byCapability[cap] = { ...c.profile, reward_types: capRt.get(cap)!, data_sources: capDs.get(cap)! };
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
    length: overall ? { tokens: overall.tokens, chars: overall.chars } : { tokens: null, chars: null },
    by_capability: byCapability,
    by_reward_type: sortKeys(Object.fromEntries([...groupProfiles(t, 'reward_type', exact)].map(([k, g]) => [k, g.profile]))),
    by_reward_mode: sortKeys(
      Object.fromEntries([...modeRows].map(([k, m]) => [k, { ...m.profile, trainer_reward_mode: String(m.trainer), capability: m.cap as Capability, reward_type: String(m.rt) }])),
    ),
    by_data_source: counts(t, 'data_source'),
    by_ability: counts(t, 'ability'),
  };
  return { profile, lengths };
}
