/**
 * `local` backend — the embedded default: the payload runs as a detached child process on this machine
 * (its own process group), stdout/stderr go to files in the job folder, and a small `sh` wrapper writes the
 * exit code to `exit_code` (atomically, temp + rename) when the payload ends. So a restarted notebook or CLI
 * re-attaches from the record alone: pid alive → RUNNING; exit code 0 → COMPLETED, other → FAILED;
 * `cancelled` marker → CANCELLED; pid gone without exit code → FAILED.
 *
 * cancel = SIGTERM to the process group, then SIGKILL after a grace period (submitit's local executor does
 * the same). Secrets reach the child only through its environment.
 *
 * A `verl` payload runs `entrypoint + overrides` as one command (verl is not installed here, so it fails
 * honestly); a `command` payload runs its argv with `{{node}}` → 'local', `{{rank}}` → 0.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobRecord } from '../store.js';
import { jobEnvironment } from '../secrets.js';
import { substitutePlaceholders } from '../shell.js';
import type { JobSpec, JobState } from '../types.js';
import { readFileFrom, type BackendDriver, type LogChunk, type SubmitContext, type SubmitResult } from './driver.js';

const WRAPPER = 'ec_file=$1; shift; "$@"; ec=$?; printf "%s\\n" "$ec" > "$ec_file.tmp" && mv "$ec_file.tmp" "$ec_file"; exit $ec';

export function localArgv(spec: JobSpec): string[] {
  const p = spec.payload;
  if (p.kind === 'command') {
    if (p.argv.length === 0) throw new Error(`job '${spec.name}': payload.argv is empty`);
    return substitutePlaceholders(p.argv, 'local', 0);
  }
  if (p.entrypoint.length === 0) throw new Error(`job '${spec.name}': payload.entrypoint is empty`);
  return [...p.entrypoint, ...p.overrides];
}

function exitFile(rec: { paths: { dir: string } }): string {
  return join(rec.paths.dir, 'exit_code');
}
function cancelFile(rec: { paths: { dir: string } }): string {
  return join(rec.paths.dir, 'cancelled');
}

/** Is `pid` a live (non-zombie) process that is still our wrapper for this job? */
function alive(pid: number, marker: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(marker); // pid reuse guard: the wrapper's argv holds our exit-code path
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}

export function localState(rec: JobRecord): JobState {
  const ef = exitFile(rec);
  if (existsSync(ef)) {
    const code = Number(readFileSync(ef, 'utf8').trim());
    if (code === 0) return 'COMPLETED';
    return existsSync(cancelFile(rec)) ? 'CANCELLED' : 'FAILED';
  }
  const pid = Number(rec.info.pid);
  if (Number.isInteger(pid) && pid > 0 && alive(pid, ef)) return 'RUNNING';
  if (rec.dryRun) return 'PENDING';
  return existsSync(cancelFile(rec)) ? 'CANCELLED' : 'FAILED';
}

export const localBackend: BackendDriver = {
  kind: 'local',

  async submit(spec: JobSpec, ctx: SubmitContext): Promise<SubmitResult> {
    const argv = localArgv(spec);
    const cwd = spec.payload.workdir ?? ctx.cwd;
    if (ctx.dryRun) return { backendId: 'dry-run', info: { argv: JSON.stringify(argv), cwd } };
    const out = openSync(ctx.paths.stdout, 'a');
    const err = openSync(ctx.paths.stderr, 'a');
    try {
      const child = spawn('/bin/sh', ['-c', WRAPPER, 'golongrl-job', exitFile(ctx), ...argv], {
        cwd,
        detached: true,
        stdio: ['ignore', out, err],
        env: { ...jobEnvironment(process.env, spec.secretEnv, spec.env, ctx.secrets).env, GOLONGRL_JOB_ID: ctx.id },
      });
      await new Promise<void>((res, rej) => {
        child.once('spawn', () => res());
        child.once('error', rej);
      });
      child.unref();
      const pid = child.pid as number;
      return { backendId: String(pid), info: { pid, cwd } };
    } finally {
      closeSync(out);
      closeSync(err);
    }
  },

  async states(records) {
    const m = new Map<string, JobState>();
    for (const r of records) m.set(r.id, localState(r));
    return m;
  },

  async cancel(rec) {
    const pid = Number(rec.info.pid);
    if (!Number.isInteger(pid) || pid <= 0) return;
    if (!alive(pid, exitFile(rec))) return;
    writeFileSync(cancelFile(rec), new Date().toISOString() + '\n');
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return;
    }
    const groupAlive = () => {
      try {
        process.kill(-pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && groupAlive()) await new Promise((r) => setTimeout(r, 100));
    if (groupAlive()) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  },

  async readLog(rec, stream, offset, final): Promise<LogChunk> {
    return readFileFrom(stream === 'stdout' ? rec.paths.stdout : rec.paths.stderr, offset, final);
  },
};
