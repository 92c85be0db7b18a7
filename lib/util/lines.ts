/**
 * The project's one line reader: a streaming splitter over raw bytes, for multi-GB JSONL files with
 * multi-MB lines, and for logs. Every JSONL reader (lib/util/jsonl.ts `readJsonl`, lib/data's
 * dataset reader, …) goes through it, with an async driver (`forEachLine`, a stream with
 * back-pressure: the callback is awaited) and a synchronous one (`forEachLineSync`, positional reads
 * on one descriptor).
 *
 * Why bytes and not `readline`: readline decodes every chunk to a string and then searches that string
 * for line ends; here we search the bytes for `\n` (0x0A, never part of a multi-byte UTF-8 sequence)
 * and decode each line once, so each byte is touched by the decoder exactly once. On a 585 MB file of
 * ~230 KB lines this was about 1.5× faster than readline, and it knows the byte offset of every line,
 * which progress displays and error messages use. Memory: one read chunk plus the current line; a line
 * that spans chunks is kept as a list of Buffer slices and decoded once when its end arrives.
 *
 * Conventions (as readline with `crlfDelay: Infinity`): `\r\n` ends a line like `\n`; a last line
 * without a newline is still a line (`unterminated`); a UTF-8 byte-order mark at the very start is dropped.
 *
 * A line longer than V8 can hold as a string (about 512 MiB) raises `LineTooLongError` with its line
 * number and byte offset instead of V8's RangeError. `GOLONGRL_MAX_LINE_BYTES` lowers that limit (never
 * raises it): the tests use it to check the error without allocating 512 MiB.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';

export interface LineInfo {
  /** 1-based line number. */
  line: number;
  /** Byte offset just past this line's terminator (bytes consumed so far). */
  bytesRead: number;
  /** Byte offset where this line starts. */
  offset: number;
  /** True only for a last line with no newline after it (e.g. a writer killed mid-line). */
  unterminated: boolean;
}

/** V8 cannot hold a string longer than this (about 512 MiB of UTF-16). */
export const MAX_LINE_BYTES = 0x1fffffe8;

/** The limit in force: MAX_LINE_BYTES, or lower when GOLONGRL_MAX_LINE_BYTES says so (tests). */
export function maxLineBytes(): number {
  const env = Number(process.env.GOLONGRL_MAX_LINE_BYTES);
  return Number.isInteger(env) && env > 0 ? Math.min(env, MAX_LINE_BYTES) : MAX_LINE_BYTES;
}

export class LineTooLongError extends Error {
  constructor(
    readonly line: number,
    readonly bytes: number,
    readonly offset: number,
    readonly limit = MAX_LINE_BYTES,
  ) {
    super(`line ${line} (from byte ${offset}) is longer than ${limit} bytes (${bytes} so far); a JavaScript string cannot hold it`);
    this.name = 'LineTooLongError';
  }
}

type Emit = (text: string, info: LineInfo) => void;

/** The splitting state shared by both drivers: feed chunks, get whole lines. */
class Splitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lineNo = 0;
  private bytes = 0;
  private lineStart = 0;
  private readonly limit = maxLineBytes();

  get lines(): number {
    return this.lineNo;
  }
  get total(): number {
    return this.bytes;
  }

  private emitLine(buf: Buffer, start: number, end: number, unterminated: boolean, emit: Emit): void {
    this.lineNo++;
    let text: string;
    if (this.pending.length) {
      const size = this.pendingBytes + (end - start);
      if (size > this.limit) throw new LineTooLongError(this.lineNo, size, this.lineStart, this.limit);
      this.pending.push(buf.subarray(start, end));
      const all = Buffer.concat(this.pending, size);
      this.pending = [];
      this.pendingBytes = 0;
      text = all.toString('utf8', 0, all.length - (all.length > 0 && all[all.length - 1] === 13 ? 1 : 0));
    } else {
      if (end - start > this.limit) throw new LineTooLongError(this.lineNo, end - start, this.lineStart, this.limit);
      text = buf.toString('utf8', start, end > start && buf[end - 1] === 13 ? end - 1 : end);
    }
    if (this.lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 byte-order mark
    const info = { line: this.lineNo, bytesRead: this.bytes, offset: this.lineStart, unterminated };
    this.lineStart = this.bytes;
    emit(text, info);
  }

  push(chunk: Buffer, emit: Emit): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) {
        if (start < chunk.length) {
          const rest = chunk.subarray(start);
          this.pendingBytes += rest.length;
          if (this.pendingBytes > this.limit) throw new LineTooLongError(this.lineNo + 1, this.pendingBytes, this.lineStart, this.limit);
          // Copy: the caller may reuse its read buffer.
          this.pending.push(Buffer.from(rest));
        }
        this.bytes += chunk.length - start;
        return;
      }
      this.bytes += nl + 1 - start;
      this.emitLine(chunk, start, nl, false, emit);
      start = nl + 1;
    }
  }

  end(emit: Emit): void {
    if (this.pending.length) this.emitLine(Buffer.alloc(0), 0, 0, true, emit);
  }
}

/** Open a file (or `-` for stdin) as a byte stream. */
export function openBytes(path: string, highWaterMark = 1 << 20): Readable {
  return path === '-' ? process.stdin : createReadStream(path, { highWaterMark });
}

/**
 * Call `onLine(text, info)` for every line of `input`, in order, awaiting the callback (so a slow
 * consumer applies back-pressure to the file read). Returns the number of lines and bytes read.
 */
export async function forEachLine(input: Readable, onLine: (text: string, info: LineInfo) => void | Promise<void>): Promise<{ lines: number; bytes: number }> {
  const s = new Splitter();
  const batch: [string, LineInfo][] = [];
  const collect: Emit = (text, info) => void batch.push([text, info]);
  const drain = async () => {
    for (let i = 0; i < batch.length; i++) await onLine(batch[i][0], batch[i][1]);
    batch.length = 0;
  };
  try {
    for await (const raw of input as AsyncIterable<Buffer | string>) {
      const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
      try {
        s.push(chunk, collect);
      } finally {
        await drain(); // lines before a too-long one are still delivered, in order
      }
    }
    s.end(collect);
    await drain();
  } finally {
    if (input !== process.stdin) input.destroy();
  }
  return { lines: s.lines, bytes: s.total };
}

/** The synchronous driver: read `path` in 1 MiB chunks and call `onLine` for every line, in order. */
export function forEachLineSync(path: string, onLine: (text: string, info: LineInfo) => void, chunkSize = 1 << 20): { lines: number; bytes: number } {
  const fd = openSync(path, 'r');
  const s = new Splitter();
  try {
    const buf = Buffer.allocUnsafe(chunkSize);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      s.push(buf.subarray(0, n), onLine);
    }
    s.end(onLine);
  } finally {
    closeSync(fd);
  }
  return { lines: s.lines, bytes: s.total };
}
