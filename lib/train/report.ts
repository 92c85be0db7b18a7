/**
 * The main job (`golongrl compare`, `npm start`): train several estimators × seeds on one recipe of
 * the SYNTHETIC suite, evaluate the final policies on held-out prompts, and write an HTML report
 * with PNG figures and CSV tables (docs/training.md, "The main job and its report").
 *
 * Nothing here is tuned to make one estimator win: every run uses the recipe's settings and only the
 * advantage estimator differs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareEstimators, ESTIMATOR_CONFIGS, type EstimatorConfig } from '../advantage/compare.js';
import { Rng } from '../util/random.js';
import { EOS, makeBatch, PAD, scoreResponse, type TaskPrompt } from './tasks.js';
import { evaluate, heldOutFor, streamSeed, train, type StepResult, type TrainConfig } from './trainer.js';

/** What the main job compares: GRPO against TMN-Reweight (tmn_grpo, difficulty reweight, α = 0.8). */
export const COMPARE_CONFIGS: readonly EstimatorConfig[] = ESTIMATOR_CONFIGS.filter((c) => c.label === 'GRPO' || c.label === 'TMN-Reweight');

export interface CompareOptions {
  /** The recipe's config (steps already set). */
  base: TrainConfig;
  seeds: readonly number[];
  configs?: readonly EstimatorConfig[];
  /** Run directory: training runs go to `<outDir>/train/<label>-s<seed>/`. */
  outDir: string;
  backend: string;
  /** Called after every training step of every run (for a progress line). */
  onStep?: (done: number, total: number) => void;
  /** Called when a run finishes. */
  onRun?: (label: string, seed: number, seconds: number, index: number, total: number) => void;
}

export interface HeldOutScore {
  estimator: string;
  seed: number;
  mode: 'greedy' | 'sample';
  family: string;
  prompt: string;
  score: number;
}

export interface AdvantageRow {
  estimator: string;
  seed: number;
  task: string;
  reward_mode: string;
  uid: string;
  score: number;
  advantage: number;
}

export interface RunRecord {
  estimator: string;
  seed: number;
  history: StepResult[];
  seconds: number;
}

export interface CompareResult {
  recipe: string;
  backend: string;
  steps: number;
  seeds: number[];
  estimators: string[];
  families: string[];
  runs: RunRecord[];
  heldOut: HeldOutScore[];
  advantages: AdvantageRow[];
  /** Wall-clock seconds for training + evaluation. */
  seconds: number;
  config: TrainConfig;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Per-prompt held-out scores: greedy via `evaluate` on each prompt alone; sample exactly as `evaluate`'s sample mode. */
function heldOutScores(policy: ReturnType<typeof train>['policy'], prompts: readonly TaskPrompt[], config: TrainConfig, label: string): HeldOutScore[] {
  const out: HeldOutScore[] = [];
  for (const p of prompts) {
    const r = evaluate(policy, [p], { maxNewTokens: config.maxNewTokens, mode: 'greedy' });
    out.push({ estimator: label, seed: config.seed, mode: 'greedy', family: p.family, prompt: p.uid, score: r[p.family] });
  }
  // The same Rng stream as evaluate(…, {mode: 'sample', seed}) (purpose 3 = eval), so the family means agree with it.
  const res = policy.sample(
    prompts.map((p) => p.promptTokens),
    { maxNewTokens: config.maxNewTokens, temperature: 1, rng: new Rng(streamSeed(config.seed, 0, 3)), eosId: EOS, padId: PAD },
  );
  prompts.forEach((p, i) => out.push({ estimator: label, seed: config.seed, mode: 'sample', family: p.family, prompt: p.uid, score: scoreResponse(p, res.responses[i]) }));
  return out;
}

/**
 * The trainer does not expose per-row advantages, so they are recomputed: the final policy samples
 * one fresh scored batch (REPLAY_PROMPTS_PER_FAMILY training prompts per family, n responses each,
 * from a seeded Rng) and `compareEstimators` replays the run's own estimator over it. Zero-variance groups are kept
 * (their advantage is 0), unlike the trainer's dynamic sampling.
 */
function replayAdvantages(policy: ReturnType<typeof train>['policy'], config: TrainConfig, cfg: EstimatorConfig): AdvantageRow[] {
  const rng = new Rng(streamSeed(config.seed, config.steps + 1, 1, 0));
  const prompts = makeBatch(rng, { contextLen: config.contextLen, families: config.families, promptsPerFamily: REPLAY_PROMPTS_PER_FAMILY });
  const flat = prompts.flatMap((p) => Array.from({ length: config.n }, () => p.promptTokens));
  const res = policy.sample(flat, { maxNewTokens: config.maxNewTokens, temperature: 1, rng: new Rng(streamSeed(config.seed, config.steps + 1, 2, 0)), eosId: EOS, padId: PAD });
  const rows = flat.map((_, r) => {
    const p = prompts[Math.floor(r / config.n)];
    return { step: 1, uid: `${p.uid}-replay-${Math.floor(r / config.n)}`, reward_mode: p.reward_mode, score: scoreResponse(p, res.responses[r]), task: p.family };
  });
  const cmp = compareEstimators(rows, (r) => r.task, [cfg]);
  return rows.map((r, i) => ({ estimator: cfg.label, seed: config.seed, task: r.task, reward_mode: r.reward_mode, uid: r.uid, score: r.score, advantage: cmp.rows[i].advantage }));
}

/** Training prompts per family in the replayed advantage batch. */
export const REPLAY_PROMPTS_PER_FAMILY = 8;

/** Train every (estimator, seed), evaluate held-out, replay one batch's advantages. */
export function runComparison(opts: CompareOptions): CompareResult {
  const t0 = performance.now();
  const configs = opts.configs ?? COMPARE_CONFIGS;
  const total = configs.length * opts.seeds.length * opts.base.steps;
  const nRuns = configs.length * opts.seeds.length;
  let done = 0;
  const runs: RunRecord[] = [];
  const heldOut: HeldOutScore[] = [];
  const advantages: AdvantageRow[] = [];
  for (const seed of opts.seeds) {
    for (const cfg of configs) {
      const config: TrainConfig = {
        ...opts.base,
        estimator: cfg.estimator,
        advOptions: { ...cfg.options },
        seed,
        outDir: join(opts.outDir, 'train', `${slug(cfg.label)}-s${seed}`),
        resume: 'disable',
      };
      const result = train(config, { onStep: () => opts.onStep?.(++done, total) });
      try {
        heldOut.push(...heldOutScores(result.policy, heldOutFor(config), config, cfg.label));
        advantages.push(...replayAdvantages(result.policy, config, cfg));
      } finally {
        result.policy.dispose();
      }
      runs.push({ estimator: cfg.label, seed, history: result.history, seconds: result.seconds });
      opts.onRun?.(cfg.label, seed, result.seconds, runs.length, nRuns);
    }
  }
  return {
    recipe: opts.base.recipe,
    backend: opts.backend,
    steps: opts.base.steps,
    seeds: [...opts.seeds],
    estimators: configs.map((c) => c.label),
    families: [...opts.base.families],
    runs,
    heldOut,
    advantages,
    seconds: (performance.now() - t0) / 1000,
    config: opts.base,
  };
}

// ───────────────────────────── statistics and tables ─────────────────────────────

export interface ScoreSummary {
  estimator: string;
  mode: string;
  family: string;
  n: number;
  mean: number;
  se: number;
  ci_low: number;
  ci_high: number;
}

/** mean ± 1.96·SE, SE = sample std (n − 1) / √n over the scores given (held-out prompt × seed). */
export function meanCi95(xs: readonly number[]): { n: number; mean: number; se: number; lo: number; hi: number } {
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, se: NaN, lo: NaN, hi: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const se = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) / n) : 0;
  return { n, mean, se, lo: mean - 1.96 * se, hi: mean + 1.96 * se };
}

export function summarizeHeldOut(r: CompareResult): ScoreSummary[] {
  const out: ScoreSummary[] = [];
  for (const mode of ['greedy', 'sample'] as const)
    for (const estimator of r.estimators)
      for (const family of [...r.families, 'all']) {
        const xs = r.heldOut.filter((h) => h.mode === mode && h.estimator === estimator && (family === 'all' || h.family === family)).map((h) => h.score);
        const s = meanCi95(xs);
        out.push({ estimator, mode, family, n: s.n, mean: s.mean, se: s.se, ci_low: s.lo, ci_high: s.hi });
      }
  return out;
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
}

/** Every metric key logged by any run, sorted. */
export function metricKeys(r: CompareResult): string[] {
  const keys = new Set<string>();
  for (const run of r.runs) for (const h of run.history) for (const k of Object.keys(h.metrics)) keys.add(k);
  return [...keys].sort();
}

function escapeHtml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function htmlTable(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cell = (v: unknown) => escapeHtml(typeof v === 'number' ? (Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : '—') : String(v));
  return `<table>\n<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>\n<tbody>\n${rows.map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`).join('\n')}\n</tbody>\n</table>`;
}

/** The end-of-run table: held-out mean [95% CI] per estimator, greedy and sampled, over all families. */
export function summaryTable(r: CompareResult): { header: string[]; rows: (string | number)[][] } {
  const s = summarizeHeldOut(r);
  const get = (e: string, m: string, f: string) => s.find((x) => x.estimator === e && x.mode === m && x.family === f)!;
  const fmt = (x: ScoreSummary) => `${x.mean.toFixed(3)} [${x.ci_low.toFixed(3)}, ${x.ci_high.toFixed(3)}]`;
  const header = ['estimator', 'runs', 'train s', 'final gen score', 'held-out greedy [95% CI]', 'held-out sample [95% CI]'];
  const rows = r.estimators.map((e) => {
    const runs = r.runs.filter((x) => x.estimator === e);
    const finals = runs.map((x) => x.history.at(-1)?.metrics['train/gen_score_mean'] ?? NaN);
    return [e, runs.length, runs.reduce((a, x) => a + x.seconds, 0), finals.reduce((a, b) => a + b, 0) / Math.max(finals.length, 1), fmt(get(e, 'greedy', 'all')), fmt(get(e, 'sample', 'all'))];
  });
  return { header, rows };
}


// ───────────────────────────── the report ─────────────────────────────

export interface ReportFiles {
  dir: string;
  html: string;
  pngs: string[];
  csvs: string[];
}

/** Write `<dir>/index.html`, PNG figures and CSV tables. Loads the plotting layer only here. */
export async function writeReport(r: CompareResult, dir: string): Promise<ReportFiles> {
  mkdirSync(dir, { recursive: true });
  const plot = await import('../plot/index.js');
  const keys = metricKeys(r);
  const csvs: string[] = [];
  const pngs: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    csvs.push(name);
  };

  // CSV tables.
  write('metrics.csv', toCsv(['estimator', 'seed', 'step', ...keys], r.runs.flatMap((run) => run.history.map((h) => [run.estimator, run.seed, h.step, ...keys.map((k) => h.metrics[k])]))));
  write('heldout_scores.csv', toCsv(['estimator', 'seed', 'mode', 'family', 'prompt', 'score'], r.heldOut.map((h) => [h.estimator, h.seed, h.mode, h.family, h.prompt, h.score])));
  const summary = summarizeHeldOut(r);
  write('heldout_summary.csv', toCsv(['estimator', 'mode', 'family', 'n', 'mean', 'se', 'ci95_low', 'ci95_high'], summary.map((s) => [s.estimator, s.mode, s.family, s.n, s.mean, s.se, s.ci_low, s.ci_high])));
  write('advantages.csv', toCsv(['estimator', 'seed', 'task', 'reward_mode', 'uid', 'score', 'advantage'], r.advantages.map((a) => [a.estimator, a.seed, a.task, a.reward_mode, a.uid, a.score, a.advantage])));

  // Figure 1: per-task training reward (task_metrics/<type>/mean_reward), averaged over seeds.
  const taskKeys = keys.filter((k) => k.startsWith('task_metrics/') && k.endsWith('/mean_reward'));
  const curveRows: { step: number; reward: number; estimator: string; task: string }[] = [];
  for (const e of r.estimators)
    for (const k of taskKeys)
      for (let step = 1; step <= r.steps; step++) {
        const xs = r.runs.filter((x) => x.estimator === e).map((x) => x.history.find((h) => h.step === step)?.metrics[k]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        if (xs.length > 0) curveRows.push({ step, reward: xs.reduce((a, b) => a + b, 0) / xs.length, estimator: e, task: k.split('/')[1] });
      }
  if (curveRows.length > 0) {
    const win = Math.max(1, Math.min(5, Math.floor(r.steps / 5)));
    const fig = plot.smoothedCurves(curveRows, {
      x: 'step',
      y: 'reward',
      stroke: 'estimator',
      facet: 'task',
      window: win,
      raw: true,
      dots: true,
      columns: 3,
      strokeOrder: r.estimators,
      title: 'Training reward per task type (kept rollouts)',
      subtitle: `task_metrics/<type>/mean_reward, mean over seeds ${r.seeds.join(', ')}; line: moving mean over ${win} steps; dots: steps with kept groups`,
      xLabel: 'step',
      yLabel: 'mean reward',
      width: 900,
    });
    plot.savePng(fig, join(dir, 'train_reward_per_task.png'));
    pngs.push('train_reward_per_task.png');
  }

  // Figure 2: held-out per-family scores with 95% CIs.
  const barRows = summary.filter((s) => s.family !== 'all').map((s) => ({ ...s, lo: Math.max(0, s.ci_low), hi: Math.min(1, s.ci_high) }));
  const fig2 = plot.groupedBars(barRows, {
    x: 'family',
    y: 'mean',
    group: 'estimator',
    facet: 'mode',
    errorLow: 'lo',
    errorHigh: 'hi',
    xOrder: r.families,
    groupOrder: r.estimators,
    facetOrder: ['greedy', 'sample'],
    title: 'Held-out score per family (final policies)',
    subtitle: 'mean ± 1.96·SE over held-out prompt × seed scores (clipped to [0, 1]); panels: greedy / temperature-1 sample',
    xLabel: 'family',
    yLabel: 'held-out score',
    width: 900,
  });
  plot.savePng(fig2, join(dir, 'heldout_scores.png'));
  pngs.push('heldout_scores.png');

  // Figure 3: advantage distributions per task (one replayed batch, first seed).
  const advRows = r.advantages.filter((a) => a.seed === r.seeds[0]);
  if (advRows.length > 0) {
    const fig3 = plot.facetedHistogram(advRows, {
      x: 'advantage',
      facet: 'task',
      fill: 'estimator',
      overlay: false,
      columns: 3,
      thresholds: 20,
      facetOrder: r.families,
      fillOrder: r.estimators,
      title: 'Advantages per task on one replayed batch',
      subtitle: `final policy of each run (seed ${r.seeds[0]}), ${REPLAY_PROMPTS_PER_FAMILY} prompts per family × ${r.config.n} samples each; recomputed with compareEstimators; estimators stacked`,
      xLabel: 'advantage',
      width: 900,
    });
    plot.savePng(fig3, join(dir, 'advantages_per_task.png'));
    pngs.push('advantages_per_task.png');
  }

  // index.html
  const st = summaryTable(r);
  const famRows = r.families.map((f) => [f, ...r.estimators.flatMap((e) => (['greedy', 'sample'] as const).map((m) => {
    const s = summary.find((x) => x.estimator === e && x.mode === m && x.family === f)!;
    return `${s.mean.toFixed(3)} [${s.ci_low.toFixed(3)}, ${s.ci_high.toFixed(3)}]`;
  }))]);
  const c = r.config;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>golongrl compare — ${escapeHtml(r.recipe)}</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;line-height:1.4}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}img{max-width:100%}.note{background:#fff4d6;padding:0.8em;border:1px solid #e0c060}</style>
</head><body>
<h1>Estimator comparison: ${r.estimators.map(escapeHtml).join(' vs ')}</h1>
<p class="note"><strong>This is a small synthetic suite and a tiny model.</strong> The ${r.families.length} task families are synthetic
(not GoLongRL data), scored by the real GoLongRL reward functions; the policy is a ${c.model.nLayers}-layer,
d${c.model.dModel} tfjs transformer. Nothing was tuned to make one estimator win: every run uses the recipe's
settings and only the advantage estimator differs. Results at this budget say little about the paper's setting.</p>
<ul>
<li>Backend: <strong>${escapeHtml(r.backend)}</strong></li>
<li>Budget: recipe <code>${escapeHtml(r.recipe)}</code>, ${r.steps} steps × seeds ${r.seeds.join(', ')} × ${r.estimators.length} estimators
(${r.runs.length} runs; ${c.promptsPerStep} prompt groups × ${c.n} responses per step, ${c.maxNewTokens} response tokens);
${r.seconds.toFixed(1)} s for training and evaluation.</li>
<li>Estimators: ${COMPARE_CONFIGS.filter((x) => r.estimators.includes(x.label)).map((x) => `${escapeHtml(x.label)} = <code>${escapeHtml(x.estimator)}</code> ${escapeHtml(JSON.stringify(x.options))}`).join('; ')}</li>
</ul>
<h2>Summary</h2>
${htmlTable(st.header, st.rows)}
<p>Held-out: ${c.evalPromptsPerFamily} prompts per family (fixed by the seed, disjoint from training prompts), greedy decoding and
one temperature-1 sample with a fixed seed. 95% CI = mean ± 1.96·SE, with SE the sample standard deviation over the
held-out prompt × seed scores divided by √n; it treats prompts and seeds as independent draws and ignores that
prompts within a seed share a policy, so it is optimistic when seeds disagree. "final gen score" is
<code>train/gen_score_mean</code> at the last step (mean over all generated rollouts), averaged over seeds.</p>
<h2>Training reward per task</h2>
${pngs.includes('train_reward_per_task.png') ? '<img src="train_reward_per_task.png" alt="training reward per task">' : '<p>No task metrics were logged (no step kept any group).</p>'}
<h2>Held-out scores per family</h2>
<img src="heldout_scores.png" alt="held-out scores per family">
${htmlTable(['family', ...r.estimators.flatMap((e) => [`${e} greedy`, `${e} sample`])], famRows)}
<h2>Advantage distributions</h2>
${pngs.includes('advantages_per_task.png') ? '<img src="advantages_per_task.png" alt="advantages per task">' : ''}
<p>The trainer does not expose per-row advantages, so these are recomputed: each run's final policy samples one fresh
scored batch (${REPLAY_PROMPTS_PER_FAMILY} training prompts per family × ${c.n} responses, seeded) and <code>compareEstimators</code> replays that
run's estimator over it. Unlike training, zero-variance groups are not filtered out (their advantage is 0).</p>
<h2>Tables (CSV)</h2>
<ul>
<li><a href="metrics.csv">metrics.csv</a> — every logged metric per run and step</li>
<li><a href="heldout_scores.csv">heldout_scores.csv</a> — final held-out score per prompt, seed, estimator and decoding mode</li>
<li><a href="heldout_summary.csv">heldout_summary.csv</a> — mean, SE and 95% CI per estimator, mode and family</li>
<li><a href="advantages.csv">advantages.csv</a> — the replayed advantages</li>
</ul>
</body></html>
`;
  writeFileSync(join(dir, 'index.html'), html);
  return { dir, html: 'index.html', pngs, csvs };
}
