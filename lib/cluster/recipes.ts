/**
 * Recipes as data: every `cluster/recipes/*.yaml` file is a cluster recipe, found by its file name
 * (`golongrl submit my-run` loads `cluster/recipes/my-run.yaml`; no code change registers it). A file
 * whose name starts with `_` is a base (extended, never submitted).
 *
 * A recipe file holds (docs/cluster-recipes.md):
 *   extends: NAME          the recipe (or base) it derives from; its fields are deep-merged (maps key by
 *                          key; lists and scalars replaced; `overrides` merged by Hydra key)
 *   description, reference, project_name, experiment_name, paths, model, data, rollout, actor, algorithm,
 *   reward, trainer, megatron, resources, env
 *                          the `ClusterRecipe` fields (lib/cluster/recipe.ts) in snake_case
 *   overrides: [K=V, …]    extra Hydra overrides, validated against the verl schema like `--override`
 *   setup: [line, …]       shell lines run on every node before Ray starts (module load, conda, venv)
 *   verl_dir: DIR          the verl checkout the job runs in (no default)
 *   custom_reward: golongrl_ids   score with cluster/reward/golongrl_reward.py (lib/cluster/render.ts)
 *   phases: [{label, max_prompt_length, train_file, steps}, …], source: TEXT
 *                          a phased recipe (lib/cluster/phases.ts): one job per phase
 * `{experiment_name}` in a path is replaced by the final recipe's experiment name.
 *
 * Validation on load: every key is checked against the field list below (unknown → did-you-mean), every
 * value against its type, the merged recipe must be complete, and its rendered overrides are checked
 * against the verl schema (cluster/verl_schema/keys.json) with the same did-you-mean errors as `--override`.
 * Every problem is reported in ONE `RecipeError` whose lines name file, line and key.
 *
 * `lib/cluster` reads `cluster/`; nothing in `cluster/` imports lib code.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { phasedRecipe, type PhaseDef, type PhasedRecipe } from './phases.js';
import { deepFreeze, type ClusterRecipe } from './recipe.js';
import { renderOverrides } from './render.js';
import { levenshtein, parseOverride, SchemaValidationError } from './verl_schema.js';

type FieldType = 'string' | 'number' | 'boolean' | 'string[]' | 'number[]' | 'env' | 'string|null';

interface Field {
  type: FieldType;
  optional?: boolean;
  oneOf?: readonly string[];
}

const F = (type: FieldType, extra: Omit<Field, 'type'> = {}): Field => ({ type, ...extra });

/** Every recipe field (camelCase path into `ClusterRecipe`), its type, and whether it may be absent. */
export const RECIPE_FIELDS: Readonly<Record<string, Field>> = {
  name: F('string', { optional: true }),
  description: F('string'),
  reference: F('string', { optional: true }),
  projectName: F('string'),
  experimentName: F('string'),
  'paths.model': F('string'),
  'paths.trainFile': F('string'),
  'paths.testFile': F('string'),
  'paths.ckptDir': F('string'),
  'paths.rolloutDataDir': F('string'),
  'model.trustRemoteCode': F('boolean'),
  'model.useRemovePadding': F('boolean'),
  'model.label': F('string'),
  'data.trainBatchSize': F('number'),
  'data.genBatchSize': F('number'),
  'data.maxPromptLength': F('number'),
  'data.maxResponseLength': F('number'),
  'data.truncation': F('string', { oneOf: ['left', 'right', 'middle', 'error'] }),
  'data.filterOverlongPrompts': F('boolean'),
  'data.promptKey': F('string'),
  'data.returnRawChat': F('boolean'),
  'data.shuffle': F('boolean'),
  'data.useFilteredCache': F('boolean'),
  'data.rebuildFilteredCache': F('boolean'),
  'rollout.engine': F('string', { oneOf: ['sglang', 'vllm'] }),
  'rollout.mode': F('string', { oneOf: ['async', 'sync'] }),
  'rollout.n': F('number'),
  'rollout.temperature': F('number'),
  'rollout.topP': F('number'),
  'rollout.topK': F('number'),
  'rollout.val.temperature': F('number'),
  'rollout.val.topP': F('number'),
  'rollout.val.topK': F('number'),
  'rollout.val.doSample': F('boolean'),
  'rollout.val.n': F('number'),
  'rollout.gpuMemoryUtilization': F('number'),
  'rollout.tensorParallelSize': F('number'),
  'rollout.maxModelLen': F('number'),
  'rollout.multiStageWakeUp': F('boolean'),
  'rollout.enableChunkedPrefill': F('boolean'),
  'rollout.freeCacheEngine': F('boolean'),
  'rollout.calculateLogProbs': F('boolean'),
  'rollout.maxAssistantTurns': F('number'),
  'rollout.updateWeightsBucketMegabytes': F('number'),
  'rollout.logProbUseDynamicBsz': F('boolean'),
  'rollout.logProbMaxTokenLenPerGpu': F('number'),
  'rollout.logProbMicroBatchSizePerGpu': F('number'),
  'rollout.agentNumWorkers': F('number'),
  'rollout.sglang.disableRadixCache': F('boolean'),
  'rollout.sglang.logLevel': F('string'),
  'rollout.sglang.disableCudaGraph': F('boolean'),
  'rollout.sglang.logRequests': F('boolean'),
  'rollout.sglang.logRequestsLevel': F('number'),
  'rollout.sglang.cudaGraphMaxBs': F('number'),
  'rollout.sglang.maxRunningRequests': F('number'),
  'actor.lossMode': F('string'),
  'actor.clipRatioLow': F('number'),
  'actor.clipRatioHigh': F('number'),
  'actor.clipRatioC': F('number'),
  'actor.useKlLoss': F('boolean'),
  'actor.klLossCoef': F('number'),
  'actor.entropyCoeff': F('number'),
  'actor.lossAggMode': F('string'),
  'actor.ppoMiniBatchSize': F('number'),
  'actor.ppoEpochs': F('number'),
  'actor.ppoMicroBatchSizePerGpu': F('number'),
  'actor.useDynamicBsz': F('boolean'),
  'actor.ppoMaxTokenLenPerGpu': F('number'),
  'actor.loadWeight': F('boolean'),
  'actor.useTorchCompile': F('boolean'),
  'actor.optim.lr': F('number'),
  'actor.optim.lrWarmupSteps': F('number'),
  'actor.optim.weightDecay': F('number'),
  'actor.optim.clipGrad': F('number'),
  'algorithm.advEstimator': F('string'),
  'algorithm.difficultyReweight': F('boolean'),
  'algorithm.difficultySmoothAlpha': F('number', { optional: true }),
  'algorithm.useKlInReward': F('boolean'),
  'algorithm.klCoef': F('number'),
  'algorithm.filterGroups.enable': F('boolean'),
  'algorithm.filterGroups.metric': F('string'),
  'algorithm.filterGroups.maxNumGenBatches': F('number'),
  'algorithm.rolloutCorrection.rolloutIs': F('string|null', { oneOf: ['token', 'sequence'] }),
  'algorithm.rolloutCorrection.rolloutIsThreshold': F('number'),
  'reward.rewardManager': F('string'),
  'reward.overlongBuffer.enable': F('boolean'),
  'reward.overlongBuffer.len': F('number'),
  'reward.overlongBuffer.penaltyFactor': F('number'),
  'reward.overlongBuffer.log': F('boolean'),
  'reward.maxRespLen': F('number'),
  'trainer.logger': F('string[]'),
  'trainer.saveFreq': F('number'),
  'trainer.testFreq': F('number'),
  'trainer.totalEpochs': F('number'),
  'trainer.valBeforeTrain': F('boolean'),
  'trainer.resumeMode': F('string', { oneOf: ['auto', 'disable', 'resume_path'] }),
  'trainer.maxActorCkptToKeep': F('number'),
  'trainer.logValGenerations': F('number'),
  'trainer.profileSteps': F('number[]'),
  'megatron.tp': F('number'),
  'megatron.pp': F('number'),
  'megatron.cp': F('number'),
  'megatron.ep': F('number'),
  'megatron.etp': F('number'),
  'megatron.paramOffload': F('boolean'),
  'megatron.gradOffload': F('boolean'),
  'megatron.optimizerOffload': F('boolean'),
  'megatron.useMbridge': F('boolean'),
  'megatron.useDistCheckpointing': F('boolean'),
  'megatron.moeRouterDtype': F('string'),
  'megatron.recomputeMethod': F('string'),
  'megatron.recomputeGranularity': F('string'),
  'megatron.recomputeNumLayers': F('number'),
  'megatron.attentionBackend': F('string'),
  'resources.nodes': F('number'),
  'resources.gpusPerNode': F('number'),
  'resources.cpusPerTask': F('number', { optional: true }),
  'resources.timeLimit': F('string', { optional: true }),
  'resources.partition': F('string', { optional: true }),
  'resources.account': F('string', { optional: true }),
  'resources.qos': F('string', { optional: true }),
  'resources.gres': F('string', { optional: true }),
  'resources.memory': F('string', { optional: true }),
  'env.rayEnvVars': F('env'),
  'env.processEnv': F('env'),
  'env.secretEnv': F('string[]'),
  // top-level switches (YAML: verl_dir, setup, overrides, custom_reward)
  'paths.verlDir': F('string', { optional: true }),
  setup: F('string[]', { optional: true }),
  overrides: F('string[]', { optional: true }),
  customReward: F('string', { optional: true, oneOf: ['golongrl_ids'] }),
};

/** YAML keys that are not recipe fields: how the file is read. */
const META_KEYS = ['extends', 'phases', 'source'] as const;
/** Top-level YAML aliases: `verl_dir` is `paths.verlDir`. */
const ALIASES: Readonly<Record<string, string>> = { verl_dir: 'paths.verlDir' };

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const snake = (s: string) => s.replace(/([A-Z])/g, (_m, c: string) => `_${c.toLowerCase()}`);
/** The YAML spelling of a field path. */
export function yamlKey(field: string): string {
  const alias = Object.entries(ALIASES).find(([, f]) => f === field);
  return alias ? alias[0] : field.split('.').map(snake).join('.');
}

const GROUPS = new Set(Object.keys(RECIPE_FIELDS).flatMap((k) => k.split('.').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('.'))));

export class RecipeError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n` + problems.map((p) => '  ' + p).join('\n'));
    this.name = 'RecipeError';
  }
}

// ───────────────────────────── where recipes live ─────────────────────────────

/** `$GOLONGRL_RECIPES_DIR`, else `cluster/recipes` in the working directory or a parent. */
export function recipesDir(start = process.cwd()): string {
  const env = process.env.GOLONGRL_RECIPES_DIR;
  if (env) return resolve(env);
  let dir = resolve(start);
  for (;;) {
    const p = join(dir, 'cluster', 'recipes');
    if (existsSync(join(dir, 'cluster', 'verl_schema')) && existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) throw new RecipeError([`cluster/recipes/ not found from ${start} upwards (run inside the golongrl-lab checkout or set GOLONGRL_RECIPES_DIR)`]);
    dir = up;
  }
}

// ───────────────────────────── parsing one file ─────────────────────────────

interface RawRecipe {
  file: string;
  name: string;
  extends?: string;
  /** camelCase patch (ClusterRecipe fields). */
  patch: Record<string, unknown>;
  phases?: PhaseDef[];
  source?: string;
  /** Line of each YAML `overrides` item, by item text. */
  overrideLines: Map<string, number>;
  /** Line of each field path set in this file. */
  lines: Map<string, number>;
}

function nearest(key: string, candidates: readonly string[]): string[] {
  return candidates
    .map((c) => [c, levenshtein(c, key)] as const)
    .filter(([c, d]) => d <= Math.max(2, Math.floor(key.length / 3)) || c.endsWith('.' + key.split('.').at(-1)))
    .sort((a, b) => a[1] - b[1])
    .slice(0, 3)
    .map(([c]) => c);
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts.at(-1) as string] = value;
}

function getPath(obj: unknown, path: string): unknown {
  let o = obj;
  for (const p of path.split('.')) {
    if (typeof o !== 'object' || o === null) return undefined;
    o = (o as Record<string, unknown>)[p];
  }
  return o;
}

export function parseRecipeFile(file: string, text = readFileSync(file, 'utf8')): RawRecipe {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const lineOf = (n: YamlNode | null | undefined) => (n?.range ? lc.linePos(n.range[0]).line : 0);
  const where = (n: YamlNode | null | undefined) => `${file}:${lineOf(n) || 1}`;
  const problems: string[] = [];
  for (const e of doc.errors) problems.push(`${file}:${e.linePos?.[0]?.line ?? 1}: not valid YAML: ${e.message.split('\n')[0]}`);
  if (problems.length) throw new RecipeError(problems);
  const name = basename(file, extname(file));
  const raw: RawRecipe = { file, name, patch: {}, overrideLines: new Map(), lines: new Map() };
  const root = doc.contents;
  if (root === null) return raw;
  if (!isMap(root)) throw new RecipeError([`${where(root)}: a recipe file is a mapping of keys (extends, description, paths, …)`]);

  const checkValue = (field: string, f: Field, node: YamlNode | null, shown: string): unknown => {
    const bad = (what: string) => {
      problems.push(`${where(node)}: ${shown}: expects ${what}, got ${node && isScalar(node) ? JSON.stringify(node.value) : node ? (isSeq(node) ? 'a list' : 'a mapping') : 'nothing'}`);
      return undefined;
    };
    if (f.type === 'env') {
      if (!isMap(node)) return bad('a mapping NAME: value');
      const out: Record<string, string> = {};
      for (const p of node.items) {
        const k = isScalar(p.key) ? String(p.key.value) : '';
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) problems.push(`${where(p.key as YamlNode)}: ${shown}: '${k}' is not a valid environment variable name`);
        else if (!isScalar(p.value) || typeof p.value.value !== 'string') problems.push(`${where((p.value ?? p.key) as YamlNode)}: ${shown}.${k}: expects a string (quote numbers and booleans: '0', 'False'), got ${isScalar(p.value) ? JSON.stringify(p.value.value) : 'a collection'}`);
        else out[k] = p.value.value;
      }
      return out;
    }
    if (f.type === 'string[]' || f.type === 'number[]') {
      if (!isSeq(node)) return bad(f.type === 'string[]' ? 'a list of strings' : 'a list of numbers');
      const want = f.type === 'string[]' ? 'string' : 'number';
      const out: unknown[] = [];
      node.items.forEach((it, i) => {
        if (!isScalar(it) || typeof it.value !== want) problems.push(`${where(it as YamlNode)}: ${shown}[${i}]: expects a ${want}, got ${isScalar(it) ? JSON.stringify(it.value) : 'a collection'}`);
        else out.push(it.value);
      });
      return out;
    }
    if (!isScalar(node)) return bad(f.type === 'string|null' ? 'a string or null' : `a ${f.type}`);
    const v = node.value;
    if (f.type === 'string|null' && v === null) return null;
    const t = f.type === 'string|null' ? 'string' : f.type;
    if (typeof v !== t || (t === 'number' && !Number.isFinite(v as number))) return bad(`a ${t === 'number' ? 'finite number' : t}`);
    if (f.oneOf && !f.oneOf.includes(v as string)) {
      problems.push(`${where(node)}: ${shown}: '${String(v)}' is not one of ${f.oneOf.join(', ')}`);
      return undefined;
    }
    if (field === 'paths.verlDir' || t === 'string') if ((v as string).trim() === '') return bad('a non-empty string');
    return v;
  };

  const walk = (map: YamlNode, prefix: string) => {
    if (!isMap(map)) return;
    for (const pair of map.items) {
      const keyNode = pair.key as YamlNode;
      const k = isScalar(keyNode) ? String(keyNode.value) : '';
      const shownKey = prefix ? `${yamlKey(prefix)}.${k}` : k;
      const valueNode = (pair.value ?? null) as YamlNode | null;
      if (!prefix && (META_KEYS as readonly string[]).includes(k)) {
        if (k === 'extends' || k === 'source') {
          if (!isScalar(valueNode) || typeof valueNode.value !== 'string' || valueNode.value === '') problems.push(`${where(valueNode ?? keyNode)}: ${k}: expects a recipe name`);
          else if (k === 'extends') raw.extends = valueNode.value;
          else raw.source = valueNode.value;
        } else raw.phases = parsePhases(valueNode, where, problems);
        continue;
      }
      const field = !prefix && ALIASES[k] ? ALIASES[k] : (prefix ? `${prefix}.` : '') + camel(k);
      const f = RECIPE_FIELDS[field];
      if (f) {
        const v = checkValue(field, f, valueNode, shownKey);
        if (v !== undefined) {
          setPath(raw.patch, field, v);
          raw.lines.set(field, lineOf(valueNode ?? keyNode));
          if (field === 'overrides' && isSeq(valueNode)) for (const it of valueNode.items) if (isScalar(it)) raw.overrideLines.set(String(it.value), lineOf(it as YamlNode));
        }
      } else if (GROUPS.has(field)) {
        if (!isMap(valueNode)) problems.push(`${where(valueNode ?? keyNode)}: ${shownKey}: is a group of settings; expects a mapping`);
        else walk(valueNode, field);
      } else {
        const candidates = [...Object.keys(RECIPE_FIELDS).map(yamlKey), ...[...GROUPS].map(yamlKey), ...(prefix ? [] : [...META_KEYS, ...Object.keys(ALIASES)])];
        const near = nearest(shownKey, candidates);
        problems.push(`${where(keyNode)}: unknown recipe key '${shownKey}'${near.length ? `; did you mean ${near.map((c) => `'${c}'`).join(', ')}?` : ''}`);
      }
    }
  };
  walk(root, '');
  if (typeof raw.patch.name === 'string' && raw.patch.name !== name) problems.push(`${file}:${raw.lines.get('name') ?? 1}: name: '${raw.patch.name}' differs from the file name '${name}' (the file name is the recipe's name; drop 'name:' or rename the file)`);
  if (Array.isArray(raw.patch.overrides))
    for (const o of raw.patch.overrides as string[]) {
      try {
        parseOverride(o);
      } catch (e) {
        problems.push(`${file}:${raw.overrideLines.get(o) ?? 1}: overrides: ${(e as Error).message}`);
      }
    }
  if (problems.length) throw new RecipeError(problems);
  return raw;
}

function parsePhases(node: YamlNode | null, where: (n: YamlNode | null | undefined) => string, problems: string[]): PhaseDef[] | undefined {
  if (!isSeq(node) || node.items.length === 0) {
    problems.push(`${where(node)}: phases: expects a non-empty list of {label, max_prompt_length, train_file, steps}`);
    return undefined;
  }
  const KEYS: Record<string, 'string' | 'number'> = { label: 'string', max_prompt_length: 'number', train_file: 'string', steps: 'number' };
  const out: PhaseDef[] = [];
  node.items.forEach((it, i) => {
    if (!isMap(it)) return problems.push(`${where(it as YamlNode)}: phases[${i}]: expects a mapping`);
    const ph: Record<string, unknown> = {};
    for (const p of it.items) {
      const k = isScalar(p.key) ? String(p.key.value) : '';
      const t = KEYS[k];
      if (!t) {
        const near = nearest(k, Object.keys(KEYS));
        problems.push(`${where(p.key as YamlNode)}: unknown key 'phases[${i}].${k}'${near.length ? `; did you mean '${near[0]}'?` : ''}`);
        continue;
      }
      const v = isScalar(p.value) ? p.value.value : undefined;
      if (typeof v !== t || (t === 'number' && !(Number.isInteger(v) && (v as number) > 0))) problems.push(`${where((p.value ?? p.key) as YamlNode)}: phases[${i}].${k}: expects ${t === 'number' ? 'a positive integer' : 'a string'}`);
      else ph[camel(k)] = v;
    }
    for (const req of ['max_prompt_length', 'train_file', 'steps']) if (!(camel(req) in ph)) problems.push(`${where(it as YamlNode)}: phases[${i}]: missing '${req}'`);
    out.push(ph as unknown as PhaseDef);
  });
  return out;
}

// ───────────────────────────── merging and finishing ─────────────────────────────

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function overrideKey(o: string): string {
  try {
    return parseOverride(o).key;
  } catch {
    return o;
  }
}

/** `patch` over `base`: maps key by key, lists and scalars replaced; `overrides` merged by Hydra key. */
export function mergeRecipeData(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const merge = (a: unknown, b: unknown, path: string): unknown => {
    if (path === 'overrides' && Array.isArray(a) && Array.isArray(b)) {
      const keys = new Set(b.map((o) => overrideKey(String(o))));
      return [...a.filter((o) => !keys.has(overrideKey(String(o)))), ...b];
    }
    if (path === 'env.rayEnvVars' || path === 'env.processEnv') return { ...(isPlainObject(a) ? a : {}), ...(isPlainObject(b) ? b : {}) };
    if (!isPlainObject(a) || !isPlainObject(b)) return b === undefined ? a : b;
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v, path ? `${path}.${k}` : k);
    return out;
  };
  return merge(base, patch, '') as Record<string, unknown>;
}

export type LoadedRecipe =
  | { kind: 'recipe'; name: string; file: string; extends?: string; recipe: ClusterRecipe }
  | { kind: 'phased'; name: string; file: string; extends?: string; phased: PhasedRecipe };

interface Resolved {
  data: Record<string, unknown>;
  chain: RawRecipe[];
}

function resolveChain(name: string, dir: string, seen: string[], fileHint?: string): Resolved {
  if (seen.includes(name)) throw new RecipeError([`${fileHint ?? join(dir, name + '.yaml')}: extends: cycle ${[...seen, name].join(' → ')}`]);
  const file = fileHint ?? recipeFile(name, dir);
  const raw = parseRecipeFile(file);
  if (raw.phases && seen.length > 0) throw new RecipeError([`${file}: a phased recipe cannot be extended (extend its base '${raw.extends ?? '?'}' instead)`]);
  if (!raw.extends) return { data: raw.patch, chain: [raw] };
  let parent: Resolved;
  try {
    parent = resolveChain(raw.extends, dir, [...seen, name]);
  } catch (e) {
    if (e instanceof RecipeError && /^unknown cluster recipe/.test(e.message)) throw new RecipeError([`${file}:1: extends: ${e.message}`]);
    throw e;
  }
  return { data: mergeRecipeData(parent.data, raw.patch), chain: [...parent.chain, raw] };
}

function finish(data: Record<string, unknown>, name: string, chain: readonly RawRecipe[]): ClusterRecipe {
  const own = chain.at(-1) as RawRecipe;
  const problems: string[] = [];
  for (const [field, f] of Object.entries(RECIPE_FIELDS)) {
    if (!f.optional && getPath(data, field) === undefined) problems.push(`${own.file}: missing recipe key '${yamlKey(field)}' (set it here or in the recipe it extends)`);
  }
  if (problems.length) throw new RecipeError(problems);
  const exp = String(data.experimentName);
  const r = structuredClone(data) as Record<string, unknown> & { paths: Record<string, unknown> };
  r.name = name;
  for (const k of ['ckptDir', 'rolloutDataDir', 'model', 'trainFile', 'testFile']) if (typeof r.paths[k] === 'string') r.paths[k] = (r.paths[k] as string).split('{experiment_name}').join(exp);
  if (r.reference === undefined) r.reference = '';
  const recipe = deepFreeze(r as unknown as ClusterRecipe);
  // The verl schema check (same rules and did-you-mean as --override); errors from `overrides:` get their line.
  try {
    renderOverrides(recipe);
  } catch (e) {
    if (!(e instanceof SchemaValidationError)) throw e;
    throw new RecipeError(
      e.errors.map((er) => {
        for (let i = chain.length - 1; i >= 0; i--) {
          const l = chain[i].overrideLines.get(er.override);
          if (l !== undefined) return `${chain[i].file}:${l}: overrides: ${er.message}`;
        }
        return `${own.file}: ${er.message}`;
      }),
    );
  }
  return recipe;
}

/** The file of recipe `name` in `dir`, or a RecipeError listing the known names. */
export function recipeFile(name: string, dir = recipesDir()): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) throw new RecipeError([`unknown cluster recipe '${name}' (recipe names are file names in ${dir})`]);
  for (const ext of ['.yaml', '.yml']) {
    const f = join(dir, name + ext);
    if (existsSync(f)) return f;
  }
  throw new RecipeError([`unknown cluster recipe '${name}' (known: ${recipeNames(dir).join(', ')}; a recipe is a file ${join(dir, name + '.yaml')})`]);
}

/** Submittable recipe names (files not starting with '_'), sorted. */
export function recipeNames(dir = recipesDir()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('_') && statSync(join(dir, f)).isFile())
    .map((f) => basename(f, extname(f)))
    .sort();
}

/**
 * Loads a recipe by name (`cluster/recipes/NAME.yaml`) or by path (anything ending in .yaml/.yml; its
 * `extends` is looked up beside it, then in the recipes dir). Throws `RecipeError` (file:line: key: …).
 */
export function loadRecipe(nameOrPath: string, opts: { dir?: string } = {}): LoadedRecipe {
  const isPath = /\.ya?ml$/.test(nameOrPath);
  const file = isPath ? resolve(nameOrPath) : undefined;
  if (file && !existsSync(file)) throw new RecipeError([`${nameOrPath}: no such recipe file`]);
  const dir = opts.dir ?? (file ? dirname(file) : recipesDir());
  const name = file ? basename(file, extname(file)) : nameOrPath;
  if (name.startsWith('_')) throw new RecipeError([`${file ?? recipeFile(name, dir)}: '${name}' is a base (its name starts with '_'): extend it from a recipe file instead of submitting it`]);
  const lookupDir = file && !existsSync(join(dir, '_base.yaml')) ? recipesDirOrSelf(dir) : dir;
  const { data, chain } = resolveChain(name, lookupDir, [], file ?? recipeFile(name, dir));
  const own = chain.at(-1) as RawRecipe;
  const ext = own.extends;
  if (own.phases) {
    if (!ext) throw new RecipeError([`${own.file}: a phased recipe needs 'extends:' (the recipe its phases derive from)`]);
    const parent = resolveChain(ext, lookupDir, [name]);
    const patch: Record<string, unknown> = { ...own.patch };
    delete patch.description;
    delete patch.name;
    const base = finish(mergeRecipeData(parent.data, patch), Object.keys(patch).length ? `${name}:base` : ext, [...parent.chain, own]);
    try {
      const phased = phasedRecipe({ name, description: String(own.patch.description ?? base.description), source: own.source ?? `phases of ${name}`, base, phases: own.phases });
      return { kind: 'phased', name, file: own.file, extends: ext, phased };
    } catch (e) {
      if (e instanceof RangeError) throw new RecipeError([`${own.file}: phases: ${e.message}`]);
      if (e instanceof SchemaValidationError) throw new RecipeError(e.errors.map((er) => `${own.file}: phases: ${er.message}`));
      throw e;
    }
  }
  return { kind: 'recipe', name, file: own.file, ...(ext ? { extends: ext } : {}), recipe: finish(data, name, chain) };
}

function recipesDirOrSelf(dir: string): string {
  try {
    return recipesDir();
  } catch {
    return dir;
  }
}

/** A single-job recipe by name (a phased one is an error naming `getPhasedRecipe`). */
export function getClusterRecipe(name: string, opts: { dir?: string } = {}): ClusterRecipe {
  const l = loadRecipe(name, opts);
  if (l.kind !== 'recipe') throw new RecipeError([`${l.file}: '${name}' is a phased recipe (one job per phase)`]);
  return l.recipe;
}

/** A phased recipe by name, or undefined when `name` is a single-job recipe. */
export function getPhasedRecipe(name: string, opts: { dir?: string } = {}): PhasedRecipe | undefined {
  const l = loadRecipe(name, opts);
  return l.kind === 'phased' ? l.phased : undefined;
}

export interface RecipeListing {
  name: string;
  kind: 'recipe' | 'phased' | 'invalid';
  file: string;
  extends: string | null;
  description: string;
  /** Phased: number of phases. */
  phases?: number;
  /** Invalid: the load error (file:line: key: …). */
  error?: string;
}

/** Every submittable recipe in the recipes dir, each loaded and validated (invalid ones carry their error). */
export function listRecipes(dir = recipesDir()): RecipeListing[] {
  return recipeNames(dir).map((name) => {
    const file = recipeFile(name, dir);
    try {
      const l = loadRecipe(name, { dir });
      if (l.kind === 'phased') return { name, kind: 'phased', file, extends: l.extends ?? null, description: l.phased.description, phases: l.phased.phases.length };
      return { name, kind: 'recipe', file, extends: l.extends ?? null, description: l.recipe.description };
    } catch (e) {
      if (!(e instanceof RecipeError)) throw e;
      return { name, kind: 'invalid', file, extends: null, description: '', error: e.message };
    }
  });
}
