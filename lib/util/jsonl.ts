/**
 * Streaming JSONL input with honest error handling.
 *
 * Every CLI verb that reads rows goes through `readJsonl`: a line that is not valid
 * JSON, or a row that fails the verb's validator, raises an `InputError` naming the
 * file, the 1-based line and the field — unless a quarantine file was given
 * (`--skip-bad FILE`), in which case the raw line is appended there with the
 * reason, counted, and reading goes on. Nothing is ever dropped silently.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** A bad input row: names the file, the line and the field. Exit code 2 in the CLI. */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${file}:${line}: field '${field}': ${reason}`);
    this.name = 'InputError';
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

export interface JsonlRow<T> {
  /** 1-based line number in the source. */
  line: number;
  /** The parsed JSON object, exactly as read (so it can be printed back with fields added). */
  raw: Record<string, unknown>;
  /** The validated view of the row. */
  value: T;
}

export interface ReadJsonlOptions {
  /** Quarantine file: bad lines are appended there as JSON `{file, line, field, reason, text}` and counted. */
  skipBad?: string;
}

export interface ReadJsonlResult<T> {
  rows: JsonlRow<T>[];
  /** Number of lines written to the quarantine file. */
  bad: number;
  /** Blank lines are not rows; they are counted here so nothing vanishes unexplained. */
  blank: number;
}

/** Open `path` for reading, `-` meaning standard input. */
export function openInput(path: string): Readable {
  return path === '-' ? process.stdin : createReadStream(path, { encoding: 'utf8' });
}

/**
 * Read a JSONL source line by line (streaming; no whole-file string) and validate each row.
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
  const input = openInput(path);
  const rl = createInterface({ input, crlfDelay: Infinity });
  const rows: JsonlRow<T>[] = [];
  let quarantine: WriteStream | undefined;
  let bad = 0;
  let blank = 0;
  let lineNo = 0;
  const reject = (field: string, reason: string, text: string) => {
    if (!opts.skipBad) throw new InputError(name, lineNo, field, reason);
    quarantine ??= createWriteStream(opts.skipBad, { flags: 'a' });
    quarantine.write(JSON.stringify({ file: name, line: lineNo, field, reason, text }) + '\n');
    bad++;
  };
  try {
    for await (const text of rl) {
      lineNo++;
      if (text.trim() === '') {
        blank++;
        continue;
      }
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (e) {
        reject('<line>', `not valid JSON (${(e as Error).message})`, text);
        continue;
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        reject('<line>', 'expected a JSON object', text);
        continue;
      }
      let value: T;
      try {
        value = validate(obj as Record<string, unknown>);
      } catch (e) {
        if (e instanceof FieldError) {
          reject(e.field, e.reason, text);
          continue;
        }
        throw e;
      }
      const row = { line: lineNo, raw: obj as Record<string, unknown>, value };
      if (onRow) await onRow(row);
      else rows.push(row);
    }
  } finally {
    rl.close();
    if (quarantine) await new Promise<void>((res, rej) => quarantine!.end((err?: Error | null) => (err ? rej(err) : res())));
  }
  if (input !== process.stdin) (input as ReturnType<typeof createReadStream>).destroy();
  return { rows, bad, blank };
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
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
