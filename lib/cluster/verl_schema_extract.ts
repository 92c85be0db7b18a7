/**
 * Regenerates `cluster/verl_schema/keys.json`: every dotted config key (with default and type) that the
 * GoLongRL verl fork's entry point `python3 -m recipe.dapo.main_dapo --config-name=dapo_megatron_trainer`
 * composes, so that Hydra overrides can be validated without Python.
 *
 * Source (xiaoxuanNLP/GoLongRL): `Train/verl/verl/trainer/config/_generated_ppo_megatron_trainer.yaml`
 * (verl's own flattened `ppo_megatron_trainer` config, produced by its `scripts/generate_trainer_config.sh`)
 * with `Train/verl/recipe/dapo/config/dapo_megatron_trainer.yaml` merged on top (its `defaults:` are
 * `[ppo_megatron_trainer, _self_]`, so its own keys win), exactly Hydra's composition order.
 *
 * Usage: node --import tsx lib/cluster/verl_schema_extract.ts <snapshot> [out.json]
 *   <snapshot> is either a checkout of the repository (a folder holding `Train/verl/...`) or a bare git
 *   directory (a bare mirror; read with `git show HEAD:path`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import type { SchemaKey, VerlSchemaFile } from './verl_schema.js';

const BASE = 'Train/verl/verl/trainer/config/_generated_ppo_megatron_trainer.yaml';
const DAPO = 'Train/verl/recipe/dapo/config/dapo_megatron_trainer.yaml';

type Yaml = null | boolean | number | string | Yaml[] | { [k: string]: Yaml };

function isDict(v: Yaml | undefined): v is { [k: string]: Yaml } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function reader(snapshot: string): { read(path: string): string; commit: string } {
  if (existsSync(join(snapshot, 'Train', 'verl'))) {
    let commit = 'unknown';
    try {
      commit = execFileSync('git', ['-C', snapshot, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      /* a plain copy without git metadata */
    }
    return { read: (p) => readFileSync(join(snapshot, p), 'utf8'), commit };
  }
  const git = (args: string[]) => execFileSync('git', ['--git-dir', snapshot, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { read: (p) => git(['show', `HEAD:${p}`]), commit: git(['rev-parse', 'HEAD']).trim() };
}

/** Hydra/OmegaConf merge: dicts merge key by key, anything else replaces. */
function merge(base: Yaml, over: Yaml): Yaml {
  if (!isDict(base) || !isDict(over)) return over;
  const out: { [k: string]: Yaml } = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v;
  return out;
}

/**
 * YAML → plain data, remembering which numbers were written as floats (`2.0`, `1.0e-06`): JS has one
 * number type, but the schema should say `float` where verl's YAML does.
 */
function toPlain(node: unknown, path: string, floats: Set<string>): Yaml {
  if (isMap(node)) {
    const out: { [k: string]: Yaml } = {};
    for (const item of node.items) {
      const k = String(isScalar(item.key) ? item.key.value : item.key);
      out[k] = toPlain(item.value, path ? `${path}.${k}` : k, floats);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((it, i) => toPlain(it, `${path}[${i}]`, floats));
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'number' && (/[.eE]/.test(node.source ?? '') || !Number.isInteger(v))) floats.add(path);
    return v as Yaml;
  }
  return (node as YamlNode | null | undefined) == null ? null : (String(node) as Yaml);
}

function parseYaml(text: string, file: string, floats: Set<string>): Yaml {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
  return toPlain(doc.contents, '', floats);
}

let FLOATS = new Set<string>();

function typeOf(v: Yaml, key = ''): SchemaKey['type'] {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'dict';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) && !FLOATS.has(key) ? 'int' : 'float';
  if (v === '???') return 'missing';
  if (v.includes('${')) return 'interpolation';
  return 'string';
}

function flatten(node: Yaml, prefix: string, from: (key: string) => string, out: Record<string, SchemaKey>): void {
  if (!isDict(node)) return;
  for (const [k, v] of Object.entries(node)) {
    const key = prefix ? `${prefix}.${k}` : k;
    const type = typeOf(v, key);
    out[key] = type === 'dict' ? { type, from: from(key), empty: Object.keys(v as object).length === 0 } : { type, from: from(key), default: v };
    flatten(v, key, from, out);
  }
}

function keysOf(node: Yaml): Set<string> {
  const out: Record<string, SchemaKey> = {};
  flatten(node, '', () => '', out);
  return new Set(Object.keys(out));
}

export function extract(snapshot: string): VerlSchemaFile {
  const { read, commit } = reader(resolve(snapshot));
  const baseFloats = new Set<string>();
  const dapoFloats = new Set<string>();
  const base = parseYaml(read(BASE), BASE, baseFloats);
  const dapoRaw = parseYaml(read(DAPO), DAPO, dapoFloats);
  if (!isDict(base) || !isDict(dapoRaw)) throw new Error(`${snapshot}: ${BASE} or ${DAPO} is not a YAML mapping`);
  const defaults = dapoRaw.defaults;
  if (!Array.isArray(defaults) || defaults[0] !== 'ppo_megatron_trainer' || defaults[1] !== '_self_')
    throw new Error(`${DAPO}: expected defaults [ppo_megatron_trainer, _self_], got ${JSON.stringify(defaults)}`);
  const { hydra: _hydra, defaults: _defaults, ...dapo } = dapoRaw;
  const baseKeys = keysOf(base);
  const dapoKeys = keysOf(dapo);
  const composed = merge(base, dapo);
  FLOATS = new Set([...[...baseFloats].filter((k) => !dapoKeys.has(k)), ...dapoFloats]);
  const keys: Record<string, SchemaKey> = {};
  flatten(composed, '', (k) => (dapoKeys.has(k) ? (baseKeys.has(k) ? 'dapo-override' : 'dapo') : 'base'), keys);
  const sorted: Record<string, SchemaKey> = {};
  for (const k of Object.keys(keys).sort()) sorted[k] = keys[k];
  return {
    source: { repo: 'xiaoxuanNLP/GoLongRL', commit, files: [BASE, DAPO] },
    entrypoint: ['python3', '-m', 'recipe.dapo.main_dapo', '--config-name=dapo_megatron_trainer'],
    keyCount: Object.keys(sorted).length,
    keys: sorted,
  };
}

const [snapshot, outArg] = process.argv.slice(2);
if (!snapshot) {
  process.stderr.write('usage: node --import tsx lib/cluster/verl_schema_extract.ts <snapshot dir or bare git dir> [out.json]\n');
  process.exit(2);
}
const out = outArg ?? join('cluster', 'verl_schema', 'keys.json');
const schema = extract(snapshot);
writeFileSync(out, JSON.stringify(schema, null, 1) + '\n');
process.stderr.write(`wrote ${out}: ${schema.keyCount} keys from ${schema.source.repo}@${schema.source.commit}\n`);
