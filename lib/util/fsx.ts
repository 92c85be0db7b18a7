/**
 * `mkdirp(dir)`: `mkdir -p`, without Node's recursive mkdir.
 *
 * Node 20's `mkdirSync(path, { recursive: true })` never returns when a component cannot be created but
 * its parent exists with a status that sends libuv's loop back to the parent: `mkdirSync('/proc/x',
 * { recursive: true })` spins forever at 100% CPU (`mkdir('/proc/x')` is ENOENT although `/proc` exists;
 * the loop creates the parent — EEXIST — and retries the child). `golongrl train --out /proc/x` hung that
 * way. This walks up to the first existing ancestor and creates each component with a plain `mkdirSync`,
 * so every failure is thrown once, as the system reports it (code, syscall and path set: the CLI prints
 * it as one line).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function mkdirp(dir: string): void {
  const abs = resolve(dir);
  let isDir: boolean | null = null;
  try {
    isDir = statSync(abs).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (isDir === true) return;
  if (isDir === false) {
    mkdirSync(abs); // exists and is not a directory: EEXIST, naming the path
    return;
  }
  const parent = dirname(abs);
  if (parent !== abs) mkdirp(parent);
  try {
    mkdirSync(abs);
  } catch (e) {
    // Created by someone else between our stat and mkdir: fine if it is a directory now.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(abs).isDirectory()) return;
    throw e;
  }
}
