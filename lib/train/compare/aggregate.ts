/**
 * The main job's numbers, computed from the run directories (so a report can be rebuilt from any
 * finished set of runs, wherever they ran). Group-bys and summaries are arquero tables.
 *
 * Units: the unit of replication is the SEED. For each (policy, estimator, seed, decoding mode, family)
 * the held-out score is the mean over that seed's held-out prompts; "all" is the unweighted mean over
 * the families (each family counts once, whatever its reward scale). Across seeds:
 *   final[e, f]        mean over seeds, 95% t-interval over seeds (tCi95, stats.ts)
 *   base[f]            the base model on the same held-out prompts, mean over seeds
 *   gain[e]            final − base per seed (paired), mean and t-interval; "learns" when mean ≥ 0.15
 *   paired[f]          (B − A) per seed, A = first estimator (GRPO), B = second (TMN-Reweight): both
 *                      runs of a seed start from the same base, see the same prompt and sample streams
 *                      and are scored on the same held-out prompts, so the per-seed difference is a
 *                      paired difference; mean and t-interval over seeds
 * The verdict sentence is computed from paired["all", sample] (and the per-family intervals).
 */
import { aq } from '../../util/arquero.cjs';
import type { BaseInfo } from '../base.js';
import type { StepResult, TrainConfig } from '../trainer.js';
import type { AdvantageRow, HeldOutScore, RunResult } from './run.js';
import { tCi95 } from './stats.js';

export interface RunRecord {
  estimator: string;
  seed: number;
  history: StepResult[];
  result: RunResult;
  /** True when the result came from an earlier invocation (resumed compare). */
  reused: boolean;
}

export interface CompareResult {
  recipe: string;
  /** Where the runs ran: inprocess | local | slurm | ray. */
  backend: string;
  /** The tfjs backend. */
  tfBackend: string;
  steps: number;
  seeds: number[];
  estimators: string[];
  families: string[];
  base: BaseInfo;
  runs: RunRecord[];
  heldOut: HeldOutScore[];
  advantages: AdvantageRow[];
  /** Wall-clock seconds of the whole compare (base + runs + aggregation), set by the driver. */
  seconds: number;
  /** CPU seconds: this process plus every run's process. */
  cpuSeconds: number;
  /** CPU seconds of the runs that ran as Jobs (other processes) in this invocation. */
  jobCpuSeconds: number;
  config: TrainConfig;
}

export interface PerSeedScore {
  policy: string;
  estimator: string;
  seed: number;
  mode: string;
  family: string;
  mean: number;
}

export interface Interval {
  n: number;
  mean: number;
  lo: number;
  hi: number;
}

export interface FinalSummary extends Interval {
  estimator: string;
  mode: string;
  family: string;
}

export interface PairedSummary extends Interval {
  mode: string;
  family: string;
  /** 'B − A' in words, e.g. 'TMN-Reweight − GRPO'. */
  contrast: string;
}

export interface GainSummary extends Interval {
  estimator: string;
  mode: string;
  base: number;
  final: number;
  /** mean gain ≥ LEARNING_MARGIN */
  learns: boolean;
}

/**
 * The format gate's share of a policy's score: how many held-out responses pass GoLongRL's format gate
 * (exactly one `</think>`; a response that fails scores 0 whatever its content) and what the passing
 * ones score. Separates learning the answer format from learning the answers.
 */
export interface FormatSummary {
  estimator: string;
  /** 'base' (the base model on the runs' held-out prompts) or 'final'. */
  policy: 'base' | 'final';
  mode: string;
  /** Share of responses that pass the gate: per seed, then mean and t-interval over seeds. */
  pass: Interval;
  /** Mean score of the responses that pass the gate, pooled over seeds (null when none passes). */
  contentScore: number | null;
}

export interface CompareSummary {
  base: Record<'greedy' | 'sample', Record<string, number>>;
  perSeed: PerSeedScore[];
  finals: FinalSummary[];
  paired: PairedSummary[];
  gains: GainSummary[];
  /** Per estimator, policy and mode: format-gate pass rate and the score of passing responses. */
  formats: FormatSummary[];
  verdict: string;
}

/** What "shows learning" means for the main job: held-out mean ≥ base + 0.15 (issue 11). */
export const LEARNING_MARGIN = 0.15;

const MODES = ['greedy', 'sample'] as const;

/** Per (policy, estimator, seed, mode, family) held-out means, plus family 'all' (mean over families). */
export function perSeedScores(heldOut: readonly HeldOutScore[]): PerSeedScore[] {
  if (heldOut.length === 0) return [];
  const fam = aq
    .from(heldOut as HeldOutScore[])
    .groupby('policy', 'estimator', 'seed', 'mode', 'family')
    .rollup({ mean: aq.op.mean('score') });
  const all = fam.groupby('policy', 'estimator', 'seed', 'mode').rollup({ mean: aq.op.mean('mean') }).derive({ family: () => 'all' });
  return fam.concat(all).objects() as PerSeedScore[];
}

function interval(xs: readonly number[]): Interval {
  const c = tCi95(xs);
  return { n: c.n, mean: c.mean, lo: c.lo, hi: c.hi };
}

const fmt = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(3);

/** The one verdict sentence, computed from the paired differences (whatever their sign). */
export function verdictSentence(paired: readonly PairedSummary[], a: string, b: string, families: readonly string[]): string {
  const all = paired.find((p) => p.mode === 'sample' && p.family === 'all');
  if (!all || !Number.isFinite(all.mean)) return `No paired seeds: ${b} and ${a} cannot be compared.`;
  const per = paired.filter((p) => p.mode === 'sample' && families.includes(p.family));
  const above = per.filter((p) => p.lo > 0).map((p) => p.family);
  const below = per.filter((p) => p.hi < 0).map((p) => p.family);
  const ci = `${fmt(all.mean)} [${fmt(all.lo)}, ${fmt(all.hi)}] (held-out sampled score, mean over the ${families.length} families, 95% t-interval over ${all.n} paired seeds)`;
  const head =
    all.lo > 0
      ? `${b} scores higher than ${a}: ${b} − ${a} = ${ci}`
      : all.hi < 0
        ? `${b} scores lower than ${a}: ${b} − ${a} = ${ci}`
        : `No difference between ${b} and ${a} is detectable at this budget: ${b} − ${a} = ${ci}, an interval that includes 0`;
  const fams =
    `; per family, the interval is above 0 for ${above.length} (${above.join(', ') || 'none'}), below 0 for ${below.length} (${below.join(', ') || 'none'})` +
    ` and includes 0 for the other ${per.length - above.length - below.length}.`;
  return head + fams;
}

/** Every number of the report from the held-out scores (see the file header). */
export function summarize(r: Pick<CompareResult, 'heldOut' | 'estimators' | 'families' | 'seeds'>): CompareSummary {
  const perSeed = perSeedScores(r.heldOut);
  const fams = [...r.families, 'all'];
  // The base is the same model for every estimator: take its rows from the first estimator's runs.
  const baseRows = perSeed.filter((p) => p.policy === 'base' && p.estimator === r.estimators[0]);
  const baseMean = aq.from(baseRows).groupby('mode', 'family').rollup({ mean: aq.op.mean('mean') }).objects() as { mode: string; family: string; mean: number }[];
  const base = { greedy: {} as Record<string, number>, sample: {} as Record<string, number> };
  for (const b of baseMean) base[b.mode as 'greedy' | 'sample'][b.family] = b.mean;
  const get = (policy: string, e: string, mode: string, family: string) =>
    new Map(perSeed.filter((p) => p.policy === policy && p.estimator === e && p.mode === mode && p.family === family).map((p) => [p.seed, p.mean]));
  const finals: FinalSummary[] = [];
  const gains: GainSummary[] = [];
  for (const e of r.estimators)
    for (const mode of MODES) {
      for (const family of fams) finals.push({ estimator: e, mode, family, ...interval([...get('final', e, mode, family).values()]) });
      const fin = get('final', e, mode, 'all');
      const bas = get('base', r.estimators[0], mode, 'all');
      const seeds = [...fin.keys()].filter((s) => bas.has(s));
      const g = interval(seeds.map((s) => fin.get(s)! - bas.get(s)!));
      gains.push({ estimator: e, mode, base: base[mode].all ?? NaN, final: finals.find((f) => f.estimator === e && f.mode === mode && f.family === 'all')!.mean, ...g, learns: g.mean >= LEARNING_MARGIN });
    }
  const paired: PairedSummary[] = [];
  const [a, b] = r.estimators;
  if (a !== undefined && b !== undefined)
    for (const mode of MODES)
      for (const family of fams) {
        const A = get('final', a, mode, family);
        const B = get('final', b, mode, family);
        const seeds = [...A.keys()].filter((s) => B.has(s)).sort((x, y) => x - y);
        paired.push({ mode, family, contrast: `${b} − ${a}`, ...interval(seeds.map((s) => B.get(s)! - A.get(s)!)) });
      }
  const verdict = a !== undefined && b !== undefined ? verdictSentence(paired, a, b, r.families) : 'Only one estimator: nothing to compare.';
  return { base, perSeed, finals, paired, gains, formats: formatSummaries(r.heldOut, r.estimators), verdict };
}

/** Format-gate pass rates and the score of passing responses (rows without a `format` field are left out). */
export function formatSummaries(heldOut: readonly HeldOutScore[], estimators: readonly string[]): FormatSummary[] {
  const out: FormatSummary[] = [];
  const rows = heldOut.filter((h) => h.format === 0 || h.format === 1);
  for (const e of estimators)
    for (const policy of ['base', 'final'] as const)
      for (const mode of MODES) {
        // The base is one model: its rows are taken from the first estimator's runs, as in summarize.
        const mine = rows.filter((h) => h.estimator === (policy === 'base' ? estimators[0] : e) && h.policy === policy && h.mode === mode);
        if (mine.length === 0) continue;
        const bySeed = new Map<number, { pass: number; n: number }>();
        let passSum = 0;
        let passN = 0;
        for (const h of mine) {
          const t = bySeed.get(h.seed) ?? { pass: 0, n: 0 };
          t.pass += h.format;
          t.n++;
          bySeed.set(h.seed, t);
          if (h.format === 1) {
            passSum += h.score;
            passN++;
          }
        }
        out.push({ estimator: e, policy, mode, pass: interval([...bySeed.values()].map((t) => t.pass / t.n)), contentScore: passN > 0 ? passSum / passN : null });
      }
  return out;
}

/** Per (estimator, family, step): the training score over all generated rollouts, mean over seeds and its t-interval. */
export function trainingCurves(r: Pick<CompareResult, 'runs' | 'families'>): { estimator: string; family: string; step: number; n: number; mean: number; lo: number; hi: number }[] {
  const rows: { estimator: string; family: string; step: number; seed: number; score: number }[] = [];
  for (const run of r.runs)
    for (const h of run.history)
      for (const f of r.families) {
        const v = h.metrics[`train/gen_score/${f}`];
        if (typeof v === 'number' && Number.isFinite(v)) rows.push({ estimator: run.estimator, family: f, step: h.step, seed: run.seed, score: v });
      }
  if (rows.length === 0) return [];
  const g = aq.from(rows).groupby('estimator', 'family', 'step').rollup({ scores: aq.op.array_agg('score') }).orderby('estimator', 'family', 'step').objects() as { estimator: string; family: string; step: number; scores: number[] }[];
  return g.map((x) => {
    const c = tCi95(x.scores);
    return { estimator: x.estimator, family: x.family, step: x.step, n: c.n, mean: c.mean, lo: c.lo, hi: c.hi };
  });
}
