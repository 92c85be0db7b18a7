/**
 * Streaming dataset readers: JSONL (line by line) and parquet (row group by row group), one row
 * at a time through a validator, with the error and quarantine conventions of lib/util/jsonl.ts.
 *
 * - JSONL: bytes are split on `\n` (lib/data/lines.ts) and each line is decoded and parsed on its
 *   own, so a multi-GB file of 160K-token prompts never becomes one string; memory is one read
 *   chunk plus one line. Rows are numbered by their 1-based line, as editors show them.
 * - Parquet: hyparquet reads one row group at a time (memory: one row group's columns). Rows are
 *   numbered by their 0-based row index in the file, as pandas/pyarrow show them. INT64 columns come
 *   back from hyparquet as BigInt; they are turned into numbers when they are safe integers
 *   (|x| ≤ 2^53 − 1) and into decimal strings otherwise, so a parquet row compares equal to the
 *   same row read from JSONL and can be printed back as JSON.
 *
 * A row that is not valid JSON, not an object, or fails the validator raises an `InputError`
 * naming the file, the line (JSONL) or row (parquet) and the field — unless a quarantine file is
 * given (`--skip-bad FILE`): then the row is appended there as one JSON line
 * `{file, line | row, field, reason, text}` (text = the raw line, or the row as JSON), counted,
 * and reading goes on. Nothing is dropped silently; blank JSONL lines are counted too.
 */
import { closeSync, createWriteStream, fstatSync, openSync, readSync, statSync, type WriteStream } from 'node:fs';
import type { AsyncBuffer } from 'hyparquet';
import { FieldError, InputError } from '../util/jsonl.js';
import { forEachLine, LineTooLongError, openBytes } from './lines.js';
import { validateRecord, type DatasetRecord } from './schema.js';
import { importEsm } from './esm.cjs';

type Hyparquet = typeof import('hyparquet');
let hyparquet: Promise<Hyparquet> | undefined;
/** hyparquet is ES-only: loaded through esm.cjs so the notebook kernel's CommonJS can use it too. */
const loadHyparquet = () => (hyparquet ??= importEsm<Hyparquet>('hyparquet'));

export type DatasetFormat = 'jsonl' | 'parquet';

/** `.parquet` / `.pq` → parquet; anything else (`.jsonl`, `.json`, `-` for stdin) → JSONL. */
export function detectFormat(path: string): DatasetFormat {
  return /\.(parquet|pq)$/i.test(path) ? 'parquet' : 'jsonl';
}

/** A bad parquet row: names the file, the 0-based row index and the field. Exit code 2 in the CLI. */
export class RowInputError extends InputError {
  constructor(file: string, readonly row: number, field: string, reason: string) {
    super(file, row, field, reason);
    this.name = 'RowInputError';
    this.message = `${file}: row ${row}: field '${field}': ${reason}`;
  }
}

export interface RecordRow<T> {
  /** JSONL: the 1-based line number. Parquet: the 0-based row index. */
  index: number;
  /** The row as read (for parquet: with INT64 values converted as described above). */
  raw: Record<string, unknown>;
  value: T;
}

export interface ReadProgress {
  rows: number;
  bad: number;
  /** Bytes consumed so far (parquet: compressed size of the row groups done). */
  bytesRead: number;
  /** File size (undefined for stdin). */
  totalBytes?: number;
  /** Known up front for parquet only (from the footer). */
  totalRows?: number;
}

export interface ReadRecordsOptions {
  /** Quarantine file for bad rows; without it the first bad row throws. */
  skipBad?: string;
  /** Override the format detected from the file name. */
  format?: DatasetFormat;
  /** Called after every row (cheap; throttle the display yourself). */
  onProgress?: (p: ReadProgress) => void;
}

export interface ReadRecordsResult {
  format: DatasetFormat;
  /** Valid rows delivered to `onRow`. */
  rows: number;
  /** Rows written to the quarantine file. */
  bad: number;
  /** Blank JSONL lines (not rows). */
  blank: number;
  /** Bytes in the file (bytes read, for stdin). */
  bytes: number;
  /** Rows in the parquet footer, or lines seen in a JSONL file. */
  totalRows: number;
}

/** Convert hyparquet's values to what JSON.parse would give for the same row. */
export function normalizeParquetValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(normalizeParquetValue);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalizeParquetValue(x);
    return out;
  }
  return v;
}

class Quarantine {
  private out: WriteStream | undefined;
  count = 0;
  constructor(private readonly path: string | undefined) {}
  get enabled(): boolean {
    return this.path !== undefined;
  }
  write(entry: Record<string, unknown>): void {
    this.out ??= createWriteStream(this.path!, { flags: 'a' });
    this.out.write(JSON.stringify(entry) + '\n');
    this.count++;
  }
  async close(): Promise<void> {
    const out = this.out;
    if (out) await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
  }
}

/**
 * Read every row of a JSONL or parquet file through `validate` (which throws `FieldError`),
 * calling `onRow` for each valid row, in file order, awaiting it.
 */
export async function readRecords<T>(
  path: string,
  validate: (obj: Record<string, unknown>) => T,
  onRow: (row: RecordRow<T>) => void | Promise<void>,
  opts: ReadRecordsOptions = {},
): Promise<ReadRecordsResult> {
  const format = opts.format ?? detectFormat(path);
  const name = path === '-' ? '<stdin>' : path;
  const q = new Quarantine(opts.skipBad);
  try {
    return format === 'parquet' ? await readParquet(path, name, validate, onRow, opts, q) : await readJsonlRecords(path, name, validate, onRow, opts, q);
  } finally {
    await q.close();
  }
}

async function readJsonlRecords<T>(
  path: string,
  name: string,
  validate: (obj: Record<string, unknown>) => T,
  onRow: (row: RecordRow<T>) => void | Promise<void>,
  opts: ReadRecordsOptions,
  q: Quarantine,
): Promise<ReadRecordsResult> {
  const totalBytes = path === '-' ? undefined : statSync(path).size;
  let rows = 0;
  let blank = 0;
  let lineNo = 0;
  const reject = (line: number, field: string, reason: string, text: string) => {
    if (!q.enabled) throw new InputError(name, line, field, reason);
    q.write({ file: name, line, field, reason, text });
  };
  let res: { lines: number; bytes: number };
  try {
    res = await forEachLine(openBytes(path), async (text, info) => {
      lineNo = info.line;
      if (text.trim() === '') {
        blank++;
        return;
      }
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (e) {
        reject(info.line, '<line>', `not valid JSON (${(e as Error).message})`, text);
        return;
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        reject(info.line, '<line>', 'expected a JSON object', text);
        return;
      }
      let value: T;
      try {
        value = validate(obj as Record<string, unknown>);
      } catch (e) {
        if (e instanceof FieldError) {
          reject(info.line, e.field, e.reason, text);
          return;
        }
        throw e;
      }
      rows++;
      await onRow({ index: info.line, raw: obj as Record<string, unknown>, value });
      opts.onProgress?.({ rows, bad: q.count, bytesRead: info.bytesRead, totalBytes });
    });
  } catch (e) {
    if (e instanceof LineTooLongError) throw new InputError(name, e.line, '<line>', e.message);
    throw e;
  }
  return { format: 'jsonl', rows, bad: q.count, blank, bytes: totalBytes ?? res.bytes, totalRows: Math.max(lineNo, res.lines) };
}

/**
 * A local file as hyparquet's AsyncBuffer: positional reads on one open descriptor. (hyparquet's own
 * `asyncBufferFromFile` is only in its node entry point's types, which Node10 module resolution, used
 * by the notebook kernel, does not see.)
 */
function fileBuffer(fd: number): AsyncBuffer {
  return {
    byteLength: fstatSync(fd).size,
    slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = end ?? fstatSync(fd).size;
      const buf = new Uint8Array(new ArrayBuffer(Math.max(0, stop - start)));
      let off = 0;
      while (off < buf.length) {
        const n = readSync(fd, buf, off, buf.length - off, start + off);
        if (n === 0) break;
        off += n;
      }
      return Promise.resolve(buf.buffer);
    },
  };
}

async function readParquet<T>(
  path: string,
  name: string,
  validate: (obj: Record<string, unknown>) => T,
  onRow: (row: RecordRow<T>) => void | Promise<void>,
  opts: ReadRecordsOptions,
  q: Quarantine,
): Promise<ReadRecordsResult> {
  if (path === '-') throw new InputError(name, 0, '<file>', 'parquet cannot be read from stdin (it needs random access)');
  const fd = openSync(path, 'r');
  try {
    return await readParquetFile(fd, name, validate, onRow, opts, q);
  } finally {
    closeSync(fd);
  }
}

async function readParquetFile<T>(
  fd: number,
  name: string,
  validate: (obj: Record<string, unknown>) => T,
  onRow: (row: RecordRow<T>) => void | Promise<void>,
  opts: ReadRecordsOptions,
  q: Quarantine,
): Promise<ReadRecordsResult> {
  const { parquetMetadataAsync, parquetReadObjects } = await loadHyparquet();
  const file = fileBuffer(fd);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new RowInputError(name, 0, '<file>', `not a readable parquet file (${(e as Error).message})`);
  }
  const totalRows = Number(metadata.num_rows);
  const totalBytes = file.byteLength;
  let rows = 0;
  let start = 0;
  let bytesRead = 0;
  for (const group of metadata.row_groups) {
    const n = Number(group.num_rows);
    const objects = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: start + n });
    for (let i = 0; i < objects.length; i++) {
      const row = start + i;
      const raw = normalizeParquetValue(objects[i]) as Record<string, unknown>;
      let value: T;
      try {
        value = validate(raw);
      } catch (e) {
        if (!(e instanceof FieldError)) throw e;
        if (!q.enabled) throw new RowInputError(name, row, e.field, e.reason);
        q.write({ file: name, row, field: e.field, reason: e.reason, text: JSON.stringify(raw) });
        continue;
      }
      rows++;
      await onRow({ index: row, raw, value });
      opts.onProgress?.({ rows, bad: q.count, bytesRead, totalBytes, totalRows });
    }
    start += n;
    for (const c of group.columns) bytesRead += Number(c.meta_data?.total_compressed_size ?? 0);
  }
  return { format: 'parquet', rows, bad: q.count, blank: 0, bytes: totalBytes, totalRows };
}

/** Stream a GoLongRL dataset file (JSONL or parquet), validating every row (lib/data/schema.ts). */
export function readDataset(
  path: string,
  onRow: (row: RecordRow<DatasetRecord>) => void | Promise<void>,
  opts: ReadRecordsOptions = {},
): Promise<ReadRecordsResult> {
  return readRecords(path, validateRecord, onRow, opts);
}

/** Read a whole (small) dataset into memory: for notebooks, tests and the sample. */
export async function loadDataset(path: string, opts: ReadRecordsOptions = {}): Promise<{ rows: RecordRow<DatasetRecord>[]; result: ReadRecordsResult }> {
  const rows: RecordRow<DatasetRecord>[] = [];
  const result = await readDataset(path, (r) => void rows.push(r), opts);
  return { rows, result };
}
