/**
 * The base model: what real post-training starts from. RL in GoLongRL starts from a pretrained,
 * instruction-tuned model whose rollouts already score somewhere between "never" and "always" — the
 * regime where group-relative advantages (a group needs both successes and failures) and difficulty
 * weights act. The local suite's counterpart is a policy pre-trained by next-token cross-entropy on the
 * gold responses of the suite's TRAINING split (sft.ts), for a fixed budget:
 *
 *   base = SFT(init(seed), steps S, prompts per step P, lr η)          (sft.ts: seq-mean-token-mean CE)
 *
 * The budget (S, P, η) is part of the base's config and is sized once, from the task definitions and
 * the base's own held-out scores, never from which estimator wins (docs/training.md, "The base model").
 *
 * Cache: `runs/base/<hash>/` where <hash> is the first 16 hex digits of SHA-256 over the canonical JSON
 * of the config (model, families, context length, response budget, position range, SFT budget, seed,
 * `BASE_FORMAT`). It is a verl-layout run directory (checkpoint.ts: `global_step_<S>/actor/…`, the
 * latest file), plus `sft.jsonl` (one line per SFT step) and `base.json` — written last, atomically: a
 * directory without it is incomplete and is rebuilt. Building takes the run-directory lock, so two
 * processes never write one base; the second one waits for the first.
 *
 * Deterministic for a seed: the initial weights come from the seed, the SFT prompts from the
 * counter-based stream (seed, step, `sft`), so the same config rebuilds the same weights on the same
 * engine.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Capability } from '../rewards/capabilities.js';
import { acquireRunLock, isCompleteCheckpoint, RunLockedError, saveCheckpoint, type AdamState } from './checkpoint.js';
import { JsonlMetricsLogger } from './logger.js';
import type { Policy } from './policy.js';
import { runSft, validateSft, type SftConfig } from './sft.js';
import { heldOutPrompts, maxPromptTokens } from './tasks.js';
import { evaluate, loadInit, makePolicy, maxContextLen, type ModelSize, type TrainConfig } from './trainer.js';
import { mkdirp } from '../util/fsx.js';

/** Bumped when the meaning of a base config changes (so old caches are not reused). */
export const BASE_FORMAT = 1;

export interface BaseConfig {
  model: ModelSize;
  families: readonly Capability[];
  contextLen: number;
  maxNewTokens: number;
  /** Longest sequence the position embedding covers (prompt + response), as `makePolicy` sizes it. */
  maxLen: number;
  /** Seed of the initial weights and of the SFT prompt stream. */
  seed: number;
  sft: SftConfig;
  gradClip: number;
  /** Held-out prompts per family for the base's own report (`base.json`). */
  evalPromptsPerFamily: number;
}

export interface BaseScores {
  greedy: Record<string, number>;
  sample: Record<string, number>;
}

export interface BaseInfo {
  hash: string;
  /** The base's run directory (`<root>/<hash>`). */
  dir: string;
  /** The checkpoint step that holds the weights (= sft.steps). */
  step: number;
  config: BaseConfig;
  /** Held-out score per family (and `mean`) on `evalPromptsPerFamily` prompts per family of seed `config.seed`. */
  heldOut: BaseScores;
  /** Last SFT step's loss. */
  finalLoss: number | null;
  /** Seconds the build took (when it was built). */
  buildSeconds: number;
  /** True when this call built it; false when it was reused from the cache. */
  created: boolean;
}

export const DEFAULT_BASE_ROOT = join('runs', 'base');

/** The base config that goes with an RL config: same model, families, lengths; the SFT budget given. */
export function baseConfigFor(train: TrainConfig, sft: SftConfig, opts: { seed?: number; evalPromptsPerFamily?: number } = {}): BaseConfig {
  validateSft(sft);
  return {
    model: { ...train.model },
    families: [...train.families],
    contextLen: train.contextLen,
    maxNewTokens: train.maxNewTokens,
    maxLen: maxPromptTokens(maxContextLen(train)) + train.maxNewTokens,
    seed: opts.seed ?? 0,
    sft: { ...sft },
    gradClip: train.gradClip,
    evalPromptsPerFamily: opts.evalPromptsPerFamily ?? 32,
  };
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

/** 16 hex digits of SHA-256 over the canonical JSON of the config and `BASE_FORMAT`. */
export function baseHash(c: BaseConfig): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical({ format: BASE_FORMAT, ...c })))
    .digest('hex')
    .slice(0, 16);
}

/** A TrainConfig whose `makePolicy` builds the base's architecture (used to create and to load it). */
function policyConfig(c: BaseConfig): TrainConfig {
  const t = {
    model: c.model,
    families: c.families,
    contextLen: c.contextLen,
    maxNewTokens: c.maxNewTokens,
    seed: c.seed,
    curriculum: null,
    mixture: null,
  } as unknown as TrainConfig;
  const maxLen = maxPromptTokens(maxContextLen(t)) + c.maxNewTokens;
  if (maxLen !== c.maxLen) throw new RangeError(`base config: maxLen ${c.maxLen} does not match contextLen ${c.contextLen} + maxNewTokens ${c.maxNewTokens} (${maxLen})`);
  return t;
}

/** Held-out scores of a policy, greedy and one fixed-seed sample, per family and `mean`. */
export function baseScores(policy: Policy, c: BaseConfig): BaseScores {
  const prompts = heldOutPrompts(c.seed, { contextLen: c.contextLen, families: c.families, promptsPerFamily: c.evalPromptsPerFamily });
  return {
    greedy: evaluate(policy, prompts, { maxNewTokens: c.maxNewTokens, mode: 'greedy' }),
    sample: evaluate(policy, prompts, { maxNewTokens: c.maxNewTokens, mode: 'sample', seed: c.seed }),
  };
}

function readInfo(dir: string): BaseInfo | null {
  const f = join(dir, 'base.json');
  if (!existsSync(f)) return null;
  try {
    const info = JSON.parse(readFileSync(f, 'utf8')) as BaseInfo;
    return isCompleteCheckpoint(dir, info.step) ? { ...info, dir, created: false } : null;
  } catch {
    return null;
  }
}

export interface EnsureBaseOptions {
  /** Cache root (default runs/base). */
  root?: string;
  onSftStep?: (step: number, total: number, loss: number) => void;
  onNote?: (note: string) => void;
  /** How long to wait for another process that is building the same base (default 600 s). */
  waitSeconds?: number;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The base model for a config: reused from `<root>/<hash>/` when complete, else built there (SFT,
 * checkpoint, held-out scores, base.json last). Returns where it is and its held-out scores.
 */
export function ensureBase(c: BaseConfig, opts: EnsureBaseOptions = {}): BaseInfo {
  const hash = baseHash(c);
  const dir = join(opts.root ?? DEFAULT_BASE_ROOT, hash);
  const cached = readInfo(dir);
  if (cached) return cached;
  const deadline = Date.now() + (opts.waitSeconds ?? 600) * 1000;
  for (;;) {
    let lock;
    try {
      lock = acquireRunLock(dir);
    } catch (e) {
      if (!(e instanceof RunLockedError) || Date.now() > deadline) throw e;
      opts.onNote?.(`waiting for pid ${e.holder.pid} on ${e.holder.host}, which is building the base ${dir}`);
      sleepSync(1000);
      const done = readInfo(dir);
      if (done) return done;
      continue;
    }
    try {
      if (lock.note) opts.onNote?.(lock.note);
      const again = readInfo(dir);
      if (again) return again;
      return build(c, hash, dir, opts);
    } finally {
      lock.release();
    }
  }
}

function build(c: BaseConfig, hash: string, dir: string, opts: EnsureBaseOptions): BaseInfo {
  const t0 = performance.now();
  // A half-built directory from a killed build: start it over (nothing in it was published).
  for (const f of ['base.json', 'sft.jsonl', 'latest_checkpointed_iteration.txt']) rmSync(join(dir, f), { force: true });
  mkdirp(dir);
  const policy = makePolicy(policyConfig(c));
  try {
    const log = new JsonlMetricsLogger(join(dir, 'sft.jsonl'));
    let finalLoss: number | null = null;
    let optState: AdamState | null = null;
    runSft(
      policy,
      { ...c.sft, families: c.families, contextLen: c.contextLen, maxNewTokens: c.maxNewTokens, seed: c.seed, gradClip: c.gradClip },
      (s, m) => {
        log.log(s, { ...m });
        finalLoss = m['sft/loss'];
        opts.onSftStep?.(s, c.sft.steps, m['sft/loss']);
      },
      (st) => (optState = st),
    );
    const names = policy.variableNames;
    const w = policy.getWeights();
    const shapes = policy.weightShapes();
    const zeros = names.map((n) => new Float32Array(w[n].length));
    const optimizer: AdamState = optState ?? { iteration: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, lr: c.sft.lr, weightDecay: 0, m: zeros, v: zeros };
    saveCheckpoint(
      dir,
      {
        step: c.sft.steps,
        names,
        shapes: names.map((n) => shapes[n]),
        weights: names.map((n) => w[n]),
        optimizer,
        extra: { kind: 'base', seed: c.seed, step: c.sft.steps, hash, rng: 'counter-based: SFT prompts from Rng(streamSeed(seed, step, sft))' },
        data: { consumed_steps: c.sft.steps, prompts_per_step: c.sft.promptsPerStep },
      },
      { keepLast: 1 },
    );
    const heldOut = baseScores(policy, c);
    const info: BaseInfo = { hash, dir, step: c.sft.steps, config: c, heldOut, finalLoss, buildSeconds: (performance.now() - t0) / 1000, created: true };
    const tmp = join(dir, `base.json.tmp-${process.pid}`);
    writeFileSync(tmp, JSON.stringify({ ...info, created: undefined }, null, 1) + '\n');
    renameSync(tmp, join(dir, 'base.json'));
    return info;
  } finally {
    policy.dispose();
  }
}

/** A fresh policy with the base's weights (the caller disposes it). */
export function loadBase(info: Pick<BaseInfo, 'dir' | 'step' | 'config'>): Policy {
  const policy = makePolicy(policyConfig(info.config));
  try {
    loadInit(policy, { dir: info.dir, step: info.step });
  } catch (e) {
    policy.dispose();
    throw e;
  }
  return policy;
}
