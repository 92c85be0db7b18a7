/**
 * Streaming dataset readers: JSONL (line by line) and parquet (row group by row group), one row
 * at a time through a validator, with the error and quarantine conventions of lib/util/jsonl.ts.
 *
 * - JSONL: bytes are split on `\n` (lib/util/lines.ts) and each line is decoded and parsed on its
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
 *
 * A file that cannot be read at all is an `InputError` too, one line naming the place: a JSONL line
 * too long for a string (line and byte offset); a parquet footer that is missing or corrupt (the
 * footer's bytes; truncated files end up here); a row group whose pages cannot be decoded (row group,
 * its rows, the column and the column chunk's bytes): corrupt or truncated pages, a compression codec
 * we cannot decompress (hyparquet-compressors supplies snappy, gzip, brotli, zstd, lz4 and lz4_raw),
 * an encoding or type hyparquet does not support.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { AsyncBuffer, Compressors, FileMetaData } from 'hyparquet';
import { checkInputFile, errnoText, FieldError, InputError, Quarantine, readJsonl } from '../util/jsonl.js';
import { validateRecord, type DatasetRecord } from './schema.js';
import { importEsm } from './esm.cjs';

type Hyparquet = typeof import('hyparquet');
let hyparquet: Promise<Hyparquet> | undefined;
let compressors: Promise<Compressors> | undefined;
/** hyparquet is ES-only: loaded through esm.cjs so the notebook kernel's CommonJS can use it too. */
export const loadHyparquet = () => (hyparquet ??= importEsm<Hyparquet>('hyparquet'));
/** The codecs beyond hyparquet's built-in snappy: gzip, brotli, zstd, lz4, lz4_raw (hyparquet-compressors). */
export const loadCompressors = () => (compressors ??= importEsm<{ compressors: Compressors }>('hyparquet-compressors').then((m) => m.compressors));

export type DatasetFormat = 'jsonl' | 'parquet';

/** `.parquet` / `.pq` → parquet; anything else (`.jsonl`, `.json`, `-` for stdin) → JSONL. */
export function detectFormat(path: string): DatasetFormat {
  return /\.(parquet|pq)$/i.test(path) ? 'parquet' : 'jsonl';
}

/** A bad parquet row: names the file, the 0-based row index and the field. Exit code 2 in the CLI. */
export class RowInputError extends InputError {
  constructor(file: string, readonly row: number, field: string, reason: string) {
    super(file, row, field, reason, `row ${row}`);
    this.name = 'RowInputError';
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
  if (format === 'jsonl') return readJsonlRecords(path, validate, onRow, opts);
  const q = new Quarantine(opts.skipBad);
  try {
    return await readParquet(path, name, validate, onRow, opts, q);
  } finally {
    q.close();
  }
}

/** JSONL through the project's one JSONL reader (lib/util/jsonl.ts), rows numbered by line. */
async function readJsonlRecords<T>(
  path: string,
  validate: (obj: Record<string, unknown>) => T,
  onRow: (row: RecordRow<T>) => void | Promise<void>,
  opts: ReadRecordsOptions,
): Promise<ReadRecordsResult> {
  const res = await readJsonl(path, validate, { skipBad: opts.skipBad, onProgress: opts.onProgress }, (r) => onRow({ index: r.line, raw: r.raw, value: r.value }));
  return { format: 'jsonl', rows: res.delivered, bad: res.bad, blank: res.blank, bytes: res.bytes, totalRows: res.lines };
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
  if (path === '-') throw InputError.at(name, 'stdin', 'parquet cannot be read from stdin (it needs random access)');
  checkInputFile(path);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw InputError.at(name, 'open', errnoText(e as NodeJS.ErrnoException));
  }
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
  const codecs = await loadCompressors();
  const file = fileBuffer(fd);
  const totalBytes = file.byteLength;
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw InputError.at(name, `footer (file of ${totalBytes} bytes)`, `not a readable parquet file: ${hyparquetReason(e)}`);
  }
  const totalRows = Number(metadata.num_rows);
  let rows = 0;
  let start = 0;
  let bytesRead = 0;
  for (const [g, group] of metadata.row_groups.entries()) {
    const n = Number(group.num_rows);
    let objects: Record<string, unknown>[];
    try {
      objects = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: start + n, compressors: codecs });
      if (objects.length !== n) throw new Error(`expected ${n} rows, decoded ${objects.length}`);
    } catch (e) {
      throw await rowGroupError(name, file, metadata, g, start, n, e, codecs);
    }
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

/** hyparquet's message without its "parquet " prefix; a RangeError/TypeError from garbage bytes says so. */
function hyparquetReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const plain = msg.replace(/^parquet /, '');
  return e instanceof RangeError || e instanceof TypeError ? `corrupt data (${plain})` : plain;
}

/**
 * Locate a row group that failed to decode: re-read it one column at a time to name the column and the
 * column chunk's byte range (only on failure, so the normal path reads each row group once).
 */
async function rowGroupError(name: string, file: AsyncBuffer, metadata: FileMetaData, g: number, start: number, n: number, e: unknown, codecs: Compressors): Promise<InputError> {
  const { parquetReadObjects } = await loadHyparquet();
  const group = metadata.row_groups[g];
  const where = `row group ${g} (rows ${start}–${start + n - 1})`;
  for (const c of group.columns) {
    const md = c.meta_data;
    if (!md) continue;
    const column = md.path_in_schema[0];
    try {
      await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: start + n, columns: [column], compressors: codecs });
    } catch (ce) {
      const first = Number(md.dictionary_page_offset ?? md.data_page_offset);
      const bytes = `bytes ${first}–${first + Number(md.total_compressed_size)}`;
      const codec = md.codec;
      const reason = /unsupported compression codec/.test(String((ce as Error).message))
        ? `compression codec ${codec} is not supported (supported: UNCOMPRESSED, SNAPPY, GZIP, BROTLI, ZSTD, LZ4, LZ4_RAW)`
        : `cannot decode the column's pages: ${hyparquetReason(ce)}`;
      return InputError.at(name, `${where}, column '${md.path_in_schema.join('.')}' (${codec}, ${bytes})`, reason);
    }
  }
  return InputError.at(name, where, `cannot decode the row group: ${hyparquetReason(e)}`);
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
