/**
 * The cluster layer's shared vocabulary: what a job runs (`Payload`), on what (`Resources`), with which
 * environment (`JobSpec`), and the one `Job` handle every backend returns (modelled on submitit's Job and
 * concurrent.futures: id, state, wait, logs, cancel, paths).
 *
 * Layering: recipes (`cluster/recipes/`, `lib/cluster/recipe*.ts`) produce a `JobSpec`; backends
 * (`lib/cluster/backends/*.ts`) turn a `JobSpec` into a running `Job`; the eval loop (`lib/eval/`) builds
 * its own `JobSpec`s. Nothing here imports a backend.
 */

/** Where a job runs. `local` is the embedded default (a child process on this machine). */
export type BackendKind = 'local' | 'slurm' | 'ray' | 'skypilot';

export const BACKEND_KINDS: readonly BackendKind[] = ['local', 'slurm', 'ray', 'skypilot'];

/**
 * What runs inside the allocation.
 * - `verl`: bring up a Ray cluster over the allocated nodes, then run the verl driver
 *   (`entrypoint` + Hydra `overrides`, each override one argv element, never shell-joined).
 * - `command`: run `argv` as is (no shell). `perNode`: one task on every allocated node (srun), else one
 *   task on the first node. This is the payload switch that lets the Slurm path run the local trainer
 *   (`node bin/golongrl.mjs train …`) where Ray and verl cannot be installed.
 */
export type Payload =
  | { kind: 'verl'; entrypoint: readonly string[]; overrides: readonly string[]; workdir?: string }
  | { kind: 'command'; argv: readonly string[]; perNode?: boolean; workdir?: string };

export interface Resources {
  nodes: number;
  gpusPerNode: number;
  cpusPerTask?: number;
  /** Slurm time limit, e.g. '72:00:00'. */
  timeLimit?: string;
  partition?: string;
  account?: string;
  qos?: string;
  /** Generic resources, e.g. 'gpu:8' (Slurm `--gres`; replaces `--gpus-per-node` when set). */
  gres?: string;
  memory?: string;
}

export interface JobSpec {
  /** Human name; may contain any characters (backends must quote or sanitise it, never interpolate it raw). */
  name: string;
  payload: Payload;
  resources: Resources;
  /** Non-secret environment, written into scripts and records as is. */
  env: Readonly<Record<string, string>>;
  /**
   * Names (never values) of secret variables the job needs (WANDB_API_KEY, judge keys). Values come from
   * the submitting process's environment or an env file with mode 0600 and reach the job only through the
   * environment — never a generated script, an argv element, a record on disk or a log line.
   */
  secretEnv: readonly string[];
  /** Where the recipe came from, for `status`/`list` (e.g. 'qwen3-4b-tmn-reweight'). */
  recipe?: string;
  /**
   * Environment set-up lines (module load, conda/venv activation) the launch file runs on every node before
   * Ray or the payload starts (Slurm, SkyPilot). The user's own shell commands, run as written.
   */
  setup?: readonly string[];
}

/** Normalised job states (Slurm's vocabulary; other backends map onto it). */
export type JobState =
  | 'PENDING'
  | 'RUNNING'
  | 'COMPLETING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TIMEOUT'
  | 'PREEMPTED'
  | 'REQUEUED'
  | 'NODE_FAIL'
  | 'OUT_OF_MEMORY'
  | 'UNKNOWN';

export const TERMINAL_STATES: readonly JobState[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY'];

export function isTerminal(s: JobState): boolean {
  return TERMINAL_STATES.includes(s);
}

export interface JobPaths {
  /** `runs/jobs/<id>/` */
  dir: string;
  /** The persisted record (`job.json`) that lets a restarted process re-attach. */
  record: string;
  stdout: string;
  stderr: string;
  /** Generated launch file (sbatch script, SkyPilot YAML, Ray request body), when there is one. */
  script?: string;
}

export interface LogOptions {
  /** Keep yielding new lines until the job reaches a terminal state (or `signal` aborts). */
  follow?: boolean;
  stream?: 'stdout' | 'stderr';
  signal?: AbortSignal;
  /** Longest pause between two looks while following (default 5000 ms; `submit --wait` uses 500). */
  maxDelayMs?: number;
}

export interface WaitOptions {
  /** Give up (and return the last state) after this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Job {
  /** Our id (stable, filesystem-safe); the backend's own id is `backendId`. */
  readonly id: string;
  readonly backend: BackendKind;
  readonly backendId: string;
  readonly name: string;
  readonly paths: JobPaths;
  state(): Promise<JobState>;
  /** Resolves with the terminal state (polling with backoff). */
  wait(opts?: WaitOptions): Promise<JobState>;
  /** Log lines (without trailing newline). */
  logs(opts?: LogOptions): AsyncIterable<string>;
  cancel(): Promise<void>;
}
