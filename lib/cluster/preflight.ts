/**
 * Checks before anything is submitted (`golongrl submit` without --dry-run), so a job never goes to a
 * scheduler with a path that cannot work:
 *   - the verl checkout directory is set (no default: `--verl-dir`, the recipe's `verl_dir`, or
 *     $GOLONGRL_VERL_DIR — `resolveVerlDir`);
 *   - no placeholder path is left (`/path/to/…`, as the reference scripts ship them) in the verl dir or in
 *     any rendered override (model, train/val files, checkpoint dirs, a user's --override);
 *   - on the local backend, the input paths exist (verl dir, model, train/val files, the custom reward
 *     file). Other backends' paths live on the cluster's file system, which this machine may not see.
 * Every problem is reported in one `PreflightError` (each named: which setting, which value, how to set it).
 */
import { existsSync, statSync } from 'node:fs';
import type { ClusterRecipe } from './recipe.js';
import type { BackendKind, JobSpec } from './types.js';
import { parseOverride } from './verl_schema.js';

export const VERL_DIR_ENV = 'GOLONGRL_VERL_DIR';

export class PreflightError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`${problems.length} problem(s) before submitting:\n` + problems.map((p) => '  - ' + p).join('\n'));
    this.name = 'PreflightError';
  }
}

/** The verl checkout directory and where it came from: flag > recipe `verl_dir` > $GOLONGRL_VERL_DIR > none. */
export function resolveVerlDir(flag: string | undefined, recipe: Pick<ClusterRecipe, 'paths'>, env: NodeJS.ProcessEnv = process.env): { dir?: string; from: 'flag' | 'recipe' | 'env' | 'none' } {
  if (flag !== undefined && flag !== '') return { dir: flag, from: 'flag' };
  if (recipe.paths.verlDir) return { dir: recipe.paths.verlDir, from: 'recipe' };
  const e = env[VERL_DIR_ENV];
  if (e) return { dir: e, from: 'env' };
  return { from: 'none' };
}

const PLACEHOLDER = /(^|[^A-Za-z0-9_])\/path\/to(\/|$)/;

/** Where each input key is set, for the message. */
const INPUT_KEYS: Readonly<Record<string, string>> = {
  'actor_rollout_ref.model.path': "the recipe's paths.model",
  'data.train_files': "the recipe's paths.train_file",
  'data.val_files': "the recipe's paths.test_file",
  'custom_reward_function.path': 'custom_reward (cluster/reward/golongrl_reward.py)',
};

function unquote(v: string): string {
  const s = v.trim();
  if ((s.startsWith("'") && s.endsWith("'")) || (s.startsWith('"') && s.endsWith('"'))) return s.slice(1, -1).replace(/\\(['"\\])/g, '$1');
  return s;
}

/** The paths in a Hydra value: one, or each element of `[a,b]`. */
export function hydraPaths(value: string): string[] {
  const s = value.trim();
  if (s.startsWith('[') && s.endsWith(']'))
    return s
      .slice(1, -1)
      .split(',')
      .map((x) => unquote(x))
      .filter((x) => x !== '');
  return [unquote(s)];
}

export function preflight(spec: JobSpec, o: { backend: BackendKind }): string[] {
  const problems: string[] = [];
  const p = spec.payload;
  if (p.kind !== 'verl') return problems; // the local trainer reads none of the recipe's paths
  if (p.workdir === undefined) problems.push(`verl checkout directory: not set (pass --verl-dir DIR, set verl_dir: in the recipe, or export ${VERL_DIR_ENV}=DIR; it is the fork's Train/verl)`);
  else if (PLACEHOLDER.test(p.workdir)) problems.push(`verl checkout directory: '${p.workdir}' is a placeholder`);
  else if (o.backend === 'local' && !(existsSync(p.workdir) && statSync(p.workdir).isDirectory())) problems.push(`verl checkout directory: '${p.workdir}' does not exist on this machine`);
  for (const raw of p.overrides) {
    let key: string;
    let value: string | undefined;
    try {
      ({ key, value } = parseOverride(raw));
    } catch {
      continue; // schema validation reported it
    }
    if (value === undefined) continue;
    const where = INPUT_KEYS[key] ? ` (${INPUT_KEYS[key]}, or --override ${key}=…)` : ` (--override ${key}=…)`;
    for (const path of hydraPaths(value)) {
      if (PLACEHOLDER.test(path)) problems.push(`${key}: '${path}' is a placeholder${where}`);
      else if (o.backend === 'local' && INPUT_KEYS[key] && !path.includes('${') && !existsSync(path)) problems.push(`${key}: '${path}' does not exist on this machine${where}`);
    }
  }
  return problems;
}
