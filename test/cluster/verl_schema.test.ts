/**
 * The verl schema as data (cluster/verl_schema/keys.json), Hydra's override rules checked against it
 * (lib/cluster/verl_schema.ts), and the stale-key map (cluster/verl_schema/stale_keys.ts): validating the
 * three reference scripts' override lists must reject EXACTLY the documented stale keys.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFERENCE_COMMIT, REFERENCE_SCRIPTS } from '../../cluster/recipes/reference.js';
import { DROPPED_KEYS, MOVED_KEYS, STALE_KEYS } from '../../cluster/verl_schema/stale_keys.js';
import { loadVerlSchema, parseOverride, staleHint, validateOverrides } from '../../lib/cluster/verl_schema.js';

const schema = loadVerlSchema();
const strip = (k: string) => k.replace(/^\+\+?/, '');

describe('keys.json', () => {
  it('is the pinned fork at the reference scripts’ commit, with the dapo recipe keys', () => {
    expect(schema.commit).toBe(REFERENCE_COMMIT);
    expect(schema.file.source.files).toEqual([
      'Train/verl/verl/trainer/config/_generated_ppo_megatron_trainer.yaml',
      'Train/verl/recipe/dapo/config/dapo_megatron_trainer.yaml',
    ]);
    expect(schema.keys.size).toBe(schema.file.keyCount);
    expect(schema.keys.size).toBeGreaterThan(700);
    for (const k of ['algorithm.filter_groups.enable', 'algorithm.filter_groups.max_num_gen_batches', 'data.gen_batch_size', 'reward.reward_kwargs.overlong_buffer_cfg.enable', 'reward.reward_kwargs.max_resp_len'])
      expect(schema.get(k)?.from, k).toMatch(/^dapo/);
    expect(schema.get('data.gen_batch_size')).toMatchObject({ type: 'interpolation', default: '${data.train_batch_size}' });
    expect(schema.get('trainer.project_name')).toMatchObject({ from: 'dapo-override', default: 'verl-dapo' });
    expect(schema.get('algorithm.rollout_correction.rollout_is_threshold')).toMatchObject({ type: 'float', default: 2 });
    expect(schema.get('actor_rollout_ref.rollout.checkpoint_engine.update_weights_bucket_megabytes')).toMatchObject({ type: 'int', default: 2048 });
    expect(schema.has('algorithm.rollout_is')).toBe(false);
  });

  it('extract.ts composes base + dapo the way Hydra does (a synthetic snapshot checkout)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verl-snap-'));
    mkdirSync(join(dir, 'Train/verl/verl/trainer/config'), { recursive: true });
    mkdirSync(join(dir, 'Train/verl/recipe/dapo/config'), { recursive: true });
    writeFileSync(join(dir, 'Train/verl/verl/trainer/config/_generated_ppo_megatron_trainer.yaml'), 'a:\n  x: 2.0\n  y: 1\n  z: {}\ntrainer:\n  project_name: base\n  logger: [console]\n');
    writeFileSync(
      join(dir, 'Train/verl/recipe/dapo/config/dapo_megatron_trainer.yaml'),
      'hydra:\n  searchpath: [file://x]\ndefaults:\n  - ppo_megatron_trainer\n  - _self_\na:\n  y: 0.5\n  w: ${a.y}\ntrainer:\n  project_name: dapo\n',
    );
    const out = join(dir, 'keys.json');
    execFileSync(process.execPath, ['--import', 'tsx', 'lib/cluster/verl_schema_extract.ts', dir, out], { stdio: 'pipe' });
    const f = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(f.keys)).toEqual(['a', 'a.w', 'a.x', 'a.y', 'a.z', 'trainer', 'trainer.logger', 'trainer.project_name']);
    expect(f.keys['a.x']).toEqual({ type: 'float', from: 'base', default: 2 });
    expect(f.keys['a.y']).toEqual({ type: 'float', from: 'dapo-override', default: 0.5 });
    expect(f.keys['a.w']).toEqual({ type: 'interpolation', from: 'dapo', default: '${a.y}' });
    expect(f.keys['a.z']).toEqual({ type: 'dict', from: 'base', empty: true });
    expect(f.keys['trainer.project_name'].default).toBe('dapo');
    expect(f.keys['trainer.logger']).toEqual({ type: 'list', from: 'base', default: ['console'] });
    expect(Object.keys(f.keys)).not.toContain('hydra');
  });

  // Checking keys.json against a real GoLongRL snapshot needs that snapshot, which a fresh clone lacks: it is
  // scripts/check-verl-schema.ts, a maintainer's command, not a test that would have to skip here.
});

describe('Hydra override rules', () => {
  const msgs = (o: string[]) => validateOverrides(o, { schema, staleHint }).map((e) => e.message);

  it('accepts existing keys, new keys with +, anything with ++', () => {
    expect(msgs(['trainer.save_freq=5', '+data.filtered_cache_dir=/x/', '++trainer.nnodes=2', '++trainer.brand_new=1', '~trainer.val_before_train'])).toEqual([]);
  });
  it('rejects an unknown key without +, with a did-you-mean', () => {
    const [m] = msgs(['trainer.save_frq=5']);
    expect(m).toContain("key 'trainer.save_frq' is not in verl@");
    expect(m).toContain("'trainer.save_freq'");
  });
  it('names the stale-key replacement for keys the reference passes', () => {
    const [m] = msgs(['algorithm.rollout_is_threshold=5.0']);
    expect(m).toContain('stale reference key: became algorithm.rollout_correction.rollout_is_threshold');
  });
  it("rejects '+' on an existing key (Hydra: an item is already there)", () => {
    expect(msgs(['+trainer.save_freq=5'])[0]).toContain("already exists in the schema");
  });
  it('rejects adding under a scalar', () => {
    expect(msgs(['+trainer.nnodes.extra=1'])[0]).toContain("ancestor 'trainer.nnodes' is a int");
  });
  it('type-checks against the default', () => {
    expect(msgs(['trainer.val_before_train=maybe'])[0]).toContain('expects a bool');
    expect(msgs(['trainer.save_freq=often'])[0]).toContain('expects a number');
    expect(msgs(['trainer.logger=console'])[0]).toContain('expects a list');
    expect(msgs(['trainer.save_freq=null', 'trainer.logger=[console]', 'trainer.val_before_train=False'])).toEqual([]);
  });
  it('rejects duplicates and malformed overrides', () => {
    expect(msgs(['trainer.save_freq=5', 'trainer.save_freq=6'])[0]).toContain('already set by');
    expect(msgs(['trainer.save_freq'])[0]).toContain("missing '=value'");
    expect(msgs(['=5'])[0]).toContain('not a Hydra override');
  });
});

describe('stale reference keys', () => {
  it('validating each reference script rejects exactly the documented stale keys', () => {
    const documented = new Set(STALE_KEYS.map((s) => s.reference));
    for (const [name, script] of Object.entries(REFERENCE_SCRIPTS)) {
      const errors = validateOverrides(script.overrides, { schema });
      const rejected = new Set(errors.map((e) => parseOverride(e.override)).map((p) => (p.prefix === '+' || p.prefix === '++' ? p.prefix : '') + p.key));
      expect([...rejected].sort(), name).toEqual([...documented].sort());
    }
  });
  it('documents the reference value of each stale key as the scripts pass it', () => {
    for (const script of Object.values(REFERENCE_SCRIPTS))
      for (const s of STALE_KEYS) expect(script.overrides, s.reference).toContain(`${s.reference}=${s.referenceValue}`);
  });
  it('every replacement key exists in the schema; every moved/dropped key is one the scripts pass', () => {
    for (const s of STALE_KEYS) for (const k of s.became) expect(schema.has(k), k).toBe(true);
    for (const s of STALE_KEYS) expect(s.action === 'drop' ? s.became.length === 0 : s.became.length > 0, s.reference).toBe(true);
    for (const m of MOVED_KEYS) expect(schema.has(m.became), m.became).toBe(true);
    const passed = new Set(Object.values(REFERENCE_SCRIPTS).flatMap((s) => s.overrides.map((o) => o.split('=')[0])));
    for (const k of [...MOVED_KEYS, ...DROPPED_KEYS].map((m) => m.reference)) expect(passed.has(k), k).toBe(true);
    // dropped keys are schema-VALID (they are dropped for other reasons)
    const dropped = Object.values(REFERENCE_SCRIPTS)[0].overrides.filter((o) => DROPPED_KEYS.some((d) => o.startsWith(d.reference + '=')));
    expect(dropped).toHaveLength(DROPPED_KEYS.length);
    expect(validateOverrides(dropped, { schema })).toEqual([]);
  });
  it('staleHint works with and without the + prefix', () => {
    expect(staleHint('actor_rollout_ref.rollout.update_weights_bucket_megabytes')).toContain('checkpoint_engine');
    expect(staleHint('+actor_rollout_ref.actor.megatron.override_transformer_config.recompute_method')).toContain('drop the "+"');
    expect(staleHint('trainer.save_freq')).toBeUndefined();
    expect(strip('++a')).toBe('a');
  });
});
