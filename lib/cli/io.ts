/**
 * Output helpers for CLI verbs: buffered stdout writes that respect back-pressure, a
 * progress line on stderr (only when stderr is a terminal, so pipelines and CI stay clean),
 * and the exit-code convention (0 ok, 1 runtime failure, 2 bad input or usage).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { errnoText, InputError, OutputError } from '../util/jsonl.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An integer option ≥ `min` written as plain digits ("1e3", "1.0", "" are refused), or undefined when absent. */
export function intOption(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} needs an integer >= ${min}, got '${text}'`);
  return n;
}

/**
 * The CLI's one error path: the one line to print (after "golongrl VERB: ") for an error caused by the
 * input or the environment — bad input (`InputError`: file, where, what), an output that cannot be
 * written (`OutputError`), a system error on a path (EISDIR, ENOENT, EACCES, ENOSPC…, with the path),
 * a file SQLite cannot open as a database — or undefined for anything else (a bug: print the stack).
 */
export function describeError(e: unknown, opts: { skipBadHint?: boolean } = {}): string | undefined {
  if (e instanceof InputError) {
    const hint = opts.skipBadHint && e.where === undefined ? '\n  (use --skip-bad FILE to quarantine bad lines and go on)' : '';
    return e.message + hint;
  }
  if (e instanceof OutputError) return e.message;
  const err = e as NodeJS.ErrnoException & { path?: string; dest?: string };
  if (err && typeof err === 'object' && typeof err.code === 'string') {
    if (/^SQLITE_(NOTADB|CORRUPT|CANTOPEN)/.test(err.code)) {
      const file = (err as { file?: string }).file;
      return `${file ? `${file}: ` : ''}${err.code === 'SQLITE_NOTADB' ? 'not an SQLite database' : err.message} (SQLite: ${err.message})`;
    }
    if (err.syscall) {
      const what = errnoText(err);
      if (err.path) return `${err.path}: ${what}${err.dest ? ` (→ ${err.dest})` : ''}`;
      if (err.syscall === 'write' && (err.code === 'ENOSPC' || err.code === 'EIO' || err.code === 'EDQUOT')) return `cannot write the output: ${what}`;
    }
  }
  return undefined;
}

/** Accumulates output lines and flushes them in large chunks, waiting on 'drain' when needed. */
export class LineWriter {
  private buf: string[] = [];
  private size = 0;
  constructor(
    private readonly out: Writable = process.stdout,
    private readonly chunk = 1 << 16,
  ) {}
  async line(s: string): Promise<void> {
    this.buf.push(s);
    this.size += s.length + 1;
    if (this.size >= this.chunk) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const data = this.buf.join('\n') + '\n';
    this.buf = [];
    this.size = 0;
    if (!this.out.write(data)) await once(this.out, 'drain');
  }
}

/** A throttled one-line progress display on stderr; silent unless stderr is a TTY or forced. */
export class Progress {
  private last = 0;
  private readonly enabled: boolean;
  private readonly started = Date.now();
  constructor(
    private readonly label: string,
    private readonly total?: number,
    force = false,
    private readonly unit = 'rows',
  ) {
    this.enabled = force || Boolean(process.stderr.isTTY);
  }
  tick(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.render(done);
  }
  private render(done: number): void {
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    let bar = '';
    if (this.total && this.total > 0) {
      const frac = Math.min(1, done / this.total);
      const w = 24;
      const fill = Math.round(frac * w);
      bar = `[${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${(frac * 100).toFixed(0)}% `;
    }
    process.stderr.write(`\r${this.label} ${bar}${done} ${this.unit}, ${rate}/s   `);
  }
  done(n: number): void {
    if (!this.enabled) return;
    this.render(n);
    process.stderr.write('\n');
  }
}
