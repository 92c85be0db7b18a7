/**
 * `golongrl data <subverb>` — the dataset layer on the command line:
 *
 *   validate FILE          check every row of a GoLongRL dataset (JSONL or parquet)
 *   profile FILE           rows per capability / reward type / reward mode / source, prompt lengths
 *   sample                 regenerate the shipped SAMPLE dataset and rollout-dump fixture
 *   rollouts DIR|FILE      read a verl rollout dump, join reward modes, print replayable rows
 *   mix                    a short/long mixture by prompt tokens as one pre-mixed train file + manifest
 *
 * Errors follow the other verbs: a bad row exits 2 naming file, line (JSONL) or row (parquet) and
 * field, unless `--skip-bad FILE` quarantines it. See docs/data.md.
 */
import { textTable } from '../util/table.js';
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { CAPABILITIES } from '../data/capabilities.js';
import { readDataset, type ReadProgress } from '../data/dataset.js';
import { profileDataset, type DataProfile, type LengthStats, type TokenMode } from '../data/profile.js';
import { buildPromptIndex, readRolloutDump, writeDumpFixture, DUMP_FIXTURE_OPTIONS } from '../data/rollout_dump.js';
import { SAMPLE_SEED, writeSample } from '../data/sample_generator.js';
import { mixDatasets, MixShortfallError, ParquetShapeError, type MixManifest, type MixProgress } from '../data/mix.js';
import { EXIT_BAD_INPUT, EXIT_OK, intOption, LineWriter, Progress, UsageError } from './io.js';
import { InputError } from '../util/jsonl.js';
import { mkdirp } from '../util/fsx.js';

export const DATA_HELP = `golongrl data <subverb> [options]

  validate FILE [--skip-bad Q.jsonl] [--json] [--progress]
      Check every row of a GoLongRL/verl dataset (.jsonl, or .parquet) against the schema
      (docs/data.md): data_source, prompt[{role, content}], reward_model.ground_truth, extra_info.
      The first bad row exits 2 naming file, line (JSONL, 1-based) or row (parquet, 0-based) and
      field; with --skip-bad every bad row is appended to Q.jsonl and counted, and the exit code
      is 2 if there was any.

  profile FILE [--tokens exact|chars] [--cache-dir DIR | --no-cache] [--plot OUT.png|OUT.svg]
               [--skip-bad Q.jsonl] [--json] [--progress]
      Rows per capability, reward type, reward mode, data source and ability, and prompt-length
      distributions (min/p50/p90/max/mean). --tokens exact (default) counts Qwen3 tokens of the
      chat-templated prompt, cached by content hash under DIR (default .cache/tokens, or
      $GOLONGRL_CACHE_DIR/tokens); --tokens chars counts characters only (fast).
      --plot draws a faceted histogram of prompt length by capability.

  sample [--out DIR] [--seed N]
      Regenerate the SAMPLE dataset (DIR/golongrl_SAMPLE_synthetic.{jsonl,parquet}, seed ${SAMPLE_SEED})
      and the rollout-dump fixture (DIR/rollout_dump/<step>.jsonl, DIR/rollout_dump_prompts.jsonl).
      Default DIR: data/sample. The same seed gives byte-identical files.

  rollouts DIR|FILE [--dataset FILE] [--skip-bad Q.jsonl] [--json]
      Read a verl rollout dump (trainer.rollout_data_dir: one <step>.jsonl per step) and print one
      JSON line per trajectory with reward_mode / data_source / capability joined from --dataset by
      prompt text (a reward_mode already on the line wins). Pipe into
      'golongrl advantages --estimator tmn_grpo -'.

  mix --short A --long B | --from FILE --threshold N   --short-fraction F --out OUT.jsonl|OUT.parquet
      [--tokens exact|chars] [--total-tokens N] [--seed S] [--no-shuffle] [--allow-shortfall]
      [--cache-dir DIR | --no-cache] [--skip-bad Q.jsonl] [--json] [--progress]
      Write a short/long mixture whose short share of prompt tokens is as close as possible to F
      (dGRPO: 0.1) as one pre-mixed train file for verl, plus OUT.manifest.json (sources with
      sha256, rows and tokens per side, achieved share, seed, command). Short/long come from two
      files, or from one file split at N tokens (short: tokens <= N). All long rows are kept (or,
      with --total-tokens N, a seeded-shuffle prefix holding about (1-F)*N tokens); short rows are
      added in seeded-shuffle order until the share is closest to F; the output order is a seeded
      shuffle (--no-shuffle: short then long, file order). Rows are copied unchanged (JSONL lines
      byte for byte). Tokens as in profile (default exact). If all short rows stay below F the
      command exits 2 naming the largest --total-tokens that works, unless --allow-shortfall.

  --json       print the summary (validate, profile, rollouts, mix) as one JSON object
  --progress   show the progress line even when stderr is not a terminal`;

function progressFor(label: string, force: boolean) {
  let bar: Progress | undefined;
  let rows = 0;
  return {
    onProgress: (p: ReadProgress) => {
      bar ??= new Progress(label, p.totalRows, force);
      rows = p.rows;
      bar.tick(p.rows);
    },
    done: () => bar?.done(rows),
  };
}

async function runValidate(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'skip-bad': { type: 'string' }, json: { type: 'boolean', default: false }, progress: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) return help();
  if (positionals.length !== 1) throw new UsageError('data validate needs exactly one input: FILE.jsonl, FILE.parquet or - (JSONL on stdin)');
  const file = positionals[0];
  const progress = progressFor('validate', values.progress);
  const byCap: Record<string, number> = {};
  const byRt: Record<string, number> = {};
  const byDs: Record<string, number> = {};
  const t0 = performance.now();
  const res = await readDataset(
    file,
    (row) => {
      byCap[row.value.capability] = (byCap[row.value.capability] ?? 0) + 1;
      byRt[row.value.reward_type] = (byRt[row.value.reward_type] ?? 0) + 1;
      byDs[row.value.data_source] = (byDs[row.value.data_source] ?? 0) + 1;
    },
    { skipBad: values['skip-bad'], onProgress: progress.onProgress },
  );
  progress.done();
  const seconds = (performance.now() - t0) / 1000;
  const summary = {
    file,
    format: res.format,
    bytes: res.bytes,
    valid: res.bad === 0,
    rows: res.rows,
    quarantined: res.bad,
    quarantine_file: res.bad ? values['skip-bad'] : null,
    blank_lines: res.blank,
    seconds,
    by_capability: Object.fromEntries(CAPABILITIES.filter((c) => byCap[c]).map((c) => [c, byCap[c]])),
    by_reward_type: sorted(byRt),
    by_data_source: sorted(byDs),
  };
  if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else {
    const lines = [
      `${file} (${res.format}, ${mb(res.bytes)}): ${res.rows} valid rows` + (res.bad ? `, ${res.bad} bad rows written to ${values['skip-bad']}` : '') + (res.blank ? `, ${res.blank} blank lines` : ''),
      ...Object.entries(summary.by_capability).map(([c, n]) => `  ${c.padEnd(22)} ${String(n).padStart(7)}`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  return res.bad ? EXIT_BAD_INPUT : EXIT_OK;
}

const sorted = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const mb = (b: number) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(1)} MB`);

function statsCells(s: LengthStats | null): string[] {
  if (!s) return ['-', '-', '-', '-'];
  return [s.min, s.p50, s.p90, s.max].map((x) => String(Math.round(x)));
}


export function formatProfile(p: DataProfile): string {
  const unit = p.token_mode === 'exact' ? 'tokens' : 'chars';
  const pick = (g: { tokens: LengthStats | null; chars: LengthStats | null }) => (unit === 'tokens' ? g.tokens : g.chars);
  const capRows = Object.entries(p.by_capability).map(([c, g]) => [c, String(g!.rows), Object.keys(g!.reward_types).join(','), ...statsCells(pick(g!))]);
  const modeRows = Object.entries(p.by_reward_mode).map(([m, g]) => [m || '<none>', String(g.rows), g.reward_type, ...statsCells(pick(g))]);
  const out = [
    `${p.file} (${p.format}, ${mb(p.bytes)}): ${p.rows} rows` + (p.quarantined ? `, ${p.quarantined} quarantined` : '') + ` in ${p.seconds.toFixed(1)} s (${p.mb_per_s.toFixed(1)} MB/s, ${p.rows_per_s.toFixed(0)} rows/s)`,
    p.token_mode === 'exact'
      ? `prompt length in Qwen3 tokens of the chat-templated prompt` + (p.cache ? ` (cache: ${p.cache.hits} hits, ${p.cache.misses} misses)` : '') + `; ${p.over_max_prompt} rows over max_prompt_length ${p.max_prompt_tokens}`
      : 'prompt length in characters of the chat-templated prompt (--tokens exact for Qwen3 tokens)',
    '',
    textTable(['capability', 'rows', 'reward', `min ${unit}`, 'p50', 'p90', 'max'], capRows),
    '',
    textTable(['reward_mode (extra_info)', 'rows', 'reward', `min ${unit}`, 'p50', 'p90', 'max'], modeRows),
    '',
    `data sources: ${Object.entries(p.by_data_source).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `abilities: ${Object.entries(p.by_ability).map(([k, n]) => `${k} ${n}`).join(', ')}`,
  ];
  return out.join('\n');
}

async function runProfile(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      tokens: { type: 'string', default: 'exact' },
      'cache-dir': { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      plot: { type: 'string' },
      'skip-bad': { type: 'string' },
      json: { type: 'boolean', default: false },
      progress: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) return help();
  if (positionals.length !== 1) throw new UsageError('data profile needs exactly one input: FILE.jsonl, FILE.parquet or - (JSONL on stdin)');
  const mode = values.tokens as TokenMode;
  if (mode !== 'exact' && mode !== 'chars') throw new UsageError(`--tokens must be exact or chars, got '${values.tokens}'`);
  if (values['no-cache'] && values['cache-dir']) throw new UsageError('--no-cache and --cache-dir exclude each other');
  if (values.plot && !/\.(png|svg)$/i.test(values.plot)) throw new UsageError(`--plot needs a .png or .svg path, got '${values.plot}'`);
  const progress = progressFor('profile', values.progress);
  const { profile, lengths } = await profileDataset(positionals[0], {
    tokens: mode,
    cacheDir: values['no-cache'] ? null : values['cache-dir'],
    skipBad: values['skip-bad'],
    onProgress: progress.onProgress,
    collectLengths: Boolean(values.plot),
  });
  progress.done();
  if (values.plot) {
    const { facetedHistogram, toPng, toSvg } = await import('../plot/index.js');
    const present = CAPABILITIES.filter((c) => profile.by_capability[c]);
    const fig = facetedHistogram(lengths, {
      x: mode === 'exact' ? 'tokens' : 'chars',
      facet: 'capability',
      facetOrder: present,
      title: `Prompt length by capability — ${positionals[0]}`,
      subtitle: `${profile.rows} rows; ${mode === 'exact' ? 'Qwen3 tokens' : 'characters'} of the chat-templated prompt`,
      xLabel: mode === 'exact' ? 'prompt tokens (Qwen3)' : 'prompt characters',
    });
    mkdirp(dirname(values.plot));
    writeFileSync(values.plot, /\.svg$/i.test(values.plot) ? toSvg(fig) : toPng(fig));
  }
  if (values.json) process.stdout.write(JSON.stringify(profile) + '\n');
  else process.stdout.write(formatProfile(profile) + (values.plot ? `\n\nplot: ${values.plot}` : '') + '\n');
  return EXIT_OK;
}

async function runSample(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { out: { type: 'string', default: 'data/sample' }, seed: { type: 'string', default: String(SAMPLE_SEED) }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) return help();
  if (positionals.length) throw new UsageError(`data sample takes no positional arguments (got '${positionals[0]}'); use --out DIR`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed needs a non-negative integer, got '${values.seed}'`);
  const ds = await writeSample(values.out, seed);
  const dump = writeDumpFixture(values.out);
  process.stdout.write(
    [
      `SAMPLE dataset (seed ${seed}, ${ds.rows} rows): ${ds.jsonl}`,
      `                                     ${ds.parquet}`,
      `rollout-dump fixture (syntheticRollouts seed ${DUMP_FIXTURE_OPTIONS.seed}, ${dump.rows} rows): ${dump.files.join(', ')}`,
      `  prompts to join it with: ${dump.prompts}`,
    ].join('\n') + '\n',
  );
  return EXIT_OK;
}

async function runRollouts(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { dataset: { type: 'string' }, 'skip-bad': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) return help();
  if (positionals.length !== 1) throw new UsageError('data rollouts needs exactly one input: a rollout dump directory or one <step>.jsonl');
  const join = values.dataset ? await buildPromptIndex(values.dataset) : undefined;
  const res = await readRolloutDump(positionals[0], { join, skipBad: values['skip-bad'] });
  if (res.files.length === 0)
    throw InputError.at(positionals[0], 'directory', `no <step>.jsonl files${res.skipped.length ? ` (${res.skipped.length} other entries: ${res.skipped.slice(0, 3).map((x) => x.file).join(', ')}${res.skipped.length > 3 ? ', …' : ''})` : ''}: not a verl rollout dump (trainer.rollout_data_dir)`);
  const out = new LineWriter();
  for (const r of res.rows) {
    const line: Record<string, unknown> = { step: r.step, input: r.input, output: r.output, gts: r.gts, score: r.score, ...r.extra };
    if (r.reward_mode !== undefined) line.reward_mode = r.reward_mode;
    if (r.data_source !== undefined) line.data_source = r.data_source;
    if (r.capability !== undefined) line.capability = r.capability;
    await out.line(JSON.stringify(line));
  }
  await out.flush();
  const summary = { files: res.files.length, rows: res.rows.length, steps: new Set(res.rows.map((r) => r.step)).size, quarantined: res.bad, joined: res.joined, unmatched: res.unmatched, skipped: res.skipped };
  if (values.json) process.stderr.write(JSON.stringify(summary) + '\n');
  else {
    // Entries of the dump directory that are not step files are never dropped silently.
    for (const s of res.skipped) process.stderr.write(`skipped ${s.file}: ${s.reason}\n`);
    process.stderr.write(
      `read ${summary.rows} trajectories from ${summary.files} files (${summary.steps} steps)` +
        (res.skipped.length ? `; ${res.skipped.length} other entries skipped (listed above)` : '') +
        (join ? `; reward_mode joined for ${res.joined}, no dataset prompt for ${res.unmatched}` : '') +
        (res.bad ? `; ${res.bad} bad lines written to ${values['skip-bad']}` : '') +
        '\n',
    );
  }
  return EXIT_OK;
}

function mixProgress(force: boolean) {
  let bar: Progress | undefined;
  let key = '';
  let last = 0;
  return (p: MixProgress) => {
    const k = `${p.phase} ${p.file}`;
    if (k !== key) {
      bar?.done(last);
      key = k;
      bar = new Progress(`mix: ${k}`, p.total !== undefined ? Math.round(p.total) : undefined, force, p.unit);
    }
    last = Math.round(p.done);
    bar!.tick(last);
  };
}

export function formatMix(m: MixManifest, manifestFile: string, seconds: number): string {
  const pct = (x: number) => `${(100 * x).toFixed(3)}%`;
  const rows = m.sources.map((s) => [s.role, s.file, s.format, String(s.rows), String(s.quarantined), String(s.tokens), String(s.selected_rows), String(s.selected_tokens)]);
  return [
    `${m.output.file} (${m.output.format}, ${mb(m.output.bytes)}): ${m.output.rows} rows, ${m.total_tokens} ${m.token_measure === 'exact' ? 'Qwen3 tokens' : 'chars'} in ${seconds.toFixed(1)} s`,
    `short share ${pct(m.achieved_short_fraction)} (${m.achieved_short_fraction_exact}) for target ${pct(m.target_short_fraction)}` +
      (m.granularity_bound !== null ? `; |error| ${pct(m.abs_error)} <= bound ${pct(m.granularity_bound)}` : '; TARGET NOT REACHED (short rows exhausted)'),
    `short ${m.short.selected_rows}/${m.short.available_rows} rows, long ${m.long.selected_rows}/${m.long.available_rows} rows; seed ${m.seed}` +
      (m.quarantined ? `; ${m.quarantined} bad rows written to ${m.quarantine_file}` : ''),
    '',
    textTable(['role', 'file', 'format', 'rows', 'bad', 'tokens', 'chosen rows', 'chosen tokens'], rows),
    '',
    `manifest: ${manifestFile}`,
  ].join('\n');
}

async function runMix(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      short: { type: 'string' },
      long: { type: 'string' },
      from: { type: 'string' },
      threshold: { type: 'string' },
      'short-fraction': { type: 'string' },
      tokens: { type: 'string', default: 'exact' },
      'total-tokens': { type: 'string' },
      seed: { type: 'string', default: '0' },
      'no-shuffle': { type: 'boolean', default: false },
      'allow-shortfall': { type: 'boolean', default: false },
      out: { type: 'string' },
      'cache-dir': { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      'skip-bad': { type: 'string' },
      json: { type: 'boolean', default: false },
      progress: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) return help();
  if (positionals.length) throw new UsageError(`data mix takes no positional arguments (got '${positionals[0]}'); use --short/--long or --from`);
  const twoFiles = values.short !== undefined || values.long !== undefined;
  const oneFile = values.from !== undefined || values.threshold !== undefined;
  if (twoFiles === oneFile) throw new UsageError('data mix needs either --short A --long B, or --from FILE --threshold N');
  if (twoFiles && (values.short === undefined || values.long === undefined)) throw new UsageError('--short and --long go together');
  if (oneFile && (values.from === undefined || values.threshold === undefined)) throw new UsageError('--from and --threshold go together');
  if (values.out === undefined) throw new UsageError('data mix needs --out OUT.jsonl or OUT.parquet');
  if ([values.short, values.long, values.from].includes('-')) throw new UsageError('data mix reads each source twice: stdin (-) is not supported');
  const fracText = values['short-fraction'];
  if (fracText === undefined) throw new UsageError('data mix needs --short-fraction F (e.g. 0.1)');
  const fraction = Number(fracText);
  if (fracText.trim() === '' || !(fraction >= 0 && fraction < 1)) throw new UsageError(`--short-fraction needs a number in [0, 1), got '${fracText}'`);
  const mode = values.tokens;
  if (mode !== 'exact' && mode !== 'chars') throw new UsageError(`--tokens must be exact or chars, got '${mode}'`);
  if (values['no-cache'] && values['cache-dir']) throw new UsageError('--no-cache and --cache-dir exclude each other');
  const seed = intOption('seed', values.seed, 0)!;
  if (seed > 0xffffffff) throw new UsageError(`--seed needs an integer in [0, 2^32), got '${values.seed}'`);
  const inputs = [values.short, values.long, values.from].filter((x): x is string => x !== undefined);
  if (inputs.includes(values.out) || values.out === values['skip-bad']) throw new UsageError(`--out '${values.out}' would overwrite an input or the quarantine file`);
  let res;
  try {
    res = await mixDatasets({
      short: values.short,
      long: values.long,
      from: values.from,
      threshold: intOption('threshold', values.threshold, 0),
      shortFraction: fraction,
      tokens: mode,
      totalTokens: intOption('total-tokens', values['total-tokens'], 1),
      seed,
      shuffle: !values['no-shuffle'],
      out: values.out,
      skipBad: values['skip-bad'],
      cacheDir: values['no-cache'] ? null : values['cache-dir'],
      allowShortfall: values['allow-shortfall'],
      command: ['golongrl', 'data', 'mix', ...argv],
      onProgress: mixProgress(values.progress),
    });
  } catch (e) {
    if (e instanceof MixShortfallError) {
      process.stderr.write(`golongrl data mix: ${e.message}\n`);
      if (values.json) process.stdout.write(JSON.stringify({ error: 'shortfall', message: e.message, achieved_short_fraction: e.selection.achieved, short_tokens: e.selection.shortTokens, long_tokens: e.selection.longTokens }) + '\n');
      return EXIT_BAD_INPUT;
    }
    if (e instanceof ParquetShapeError) {
      process.stderr.write(`golongrl data mix: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  const { manifest, manifestFile, seconds } = res;
  if (values.json) process.stdout.write(JSON.stringify({ ...manifest, manifest_file: manifestFile, seconds }) + '\n');
  else process.stdout.write(formatMix(manifest, manifestFile, seconds) + '\n');
  return EXIT_OK;
}

function help(): number {
  process.stdout.write(DATA_HELP + '\n');
  return EXIT_OK;
}

const SUBVERBS: Record<string, (argv: string[]) => Promise<number>> = {
  validate: runValidate,
  profile: runProfile,
  sample: runSample,
  rollouts: runRollouts,
  mix: runMix,
};

export async function runData(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(DATA_HELP + '\n');
    return sub ? EXIT_OK : EXIT_BAD_INPUT;
  }
  const run = SUBVERBS[sub];
  if (!run) throw new UsageError(`unknown subverb '${sub}' (expected ${Object.keys(SUBVERBS).join(', ')})`);
  return run(rest);
}
