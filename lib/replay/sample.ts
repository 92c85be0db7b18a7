/**
 * The shipped replay samples (data/replay/): SYNTHETIC rollouts — lib/data/synthetic_rollouts.ts,
 * scored by the real GoLongRL rewards, not GoLongRL data, not a real run — written as verl writes a
 * rollout dump, in the layouts `golongrl replay` reads:
 *
 *  - `verl_lt_0_6/<step>.jsonl`: verl < 0.6, `{"input", "output", "score", "step"}`;
 *  - `verl_0_6/<step>.jsonl`: verl ≥ 0.6 with a scalar reward, `{…, "gts", "score", "step", "acc"}`
 *    (the dapo manager stores a scalar reward as `acc`);
 *  - `verl_0_6_ids/<step>.jsonl`: verl ≥ 0.6 with cluster/reward/golongrl_reward.py as the reward
 *    function, so every line also carries `uid`, `reward_mode`, `capability`;
 *  - `prompts.jsonl`: the dataset rows of the prompts (GoLongRL record shape), for `--data`.
 *
 * Same rollouts in every layout; `golongrl data sample` is not needed: `writeReplaySamples(dir)`
 * regenerates them and test/replay/sample.test.ts checks the shipped files byte for byte.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pyJsonDumps, syntheticDump } from '../data/rollout_dump.js';
import { syntheticRollouts, type SyntheticOptions } from '../data/synthetic_rollouts.js';
import { decodedPromptText } from '../data/tokens.js';
import { syntheticPrompt } from '../data/rollout_dump.js';
import { mkdirp } from '../util/fsx.js';

export const REPLAY_SAMPLE_OPTIONS: Required<Pick<SyntheticOptions, 'seed' | 'steps' | 'promptsPerTask' | 'n'>> = { seed: 11, steps: 8, promptsPerTask: 3, n: 8 };

const FLOATS = new Set(['score', 'acc']);

export function writeReplaySamples(dir: string, opts: SyntheticOptions = REPLAY_SAMPLE_OPTIONS): { dirs: string[]; prompts: string; rows: number } {
  const rollouts = syntheticRollouts(opts);
  const { prompts } = syntheticDump(opts);
  const layouts = {
    verl_lt_0_6: (r: (typeof rollouts)[number], input: string) => ({ input, output: r.response, score: r.score, step: r.step }),
    verl_0_6: (r: (typeof rollouts)[number], input: string) => ({ input, output: r.response, gts: r.ground_truth, score: r.score, step: r.step, acc: r.score }),
    verl_0_6_ids: (r: (typeof rollouts)[number], input: string) => ({
      input,
      output: r.response,
      gts: r.ground_truth,
      score: r.score,
      step: r.step,
      uid: r.uid,
      reward_mode: (r.extra_info?.reward_mode as string | undefined) ?? r.data_source,
      capability: r.capability,
    }),
  };
  const inputs = new Map<string, string>();
  const inputOf = (r: (typeof rollouts)[number]) => {
    let s = inputs.get(r.uid);
    if (s === undefined) inputs.set(r.uid, (s = decodedPromptText(syntheticPrompt(r.uid, r.capability, r.data_source))));
    return s;
  };
  const dirs: string[] = [];
  for (const [name, make] of Object.entries(layouts)) {
    const d = join(dir, name);
    mkdirp(d);
    const bySteps = new Map<number, string[]>();
    for (const r of rollouts) {
      const lines = bySteps.get(r.step) ?? [];
      lines.push(pyJsonDumps(make(r, inputOf(r)), FLOATS));
      bySteps.set(r.step, lines);
    }
    for (const [step, lines] of bySteps) writeFileSync(join(d, `${step}.jsonl`), lines.join('\n') + '\n');
    dirs.push(d);
  }
  const promptsFile = join(dir, 'prompts.jsonl');
  writeFileSync(promptsFile, prompts.map((p) => JSON.stringify(p)).join('\n') + '\n');
  return { dirs, prompts: promptsFile, rows: rollouts.length };
}
