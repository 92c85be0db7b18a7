/**
 * Phased cluster recipes: QwenLong-L1's progressive context scaling (GOLONGRL.md §F: RL in phases of
 * growing input length, 20K → 60K) as ONE JOB PER PHASE, because verl has no phase scheduler.
 *
 * A `PhasedRecipe` is an ordered list of phases, each a full `ClusterRecipe` derived from a base
 * (`deriveRecipe`, lib/cluster/recipe.ts) with its own prompt length, train file, step budget and
 * checkpoint dir. Phase k changes these verl keys of the base (checked against cluster/verl_schema/keys.json):
 *
 *   data.max_prompt_length                                  = L_k (the phase's length)
 *   actor_rollout_ref.rollout.max_model_len                 = L_k + max_response_length (as the reference: prompt + response)
 *   actor_rollout_ref.actor.ppo_max_token_len_per_gpu       = (L_k + R) · micro / CP  (the reference's formula)
 *   actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu = (L_k + R) / CP          (idem)
 *   data.train_files                                        = the phase's train file
 *   trainer.default_local_dir, +data.filtered_cache_dir,
 *   trainer.rollout_data_dir                                = <base ckpt dir>phase<k>-<L_k/1024>k/
 *   trainer.total_training_steps                            = s_1 + … + s_k (ABSOLUTE: see below)
 *   trainer.resume_mode / trainer.resume_from_path          = phase 1: the base's (auto);
 *                                                             phase k > 1: resume_path, <phase k-1 dir>/global_step_<s_1+…+s_{k-1}>
 *
 * Resume semantics of the pinned fork (`Train/verl/verl/trainer/ppo/ray_trainer.py` `_load_checkpoint`,
 * `recipe/dapo/dapo_ray_trainer.py` `fit`, xiaoxuanNLP/GoLongRL): with `resume_mode=resume_path` the path
 * must contain `global_step_` (asserted) and `global_steps` is set to the number after it; the loop then
 * runs from global_steps+1 while `global_steps < total_training_steps` — so total_training_steps is the
 * cumulative end step, not the phase's own count, and the phase-2 metrics continue at s_1+1. The actor
 * (weights, optimizer, lr scheduler — the warm-up is not redone) and the dataloader state `data.pt` are
 * loaded from that folder. A phase saves its last step (save_freq > 0 and is_last_step), which is the
 * `global_step_<end>` the next phase resumes from. Separate checkpoint dirs per phase keep phase k's final
 * checkpoint out of phase k+1's rotation (max_actor_ckpt_to_keep). Caveats (docs/cluster-recipes.md):
 * phase k+1 loads phase k's `data.pt` into a loader over ANOTHER file; a requeued phase k > 1 resumes from
 * phase k-1 again unless resubmitted with `--override trainer.resume_mode=auto`.
 *
 * Chaining the phases' jobs (Slurm afterok, or a wait-driven driver) is lib/cluster/chain.ts: this file is
 * the recipe side only (pure rendering, no Job machinery), so recipe data can import it cheaply.
 *
 * Local-trainer payload (no GPUs): the local trainer has no resume-from-path, but resumes from the latest
 * checkpoint of its `--out`, and its policy's size depends on the longest context of its curriculum. So the
 * phases map onto CHAINED local jobs sharing one `--out`, each carrying the WHOLE schedule as
 * `--curriculum` (lengths scaled: shortest phase → 8 tokens, the others in proportion, 20K:60K → 8:24) and
 * `--steps` = the phase's cumulative end: phase k resumes at s_1+…+s_{k-1} and trains its own steps at its
 * own length. The local recipe (tiny/sample-suite) is chosen from the LAST phase's end for every phase.
 */
import { join } from 'node:path';
import { deriveRecipe, type ClusterRecipe } from './recipe.js';
import { LOCAL_TINY_MAX_STEPS, recipeToJobSpec, renderDryRun, renderValue, type RenderOptions } from './render.js';
import type { JobSpec } from './types.js';

export interface PhaseDef {
  /** Short label, e.g. '20k'. Default `<L/1024>k`. */
  label?: string;
  /** data.max_prompt_length of the phase (tokens). */
  maxPromptLength: number;
  /** data.train_files of the phase (jsonl). */
  trainFile: string;
  /** Training steps of this phase (its own count; the job's total_training_steps is the cumulative end). */
  steps: number;
}

export interface Phase {
  /** 1-based. */
  index: number;
  label: string;
  recipe: ClusterRecipe;
  steps: number;
}

export interface PhasedRecipe {
  name: string;
  description: string;
  /** Where the schedule comes from (for the dry run). */
  source: string;
  base: ClusterRecipe;
  phases: readonly Phase[];
}

function posInt(what: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer, got ${n}`);
  return n;
}

/** The base with phase k's length, budgets, train file and checkpoint dir (see the file comment). */
export function derivePhaseRecipe(base: ClusterRecipe, def: PhaseDef, index: number, phasedName: string): ClusterRecipe {
  const L = posInt(`phase ${index} maxPromptLength`, def.maxPromptLength);
  const R = base.data.maxResponseLength;
  const cp = base.megatron.cp;
  const micro = base.actor.ppoMicroBatchSizePerGpu;
  const total = L + R;
  if ((total * micro) % cp !== 0 || total % cp !== 0) throw new RangeError(`phase ${index}: (max_prompt_length ${L} + max_response_length ${R}) must be divisible by context parallel size ${cp}`);
  const label = def.label ?? `${Math.round(L / 1024)}k`;
  const base_ = base.paths.ckptDir.endsWith('/') ? base.paths.ckptDir : base.paths.ckptDir + '/';
  const ckptDir = `${base_}phase${index}-${label}/`;
  return deriveRecipe(base, {
    name: `${phasedName}:phase${index}`,
    description: `phase ${index} of ${phasedName}: ${base.name} at ${L}-token prompts / ${R}-token responses`,
    paths: { trainFile: def.trainFile, ckptDir, rolloutDataDir: `${ckptDir}rollout_outputs` },
    data: { maxPromptLength: L },
    rollout: { maxModelLen: total, logProbMaxTokenLenPerGpu: total / cp },
    actor: { ppoMaxTokenLenPerGpu: (total * micro) / cp },
    trainer: { resumeMode: index === 1 ? base.trainer.resumeMode : 'resume_path' },
  });
}

export function phasedRecipe(o: { name: string; description: string; source: string; base: ClusterRecipe; phases: readonly PhaseDef[] }): PhasedRecipe {
  if (o.phases.length < 1) throw new RangeError(`phased recipe '${o.name}' has no phases`);
  const phases = o.phases.map((d, i) => ({
    index: i + 1,
    label: d.label ?? `${Math.round(d.maxPromptLength / 1024)}k`,
    recipe: derivePhaseRecipe(o.base, d, i + 1, o.name),
    steps: posInt(`phase ${i + 1} steps`, d.steps),
  }));
  return Object.freeze({ name: o.name, description: o.description, source: o.source, base: o.base, phases: Object.freeze(phases) });
}

// ───────────────────────────── phases → job specs ─────────────────────────────

export interface PhasedRenderOptions extends Omit<RenderOptions, 'trainerSteps'> {
  /** Per-phase step budgets replacing the recipe's (same length as the phases). */
  phaseSteps?: readonly number[];
}

export interface PhaseJob {
  phase: number;
  of: number;
  label: string;
  recipe: ClusterRecipe;
  spec: JobSpec;
  /** Global steps this phase trains: start+1 … end. */
  startStep: number;
  endStep: number;
  /** The phase's checkpoint dir (verl: trainer.default_local_dir as written in the recipe; local trainer: --out). */
  outDir: string;
  /** `<outDir>/global_step_<endStep>`: what the next phase resumes from. */
  finalCheckpoint: string;
  /** Phase k-1's finalCheckpoint (null for phase 1). */
  resumeFrom: string | null;
  /** Local-trainer payload: the context length of this phase's prompts in the local curriculum. */
  localContextLen?: number;
}

/** Local curriculum lengths: the shortest phase → 8 tokens, others in proportion (even, ≤ 512). */
export function localContextLens(lengths: readonly number[]): number[] {
  const min = Math.min(...lengths);
  return lengths.map((L) => Math.min(512, 2 * Math.round((8 * L) / min / 2)));
}

function setFlag(argv: string[], flag: string, value: string): void {
  const i = argv.indexOf(flag);
  if (i >= 0) argv[i + 1] = value;
  else argv.push(flag, value);
}

function withSlash(d: string): string {
  return d.endsWith('/') ? d : d + '/';
}

/** One JobSpec per phase (verl overrides schema-validated by renderOverrides), phase k+1 resuming from phase k's final checkpoint. */
export function phasedJobSpecs(p: PhasedRecipe, opts: PhasedRenderOptions = {}): PhaseJob[] {
  const payload = opts.payload ?? 'verl';
  const steps = opts.phaseSteps ? [...opts.phaseSteps] : p.phases.map((ph) => ph.steps);
  if (steps.length !== p.phases.length) throw new RangeError(`phased recipe '${p.name}' has ${p.phases.length} phases, got ${steps.length} step budgets`);
  steps.forEach((s, i) => posInt(`phase ${i + 1} steps`, s));
  const ends = steps.map((_, i) => steps.slice(0, i + 1).reduce((a, b) => a + b, 0));
  const K = p.phases.length;
  const jobs: PhaseJob[] = [];
  if (payload === 'local-trainer') {
    const out = opts.outDir ?? `runs/cluster-${p.name}`;
    const lens = localContextLens(p.phases.map((ph) => ph.recipe.data.maxPromptLength));
    const curriculum = lens.map((c, i) => (i < K - 1 ? `${c}:${steps[i]}` : `${c}`)).join(',');
    const localRecipe = ends[K - 1] <= LOCAL_TINY_MAX_STEPS ? 'tiny' : 'sample-suite';
    for (const ph of p.phases) {
      const k = ph.index;
      const spec = recipeToJobSpec(ph.recipe, { ...opts, payload, trainerSteps: ends[k - 1], outDir: out });
      if (spec.payload.kind !== 'command') throw new Error('expected a command payload');
      const argv = [...spec.payload.argv];
      setFlag(argv, '--recipe', localRecipe);
      setFlag(argv, '--resume', 'auto');
      argv.push('--curriculum', curriculum);
      jobs.push({
        phase: k,
        of: K,
        label: ph.label,
        recipe: ph.recipe,
        spec: { ...spec, name: `${ph.recipe.experimentName} [phase ${k}/${K} ${ph.label}]`, payload: { ...spec.payload, argv }, recipe: ph.recipe.name },
        startStep: k === 1 ? 0 : ends[k - 2],
        endStep: ends[k - 1],
        outDir: out,
        finalCheckpoint: join(out, `global_step_${ends[k - 1]}`),
        resumeFrom: k === 1 ? null : join(out, `global_step_${ends[k - 2]}`),
        localContextLen: lens[k - 1],
      });
    }
    return jobs;
  }
  for (const ph of p.phases) {
    const k = ph.index;
    const outDir = opts.outDir !== undefined ? `${withSlash(opts.outDir)}phase${k}-${ph.label}/` : ph.recipe.paths.ckptDir;
    const prev = jobs[k - 2];
    const resumeFrom = prev ? `${withSlash(prev.outDir)}global_step_${prev.endStep}` : null;
    const resumeOv = resumeFrom !== null ? [`trainer.resume_from_path=${renderValue(resumeFrom)}`] : [];
    const spec = recipeToJobSpec(ph.recipe, { ...opts, payload, trainerSteps: ends[k - 1], outDir, overrides: [...resumeOv, ...(opts.overrides ?? [])] });
    jobs.push({
      phase: k,
      of: K,
      label: ph.label,
      recipe: ph.recipe,
      spec: { ...spec, name: `${ph.recipe.experimentName} [phase ${k}/${K} ${ph.label}]`, recipe: ph.recipe.name },
      startStep: k === 1 ? 0 : ends[k - 2],
      endStep: ends[k - 1],
      outDir,
      finalCheckpoint: `${withSlash(outDir)}global_step_${ends[k - 1]}`,
      resumeFrom,
    });
  }
  return jobs;
}

/** `golongrl submit PHASED --dry-run`: the phase table, then every phase's own dry run. */
export function renderPhasedDryRun(p: PhasedRecipe, opts: PhasedRenderOptions = {}): string {
  const jobs = phasedJobSpecs(p, opts);
  const local = (opts.payload ?? 'verl') === 'local-trainer';
  const L: string[] = [];
  L.push(`phased recipe ${p.name} — ${p.description}`);
  L.push(`schedule: ${p.source}`);
  L.push(`base: ${p.base.name}; ${jobs.length} phases, one job each (verl has no phase scheduler)`);
  for (const j of jobs) {
    const r = j.recipe;
    L.push(
      `  phase ${j.phase}/${j.of} ${j.label}: max_prompt_length ${r.data.maxPromptLength}, max_model_len ${r.rollout.maxModelLen}, ppo_max_token_len_per_gpu ${r.actor.ppoMaxTokenLenPerGpu}, log_prob_max_token_len_per_gpu ${r.rollout.logProbMaxTokenLenPerGpu}` +
        `${local ? ` (local curriculum length ${j.localContextLen})` : ''}`,
    );
    L.push(`    train ${r.paths.trainFile}; global steps ${j.startStep + 1}–${j.endStep} (total_training_steps ${j.endStep}); out ${j.outDir}`);
    L.push(`    ${j.resumeFrom === null ? `resume: ${r.trainer.resumeMode} (own dir)` : `resume from ${j.resumeFrom} (phase ${j.phase - 1}'s final checkpoint)`}; final checkpoint ${j.finalCheckpoint}`);
  }
  L.push('chaining: slurm: phase k+1 is submitted with --dependency=afterok:<phase k job id>; local/ray/skypilot: the submitting process submits phase k+1 once phase k is COMPLETED');
  for (const j of jobs) {
    L.push('', `── phase ${j.phase}/${j.of} (${j.label}) ──`);
    const ro: RenderOptions = { ...opts, trainerSteps: j.endStep, outDir: j.outDir, overrides: j.spec.payload.kind === 'verl' ? j.spec.payload.overrides.filter((o) => o.startsWith('trainer.resume_from_path=')).concat(opts.overrides ?? []) : [] };
    let text = renderDryRun(j.recipe, ro).trimEnd();
    if (j.spec.payload.kind === 'command') {
      const argv = j.spec.payload.argv;
      text = text.replace(/^command: .*$/m, `command: ${argv.map((a) => (/^[A-Za-z0-9_\-./=:@%+,]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')}`);
    }
    L.push(text);
  }
  return L.join('\n') + '\n';
}
