/**
 * Streaming line reader for log files: reads the file in 1 MiB chunks (never the whole file into one
 * string), decodes UTF-8 across chunk boundaries, and hands each physical line (split on "\n", a
 * trailing "\r" of "\r\n" removed) to a callback with its 1-based line number. Memory is bounded by
 * the longest line; time is linear in the file size. `unterminated` is true only for a last line
 * that has no newline after it (a writer killed mid-line).
 */
import { forEachLineSync } from '../util/lines.js';

export type LineCallback = (line: string, lineNo: number, unterminated: boolean) => void;

/** Feed `text` line by line (the same splitting as `forEachLineOfFile`). */
export function forEachLineOfText(text: string, cb: LineCallback): void {
  let lineNo = 0;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    cb(stripCr(text.slice(start, nl)), ++lineNo, false);
    start = nl + 1;
  }
  if (start < text.length) cb(stripCr(text.slice(start)), ++lineNo, true);
}

/** Stream a file line by line, through the project's one line reader (lib/util/lines.ts, byte-level). */
export function forEachLineOfFile(path: string, cb: LineCallback): void {
  forEachLineSync(path, (text, info) => cb(text, info.line, info.unterminated));
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}
