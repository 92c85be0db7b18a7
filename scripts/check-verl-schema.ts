/**
 * Checks cluster/verl_schema/keys.json against a snapshot of the GoLongRL repository at the pinned commit
 * (a checkout or a bare git directory): not part of `npm test`, because a fresh clone has no snapshot
 * (the test suite never skips for a missing resource; this is a maintainer's command instead).
 *
 *   node --import tsx scripts/check-verl-schema.ts /path/to/GoLongRL.git
 *
 * 1. Regenerating keys.json from the snapshot (lib/cluster/verl_schema_extract.ts) reproduces it byte for byte.
 * 2. Every key of the component YAMLs appears at its mounted path (the generated file is not stale).
 * Exit 0 when both hold, 1 with the differences otherwise, 2 on bad usage.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadVerlSchema } from '../lib/cluster/verl_schema.js';

const snapshot = process.argv[2];
if (!snapshot || !existsSync(snapshot)) {
  process.stderr.write('usage: node --import tsx scripts/check-verl-schema.ts SNAPSHOT (a GoLongRL checkout or bare git dir)\n');
  process.exit(2);
}
const problems: string[] = [];

const out = join(mkdtempSync(join(tmpdir(), 'verl-keys-')), 'keys.json');
execFileSync(process.execPath, ['--import', 'tsx', 'lib/cluster/verl_schema_extract.ts', snapshot, out], { stdio: 'pipe' });
if (readFileSync(out, 'utf8') !== readFileSync('cluster/verl_schema/keys.json', 'utf8'))
  problems.push(`regenerated keys.json differs from cluster/verl_schema/keys.json (regenerated: ${out})`);

const schema = loadVerlSchema();
const show = (f: string) => execFileSync('git', ['--git-dir', snapshot, 'show', `HEAD:Train/verl/verl/trainer/config/${f}`], { encoding: 'utf8' });
const flat = (o: unknown, pre: string, acc: string[]): string[] => {
  if (o && typeof o === 'object' && !Array.isArray(o))
    for (const [k, v] of Object.entries(o)) {
      if (k === 'defaults') continue;
      acc.push(pre + k);
      flat(v, `${pre}${k}.`, acc);
    }
  return acc;
};
const mounts: [string, string][] = [
  ['rollout/rollout.yaml', 'actor_rollout_ref.rollout.'],
  ['algorithm/rollout_correction.yaml', 'algorithm.rollout_correction.'],
  ['data/legacy_data.yaml', 'data.'],
  ['optim/megatron.yaml', 'actor_rollout_ref.actor.optim.'],
  ['engine/megatron.yaml', 'actor_rollout_ref.actor.megatron.'],
  ['reward/reward.yaml', 'reward.'],
  ['legacy_reward_impl.yaml', ''],
];
for (const [file, prefix] of mounts) {
  const keys = flat(parseYaml(show(file)), prefix, []);
  if (keys.length <= 5) problems.push(`${file}: only ${keys.length} keys read`);
  const missing = keys.filter((k) => !schema.has(k));
  if (missing.length) problems.push(`${file}: ${missing.length} keys missing from keys.json: ${missing.slice(0, 10).join(', ')}`);
}
if (problems.length) {
  for (const p of problems) process.stderr.write(`check-verl-schema: ${p}\n`);
  process.exit(1);
}
process.stdout.write(`keys.json matches ${snapshot} (${schema.keys.size} keys; ${mounts.length} component files mounted)\n`);
