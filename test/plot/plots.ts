/**
 * The snapshot registry (as Observable Plot's test/plots/index.ts): each entry renders one figure
 * from seeded data; test/plot/snapshot.test.ts compares it to test/plot/snapshots/<name>.svg.
 */
import { facetedHistogram, type Figure, groupedBars, Plot, plotFigure, smoothedCurves } from '../../lib/plot/index.js';
import { advantageHeatmap, advantagesByEstimator, perTaskBars, promptLengths, trainingCurves } from './fixtures.js';

export const plots: Record<string, () => Figure> = {
  'histogram-prompt-length': () =>
    facetedHistogram(promptLengths(), {
      x: 'prompt_tokens',
      facet: 'capability',
      title: 'Prompt length by capability',
      subtitle: 'synthetic, seeded — 120 prompts per capability type',
      xLabel: 'prompt length (tokens)',
    }),

  'histogram-advantage-overlay': () =>
    facetedHistogram(advantagesByEstimator(), {
      x: 'advantage',
      facet: 'task',
      fill: 'estimator',
      normalize: true,
      thresholds: 24,
      title: 'Advantage distribution per task under each estimator',
      xLabel: 'advantage',
    }),

  'histogram-advantage-stacked': () =>
    facetedHistogram(advantagesByEstimator(2, ['precise_retrieval', 'comprehension']), {
      x: 'advantage',
      facet: 'task',
      fill: 'estimator',
      overlay: false,
      columns: 2,
      title: 'Stacked instead of overlaid',
      xLabel: 'advantage',
      panelHeight: 130,
    }),

  'curves-reward-by-task': () =>
    smoothedCurves(trainingCurves(), {
      x: 'step',
      y: 'reward',
      stroke: 'run',
      facet: 'task',
      window: 15,
      columns: 2,
      title: 'Mean reward per task (moving mean, k = 15)',
      yLabel: 'mean reward',
    }),

  'curves-single-panel': () =>
    smoothedCurves(
      trainingCurves(3, 80).filter((r) => r.task === 'summarization'),
      { x: 'step', y: 'reward', stroke: 'run', window: 8, anchor: 'end', title: 'Summarization reward (trailing mean, k = 8)', yLabel: 'ROUGE-L reward', panelHeight: 220 },
    ),

  'bars-mean-abs-advantage': () =>
    groupedBars(
      perTaskBars().filter((r) => r.metric === 'mean |advantage|'),
      { x: 'task', y: 'value', group: 'estimator', errorLow: 'lo', errorHigh: 'hi', title: 'Mean |advantage| per task per estimator', yLabel: 'mean |advantage|' },
    ),

  'bars-faceted-by-metric': () =>
    groupedBars(
      perTaskBars().filter((r) => r.estimator === 'GRPO' || r.estimator === 'TMN-Reweight'),
      { x: 'task', y: 'value', group: 'estimator', facet: 'metric', title: 'Per-task metrics, GRPO vs TMN-Reweight', panelHeight: 160, yLabel: 'value' },
    ),

  'figure-ramp-legend': () =>
    plotFigure(
      {
        width: 560,
        height: 260,
        marginLeft: 130,
        color: { type: 'diverging', scheme: 'RdBu', legend: true, label: 'mean advantage' },
        x: { label: 'step bucket' },
        y: { label: null },
        marks: [Plot.cell(advantageHeatmap(), { x: 'bucket', y: 'task', fill: 'mean_advantage', inset: 0.5 })],
      },
      { title: 'A custom Plot spec through plotFigure', caption: 'A continuous colour scale gets a gradient legend (SVG, so it rasterises too).' },
    ),
};
