/**
 * `golongrl demo` — no training, seconds (`npm start` runs `golongrl compare` now):
 * generate a synthetic heterogeneous batch (9 capability types, real reward scorers), then show
 * what each advantage estimator does to it, task by task. Writes the batch and the per-row
 * advantages under `runs/demo-<timestamp>/` so the CLI commands it prints can replay them.
 */
import { textTable } from '../util/table.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareEstimators, ESTIMATOR_CONFIGS } from '../advantage/compare.js';
import { metricKeyName } from '../advantage/index.js';
import { syntheticRollouts } from '../data/synthetic_rollouts.js';
import { EXIT_OK, intOption, UsageError } from './io.js';
import { mkdirp } from '../util/fsx.js';

export const DEMO_HELP = `golongrl demo [--seed N] [--prompts K] [--n N] [--out DIR] [--json]

Synthetic rollouts (clearly labelled as such) for all 9 capability types, scored with the real
GoLongRL rewards, then advantages under grpo, Dr. GRPO, tmn_grpo, TMN-Reweight and qwenlong_grpo.
  --seed N      random seed (default 1)
  --prompts K   prompts per capability (default 8)
  --n N         responses per prompt (default 16, as in the GoLongRL scripts)
  --out DIR     output folder (default runs/demo-<timestamp>)
  --json        print the result tables as one JSON object on stdout`;

/** Text columns left, numbers right, every number with 3 decimals. */
function table(header: string[], rows: (string | number)[][]): string {
  return textTable(header, rows, { left: (j) => rows.length > 0 && typeof rows[0][j] === 'string', formatNumber: (x) => x.toFixed(3) });
}

export async function runDemo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string', default: '1' },
      prompts: { type: 'string', default: '8' },
      n: { type: 'string', default: '16' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(DEMO_HELP + '\n');
    return EXIT_OK;
  }
  // (all three have defaults, so never undefined)
  const seed = intOption('seed', values.seed, 0)!;
  const prompts = intOption('prompts', values.prompts, 1)!;
  const perPrompt = intOption('n', values.n, 1)!;
  if (prompts * perPrompt > 100_000) throw new UsageError(`--prompts × --n must be at most 100000 (synthetic rollouts per capability type), got ${prompts} × ${perPrompt}`);
  const rollouts = syntheticRollouts({ seed, promptsPerTask: prompts, n: perPrompt });
  const caps = [...new Set(rollouts.map((r) => r.capability))];
  const perCap = caps.map((cap) => {
    const rs = rollouts.filter((r) => r.capability === cap);
    const byUid = new Map<string, number[]>();
    for (const r of rs) byUid.set(r.uid, [...(byUid.get(r.uid) ?? []), r.score]);
    const zeroVar = [...byUid.values()].filter((s) => s.every((x) => x === s[0])).length / byUid.size;
    const mean = rs.reduce((a, r) => a + r.score, 0) / rs.length;
    return { capability: cap, data_source: rs[0].data_source, reward_mode: rs[0].reward_mode, rows: rs.length, mean_score: mean, zero_variance_groups: zeroVar, rate_adv: 0 };
  });
  const cmp = compareEstimators(rollouts, (r) => r.capability);
  const n = rollouts.length;
  const results = ESTIMATOR_CONFIGS.map((cfg, k) => ({
    label: cfg.label,
    advantages: cmp.rows.slice(k * n, (k + 1) * n).map((r) => r.advantage),
    metrics: cmp.metrics[cfg.label][0],
    meanAbs: caps.map((c) => cmp.summary.find((s) => s.config === cfg.label && s.category === c)!.mean_abs),
  }));

  // rate_adv: the task's share of the batch's summed per-prompt std — how much of the learning signal it gets under GRPO.
  const grpoMetrics = results[0].metrics;
  for (const p of perCap) p.rate_adv = grpoMetrics[`task_metrics/${metricKeyName(p.reward_mode)}/rate_adv`] ?? NaN;

  const dir = values.out ?? join('runs', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirp(dir);
  writeFileSync(join(dir, 'rollouts.jsonl'), rollouts.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(
    join(dir, 'advantages.jsonl'),
    rollouts.map((r, i) => JSON.stringify({ step: r.step, uid: r.uid, reward_mode: r.reward_mode, score: r.score, ...Object.fromEntries(results.map((x) => [x.label, x.advantages[i]])) })).join('\n') + '\n',
  );

  if (values.json) {
    process.stdout.write(
      JSON.stringify({ out: dir, rewards: perCap, mean_abs_advantage: Object.fromEntries(results.map((x) => [x.label, Object.fromEntries(caps.map((c, j) => [c, x.meanAbs[j]]))])) }) + '\n',
    );
    return EXIT_OK;
  }
  const o: string[] = [];
  o.push('golongrl-lab demo — SYNTHETIC rollouts (not GoLongRL data), scored with the real GoLongRL rewards');
  o.push(`${rollouts.length} rollouts: ${caps.length} capability types × ${values.prompts} prompts × ${values.n} responses (seed ${values.seed})\n`);
  o.push(table(['capability', 'data_source', 'reward_mode', 'mean score', 'zero-var groups', 'rate_adv'], perCap.map((p) => [p.capability, p.data_source, p.reward_mode, p.mean_score, p.zero_variance_groups, p.rate_adv])));
  o.push('\nMean |advantage| per capability under each estimator (same batch):\n');
  o.push(table(['capability', ...results.map((r) => r.label)], caps.map((c, j) => [c, ...results.map((r) => r.meanAbs[j])])));
  o.push(`\nWrote ${join(dir, 'rollouts.jsonl')} and ${join(dir, 'advantages.jsonl')}. Replay them with:`);
  o.push(`  npx golongrl score ${join(dir, 'rollouts.jsonl')} > scored.jsonl`);
  o.push(`  npx golongrl advantages --estimator tmn_grpo --difficulty-reweight --difficulty-alpha 0.8 ${join(dir, 'rollouts.jsonl')} --metrics`);
  process.stdout.write(o.join('\n') + '\n');
  return EXIT_OK;
}
