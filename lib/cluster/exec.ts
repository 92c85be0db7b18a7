/**
 * Running cluster client programs (sbatch, squeue, scancel, sacct, scontrol, sky) through execa 5: argv
 * arrays, never a shell, never throwing on a non-zero exit (callers read `exitCode`). execa 5 is CommonJS,
 * so the default import works both under tsx (ESM) and in the tslab kernel (CommonJS).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import execa from 'execa';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The program could not be started because it is not on PATH (exit code 127, as a shell reports it). */
  notFound?: boolean;
}

/** Is `file` runnable: a path that exists, or a name found executable on PATH? */
export function onPath(file: string, pathEnv = process.env.PATH ?? ''): boolean {
  const ok = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (file.includes('/')) return ok(file);
  return pathEnv.split(delimiter).some((d) => d !== '' && ok(join(d, file)));
}

export async function run(
  file: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<ExecResult> {
  // Not spawned when missing: execa 5 keeps its timeout timer alive after a spawn ENOENT, which held the
  // CLI's exit back by the whole timeout (2 min) after it had already printed the error.
  if (!onPath(file, (opts.env ?? process.env).PATH)) return { stdout: '', stderr: `${file}: command not found`, exitCode: 127, notFound: true };
  try {
    const r = await execa(file, [...args], {
      reject: false,
      ...(opts.env ? { env: opts.env, extendEnv: false } : {}),
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      timeout: opts.timeoutMs ?? 120_000,
      stdin: 'ignore',
    });
    const code = (r as unknown as { code?: string }).code;
    if (code === 'ENOENT') return { stdout: '', stderr: `${file}: command not found`, exitCode: 127, notFound: true };
    if (r.exitCode === undefined) return { stdout: r.stdout ?? '', stderr: (r as unknown as { shortMessage?: string }).shortMessage ?? `${file} could not be run`, exitCode: 126 };
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  } catch (e) {
    // spawn failures (ENOENT) are reported as results, with the reason on stderr
    const notFound = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return { stdout: '', stderr: notFound ? `${file}: command not found` : (e as Error).message, exitCode: 127, ...(notFound ? { notFound } : {}) };
  }
}
