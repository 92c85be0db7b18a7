/**
 * Streaming JSONL input with honest error handling — the project's one JSONL reader and its one
 * input-error type.
 *
 * Every reader of JSONL rows (the CLI verbs, lib/data's dataset reader, the eval readers) goes through
 * `readJsonl`, which splits raw bytes with lib/util/lines.ts (the byte-level line reader): a line that
 * is not valid JSON, or a row that fails the caller's validator, raises an `InputError` naming the file,
 * the 1-based line and the field — unless a quarantine file was given (`--skip-bad FILE`), in which
 * case the raw line is appended there with the reason, counted, and reading goes on. Nothing is ever
 * dropped silently. A line too long for a JavaScript string is an `InputError` too (line and byte).
 *
 * `InputError` is the one error type for bad input anywhere in the project (JSONL lines, parquet rows
 * and pages, CSV cells, log records): file, where (line / row / row group / byte) and what is wrong.
 * The CLI prints its message as one line and exits 2.
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { forEachLine, LineTooLongError, openBytes } from './lines.js';

/**
 * Bad input: names the file, where in it (a 1-based line by default; or `where`, e.g. "row 5",
 * "row group 2 (rows 20–29), column prompt", "bytes 8–12"), the field when there is one, and the reason.
 * Exit code 2 in the CLI.
 */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string,
    readonly reason: string,
    readonly where?: string,
  ) {
    super(where === undefined ? `${file}:${line}: field '${field}': ${reason}` : `${file}: ${where}: ${field && !field.startsWith('<') ? `field '${field}': ` : ''}${reason}`);
    this.name = 'InputError';
  }

  /** An error about the file as a whole or a place in it that is not a line (no field). */
  static at(file: string, where: string, reason: string): InputError {
    return new InputError(file, 0, '', reason, where);
  }
}

/** Thrown by validators; `readJsonl` turns it into an `InputError` with file and line. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`field '${field}': ${reason}`);
    this.name = 'FieldError';
  }
}

/** The quarantine target cannot be written (permission, full disk, a directory…): names the file. */
export class OutputError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'OutputError';
  }
}

/** Plain words for the errno codes bad paths and full disks produce. */
export function errnoText(e: NodeJS.ErrnoException): string {
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EISDIR: 'is a directory',
    ENOTDIR: 'a component of the path is not a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOSPC: 'no space left on device',
    EROFS: 'read-only file system',
    EDQUOT: 'disk quota exceeded',
    EFBIG: 'file too large',
    EMFILE: 'too many open files',
    EIO: 'input/output error',
  };
  return (e.code && words[e.code]) ?? e.message;
}

/**
 * The `--skip-bad FILE` target: bad rows are appended as JSON lines. Opened on first use and written
 * synchronously, so an unwritable path or a full disk is an `OutputError` at the row that needed it
 * (never an unhandled stream 'error' event after more output).
 */
export class Quarantine {
  private fd: number | undefined;
  count = 0;
  constructor(readonly path: string | undefined) {}
  get enabled(): boolean {
    return this.path !== undefined;
  }
  write(entry: Record<string, unknown>): void {
    const path = this.path!;
    try {
      this.fd ??= openSync(path, 'a');
      writeSync(this.fd, JSON.stringify(entry) + '\n');
    } catch (e) {
      throw new OutputError(path, `cannot write the quarantine file: ${errnoText(e as NodeJS.ErrnoException)}`);
    }
    this.count++;
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface JsonlRow<T> {
  /** 1-based line number in the source. */
  line: number;
  /** The parsed JSON object, exactly as read (so it can be printed back with fields added). */
  raw: Record<string, unknown>;
  /** The line's text (without its line ending and a leading byte-order mark): the object as written. */
  text: string;
  /** The validated view of the row. */
  value: T;
}

export interface JsonlProgress {
  rows: number;
  bad: number;
  /** Bytes consumed so far. */
  bytesRead: number;
  /** File size (undefined for stdin). */
  totalBytes?: number;
}

export interface ReadJsonlOptions {
  /** Quarantine file: bad lines are appended there as JSON `{file, line, field, reason, text}` and counted. */
  skipBad?: string;
  /** Called after every delivered row (cheap; throttle any display yourself). */
  onProgress?: (p: JsonlProgress) => void;
}

export interface ReadJsonlResult<T> {
  rows: JsonlRow<T>[];
  /** Number of lines written to the quarantine file. */
  bad: number;
  /** Blank lines are not rows; they are counted here so nothing vanishes unexplained. */
  blank: number;
  /** Valid rows delivered (to `onRow`, or collected in `rows`). */
  delivered: number;
  /** Lines seen, blank and bad included. */
  lines: number;
  /** Bytes read (the file size for a whole file). */
  bytes: number;
}

const NON_FINITE_TAG = '\u0000golongrl-non-finite:';
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/**
 * Python's `json.dumps` writes `NaN`, `Infinity` and `-Infinity` (allow_nan=True is its default), and
 * verl's rollout dumps, metric logs and many datasets are written that way. Outside string literals,
 * those tokens become tagged strings (one linear pass that tracks strings and escapes), `JSON.parse`
 * reads the result, and a reviver turns the tags back into numbers. Undefined when the text has none of
 * them outside strings (then the original JSON error stands) or already contains the tag.
 */
function parsePythonJson(text: string): unknown {
  if (text.includes('\\u0000golongrl') || text.includes(NON_FINITE_TAG)) return undefined;
  let out = '';
  let last = 0;
  let found = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // skip a string literal
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      continue;
    }
    const word = c === 0x4e && text.startsWith('NaN', i) ? 'NaN' : c === 0x49 && text.startsWith('Infinity', i) ? 'Infinity' : c === 0x2d && text.startsWith('-Infinity', i) ? '-Infinity' : null;
    if (word === null) continue;
    out += text.slice(last, i) + JSON.stringify(NON_FINITE_TAG + word);
    i += word.length - 1;
    last = i + 1;
    found = true;
  }
  if (!found) return undefined;
  out += text.slice(last);
  try {
    return JSON.parse(out, (_k, v) => (typeof v === 'string' && v.startsWith(NON_FINITE_TAG) ? NON_FINITE[v.slice(NON_FINITE_TAG.length)] : v));
  } catch {
    return undefined;
  }
}

/**
 * Parse one JSONL line into an object, or say what is wrong with it (a `FieldError` on '<line>').
 * Python's non-standard `NaN` / `Infinity` / `-Infinity` are read as numbers (`parsePythonJson`); the
 * validators then say where a non-finite number is not allowed ("expected a finite number, got NaN").
 */
export function parseJsonObject(text: string): Record<string, unknown> {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    obj = parsePythonJson(text);
    if (obj !== undefined) {
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new FieldError('<line>', 'expected a JSON object');
      return obj as Record<string, unknown>;
    }
    // UTF-16 with a byte-order mark (FF FE / FE FF) decodes as two U+FFFD; with NULs between ASCII bytes
    // it is UTF-16 without one. Say so: the JSON error alone ("Unexpected token") does not.
    const utf16 = text.startsWith('\ufffd\ufffd') || /^\{?\u0000|^.\u0000.\u0000/.test(text);
    throw new FieldError('<line>', utf16 ? 'not UTF-8: the text looks like UTF-16 (JSONL must be UTF-8; convert it, e.g. iconv -f UTF-16 -t UTF-8)' : `not valid JSON (${(e as Error).message})`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new FieldError('<line>', 'expected a JSON object');
  return obj as Record<string, unknown>;
}

/** Stat `path` as an input file: a directory or a missing file is an `InputError` naming it. */
export function checkInputFile(path: string): number | undefined {
  if (path === '-') return undefined;
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw InputError.at(path, 'open', errnoText(e as NodeJS.ErrnoException));
  }
  if (st.isDirectory()) throw InputError.at(path, 'open', 'is a directory (expected a JSONL file)');
  return st.isFile() ? st.size : undefined;
}

/**
 * Read a JSONL source (a path, `-` for stdin) line by line — streaming, byte-level, no whole-file
 * string — and validate each row.
 * @param validate maps the parsed object to T or throws `FieldError`.
 * @param onRow optional streaming consumer; when given, rows are not accumulated.
 */
export async function readJsonl<T>(
  path: string,
  validate: (obj: Record<string, unknown>) => T,
  opts: ReadJsonlOptions = {},
  onRow?: (row: JsonlRow<T>) => void | Promise<void>,
): Promise<ReadJsonlResult<T>> {
  const name = path === '-' ? '<stdin>' : path;
  const totalBytes = checkInputFile(path);
  const q = new Quarantine(opts.skipBad);
  const rows: JsonlRow<T>[] = [];
  let blank = 0;
  let delivered = 0;
  let res: { lines: number; bytes: number };
  try {
    res = await forEachLine(openBytes(path), async (text, info) => {
      if (text.trim() === '') {
        blank++;
        return;
      }
      let raw: Record<string, unknown>;
      let value: T;
      try {
        raw = parseJsonObject(text);
        value = validate(raw);
      } catch (e) {
        if (!(e instanceof FieldError)) throw e;
        if (!q.enabled) throw new InputError(name, info.line, e.field, e.reason);
        q.write({ file: name, line: info.line, field: e.field, reason: e.reason, text });
        return;
      }
      delivered++;
      const row = { line: info.line, raw, text, value };
      if (onRow) await onRow(row);
      else rows.push(row);
      opts.onProgress?.({ rows: delivered, bad: q.count, bytesRead: info.bytesRead, totalBytes });
    });
  } catch (e) {
    if (e instanceof LineTooLongError) throw new InputError(name, e.line, '<line>', `too long: ${e.message}`, `line ${e.line}, byte ${e.offset}`);
    const err = e as NodeJS.ErrnoException;
    if (err.code && err.path === path) throw InputError.at(name, 'read', errnoText(err));
    throw e;
  } finally {
    q.close();
  }
  return { rows, bad: q.count, blank, delivered, lines: res.lines, bytes: totalBytes ?? res.bytes };
}

/** Field helpers for validators. */
export function requireString(obj: Record<string, unknown>, field: string): string {
  const v = obj[field];
  if (v === undefined) throw new FieldError(field, 'missing');
  if (typeof v !== 'string') throw new FieldError(field, `expected a string, got ${typeOf(v)}`);
  return v;
}

export function requireNumber(obj: Record<string, unknown>, field: string): number {
  const v = obj[field];
  if (v === undefined) throw new FieldError(field, 'missing');
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new FieldError(field, `expected a finite number, got ${typeOf(v)}`);
  return v;
}

export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v); // NaN, Infinity, -Infinity
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
