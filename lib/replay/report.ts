/**
 * The replay report: `<out>/index.html` with PNG figures (lib/plot → resvg) and CSV tables (arquero).
 * docs/replay.md explains every figure and column.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importEsm } from '../data/esm.cjs';
import { toPng, type Figure } from '../plot/index.js';
import { advantageFigure, passRateFigure, rateFigure, rewardFigure, scaleFigure } from './figures.js';
import { topDisagreements, type ReplayRun } from './run.js';
import { mkdirp } from '../util/fsx.js';

export interface ReplayReportFiles {
  dir: string;
  html: string;
  pngs: string[];
  csvs: string[];
}

type Aq = typeof import('arquero');

function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** The report's figures, by file name (also what notebook 09 shows). */
export function replayFigures(run: ReplayRun): Record<string, Figure> {
  return {
    'reward_per_task.png': rewardFigure(run),
    'advantage_scale_per_task.png': scaleFigure(run),
    'rate_adv_vs_rate_num.png': rateFigure(run),
    'advantage_distributions.png': advantageFigure(run),
    'pass_rate_per_task.png': passRateFigure(run),
  };
}

/** One row per task: rollouts, groups, mean reward, mean TMN scale, zero-variance share, over the run. */
export function taskSummary(run: ReplayRun): Record<string, string | number>[] {
  return run.tasks.map((task) => {
    const rs = run.taskSteps.filter((r) => r.task === task);
    const rollouts = rs.reduce((a, r) => a + r.rollouts, 0);
    const groups = rs.reduce((a, r) => a + r.groups, 0);
    const wmean = (f: (r: (typeof rs)[number]) => number) => rs.reduce((a, r) => a + f(r) * r.rollouts, 0) / Math.max(rollouts, 1);
    const mean = (f: (r: (typeof rs)[number]) => number) => rs.reduce((a, r) => a + f(r), 0) / Math.max(rs.length, 1);
    return {
      task,
      steps: rs.length,
      rollouts,
      groups,
      mean_reward: wmean((r) => r.mean_reward),
      tmn_scale: mean((r) => r.tmn_scale),
      mean_std_reward: mean((r) => r.mean_std_reward),
      rate_adv: mean((r) => r.rate_adv),
      rate_num: mean((r) => r.rate_num),
      zero_var_share: rs.reduce((a, r) => a + r.zero_var_groups, 0) / Math.max(groups, 1),
    };
  });
}

/** Mean |A| per task × estimator over the run (rows weighted by rollouts). */
export function estimatorSummary(run: ReplayRun): Record<string, string | number>[] {
  return run.tasks.map((task) => {
    const row: Record<string, string | number> = { task };
    for (const e of run.estimators) {
      const rs = run.estimatorSteps.filter((r) => r.task === task && r.estimator === e);
      const n = rs.reduce((a, r) => a + r.n, 0);
      row[e] = n ? rs.reduce((a, r) => a + r.mean_abs * r.n, 0) / n : NaN;
    }
    return row;
  });
}

export async function writeReplayReport(run: ReplayRun, dir: string): Promise<ReplayReportFiles> {
  mkdirp(dir);
  const aq = (await importEsm('arquero')) as Aq;
  const csvs: string[] = [];
  const csv = (name: string, rows: object[]) => {
    writeFileSync(join(dir, name), rows.length ? aq.from(rows as Record<string, unknown>[]).toCSV() : '');
    csvs.push(name);
  };
  csv('task_steps.csv', run.taskSteps);
  csv('estimator_steps.csv', run.estimatorSteps);
  csv('disagreement.csv', run.disagreement);
  csv('task_summary.csv', taskSummary(run));
  csv('estimator_mean_abs.csv', estimatorSummary(run));
  csv('advantage_histograms.csv', Object.entries(run.advHist).flatMap(([estimator, byTask]) => Object.entries(byTask).flatMap(([task, h]) => h.map((count, bin) => ({ estimator, task, bin, count })))));
  csv('pass_rate_histograms.csv', Object.entries(run.passHist).flatMap(([task, h]) => h.map((groups, bin) => ({ task, bin_low: bin / h.length, bin_high: (bin + 1) / h.length, groups }))));
  if (run.unjoinedExamples.length) csv('unjoined_examples.csv', run.unjoinedExamples);
  writeFileSync(join(dir, 'metrics.jsonl'), run.metrics.map((m) => JSON.stringify(m)).join('\n') + (run.metrics.length ? '\n' : ''));

  const pngs: string[] = [];
  if (run.rows > 0) {
    for (const [name, fig] of Object.entries(replayFigures(run))) {
      writeFileSync(join(dir, name), toPng(fig));
      pngs.push(name);
    }
  }

  const table = (rows: object[]) => (rows.length ? aq.from(rows as Record<string, unknown>[]).toHTML({ format: Object.fromEntries(Object.keys(rows[0]).map((k) => [k, (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toFixed(3) : '—') : esc(String(v)))])) }) : '<p>(none)</p>');
  const img = (name: string, alt: string) => (pngs.includes(name) ? `<img src="${name}" alt="${esc(alt)}">` : '');
  const joinLine = run.data
    ? `<li>Dataset join (<code>${esc(run.data)}</code>, by prompt text): <strong>${run.joined}</strong> rows joined, <strong>${run.unjoined}</strong> not${run.unjoined ? ` (${run.unjoinedPrompts} distinct prompts per step, summed over steps; the first rows in unjoined_examples.csv)` : ''}.</li>`
    : '<li>No dataset given (<code>--data</code>): tasks only from fields on the lines.</li>';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>golongrl replay — ${esc(run.dump)}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px}img{max-width:100%;display:block;margin:1em 0}.note{background:#fff4d6;padding:0.8em;border:1px solid #e0c060}</style>
</head><body>
<h1>Replay of <code>${esc(run.dump)}</code></h1>
<ul>
<li>Layout: <strong>${esc(run.layout)}</strong>; ${run.files} step files${run.skipped.length ? `, ${run.skipped.length} other entries skipped (${run.skipped.map((s) => `${esc(s.file)}: ${esc(s.reason)}`).join('; ')})` : ''}; ${run.steps.length} steps, ${run.rows} rollouts, ${run.groups} prompt groups (grouped by ${run.groupedBy.map((g) => (g === 'input' ? 'identical input text' : g)).join(' / ')}).</li>
<li>Tasks (${run.tasks.length}): ${run.tasks.map(esc).join(', ')} — from line fields for ${run.taskFrom.field} rows, from the dataset join for ${run.taskFrom.join}, none for ${run.taskFrom.none}${run.taskFrom.none ? ' (one task, "all")' : ''}.</li>
${joinLine}
<li>Token counts: ${run.tokenCounts === 'all' ? 'every line has <code>response_length</code>' : run.tokenCounts === 'none' ? 'no <code>response_length</code> on the lines: OPO, REINFORCE++-baseline and GDPO count every rollout once instead of by tokens' : 'only some steps have <code>response_length</code>'}.</li>
<li>Estimators replayed: ${run.estimators.map(esc).join(', ')}${run.components.length ? `; GDPO components: ${run.components.map(esc).join(', ')}` : ''}.${run.failureCount ? ` <strong>${run.failureCount}</strong> estimator × step runs refused (listed below).` : ''}</li>
<li>${run.seconds.toFixed(1)} s.</li>
</ul>
<h2>Per task</h2>
${table(taskSummary(run))}
<h2>Mean reward per task over steps</h2>
${img('reward_per_task.png', 'mean reward per task over steps')}
<h2>Advantage scale per task over steps</h2>
${img('advantage_scale_per_task.png', 'advantage scale per task over steps')}
<h2>rate_adv vs rate_num</h2>
${img('rate_adv_vs_rate_num.png', 'rate_adv vs rate_num per task')}
<h2>Advantage distributions, estimators side by side</h2>
${img('advantage_distributions.png', 'advantage distribution per task and estimator')}
<h3>Mean |A| per task and estimator</h3>
${table(estimatorSummary(run))}
<h2>Where the estimators disagree most</h2>
<p>Per task, the pair of estimators with the largest mean |A<sub>a</sub> − A<sub>b</sub>| over the same rollouts (all pairs in disagreement.csv).</p>
${table(topDisagreements(run) as unknown as object[])}
<h2>Pass rate / difficulty of prompt groups</h2>
${img('pass_rate_per_task.png', 'pass-rate histogram per task')}
${run.failures.length ? `<h2>Refused estimator runs</h2>${table(run.failures)}` : ''}
<p>CSV: ${csvs.map((c) => `<a href="${c}">${c}</a>`).join(', ')}; §B.5 metrics per step (verl file-logger shape): <a href="metrics.jsonl">metrics.jsonl</a>. Every figure and column: docs/replay.md.</p>
</body></html>
`;
  writeFileSync(join(dir, 'index.html'), html);
  return { dir, html: join(dir, 'index.html'), pngs, csvs };
}
