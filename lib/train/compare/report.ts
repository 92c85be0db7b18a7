/**
 * The main job's report: `<out>/report/index.html` with PNG figures and CSV tables, every number
 * from aggregate.ts (docs/training.md, "The main job and its report" explains each figure).
 *
 * Figures (all nine families, capability names throughout):
 *   paired_difference.png    per family (and "all"): B − A held-out score, mean over paired seeds with a
 *                            95% t-interval; sampled and greedy panels
 *   training_curves.png      per family: training score over ALL generated rollouts of each step
 *                            (train/gen_score/<family>), mean over seeds ± t-interval, from the base
 *                            (step 0 = the base's held-out sampled score; dashed line = that base value)
 *   heldout_scores.png       per family: base, and each estimator's final policy, mean over seeds ± t-interval
 *   advantages_per_task.png  per family a panel of its own x scale, the estimators side by side
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompareResult, CompareSummary } from './aggregate.js';
import { summarize, trainingCurves, LEARNING_MARGIN } from './aggregate.js';
import { REPLAY_PROMPTS_PER_FAMILY } from './run.js';
import { toCsv } from './stats.js';
import { mkdirp } from '../../util/fsx.js';

export interface ReportFiles {
  dir: string;
  html: string;
  pngs: string[];
  csvs: string[];
}

/** Every metric key logged by any run, sorted. */
export function metricKeys(r: Pick<CompareResult, 'runs'>): string[] {
  const keys = new Set<string>();
  for (const run of r.runs) for (const h of run.history) for (const k of Object.keys(h.metrics)) keys.add(k);
  return [...keys].sort();
}

function escapeHtml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');
const ci = (m: number, lo: number, hi: number) => `${f3(m)} [${f3(lo)}, ${f3(hi)}]`;

function htmlTable(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cell = (v: unknown) => escapeHtml(typeof v === 'number' ? (Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : '—') : String(v));
  return `<table>\n<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>\n<tbody>\n${rows.map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`).join('\n')}\n</tbody>\n</table>`;
}

/**
 * The task-level scale TMN-GRPO divides by (tmn_grpo.ts): √(mean over prompt groups of each group's
 * Bessel-corrected score variance), over every replayed group of the family (all runs shown).
 */
export function taskScale(rows: readonly { estimator: string; seed: number; uid: string; score: number }[]): number {
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const k = `${r.estimator}\u0000${r.seed}\u0000${r.uid}`;
    const g = groups.get(k);
    if (g) g.push(r.score);
    else groups.set(k, [r.score]);
  }
  let acc = 0;
  for (const xs of groups.values()) {
    if (xs.length < 2) {
      acc += 1; // n == 1 → var := 1, as the estimator does
      continue;
    }
    const m = xs.reduce((a, x) => a + x, 0) / xs.length;
    acc += xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
  }
  return groups.size > 0 ? Math.sqrt(acc / groups.size) : NaN;
}

/** The format gate's table: per estimator and mode, base → final pass rate and content score. */
export function formatTable(s: CompareSummary, estimators: readonly string[]): string {
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  const rows: string[][] = [];
  for (const e of estimators)
    for (const mode of ['sample', 'greedy']) {
      const f = (p: 'base' | 'final') => s.formats.find((x) => x.estimator === e && x.policy === p && x.mode === mode);
      const b = f('base');
      const fi = f('final');
      if (!b || !fi) continue;
      rows.push([e, mode, pct(b.pass.mean), `${pct(fi.pass.mean)} [${pct(Math.max(0, fi.pass.lo))}, ${pct(Math.min(1, fi.pass.hi))}]`, b.contentScore === null ? '—' : f3(b.contentScore), fi.contentScore === null ? '—' : f3(fi.contentScore)]);
    }
  return rows.length === 0 ? '<p>No format-gate data (runs from an older version).</p>' : htmlTable(['estimator', 'mode', 'base pass', 'final pass [95% CI]', 'base content', 'final content'], rows);
}

/** The end-of-run table: per estimator, base → final held-out mean over families, gain with its interval. */
export function summaryTable(r: CompareResult, s: CompareSummary = summarize(r)): { header: string[]; rows: (string | number)[][] } {
  const header = ['estimator', 'runs', 'base sample', 'final sample [95% CI]', 'gain sample [95% CI]', 'base greedy', 'final greedy [95% CI]', 'gain greedy [95% CI]', `learns (gain ≥ ${LEARNING_MARGIN})`];
  const rows = r.estimators.map((e) => {
    const fin = (m: string) => s.finals.find((x) => x.estimator === e && x.mode === m && x.family === 'all')!;
    const g = (m: string) => s.gains.find((x) => x.estimator === e && x.mode === m)!;
    return [
      e,
      r.runs.filter((x) => x.estimator === e).length,
      f3(s.base.sample.all),
      ci(fin('sample').mean, fin('sample').lo, fin('sample').hi),
      ci(g('sample').mean, g('sample').lo, g('sample').hi),
      f3(s.base.greedy.all),
      ci(fin('greedy').mean, fin('greedy').lo, fin('greedy').hi),
      ci(g('greedy').mean, g('greedy').lo, g('greedy').hi),
      g('sample').learns ? 'yes' : 'NO',
    ];
  });
  return { header, rows };
}

/** Write `<dir>/index.html`, PNG figures and CSV tables. Loads the plotting layer only here. */
export async function writeReport(r: CompareResult, dir: string): Promise<ReportFiles & { summary: CompareSummary }> {
  mkdirp(dir);
  const plot = await import('../../plot/index.js');
  const s = summarize(r);
  const keys = metricKeys(r);
  const csvs: string[] = [];
  const pngs: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    csvs.push(name);
  };
  const fams = r.families;
  const [A, B] = r.estimators;

  // ── CSV tables
  write('metrics.csv', toCsv(['estimator', 'seed', 'step', ...keys], r.runs.flatMap((run) => run.history.map((h) => [run.estimator, run.seed, h.step, ...keys.map((k) => h.metrics[k])]))));
  write('heldout_scores.csv', toCsv(['policy', 'estimator', 'seed', 'mode', 'family', 'prompt', 'score', 'format'], r.heldOut.map((h) => [h.policy, h.estimator, h.seed, h.mode, h.family, h.prompt, h.score, h.format ?? ''])));
  write('format_gate.csv', toCsv(['estimator', 'policy', 'mode', 'seeds', 'pass_rate', 'ci95_low', 'ci95_high', 'content_score'], s.formats.map((f) => [f.estimator, f.policy, f.mode, f.pass.n, f.pass.mean, f.pass.lo, f.pass.hi, f.contentScore ?? ''])));
  write('heldout_per_seed.csv', toCsv(['policy', 'estimator', 'seed', 'mode', 'family', 'mean'], s.perSeed.map((p) => [p.policy, p.estimator, p.seed, p.mode, p.family, p.mean])));
  write('heldout_summary.csv', toCsv(['estimator', 'mode', 'family', 'base', 'seeds', 'mean', 'ci95_low', 'ci95_high'], s.finals.map((x) => [x.estimator, x.mode, x.family, s.base[x.mode as 'sample'][x.family], x.n, x.mean, x.lo, x.hi])));
  write('paired_difference.csv', toCsv(['contrast', 'mode', 'family', 'seeds', 'mean', 'ci95_low', 'ci95_high'], s.paired.map((p) => [p.contrast, p.mode, p.family, p.n, p.mean, p.lo, p.hi])));
  write('gain_over_base.csv', toCsv(['estimator', 'mode', 'base', 'final', 'seeds', 'gain', 'ci95_low', 'ci95_high', 'learns'], s.gains.map((g) => [g.estimator, g.mode, g.base, g.final, g.n, g.mean, g.lo, g.hi, g.learns])));
  write('advantages.csv', toCsv(['estimator', 'seed', 'task', 'reward_mode', 'uid', 'score', 'advantage'], r.advantages.map((a) => [a.estimator, a.seed, a.task, a.reward_mode, a.uid, a.score, a.advantage])));
  const curves = trainingCurves(r);
  write('training_curves.csv', toCsv(['estimator', 'family', 'step', 'seeds', 'mean', 'ci95_low', 'ci95_high'], curves.map((c) => [c.estimator, c.family, c.step, c.n, c.mean, c.lo, c.hi])));

  // ── Figure 1: the paired difference per family.
  if (B !== undefined) {
    const rows = s.paired.map((p) => ({ ...p, lo: Number.isFinite(p.lo) ? p.lo : NaN, hi: Number.isFinite(p.hi) ? p.hi : NaN }));
    const fig = plot.groupedBars(rows, {
      x: 'family',
      y: 'mean',
      group: 'contrast',
      facet: 'mode',
      errorLow: 'lo',
      errorHigh: 'hi',
      xOrder: [...fams, 'all'],
      facetOrder: ['sample', 'greedy'],
      title: `Paired difference ${B} − ${A} per family (held-out)`,
      subtitle: `per seed: mean over its held-out prompts, ${B} minus ${A}; bar = mean over ${r.seeds.length} paired seeds, whisker = 95% t-interval; "all" = mean over families`,
      xLabel: 'family (capability)',
      yLabel: `${B} − ${A}`,
      width: 960,
    });
    plot.savePng(fig, join(dir, 'paired_difference.png'));
    pngs.push('paired_difference.png');
  }

  // ── Figure 2: training score over all generated rollouts per family, from the base value on.
  if (curves.length > 0) {
    const baseLabel = 'base (held-out, sampled)';
    const rows: { family: string; step: number; mean: number; lo: number; hi: number; series: string }[] = [];
    for (const f of fams) {
      const b = s.base.sample[f];
      for (const e of r.estimators) {
        if (Number.isFinite(b)) rows.push({ family: f, step: 0, mean: b, lo: NaN, hi: NaN, series: e });
        for (const c of curves.filter((x) => x.family === f && x.estimator === e)) rows.push({ family: f, step: c.step, mean: c.mean, lo: Number.isFinite(c.lo) ? Math.max(0, c.lo) : NaN, hi: Number.isFinite(c.hi) ? Math.min(1, c.hi) : NaN, series: e });
      }
      if (Number.isFinite(b)) for (const step of [0, r.steps]) rows.push({ family: f, step, mean: b, lo: NaN, hi: NaN, series: baseLabel });
    }
    const fig = plot.bandCurves(rows, {
      x: 'step',
      y: 'mean',
      low: 'lo',
      high: 'hi',
      stroke: 'series',
      facet: 'family',
      columns: 3,
      facetOrder: fams,
      strokeOrder: [...r.estimators, baseLabel],
      title: 'Training score per family over all generated rollouts, from the base',
      subtitle: `train/gen_score/<family> per step, mean over ${r.seeds.length} seeds (band: 95% t-interval, clipped to [0, 1]); step 0 and the flat line: the base's held-out sampled score`,
      xLabel: 'step',
      panelWidth: 320,
      panelHeight: 190,
    });
    plot.savePng(fig, join(dir, 'training_curves.png'));
    pngs.push('training_curves.png');
  }

  // ── Figure 3: held-out per family, base and finals.
  {
    const rows: { family: string; policy: string; mode: string; mean: number; lo: number; hi: number }[] = [];
    for (const mode of ['sample', 'greedy'] as const)
      for (const f of [...fams, 'all']) {
        const baseSeeds = s.perSeed.filter((p) => p.policy === 'base' && p.estimator === A && p.mode === mode && p.family === f).map((p) => p.mean);
        if (baseSeeds.length > 0) rows.push({ family: f, policy: 'base', mode, mean: s.base[mode][f], lo: NaN, hi: NaN });
        for (const e of r.estimators) {
          const x = s.finals.find((y) => y.estimator === e && y.mode === mode && y.family === f)!;
          rows.push({ family: f, policy: e, mode, mean: x.mean, lo: Number.isFinite(x.lo) ? Math.max(0, x.lo) : NaN, hi: Number.isFinite(x.hi) ? Math.min(1, x.hi) : NaN });
        }
      }
    const fig = plot.groupedBars(rows, {
      x: 'family',
      y: 'mean',
      group: 'policy',
      facet: 'mode',
      errorLow: 'lo',
      errorHigh: 'hi',
      xOrder: [...fams, 'all'],
      groupOrder: ['base', ...r.estimators],
      facetOrder: ['sample', 'greedy'],
      title: 'Held-out score per family: the base and the final policies',
      subtitle: `mean over ${r.seeds.length} seeds of the per-seed mean over held-out prompts; whisker: 95% t-interval over seeds (clipped to [0, 1])`,
      xLabel: 'family (capability)',
      yLabel: 'held-out score',
      width: 960,
    });
    plot.savePng(fig, join(dir, 'heldout_scores.png'));
    pngs.push('heldout_scores.png');
  }

  // ── Figure 4: advantage distributions per family, estimators side by side, each family its own scale.
  if (r.advantages.length > 0) {
    const panels = fams
      .map((f) => r.advantages.filter((a) => a.task === f))
      .filter((rows) => rows.length > 0)
      .map((rows) =>
        plot.facetedHistogram(rows, {
          x: 'advantage',
          facet: 'estimator',
          columns: r.estimators.length,
          thresholds: 16,
          facetOrder: r.estimators,
          title: `${rows[0].task} · σ ${taskScale(rows).toFixed(3)}`,
          width: 420,
          panelHeight: 110,
        }),
      );
    const fig = plot.gridOfFigures(panels, 3, {
      title: 'Advantages per family on one replayed batch, estimators side by side',
      subtitle: `final policies (${r.seeds.length} seeds), ${REPLAY_PROMPTS_PER_FAMILY} training prompts per family × ${r.config.n} samples; own x scale per family; σ = task-level scale as TMN computes it`,
    });
    plot.savePng(fig, join(dir, 'advantages_per_task.png'));
    pngs.push('advantages_per_task.png');
  }

  // ── index.html
  const st = summaryTable(r, s);
  const pairedRows = [...fams, 'all'].map((f) => {
    const p = (m: string) => s.paired.find((x) => x.mode === m && x.family === f);
    const row = (m: string) => (p(m) ? ci(p(m)!.mean, p(m)!.lo, p(m)!.hi) : '—');
    return [f, f3(s.base.sample[f]), ...r.estimators.map((e) => f3(s.finals.find((x) => x.estimator === e && x.mode === 'sample' && x.family === f)!.mean)), row('sample'), row('greedy')];
  });
  const c = r.config;
  const b = r.base;
  const reusedRuns = r.runs.filter((x) => x.reused).length;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>golongrl compare — ${escapeHtml(r.recipe)}</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;line-height:1.4}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}img{max-width:100%}.note{background:#fff4d6;padding:0.8em;border:1px solid #e0c060}.verdict{font-size:1.1em;background:#eef4ff;padding:0.8em;border:1px solid #9ab}</style>
</head><body>
<h1>Estimator comparison: ${r.estimators.map(escapeHtml).join(' vs ')}</h1>
<p class="note"><strong>This is a small synthetic suite and a tiny model.</strong> The ${fams.length} task families are synthetic
(not GoLongRL data), scored by the real GoLongRL reward functions; the policy is a ${c.model.nLayers}-layer,
d${c.model.dModel} transformer. Nothing was tuned to make one estimator win: every run uses the recipe's
settings and the same base model, and only the advantage estimator differs. Results at this budget say little about the paper's setting.</p>
<p class="verdict">${escapeHtml(s.verdict)}</p>
<ul>
<li>Where the runs ran: <strong>${escapeHtml(r.backend)}</strong>; tfjs backend <strong>${escapeHtml(r.tfBackend)}</strong>. ${r.seconds.toFixed(1)} s wall clock, ${r.cpuSeconds.toFixed(1)} CPU seconds${reusedRuns > 0 ? `; ${reusedRuns} of ${r.runs.length} runs reused from an earlier invocation` : ''}.</li>
<li>Base model: <code>${escapeHtml(b.dir)}</code> (hash ${escapeHtml(b.hash)}), ${b.config.sft.steps} SFT steps × ${b.config.sft.promptsPerStep} gold responses of training prompts, lr ${b.config.sft.lr}${b.config.sft.decay === 'cosine' ? ` (${b.config.sft.warmupSteps ?? 0} warm-up steps, cosine decay to ${(b.config.sft.minLrRatio ?? 0.1) * b.config.sft.lr})` : ''}${b.config.sft.formatNoise ? `, ${Math.round(b.config.sft.formatNoise * 100)}% of the demonstrations plain answers without <code>&lt;/think&gt;</code> (format noise)` : ''}, seed ${b.config.seed}${b.created ? `, built in ${b.buildSeconds.toFixed(1)} s` : ', reused from the cache'}.</li>
<li>RL: recipe <code>${escapeHtml(r.recipe)}</code>, ${r.steps} steps × seeds ${r.seeds.join(', ')} × ${r.estimators.length} estimators (${r.runs.length} runs);
${c.promptsPerStep} prompt groups × ${c.n} responses per step (generation batches of ${c.genBatchPrompts} prompts, at most ${c.maxGenBatches}), ${c.maxNewTokens} response tokens, lr ${c.lr}.</li>
<li>Estimators: ${r.runs.filter((x, i, a) => a.findIndex((y) => y.estimator === x.estimator) === i).map((x) => `${escapeHtml(x.estimator)}`).join(', ')} (first = A, second = B in "B − A").</li>
<li>Pairing: seed s of every estimator starts from the same base, draws the same prompt and sample streams and is scored on the same held-out prompts (${c.evalPromptsPerFamily} per family per seed).</li>
</ul>
<h2>Summary</h2>
${htmlTable(st.header, st.rows)}
<p>Held-out scores are per seed first (mean over that seed's held-out prompts; "all" = mean over the ${fams.length} families), then
mean over seeds with a 95% Student-t interval over seeds (t<sub>0.975, n−1</sub>·SE). "sample": one temperature-1 response per
prompt from a fixed-seed stream; "greedy": argmax decoding. "gain" = final − base per seed. An estimator "learns" when its mean sampled gain is ≥ ${LEARNING_MARGIN}.</p>
<h2>Format and content</h2>
${formatTable(s, r.estimators)}
<p>Every GoLongRL reward first applies a format gate: a response without exactly one <code>&lt;/think&gt;</code> scores 0, whatever
its content. "pass" is the share of held-out responses that pass it (mean over seeds, 95% t-interval); "content" is the mean score
of the passing responses (pooled over seeds). A gain in "pass" is the policy learning the answer format; a gain in "content" is it
learning the answers. (<a href="format_gate.csv">format_gate.csv</a>)</p>
<h2>Paired difference per family</h2>
<img src="paired_difference.png" alt="paired difference per family">
${htmlTable(['family', 'base (sample)', ...r.estimators.map((e) => `${e} (sample)`), `${B ?? ''} − ${A} sample [95% CI]`, `${B ?? ''} − ${A} greedy [95% CI]`], pairedRows)}
<h2>Training score per family, from the base</h2>
${pngs.includes('training_curves.png') ? '<img src="training_curves.png" alt="training score per family">' : '<p>No steps were logged.</p>'}
<p><code>train/gen_score/&lt;family&gt;</code>: the mean reward of every rollout the step generated for that family, kept or filtered
out by dynamic sampling (so it does not overstate progress the way kept-group means do). Each panel has its own y scale.</p>
<h2>Held-out scores per family</h2>
<img src="heldout_scores.png" alt="held-out scores per family">
<h2>Advantage distributions</h2>
${pngs.includes('advantages_per_task.png') ? '<img src="advantages_per_task.png" alt="advantages per family">' : ''}
<p>The trainer does not keep per-row advantages, so they are recomputed: each run's final policy samples one fresh
scored batch (${REPLAY_PROMPTS_PER_FAMILY} training prompts per family × ${c.n} responses, seeded) and <code>compareEstimators</code> replays that
run's estimator over it. Unlike training, zero-variance groups are not filtered out (their advantage is 0, the spike at 0).</p>
<h2>Tables (CSV)</h2>
<ul>
<li><a href="paired_difference.csv">paired_difference.csv</a> — B − A per family and mode: mean over paired seeds and 95% t-interval</li>
<li><a href="gain_over_base.csv">gain_over_base.csv</a> — final − base per estimator and mode</li>
<li><a href="heldout_summary.csv">heldout_summary.csv</a> — final held-out mean and 95% t-interval per estimator, mode and family, with the base</li>
<li><a href="heldout_per_seed.csv">heldout_per_seed.csv</a> — per seed means (base and final)</li>
<li><a href="heldout_scores.csv">heldout_scores.csv</a> — every held-out score per prompt</li>
<li><a href="training_curves.csv">training_curves.csv</a> — the training score per family and step</li>
<li><a href="metrics.csv">metrics.csv</a> — every logged metric per run and step</li>
<li><a href="advantages.csv">advantages.csv</a> — the replayed advantages</li>
<li><a href="format_gate.csv">format_gate.csv</a> — format-gate pass rate and the score of passing responses, per estimator, policy and mode</li>
</ul>
</body></html>
`;
  writeFileSync(join(dir, 'index.html'), html);
  return { dir, html: 'index.html', pngs, csvs, summary: s };
}
