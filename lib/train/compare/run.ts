/**
 * One run of the main job: (estimator, seed) trained from the base model, then evaluated — the unit
 * that `golongrl compare` runs in process or ships as one Job (local process, Slurm, Ray).
 *
 *   <out>/runs/<estimator>-s<seed>/
 *     spec.json          what to run (RunSpec): the full TrainConfig, the estimator, the base checkpoint
 *     metrics.jsonl      the trainer's metrics (verl names), one line per step — never duplicated
 *     global_step_<N>/   checkpoints (verl layout), latest_checkpointed_iteration.txt
 *     result.json        written last, atomically: held-out scores of the base and the final policy per
 *                        prompt, the replayed advantages, seconds and CPU seconds
 *
 * Re-running a run whose result.json matches its spec is a no-op (the result is reused); an interrupted
 * one resumes from its newest complete checkpoint (trainer resume 'auto', which drops metric lines after
 * that checkpoint before appending, so every step is logged once); the run-directory lock keeps two
 * processes from writing one run.
 *
 * Pairing: seed s of every estimator starts from the same base weights and draws the same prompt and
 * sample streams (every stream is Rng(streamSeed(seed, step, purpose, batch)), independent of the
 * estimator), and is evaluated on the same held-out prompts (heldOutFor(seed)). So step 1 of both runs
 * samples identical rollouts, and the held-out difference per seed is a paired difference.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { compareEstimators, type EstimatorConfig } from '../../advantage/compare.js';
import { Rng } from '../../util/random.js';
import { loadBase, type BaseInfo } from '../base.js';
import { acquireRunLock, findResumeCheckpoint, LATEST_FILE, listCheckpoints, ResumeError, stepDir } from '../checkpoint.js';
import { readMetrics } from '../logger.js';
import type { Policy } from '../policy.js';
import { PURPOSE, streamSeed } from '../streams.js';
import { EOS, makeBatch, PAD, passesFormat, scoreResponse, type TaskPrompt } from '../tasks.js';
import { heldOutFor, train, type StepResult, type TrainConfig } from '../trainer.js';
import { mkdirp } from '../../util/fsx.js';

/** Training prompts per family in the replayed advantage batch. */
export const REPLAY_PROMPTS_PER_FAMILY = 8;

export interface RunSpec {
  format: 1;
  label: string;
  estimator: EstimatorConfig;
  seed: number;
  /** The run's TrainConfig (outDir = the run directory, resume auto, init = the base checkpoint). */
  config: TrainConfig;
  base: Pick<BaseInfo, 'hash' | 'dir' | 'step' | 'config'>;
  /** tfjs backend the job selects (auto | wasm | cpu | tensorflow). */
  tfBackend: string;
}

export interface HeldOutScore {
  estimator: string;
  seed: number;
  /** 'final' (after training) or 'base' (the base model on the same prompts). */
  policy: 'final' | 'base';
  mode: 'greedy' | 'sample';
  family: string;
  prompt: string;
  score: number;
  /** 1 when the response passes GoLongRL's format gate (exactly one `</think>`), else 0. */
  format: 0 | 1;
}

export interface AdvantageRow {
  estimator: string;
  seed: number;
  task: string;
  reward_mode: string;
  uid: string;
  score: number;
  advantage: number;
}

export interface RunResult {
  format: 1;
  specHash: string;
  label: string;
  seed: number;
  heldOut: HeldOutScore[];
  advantages: AdvantageRow[];
  /** Wall-clock seconds of the process that finished the run (training + evaluation). */
  seconds: number;
  /** User + system CPU seconds spent on this run (training + evaluation). */
  cpuSeconds: number;
  /** User + system CPU seconds of the whole process up to the result (start-up included): what a Job costs. */
  processCpuSeconds: number;
  /** Steps trained by that process (fewer than config.steps when it resumed). */
  stepsRun: number;
  host: string;
  pid: number;
}

export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export function runDirFor(outDir: string, label: string, seed: number): string {
  return join(outDir, 'runs', `${slug(label)}-s${seed}`);
}

export function specHash(spec: RunSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

function writeJsonAtomic(path: string, v: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(v) + '\n');
  renameSync(tmp, path);
}

export function writeSpec(spec: RunSpec): string {
  const dir = spec.config.outDir as string;
  mkdirp(dir);
  const path = join(dir, 'spec.json');
  writeJsonAtomic(path, spec);
  return path;
}

export function readSpec(path: string): RunSpec {
  const s = JSON.parse(readFileSync(path, 'utf8')) as RunSpec;
  if (s.format !== 1 || !s.config || typeof s.config.outDir !== 'string' || !s.base) throw new Error(`${path}: not a golongrl compare run spec`);
  return s;
}

/** The run's result when it finished with this spec, else null. */
export function readResult(spec: RunSpec): RunResult | null {
  const f = join(spec.config.outDir as string, 'result.json');
  if (!existsSync(f)) return null;
  try {
    const r = JSON.parse(readFileSync(f, 'utf8')) as RunResult;
    return r.specHash === specHash(spec) ? r : null;
  } catch {
    return null;
  }
}

/** The run's metrics history as logged (metrics.jsonl), one entry per step. */
export function readHistory(spec: RunSpec): StepResult[] {
  return readMetrics(join(spec.config.outDir as string, 'metrics.jsonl')).map((l) => ({
    step: l.step,
    metrics: Object.fromEntries(Object.entries(l.data).map(([k, v]) => [k, v ?? NaN])),
  }));
}

/** Per-prompt held-out scores: greedy, and one temperature-1 sample exactly as `evaluate`'s modes (stream (seed, 0, eval)). */
export function heldOutScores(policy: Policy, prompts: readonly TaskPrompt[], config: TrainConfig, label: string, which: 'final' | 'base'): HeldOutScore[] {
  const out: HeldOutScore[] = [];
  const greedy = policy.greedy(prompts.map((p) => p.promptTokens), config.maxNewTokens, EOS, PAD);
  prompts.forEach((p, i) => out.push({ estimator: label, seed: config.seed, policy: which, mode: 'greedy', family: p.family, prompt: p.uid, score: scoreResponse(p, greedy[i]), format: passesFormat(greedy[i]) ? 1 : 0 }));
  const res = policy.sample(
    prompts.map((p) => p.promptTokens),
    { maxNewTokens: config.maxNewTokens, temperature: 1, rng: new Rng(streamSeed(config.seed, 0, PURPOSE.eval)), eosId: EOS, padId: PAD },
  );
  prompts.forEach((p, i) => out.push({ estimator: label, seed: config.seed, policy: which, mode: 'sample', family: p.family, prompt: p.uid, score: scoreResponse(p, res.responses[i]), format: passesFormat(res.responses[i]) ? 1 : 0 }));
  return out;
}

/**
 * The trainer does not keep per-row advantages, so they are recomputed: the final policy samples one
 * fresh scored batch (REPLAY_PROMPTS_PER_FAMILY training prompts per family × n responses, seeded) and
 * `compareEstimators` replays the run's own estimator over it. Zero-variance groups are kept (their
 * advantage is 0), unlike the trainer's dynamic sampling.
 */
export function replayAdvantages(policy: Policy, config: TrainConfig, cfg: EstimatorConfig): AdvantageRow[] {
  const rng = new Rng(streamSeed(config.seed, config.steps + 1, PURPOSE.prompts, 0));
  const prompts = makeBatch(rng, { contextLen: config.contextLen, families: config.families, promptsPerFamily: REPLAY_PROMPTS_PER_FAMILY });
  const flat = prompts.flatMap((p) => Array.from({ length: config.n }, () => p.promptTokens));
  const res = policy.sample(flat, { maxNewTokens: config.maxNewTokens, temperature: 1, rng: new Rng(streamSeed(config.seed, config.steps + 1, PURPOSE.sample, 0)), eosId: EOS, padId: PAD });
  const rows = flat.map((_, r) => {
    const p = prompts[Math.floor(r / config.n)];
    return { step: 1, uid: `${p.uid}-replay-${Math.floor(r / config.n)}`, reward_mode: p.reward_mode, score: scoreResponse(p, res.responses[r]), task: p.family };
  });
  const cmp = compareEstimators(rows, (r) => r.task, [cfg]);
  return rows.map((r, i) => ({ estimator: cfg.label, seed: config.seed, task: r.task, reward_mode: r.reward_mode, uid: r.uid, score: r.score, advantage: cmp.rows[i].advantage }));
}

export interface RunHooks {
  onStep?: (step: number, total: number) => void;
  onNote?: (note: string) => void;
}

/** Run one (estimator, seed): reuse its result, or train (resuming) and evaluate, then write result.json. */
export function runOne(spec: RunSpec, hooks: RunHooks = {}): { result: RunResult; reused: boolean } {
  const done = readResult(spec);
  if (done) return { result: done, reused: true };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const config = spec.config;
  const dir = config.outDir as string;
  // A run cut before its first checkpoint left metric lines but nothing to resume from: the trainer
  // refuses such a directory (ResumeError); this run directory belongs to the compare, so it is
  // started over, with a note (its metric lines are dropped first, so none is doubled).
  try {
    findResumeCheckpoint(dir);
  } catch (e) {
    if (!(e instanceof ResumeError)) throw e;
    const lock = acquireRunLock(dir);
    try {
      rmSync(join(dir, 'metrics.jsonl'), { force: true });
      for (const s of listCheckpoints(dir)) rmSync(stepDir(dir, s), { recursive: true, force: true });
      rmSync(join(dir, LATEST_FILE), { force: true });
    } finally {
      lock.release();
    }
    hooks.onNote?.(`${dir}: interrupted before its first checkpoint; starting this run over from the base`);
  }
  const r = train(config, { onStep: (s) => hooks.onStep?.(s.step, config.steps), onNote: hooks.onNote });
  const heldOut: HeldOutScore[] = [];
  let advantages: AdvantageRow[];
  const prompts = heldOutFor(config);
  try {
    heldOut.push(...heldOutScores(r.policy, prompts, config, spec.label, 'final'));
    advantages = replayAdvantages(r.policy, config, spec.estimator);
  } finally {
    r.policy.dispose();
  }
  const base = loadBase(spec.base);
  try {
    heldOut.push(...heldOutScores(base, prompts, config, spec.label, 'base'));
  } finally {
    base.dispose();
  }
  const cpu = process.cpuUsage(cpu0);
  const result: RunResult = {
    format: 1,
    specHash: specHash(spec),
    label: spec.label,
    seed: spec.seed,
    heldOut,
    advantages,
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    processCpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    stepsRun: r.history.length,
    host: hostname(),
    pid: process.pid,
  };
  writeJsonAtomic(join(config.outDir as string, 'result.json'), result);
  return { result, reused: false };
}
