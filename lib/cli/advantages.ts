/**
 * `golongrl advantages --estimator NAME … FILE.jsonl|-` — replay an advantage estimator over
 * rollouts `{step, uid, reward_mode, score}` (or `input` instead of `uid`). Each distinct
 * `step` is one training batch, so a whole run's rollout dumps replay in one call. Prints the
 * rows back with `advantage` added, in input order; with `--metrics`, prints one line per
 * step instead, shaped like verl's file logger: `{"step": N, "data": {metric: value, …}}`.
 */
import { parseArgs } from 'node:util';
import { listAdvEstimators, replayAdvantages, type ReplayOptions, type ReplayRow } from '../advantage/index.js';
import { FieldError, readJsonl, requireNumber, typeOf } from '../util/jsonl.js';
import { EXIT_OK, LineWriter, Progress, UsageError } from './io.js';

export const ADVANTAGES_HELP = `golongrl advantages --estimator NAME [options] FILE.jsonl|-

Rows: {"step": N, "uid": "...", "reward_mode": "...", "score": x}. When "uid" is absent, rows
with the same "input" text within a step form a group. A uid is a string or a number; 1 and "1" are
different uids (as in Python, where verl groups by them), 1 and 1.0 the same. "reward_mode" is a LongBench-Pro
sub-task name or a reward mode (mapped as the trainer does); required for tmn_grpo and
qwenlong_grpo, optional (default "") for grpo. Optional for upstream verl's estimators: "response_length"
(valid response tokens, used when every row of a step has it) and "components" ({name: score}, GDPO's
per-component rewards; every row of a step names the same components) — docs/advantages.md.
  --estimator NAME          a registered estimator: ${listAdvEstimators().join(', ')}
  --no-std                  grpo: do not divide by the group std (Dr. GRPO)
  --no-task-scale           tmn_grpo: do not divide by the task scale
  --difficulty-reweight     grpo / tmn_grpo: reweight by (smoothed) pass rate
  --difficulty-alpha A      tmn_grpo smoothing alpha in [0, 1] (default 0.5; the GoLongRL script uses 0.8)
  --difficulty-gamma G      reweight sharpness gamma in [0, 10] (default 1.0; weights exp(±G/2) at most,
                            ≈ 148× at 10; a negative gamma would up-weight easy prompts)
  --epsilon E               denominator epsilon > 0 (default 1e-6)
  --metrics                 print per-step metrics ({"step", "data"}) instead of rows
  --skip-bad FILE           append malformed rows to FILE and go on (counted)
  --json                    print the closing summary on stderr as one JSON object`;

const TASK_ESTIMATORS = new Set(['tmn_grpo', 'qwenlong_grpo']);

function parseNumberOption(name: string, v: string | undefined, range?: { min: number; max: number; minOpen?: boolean; why: string }): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${name} needs a number, got '${v}'`);
  if (range && (x > range.max || (range.minOpen ? x <= range.min : x < range.min)))
    throw new UsageError(`--${name} must be in ${range.minOpen ? '(' : '['}${range.min}, ${range.max === Infinity ? '∞)' : `${range.max}]`}, got ${v} (${range.why})`);
  return x;
}

/** The documented ranges (ADVANTAGES_HELP, docs/advantages.md). */
export const ALPHA_RANGE = { min: 0, max: 1, why: 'a convex weight between the prompt mean and the task mean' };
export const GAMMA_RANGE = { min: 0, max: 10, why: 'difficulty weights are exp(±gamma/2) at most; negative gamma would up-weight easy prompts' };
export const EPSILON_RANGE = { min: 0, max: Infinity, minOpen: true, why: 'it keeps the denominator away from 0' };

export function validateAdvantageRow(needMode: boolean) {
  return (o: Record<string, unknown>): ReplayRow => {
    const step = requireNumber(o, 'step');
    const score = requireNumber(o, 'score');
    const uid = o.uid;
    const input = o.input;
    const hasUid = uid !== undefined && uid !== null;
    if (hasUid && typeof uid !== 'string' && typeof uid !== 'number') throw new FieldError('uid', `expected a string or number, got ${typeOf(uid)}`);
    if (!hasUid) {
      if (input === undefined || input === null) throw new FieldError('uid', 'missing (and no "input" to group by)');
      if (typeof input !== 'string') throw new FieldError('input', `expected a string, got ${typeOf(input)}`);
    }
    const mode = o.reward_mode;
    if (mode === undefined || mode === null) {
      if (needMode) throw new FieldError('reward_mode', 'missing (tmn_grpo and qwenlong_grpo normalise per reward mode)');
    } else if (typeof mode !== 'string') throw new FieldError('reward_mode', `expected a string, got ${typeOf(mode)}`);
    return {
      step,
      score,
      // uid 1 and uid "1" are different prompts (Python dict keys: 1 != "1"; 1 == 1.0 as JSON numbers)
      uid: hasUid ? (typeof uid === 'number' ? `n:${uid}` : `s:${uid}`) : undefined,
      input: hasUid ? undefined : (input as string),
      reward_mode: (mode as string | undefined) ?? undefined,
      // Optional, for upstream verl's estimators: valid response tokens, and GDPO's reward components.
      response_length: optionalResponseLength(o),
      components: optionalComponents(o),
    };
  };
}

function optionalResponseLength(o: Record<string, unknown>): number | undefined {
  const L = o.response_length;
  if (L === undefined || L === null) return undefined;
  if (typeof L !== 'number' || !Number.isInteger(L) || L < 1) throw new FieldError('response_length', `expected an integer ≥ 1, got ${JSON.stringify(L)}`);
  return L;
}

function optionalComponents(o: Record<string, unknown>): Record<string, number> | undefined {
  const c = o.components;
  if (c === undefined || c === null) return undefined;
  if (typeof c !== 'object' || Array.isArray(c)) throw new FieldError('components', `expected an object {name: number}, got ${typeOf(c)}`);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(c as Record<string, unknown>)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new FieldError(`components.${k}`, `expected a finite number, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

export async function runAdvantages(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      estimator: { type: 'string' },
      'no-std': { type: 'boolean', default: false },
      'no-task-scale': { type: 'boolean', default: false },
      'difficulty-reweight': { type: 'boolean', default: false },
      'difficulty-alpha': { type: 'string' },
      'difficulty-gamma': { type: 'string' },
      epsilon: { type: 'string' },
      metrics: { type: 'boolean', default: false },
      'skip-bad': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(ADVANTAGES_HELP + '\n');
    return EXIT_OK;
  }
  const estimator = values.estimator;
  if (!estimator) throw new UsageError('--estimator is required');
  if (!listAdvEstimators().includes(estimator))
    throw new UsageError(`unknown estimator '${estimator}'; known: ${listAdvEstimators().join(', ')}`);
  if (positionals.length !== 1) throw new UsageError('advantages needs exactly one input: FILE.jsonl or - for stdin');
  const options: ReplayOptions = {
    normAdvByStd: !values['no-std'],
    normAdvByTaskScale: !values['no-task-scale'],
    difficultyReweight: values['difficulty-reweight'],
    difficultySmoothAlpha: parseNumberOption('difficulty-alpha', values['difficulty-alpha'], ALPHA_RANGE),
    difficultyGamma: parseNumberOption('difficulty-gamma', values['difficulty-gamma'], GAMMA_RANGE),
    epsilon: parseNumberOption('epsilon', values.epsilon, EPSILON_RANGE),
  };

  const progress = new Progress('advantages: read');
  let read = 0;
  const raws: Record<string, unknown>[] = [];
  const rows: ReplayRow[] = [];
  const res = await readJsonl(positionals[0], validateAdvantageRow(TASK_ESTIMATORS.has(estimator)), { skipBad: values['skip-bad'] }, (row) => {
    raws.push(row.raw);
    rows.push(row.value);
    progress.tick(++read);
  });
  progress.done(read);
  const t0 = performance.now();
  const { advantages, steps } = replayAdvantages(rows, estimator, options);
  const secs = (performance.now() - t0) / 1000;

  const out = new LineWriter();
  if (values.metrics) {
    for (const s of steps) await out.line(JSON.stringify({ step: s.step, data: s.metrics }));
  } else {
    for (let i = 0; i < raws.length; i++) {
      raws[i].advantage = advantages[i];
      await out.line(JSON.stringify(raws[i]));
    }
  }
  await out.flush();
  const summary = { estimator, options, rows: rows.length, steps: steps.length, quarantined: res.bad, blank_lines: res.blank, estimator_seconds: secs };
  if (values.json) process.stderr.write(JSON.stringify(summary) + '\n');
  else
    process.stderr.write(
      `${estimator}: ${rows.length} rows in ${steps.length} steps (${secs.toFixed(3)} s)` +
        (res.bad ? `; ${res.bad} bad lines written to ${values['skip-bad']}` : '') +
        '\n',
    );
  return EXIT_OK;
}
