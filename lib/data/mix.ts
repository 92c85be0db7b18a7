/**
 * `golongrl data mix`: a short/long training mixture by prompt tokens, written as one pre-mixed
 * train file (JSONL or parquet) plus a manifest.
 *
 * Why: dGRPO trains on short- and long-context examples mixed 10/90 by tokens (GOLONGRL.md §G,
 * docs/methods.md). The local trainer draws that mixture on the fly (lib/train/mixture.ts); verl has no
 * mixture option, so on the cluster the mixture is a file prepared here.
 *
 * Token measure (the same as `data profile`, lib/data/profile.ts): `exact` = Qwen3 tokens of the
 * chat-rendered prompt (`renderChatPrompt`, cached, lib/data/tokens.ts), or `chars` = its length in
 * UTF-16 code units (fast).
 *
 * Short vs long: either two files (`short`, `long`), or one file split by a token threshold
 * (`from` + `threshold`: short ⇔ tokens ≤ threshold).
 *
 * Selection (`selectMixture`; target short fraction f ∈ [0, 1), seed s):
 *  1. Long rows. Without a budget: all of them. With a total budget B: a seeded shuffle of the long
 *     rows, and its prefix whose token sum L_k is closest to (1 − f)·B (all long rows if they do not
 *     reach it). T_L = the chosen long tokens.
 *  2. Short rows: a seeded shuffle, and its prefix k whose share P_k / (P_k + T_L) is closest to f.
 *     The share grows with k, so this is the first k with share ≥ f or the one before it, whichever
 *     is closer (ties: the smaller k). The achieved share is then within
 *         granularity_bound = (share(k*) − share(k* − 1)) / 2 ≤ s_k* / (2·T_L)
 *     of f, where k* is the first prefix reaching f and s_k* that row's tokens: one short row's worth.
 *     If even all short rows stay below f, the target is not reached (`target_reached: false`);
 *     the CLI refuses that unless `--allow-shortfall`.
 *  3. Output order: a seeded shuffle of all chosen rows (or, with `shuffle: false`, short-source
 *     rows then long-source rows in file order; one-file mode: file order).
 * The three shuffles use separate Rng streams (lib/util/random.ts) derived from s, so the same
 * inputs and seed give a byte-identical output and manifest.
 *
 * Rows are copied, never rebuilt: JSONL → JSONL copies each chosen line's bytes (without its line
 * terminator and a leading byte-order mark) found by offset in a second pass; parquet sources give
 * value-identical rows (the reader's INT64 → number conversion, lib/data/dataset.ts). Parquet output
 * infers one schema over the chosen rows (string → UTF8, boolean → BOOLEAN, integers → INT64, other
 * numbers → DOUBLE, arrays → LIST, objects → struct over the union of keys) and writes row groups of
 * `rowGroupSize` rows with hyparquet-writer; a field whose type differs across rows is an error that
 * names it. Keys missing from a row come back as null from parquet (as with pyarrow).
 *
 * Bad rows: validated like every data command (lib/data/schema.ts); without `skipBad` the first bad
 * row throws an `InputError` naming file, line/row and field; with it, bad rows go to the quarantine
 * file and are counted per source in the manifest. Outputs are written to a temporary name and
 * renamed, the manifest (`<out>.manifest.json`) last.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Rng } from '../util/random.js';
import { detectFormat, readDataset, readRecords, type DatasetFormat, type ReadProgress } from './dataset.js';
import { importEsm } from './esm.cjs';
import { forEachLine, openBytes } from '../util/lines.js';
import { createTokenCounter, ENGINE, renderedLength, type PromptTokenCounter } from './tokens.js';
import { mkdirp } from '../util/fsx.js';

export type MixTokenMeasure = 'exact' | 'chars';

export const MIX_CREATED_BY = 'golongrl-lab lib/data/mix.ts v1';
export const MIX_ALGORITHM =
  'long rows: all, or with a total budget B the seeded-shuffle prefix whose tokens are closest to (1-f)*B; ' +
  'short rows: the seeded-shuffle prefix whose share short/(short+long) is closest to f; output: seeded shuffle';

// ---------------------------------------------------------------------------------------------
// Selection (pure)
// ---------------------------------------------------------------------------------------------

export interface SelectOptions {
  /** Target short share of prompt tokens, in [0, 1). */
  shortFraction: number;
  /** Total token budget; undefined = keep every long row. */
  totalTokens?: number;
  seed: number;
}

export interface Selection {
  /** Positions into the short / long token lists, in the order they were taken. */
  short: number[];
  long: number[];
  shortTokens: number;
  longTokens: number;
  /** shortTokens / (shortTokens + longTokens); 0 when nothing is chosen. */
  achieved: number;
  /** Half the share step at the stopping point (see the module comment); null if the target was not reached. */
  granularityBound: number | null;
  targetReached: boolean;
  /** With a budget: whether the long rows reached (1 − f)·B. */
  longBudgetReached: boolean | null;
}

/** The Rng stream for one purpose (1 long shuffle, 2 short shuffle, 3 output order). */
export function mixRng(seed: number, purpose: number): Rng {
  return new Rng((seed ^ Math.imul(purpose, 0x9e3779b1)) >>> 0);
}

function shuffledPositions(n: number, rng: Rng): number[] {
  return rng.shuffle(Array.from({ length: n }, (_, i) => i));
}

/** Choose rows by the algorithm in the module comment. Token counts must be non-negative integers. */
export function selectMixture(shortTokens: readonly number[], longTokens: readonly number[], opts: SelectOptions): Selection {
  const f = opts.shortFraction;
  if (!(f >= 0 && f < 1)) throw new RangeError(`short fraction must be in [0, 1), got ${f}`);
  if (opts.totalTokens !== undefined && !(Number.isInteger(opts.totalTokens) && opts.totalTokens > 0))
    throw new RangeError(`total tokens must be a positive integer, got ${opts.totalTokens}`);

  // 1. long rows
  let long: number[];
  let longBudgetReached: boolean | null = null;
  if (opts.totalTokens === undefined) long = longTokens.map((_, i) => i);
  else {
    const target = (1 - f) * opts.totalTokens;
    const order = shuffledPositions(longTokens.length, mixRng(opts.seed, 1));
    let sum = 0;
    let k = 0;
    while (k < order.length && sum < target) sum += longTokens[order[k++]];
    longBudgetReached = sum >= target;
    if (longBudgetReached && k > 0) {
      const before = sum - longTokens[order[k - 1]];
      if (Math.abs(before - target) <= Math.abs(sum - target)) k--;
    }
    long = order.slice(0, k);
  }
  const T = long.reduce((s, i) => s + longTokens[i], 0);
  if (T === 0 && f > 0) throw new RangeError('no long tokens to mix with (the long side is empty)');

  // 2. short rows
  const share = (p: number) => (p + T === 0 ? 0 : p / (p + T));
  const order = shuffledPositions(shortTokens.length, mixRng(opts.seed, 2));
  let k = 0;
  let P = 0;
  let bound: number | null = 0;
  let reached = true;
  if (f > 0) {
    while (k < order.length && share(P) < f) P += shortTokens[order[k++]];
    reached = share(P) >= f;
    if (!reached) bound = null;
    else if (k > 0) {
      const prev = P - shortTokens[order[k - 1]];
      bound = (share(P) - share(prev)) / 2;
      if (Math.abs(share(prev) - f) <= Math.abs(share(P) - f)) {
        k--;
        P = prev;
      }
    }
  }
  const short = order.slice(0, k);
  return { short, long, shortTokens: P, longTokens: T, achieved: share(P), granularityBound: bound, targetReached: reached, longBudgetReached };
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

export type MixRole = 'short' | 'long' | 'from';

export interface MixProgress {
  phase: 'read' | 'locate' | 'write' | 'hash';
  file: string;
  done: number;
  total?: number;
  unit: 'MB' | 'rows';
}

export interface MixOptions {
  /** Two-file mode. */
  short?: string;
  long?: string;
  /** One-file mode: split `from` by `threshold` (short ⇔ tokens ≤ threshold). */
  from?: string;
  threshold?: number;
  shortFraction: number;
  tokens?: MixTokenMeasure;
  totalTokens?: number;
  seed?: number;
  /** Shuffle the output order (default true). */
  shuffle?: boolean;
  /** `.parquet` / `.pq` → parquet, else JSONL. */
  out: string;
  /** Quarantine file for bad rows (appended to). */
  skipBad?: string;
  /** Token cache directory (exact mode); null disables it. */
  cacheDir?: string | null;
  counter?: PromptTokenCounter;
  /** Write the output even when the short rows cannot reach the target share. */
  allowShortfall?: boolean;
  /** Recorded in the manifest (the CLI passes its argv). */
  command?: string[] | null;
  /** Rows per parquet row group (default 256). */
  rowGroupSize?: number;
  onProgress?: (p: MixProgress) => void;
}

export interface MixSourceReport {
  role: MixRole;
  file: string;
  format: DatasetFormat;
  bytes: number;
  sha256: string;
  /** Valid rows read. */
  rows: number;
  quarantined: number;
  blank_lines: number;
  /** Prompt tokens of all valid rows (in the token measure). */
  tokens: number;
  /** One-file mode: rows at or below / above the threshold. */
  short_rows: number;
  long_rows: number;
  selected_rows: number;
  selected_tokens: number;
}

export interface MixSideReport {
  available_rows: number;
  available_tokens: number;
  selected_rows: number;
  selected_tokens: number;
}

export interface MixManifest {
  kind: 'golongrl-data-mix';
  version: 1;
  created_by: string;
  output: { file: string; format: DatasetFormat; rows: number; bytes: number; sha256: string };
  sources: MixSourceReport[];
  split: { mode: 'two-files' | 'threshold'; threshold: number | null };
  token_measure: MixTokenMeasure;
  tokenizer: string | null;
  prompt_template: string;
  target_short_fraction: number;
  total_tokens_requested: number | null;
  short: MixSideReport;
  long: MixSideReport;
  total_tokens: number;
  achieved_short_fraction: number;
  /** `short_tokens/total_tokens` as integers. */
  achieved_short_fraction_exact: string;
  abs_error: number;
  granularity_bound: number | null;
  target_reached: boolean;
  long_budget_reached: boolean | null;
  seed: number;
  shuffle: boolean;
  quarantine_file: string | null;
  quarantined: number;
  algorithm: string;
  command: string[] | null;
}

/** Thrown (before anything is written) when all short rows stay below the target share. */
export class MixShortfallError extends Error {
  constructor(
    message: string,
    readonly selection: Selection,
  ) {
    super(message);
    this.name = 'MixShortfallError';
  }
}

export function manifestPath(out: string): string {
  return `${out}.manifest.json`;
}

interface Candidate {
  source: number;
  index: number;
  tokens: number;
}

/** sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Byte ranges [start, end) of the given JSONL lines, without terminator and a leading BOM. */
async function locateLines(path: string, wanted: Set<number>, onProgress?: (bytes: number) => void): Promise<Map<number, [number, number]>> {
  const out = new Map<number, [number, number]>();
  let prevEnd = 0;
  await forEachLine(openBytes(path), (_text, info) => {
    if (wanted.has(info.line)) out.set(info.line, [prevEnd, info.bytesRead]);
    prevEnd = info.bytesRead;
    onProgress?.(info.bytesRead);
  });
  return out;
}

function readLineBytes(fd: number, [start, end]: [number, number]): Buffer {
  const buf = Buffer.allocUnsafe(end - start);
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, start + off);
    if (n === 0) break;
    off += n;
  }
  let lo = 0;
  let hi = off;
  if (start === 0 && hi >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) lo = 3;
  if (hi > lo && buf[hi - 1] === 10) hi--;
  if (hi > lo && buf[hi - 1] === 13) hi--;
  return buf.subarray(lo, hi);
}

// ---------------------------------------------------------------------------------------------
// Parquet output: schema inference over the chosen rows
// ---------------------------------------------------------------------------------------------

type Shape =
  | { kind: 'unknown' }
  | { kind: 'string' | 'boolean' | 'int' | 'double' }
  | { kind: 'list'; element: Shape }
  | { kind: 'struct'; fields: Map<string, Shape> };

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v;
}

/** Merge value `v` into `s` (field = its path, for errors). */
function mergeShape(s: Shape, v: unknown, field: string): Shape {
  if (v === null || v === undefined) return s;
  const clash = (): never => {
    throw new ParquetShapeError(`cannot write field '${field}' as parquet: ${s.kind} in some rows, ${typeName(v)} in others (write JSONL instead)`);
  };
  if (typeof v === 'string') return s.kind === 'unknown' || s.kind === 'string' ? { kind: 'string' } : clash();
  if (typeof v === 'boolean') return s.kind === 'unknown' || s.kind === 'boolean' ? { kind: 'boolean' } : clash();
  if (typeof v === 'number') {
    const k = Number.isInteger(v) ? 'int' : 'double';
    if (s.kind === 'unknown') return { kind: k };
    if (s.kind === 'int' || s.kind === 'double') return { kind: s.kind === 'double' || k === 'double' ? 'double' : 'int' };
    return clash();
  }
  if (Array.isArray(v)) {
    if (s.kind !== 'unknown' && s.kind !== 'list') clash();
    let el: Shape = s.kind === 'list' ? s.element : { kind: 'unknown' };
    for (const x of v) el = mergeShape(el, x, `${field}[]`);
    return { kind: 'list', element: el };
  }
  if (typeof v === 'object') {
    if (s.kind !== 'unknown' && s.kind !== 'struct') clash();
    const fields = s.kind === 'struct' ? s.fields : new Map<string, Shape>();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) fields.set(k, mergeShape(fields.get(k) ?? { kind: 'unknown' }, x, field ? `${field}.${k}` : k));
    return { kind: 'struct', fields };
  }
  throw new ParquetShapeError(`cannot write field '${field}' as parquet: unsupported value of type ${typeof v}`);
}

// hyparquet's SchemaElement, loosely (its types come with the ES-only package)
type SchemaElement = Record<string, unknown>;

/** The chosen rows cannot be written as one parquet schema (names the field). Exit 2 in the CLI. */
export class ParquetShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParquetShapeError';
  }
}

function schemaElements(name: string, s: Shape, field: string): SchemaElement[] {
  switch (s.kind) {
    case 'unknown': // only nulls / empty lists: a nullable string, as the narrowest harmless choice
    case 'string':
      return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }];
    case 'boolean':
      return [{ name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' }];
    case 'int':
      return [{ name, type: 'INT64', repetition_type: 'OPTIONAL' }];
    case 'double':
      return [{ name, type: 'DOUBLE', repetition_type: 'OPTIONAL' }];
    case 'list':
      return [
        { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        ...schemaElements('element', s.element, `${field}[]`),
      ];
    case 'struct': {
      if (s.fields.size === 0) throw new ParquetShapeError(`cannot write field '${field}' as parquet: an object with no keys in every row (write JSONL instead)`);
      return [{ name, repetition_type: 'OPTIONAL', num_children: s.fields.size }, ...[...s.fields].flatMap(([k, x]) => schemaElements(k, x, `${field}.${k}`))];
    }
  }
}

function inferShape(rows: Iterable<Record<string, unknown>>): Shape & { kind: 'struct' } {
  let top: Shape = { kind: 'unknown' };
  for (const r of rows) top = mergeShape(top, r, '');
  if (top.kind !== 'struct') throw new ParquetShapeError('cannot write parquet: no rows with fields');
  return top;
}

function schemaOf(top: Shape & { kind: 'struct' }): SchemaElement[] {
  return [{ name: 'root', num_children: top.fields.size }, ...[...top.fields].flatMap(([k, s]) => schemaElements(k, s, k))];
}

/** The parquet schema (hyparquet SchemaElement list) for a set of JSON rows; exported for tests. */
export function inferParquetSchema(rows: Iterable<Record<string, unknown>>): SchemaElement[] {
  return schemaOf(inferShape(rows));
}

/** hyparquet-writer wants BigInt for INT64 leaves, at any depth; everything else is written as is. */
function toWritable(v: unknown, s: Shape): unknown {
  if (v === null || v === undefined) return null;
  if (s.kind === 'int') return BigInt(v as number);
  if (s.kind === 'list') return (v as unknown[]).map((x) => toWritable(x, s.element));
  if (s.kind === 'struct') {
    const o: Record<string, unknown> = {};
    for (const [k, fs] of s.fields) o[k] = toWritable((v as Record<string, unknown>)[k], fs);
    return o;
  }
  return v;
}

/** A hyparquet-writer Writer that appends to a file descriptor after each row group. */
function fdWriter(ByteWriter: new () => Record<string, unknown>, fd: number): Record<string, unknown> {
  const w = new ByteWriter() as Record<string, unknown> & { buffer: ArrayBuffer; index: number };
  const flush = () => {
    if (w.index > 0) writeSync(fd, new Uint8Array(w.buffer, 0, w.index));
    w.index = 0;
  };
  w.flush = flush;
  w.finish = flush;
  return w;
}

async function writeParquetRows(
  path: string,
  count: number,
  rowAt: (i: number) => Record<string, unknown>,
  rowGroupSize: number,
  onRows?: (n: number) => void,
): Promise<void> {
  const top = inferShape((function* () {
    for (let i = 0; i < count; i++) yield rowAt(i);
  })());
  const schema = schemaOf(top);
  const names = [...top.fields.keys()];
  const hw = await importEsm<{ ParquetWriter: new (o: Record<string, unknown>) => { write(o: Record<string, unknown>): void | Promise<void>; finish(): void | Promise<void> }; ByteWriter: new () => Record<string, unknown> }>('hyparquet-writer');
  const fd = openSync(path, 'w');
  try {
    const pw = new hw.ParquetWriter({ writer: fdWriter(hw.ByteWriter, fd), schema, createdBy: MIX_CREATED_BY });
    for (let start = 0; start < count; start += rowGroupSize) {
      const n = Math.min(rowGroupSize, count - start);
      const rows = Array.from({ length: n }, (_, j) => rowAt(start + j));
      const columnData = names.map((name) => ({ name, data: rows.map((r) => toWritable(r[name], top.fields.get(name)!)) }));
      await pw.write({ columnData, rowGroupSize: n });
      onRows?.(start + n);
    }
    await pw.finish();
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// The whole step
// ---------------------------------------------------------------------------------------------

export interface MixResult {
  manifest: MixManifest;
  manifestFile: string;
  seconds: number;
}

export async function mixDatasets(opts: MixOptions): Promise<MixResult> {
  const t0 = performance.now();
  const measure = opts.tokens ?? 'exact';
  const seed = opts.seed ?? 0;
  const shuffle = opts.shuffle ?? true;
  const rowGroupSize = opts.rowGroupSize ?? 256;
  if (measure !== 'exact' && measure !== 'chars') throw new RangeError(`token measure must be exact or chars, got '${measure}'`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
  const thresholdMode = opts.from !== undefined;
  if (thresholdMode) {
    if (opts.short !== undefined || opts.long !== undefined) throw new RangeError('give either short + long, or from + threshold');
    if (!(Number.isInteger(opts.threshold) && opts.threshold! >= 0)) throw new RangeError(`threshold must be a non-negative integer, got ${opts.threshold}`);
  } else if (opts.short === undefined || opts.long === undefined) throw new RangeError('give both short and long sources (or from + threshold)');
  const inputs: { role: MixRole; file: string }[] = thresholdMode
    ? [{ role: 'from', file: opts.from! }]
    : [
        { role: 'short', file: opts.short! },
        { role: 'long', file: opts.long! },
      ];
  for (const s of inputs) {
    if (s.file === '-') throw new RangeError('data mix reads each source twice: stdin (-) is not supported');
    statSync(s.file); // ENOENT early, before the tokenizer loads
  }

  const counter = measure === 'exact' ? (opts.counter ?? (await createTokenCounter({ cacheDir: opts.cacheDir }))) : undefined;
  const measureRow = counter ? (p: Parameters<typeof renderedLength>[0]) => counter.countPrompt(p) : renderedLength;

  // pass 1: validate, count tokens, classify
  const shortPool: Candidate[] = [];
  const longPool: Candidate[] = [];
  const reports: MixSourceReport[] = [];
  for (const [si, src] of inputs.entries()) {
    let tokens = 0;
    let shortRows = 0;
    let longRows = 0;
    const res = await readDataset(
      src.file,
      (row) => {
        const n = measureRow(row.value.prompt);
        tokens += n;
        const isShort = src.role === 'short' || (src.role === 'from' && n <= opts.threshold!);
        (isShort ? shortPool : longPool).push({ source: si, index: row.index, tokens: n });
        if (isShort) shortRows++;
        else longRows++;
      },
      { skipBad: opts.skipBad, onProgress: progressOf(opts, 'read', src.file) },
    );
    counter?.flush();
    reports.push({
      role: src.role,
      file: src.file,
      format: res.format,
      bytes: res.bytes,
      sha256: '',
      rows: res.rows,
      quarantined: res.bad,
      blank_lines: res.blank,
      tokens,
      short_rows: shortRows,
      long_rows: longRows,
      selected_rows: 0,
      selected_tokens: 0,
    });
  }

  // selection
  const f = opts.shortFraction;
  const sel = selectMixture(
    shortPool.map((c) => c.tokens),
    longPool.map((c) => c.tokens),
    { shortFraction: f, totalTokens: opts.totalTokens, seed },
  );
  if (!sel.targetReached && !opts.allowShortfall) {
    const allShort = shortPool.reduce((s, c) => s + c.tokens, 0);
    const maxBudget = Math.floor(allShort / f);
    throw new MixShortfallError(
      `the short rows hold ${allShort} tokens, ${(100 * sel.achieved).toFixed(2)}% of the mixture, below the target ${(100 * f).toFixed(2)}%: ` +
        `pass a total token budget of at most ${maxBudget} (--total-tokens) to use fewer long rows, or --allow-shortfall to write it anyway`,
      sel,
    );
  }
  let chosen: Candidate[] = [...sel.short.map((i) => shortPool[i]), ...sel.long.map((i) => longPool[i])];
  if (shuffle) mixRng(seed, 3).shuffle(chosen);
  else if (thresholdMode) chosen = chosen.sort((a, b) => a.index - b.index);
  else chosen = [...sel.short.map((i) => shortPool[i]).sort((a, b) => a.index - b.index), ...sel.long.map((i) => longPool[i]).sort((a, b) => a.index - b.index)];
  for (const c of chosen) {
    reports[c.source].selected_rows++;
    reports[c.source].selected_tokens += c.tokens;
  }

  // pass 2: find the chosen rows (JSONL: byte ranges; parquet: the values)
  const ranges: (Map<number, [number, number]> | undefined)[] = [];
  const values: (Map<number, Record<string, unknown>> | undefined)[] = [];
  for (const [si, src] of inputs.entries()) {
    const wanted = new Set(chosen.filter((c) => c.source === si).map((c) => c.index));
    if (reports[si].format === 'jsonl') {
      const total = reports[si].bytes;
      ranges[si] = await locateLines(src.file, wanted, opts.onProgress && ((b) => opts.onProgress!({ phase: 'locate', file: src.file, done: b / 1e6, total: total / 1e6, unit: 'MB' })));
    } else {
      const m = new Map<number, Record<string, unknown>>();
      await readRecords(src.file, (o) => o, (row) => void (wanted.has(row.index) && m.set(row.index, row.raw)), { onProgress: progressOf(opts, 'locate', src.file) });
      values[si] = m;
    }
  }

  // pass 3: write (temporary name, then rename)
  const outFormat = detectFormat(opts.out);
  mkdirp(dirname(opts.out) || '.');
  const tmp = `${opts.out}.tmp-${process.pid}`;
  const fds = inputs.map((src, si) => (ranges[si] ? openSync(src.file, 'r') : -1));
  try {
    const lineBytes = (c: Candidate): Buffer => {
      const r = ranges[c.source];
      if (r) return readLineBytes(fds[c.source], r.get(c.index)!);
      return Buffer.from(JSON.stringify(values[c.source]!.get(c.index)), 'utf8');
    };
    const onWrite = (n: number) => opts.onProgress?.({ phase: 'write', file: opts.out, done: n, total: chosen.length, unit: 'rows' });
    if (outFormat === 'jsonl') {
      const fd = openSync(tmp, 'w');
      try {
        let buf: Buffer[] = [];
        let size = 0;
        const flush = () => {
          if (size) writeSync(fd, Buffer.concat(buf, size));
          buf = [];
          size = 0;
        };
        const NL = Buffer.from('\n');
        chosen.forEach((c, i) => {
          const b = lineBytes(c);
          buf.push(b, NL);
          size += b.length + 1;
          if (size >= 1 << 22) flush();
          onWrite(i + 1);
        });
        flush();
      } finally {
        closeSync(fd);
      }
    } else {
      const rowAt = (i: number): Record<string, unknown> => {
        const c = chosen[i];
        const v = values[c.source];
        return v ? v.get(c.index)! : (JSON.parse(lineBytes(c).toString('utf8')) as Record<string, unknown>);
      };
      await writeParquetRows(tmp, chosen.length, rowAt, rowGroupSize, onWrite);
    }
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    for (const fd of fds) if (fd >= 0) closeSync(fd);
  }
  renameSync(tmp, opts.out);

  for (const r of reports) {
    opts.onProgress?.({ phase: 'hash', file: r.file, done: 0, unit: 'MB' });
    r.sha256 = await sha256File(r.file);
  }
  const outBytes = statSync(opts.out).size;
  const total = sel.shortTokens + sel.longTokens;
  const side = (pool: Candidate[], picked: number[], tokens: number): MixSideReport => ({
    available_rows: pool.length,
    available_tokens: pool.reduce((s, c) => s + c.tokens, 0),
    selected_rows: picked.length,
    selected_tokens: tokens,
  });
  const quarantined = reports.reduce((s, r) => s + r.quarantined, 0);
  const manifest: MixManifest = {
    kind: 'golongrl-data-mix',
    version: 1,
    created_by: MIX_CREATED_BY,
    output: { file: opts.out, format: outFormat, rows: chosen.length, bytes: outBytes, sha256: await sha256File(opts.out) },
    sources: reports,
    split: { mode: thresholdMode ? 'threshold' : 'two-files', threshold: thresholdMode ? opts.threshold! : null },
    token_measure: measure,
    tokenizer: counter ? `Qwen3 (${ENGINE})` : null,
    prompt_template: 'qwen3 chat template, add_generation_prompt=True',
    target_short_fraction: f,
    total_tokens_requested: opts.totalTokens ?? null,
    short: side(shortPool, sel.short, sel.shortTokens),
    long: side(longPool, sel.long, sel.longTokens),
    total_tokens: total,
    achieved_short_fraction: sel.achieved,
    achieved_short_fraction_exact: `${sel.shortTokens}/${total}`,
    abs_error: Math.abs(sel.achieved - f),
    granularity_bound: sel.granularityBound,
    target_reached: sel.targetReached,
    long_budget_reached: sel.longBudgetReached,
    seed,
    shuffle,
    quarantine_file: quarantined ? (opts.skipBad ?? null) : null,
    quarantined,
    algorithm: MIX_ALGORITHM,
    command: opts.command ?? null,
  };
  const mf = manifestPath(opts.out);
  writeFileSync(`${mf}.tmp-${process.pid}`, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(`${mf}.tmp-${process.pid}`, mf);
  return { manifest, manifestFile: mf, seconds: (performance.now() - t0) / 1000 };
}

function progressOf(opts: MixOptions, phase: MixProgress['phase'], file: string): ((p: ReadProgress) => void) | undefined {
  const cb = opts.onProgress;
  if (!cb) return undefined;
  return (p) =>
    p.totalRows !== undefined
      ? cb({ phase, file, done: p.rows, total: p.totalRows, unit: 'rows' })
      : cb({ phase, file, done: p.bytesRead / 1e6, total: p.totalBytes !== undefined ? p.totalBytes / 1e6 : undefined, unit: 'MB' });
}
