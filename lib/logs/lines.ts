/**
 * Streaming line reader for log files: reads the file in 1 MiB chunks (never the whole file into one
 * string), decodes UTF-8 across chunk boundaries, and hands each physical line (split on "\n", a
 * trailing "\r" of "\r\n" removed) to a callback with its 1-based line number. Memory is bounded by
 * the longest line; time is linear in the file size. `unterminated` is true only for a last line
 * that has no newline after it (a writer killed mid-line).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export type LineCallback = (line: string, lineNo: number, unterminated: boolean) => void;

const CHUNK = 1 << 20;

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

/** Stream a file line by line. */
export function forEachLineOfFile(path: string, cb: LineCallback): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    const dec = new StringDecoder('utf8');
    let pending: string[] = []; // the current line's pieces so far (a line may span many chunks)
    let lineNo = 0;
    const feed = (s: string) => {
      let start = 0;
      for (;;) {
        const nl = s.indexOf('\n', start);
        if (nl < 0) break;
        const head = s.slice(start, nl);
        cb(stripCr(pending.length > 0 ? pending.join('') + head : head), ++lineNo, false);
        pending = [];
        start = nl + 1;
      }
      if (start < s.length) pending.push(s.slice(start));
    };
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      feed(dec.write(buf.subarray(0, n)));
    }
    feed(dec.end());
    if (pending.length > 0) cb(stripCr(pending.join('')), ++lineNo, true);
  } finally {
    closeSync(fd);
  }
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}
