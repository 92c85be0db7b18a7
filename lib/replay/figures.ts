/**
 * The replay report's figures (docs/replay.md explains each). All built with the plotting layer
 * (lib/plot): `smoothedCurves` for per-step curves, and Observable Plot directly for the two kinds
 * the helpers do not cover — histograms from *pre-binned* counts (replay keeps fixed-bin counts,
 * never the rollouts) and the rate_adv vs rate_num scatter.
 */
import type * as PlotTypes from '@observablehq/plot';
import { Plot } from '../plot/plot_runtime.cjs';
import { plotFigure, type Figure } from '../plot/figure.js';
import { facetGrid, facetLabels, gridScales, xTickCount } from '../plot/facets.js';
import { smoothedCurves } from '../plot/curves.js';
import { ADV_BINS, ADV_HI, ADV_LO, PASS_BINS, type ReplayRun } from './run.js';

const window = (run: ReplayRun) => Math.max(1, Math.round(run.steps.length / 15));

/** Per-task mean reward over steps (one panel per task). */
export function rewardFigure(run: ReplayRun): Figure {
  return smoothedCurves(run.taskSteps, {
    x: 'step',
    y: 'mean_reward',
    facet: 'task',
    facetOrder: run.tasks,
    window: window(run),
    dots: run.steps.length <= 30,
    columns: 3,
    title: 'Mean reward per task over steps',
    subtitle: `${run.rows} rollouts in ${run.steps.length} steps; moving mean over ${window(run)} step(s), raw values faint`,
    xLabel: 'step',
    yLabel: 'mean reward',
  });
}

/** Per-task advantage scale over steps: TMN's √(mean var_u) and the mean per-prompt std (GRPO's). */
export function scaleFigure(run: ReplayRun): Figure {
  const rows = run.taskSteps.flatMap((r) => [
    { step: r.step, task: r.task, value: r.tmn_scale, scale: 'TMN scale √(mean_u var_u)' },
    { step: r.step, task: r.task, value: r.mean_std_reward, scale: 'mean per-prompt std (GRPO)' },
  ]);
  return smoothedCurves(rows, {
    x: 'step',
    y: 'value',
    stroke: 'scale',
    facet: 'task',
    facetOrder: run.tasks,
    window: window(run),
    dots: run.steps.length <= 30,
    columns: 3,
    title: 'Advantage scale per task over steps',
    subtitle: 'what TMN divides a task’s advantages by, next to the average per-prompt std GRPO divides by',
    xLabel: 'step',
    yLabel: 'scale',
  });
}

/** rate_adv vs rate_num per task: each step faint, the run's mean large; on the diagonal a task gets signal in proportion to its prompts. */
export function rateFigure(run: ReplayRun): Figure {
  const means = run.tasks.map((task) => {
    const rs = run.taskSteps.filter((r) => r.task === task);
    const avg = (f: (r: (typeof rs)[number]) => number) => rs.reduce((a, r) => a + f(r), 0) / Math.max(rs.length, 1);
    return { task, rate_num: avg((r) => r.rate_num), rate_adv: avg((r) => r.rate_adv) };
  });
  const max = Math.max(0.05, ...run.taskSteps.map((r) => Math.max(r.rate_adv, r.rate_num))) * 1.05;
  return plotFigure(
    {
      width: 760,
      height: 460,
      marginLeft: 56,
      marginBottom: 42,
      x: { label: 'rate_num (share of the step’s prompts)', domain: [0, max], grid: true, labelAnchor: 'center', labelArrow: 'none' },
      y: { label: 'rate_adv (share of Σ per-prompt std)', domain: [0, max], grid: true, labelAnchor: 'center', labelArrow: 'none' },
      color: { type: 'categorical', domain: run.tasks, legend: true },
      marks: [
        Plot.line([[0, 0], [max, max]], { stroke: '#999', strokeDasharray: '4,3' }),
        Plot.dot(run.taskSteps, { x: 'rate_num', y: 'rate_adv', stroke: 'task', r: 2, strokeOpacity: 0.35 }),
        Plot.dot(means, { x: 'rate_num', y: 'rate_adv', fill: 'task', r: 6, stroke: 'white' }),
      ],
    },
    { title: 'rate_adv vs rate_num per task', subtitle: 'small: one step; large: the run’s mean. Above the diagonal a task gets more than its share of signal.', legendLabel: 'task' },
  );
}

interface Bar {
  x1: number;
  x2: number;
  y: number;
  fx: number | string;
  fy: number | string;
}

/** Advantage distributions: one row of panels per task, one column per estimator (share of the task's rollouts per bin). */
export function advantageFigure(run: ReplayRun): Figure {
  const ests = run.estimators.filter((e) => Object.keys(run.advHist[e]).length > 0);
  const bw = (ADV_HI - ADV_LO) / ADV_BINS;
  const bars: Bar[] = [];
  for (const e of ests) {
    for (const t of run.tasks) {
      const h = run.advHist[e][t];
      if (!h) continue;
      const total = h.reduce((a, b) => a + b, 0) || 1;
      h.forEach((c, i) => c > 0 && bars.push({ x1: ADV_LO + i * bw, x2: ADV_LO + (i + 1) * bw, y: c / total, fx: e, fy: t }));
    }
  }
  const panelW = Math.max(118, Math.floor(570 / Math.max(ests.length, 1))); // at least 760 px wide, so the title fits
  const panelH = 70;
  const marginLeft = 40;
  const marginRight = 150;
  const width = marginLeft + marginRight + ests.length * panelW;
  return plotFigure(
    {
      width,
      height: 60 + run.tasks.length * panelH,
      marginTop: 34,
      marginLeft,
      marginRight,
      marginBottom: 26,
      fx: { domain: ests, label: null, axis: 'top', tickSize: 0, paddingInner: 0.08 },
      fy: { domain: run.tasks, label: null, axis: 'right', tickSize: 0, paddingInner: 0.3 },
      x: { domain: [ADV_LO, ADV_HI], ticks: [-2, 0, 2], label: null },
      y: { type: 'sqrt', domain: [0, 1], ticks: [0.1, 0.5], label: null, tickFormat: '.0%' },
      marks: [
        Plot.frame({ stroke: '#ddd' }),
        Plot.rectY(bars, { x1: 'x1', x2: 'x2', y: 'y', fx: 'fx', fy: 'fy', fill: '#4269d0', insetLeft: 0.3, insetRight: 0.3 }),
        Plot.ruleX([0], { stroke: '#888', strokeWidth: 0.5 }),
      ],
    },
    {
      title: 'Advantage distribution per task (rows) under each estimator (columns)',
      subtitle: `share of the task’s rollouts per bin (square-root axis: ticks at 10% and 50%); ${ADV_BINS} bins on [${ADV_LO}, ${ADV_HI}], values beyond fall in the end bins`,
    },
  );
}

/** Pass-rate (= 1 − difficulty) histogram of prompt groups, one panel per task. */
export function passRateFigure(run: ReplayRun): Figure {
  const grid = facetGrid(run.tasks, 3);
  const bars: Bar[] = [];
  for (const t of run.tasks) {
    const h = run.passHist[t];
    if (!h) continue;
    const total = h.reduce((a, b) => a + b, 0) || 1;
    const cell = grid.cellOf.get(t)!;
    h.forEach((c, i) => c > 0 && bars.push({ x1: i / PASS_BINS, x2: (i + 1) / PASS_BINS, y: c / total, fx: cell.fx, fy: cell.fy }));
  }
  const panelHeight = 130;
  const width = 760;
  return plotFigure(
    {
      width,
      height: Math.round(26 + 40 + grid.rows * panelHeight + (grid.rows - 1) * 0.22 * panelHeight),
      marginTop: 26,
      marginBottom: 40,
      marginLeft: 56,
      marginRight: 16,
      ...gridScales(grid),
      x: { domain: [0, 1], label: 'pass rate of a prompt group (mean score); difficulty = 1 − pass rate', labelAnchor: 'center', labelArrow: 'none', ticks: xTickCount((width - 72) / grid.columns) },
      y: { label: 'share of groups', labelAnchor: 'center', labelArrow: 'none', grid: true, ticks: 4, tickFormat: '.0%' },
      marks: [
        Plot.frame({ stroke: '#ddd' }),
        Plot.rectY(bars, { x1: 'x1', x2: 'x2', y: 'y', fx: 'fx', fy: 'fy', fill: '#efb118', insetLeft: 0.5, insetRight: 0.5 }),
        Plot.ruleY([0]),
        facetLabels(grid) as PlotTypes.Markish,
      ],
    },
    { title: 'Pass rate (difficulty) of prompt groups per task', subtitle: `${run.groups} prompt groups over all steps; 10 bins on [0, 1]` },
  );
}
