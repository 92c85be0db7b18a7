/**
 * Streaming line splitter over raw bytes, for multi-GB JSONL files with multi-MB lines.
 *
 * Why not `readline` (what `lib/util/jsonl.ts` uses for the small-file verbs): readline decodes
 * every chunk to a string and then searches that string for line ends; here we search the bytes
 * for `\n` (0x0A, never part of a multi-byte UTF-8 sequence) and decode each line once, so each
 * byte is touched by the decoder exactly once. On a 585 MB file of ~230 KB lines this was about
 * 1.5× faster than readline, and it knows the byte offset of every line, which the progress
 * display and the throughput figures need. Memory: one read chunk plus the current line; a line
 * that spans chunks is kept as a list of Buffer slices and decoded once when its end arrives.
 *
 * Conventions (as readline with `crlfDelay: Infinity`): `\r\n` ends a line like `\n`; a last line
 * without a newline is still a line; a UTF-8 byte-order mark at the very start is dropped.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

export interface LineInfo {
  /** 1-based line number. */
  line: number;
  /** Byte offset just past this line's terminator (bytes consumed so far). */
  bytesRead: number;
}

/** V8 cannot hold a string longer than this (about 512 MiB of UTF-16). */
export const MAX_LINE_BYTES = 0x1fffffe8;

export class LineTooLongError extends Error {
  constructor(
    readonly line: number,
    readonly bytes: number,
  ) {
    super(`line ${line} is longer than ${MAX_LINE_BYTES} bytes (${bytes}); a JavaScript string cannot hold it`);
    this.name = 'LineTooLongError';
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
export async function forEachLine(
  input: Readable,
  onLine: (text: string, info: LineInfo) => void | Promise<void>,
): Promise<{ lines: number; bytes: number }> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  let bytes = 0;
  const emit = async (buf: Buffer, start: number, end: number) => {
    lineNo++;
    let text: string;
    if (pending.length) {
      pending.push(buf.subarray(start, end));
      const all = Buffer.concat(pending, pendingBytes + (end - start));
      pending = [];
      pendingBytes = 0;
      if (all.length > MAX_LINE_BYTES) throw new LineTooLongError(lineNo, all.length);
      text = all.toString('utf8', 0, all.length - (all.length > 0 && all[all.length - 1] === 13 ? 1 : 0));
    } else {
      text = buf.toString('utf8', start, end > start && buf[end - 1] === 13 ? end - 1 : end);
    }
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 byte-order mark
    await onLine(text, { line: lineNo, bytesRead: bytes });
  };
  try {
    for await (const raw of input as AsyncIterable<Buffer | string>) {
      const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl < 0) {
          if (start < chunk.length) {
            const rest = chunk.subarray(start);
            pending.push(rest);
            pendingBytes += rest.length;
            if (pendingBytes > MAX_LINE_BYTES) throw new LineTooLongError(lineNo + 1, pendingBytes);
          }
          bytes += chunk.length - start;
          break;
        }
        bytes += nl + 1 - start;
        await emit(chunk, start, nl);
        start = nl + 1;
      }
    }
    if (pending.length) await emit(Buffer.alloc(0), 0, 0);
  } finally {
    if (input !== process.stdin) input.destroy();
  }
  return { lines: lineNo, bytes };
}
