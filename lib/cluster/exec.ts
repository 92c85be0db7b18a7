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
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? 1 };
  } catch (e) {
    // spawn failures (ENOENT) are reported as results, with the reason on stderr
    return { stdout: '', stderr: (e as Error).message, exitCode: 127 };
  }
}
