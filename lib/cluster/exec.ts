/**
 * Running cluster client programs (sbatch, squeue, scancel, sacct, scontrol, sky) through execa 5: argv
 * arrays, never a shell, never throwing on a non-zero exit (callers read `exitCode`). execa 5 is CommonJS,
 * so the default import works both under tsx (ESM) and in the tslab kernel (CommonJS).
 */
import execa from 'execa';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The program could not be started because it is not on PATH (exit code 127, as a shell reports it). */
  notFound?: boolean;
}

export async function run(
  file: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<ExecResult> {
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
