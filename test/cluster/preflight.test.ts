/**
 * lib/cluster/preflight.ts: where the verl dir comes from (flag > recipe `verl_dir` > $GOLONGRL_VERL_DIR >
 * none — never a guess), and what a real submit refuses: placeholders anywhere in the overrides (lists
 * included), an unset verl dir, and on the local backend input paths that do not exist (real files here).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hydraPaths, preflight, resolveVerlDir } from '../../lib/cluster/preflight.js';
import { getClusterRecipe } from '../../lib/cluster/recipes.js';
import { recipeToJobSpec } from '../../lib/cluster/render.js';
import { deriveRecipe } from '../../lib/cluster/recipe.js';

const tmp = mkdtempSync(join(tmpdir(), 'golongrl-preflight-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('resolveVerlDir', () => {
  const r = getClusterRecipe('qwen3-4b-grpo');
  it('flag > recipe > $GOLONGRL_VERL_DIR > none', () => {
    const withDir = deriveRecipe(r, { paths: { verlDir: '/from/recipe' } });
    expect(resolveVerlDir('/from/flag', withDir, { GOLONGRL_VERL_DIR: '/from/env' })).toEqual({ dir: '/from/flag', from: 'flag' });
    expect(resolveVerlDir(undefined, withDir, { GOLONGRL_VERL_DIR: '/from/env' })).toEqual({ dir: '/from/recipe', from: 'recipe' });
    expect(resolveVerlDir(undefined, r, { GOLONGRL_VERL_DIR: '/from/env' })).toEqual({ dir: '/from/env', from: 'env' });
    expect(resolveVerlDir(undefined, r, {})).toEqual({ from: 'none' });
    expect(r.paths.verlDir).toBeUndefined(); // no reference recipe guesses one
  });
});

describe('preflight', () => {
  it('names every placeholder and the unset verl dir; nothing for the local-trainer payload', () => {
    const spec = recipeToJobSpec(getClusterRecipe('qwen3-4b-grpo'), { overrides: ["data.val_files=['/d/ok.jsonl','/path/to/b.jsonl']"] });
    const p = preflight(spec, { backend: 'slurm' });
    expect(p[0]).toMatch(/^verl checkout directory: not set/);
    expect(p).toContain("data.val_files: '/path/to/b.jsonl' is a placeholder (the recipe's paths.test_file, or --override data.val_files=…)");
    expect(p.filter((x) => x.includes('placeholder'))).toHaveLength(3);
    expect(preflight(recipeToJobSpec(getClusterRecipe('qwen3-4b-grpo'), { payload: 'local-trainer' }), { backend: 'local' })).toEqual([]);
    expect(hydraPaths("['a b', \"c\",d]")).toEqual(['a b', 'c', 'd']);
  });

  it('local backend: inputs must exist (real files); ${…} paths and outputs are not checked', () => {
    const verl = join(tmp, 'verl');
    mkdirSync(verl);
    const model = join(tmp, 'model');
    mkdirSync(model);
    writeFileSync(join(tmp, 'train.jsonl'), '{}\n');
    const r = deriveRecipe(getClusterRecipe('qwen3-4b-grpo'), { paths: { verlDir: verl, model, trainFile: join(tmp, 'train.jsonl'), testFile: join(tmp, 'missing.jsonl') } });
    const p = preflight(recipeToJobSpec(r), { backend: 'local' });
    expect(p).toEqual([`data.val_files: '${join(tmp, 'missing.jsonl')}' does not exist on this machine (the recipe's paths.test_file, or --override data.val_files=…)`]);
    expect(preflight(recipeToJobSpec(r), { backend: 'slurm' })).toEqual([]); // the cluster's file system is not ours to check
  });
});
