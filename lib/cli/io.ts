/**
 * Output helpers for CLI verbs: buffered stdout writes that respect back-pressure, a
 * progress line on stderr (only when stderr is a terminal, so pipelines and CI stay clean),
 * and the exit-code convention (0 ok, 1 runtime failure, 2 bad input or usage).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
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
