/**
 * Shell safety for generated launch files (sbatch scripts, SkyPilot `run:` blocks, Ray entrypoints).
 * Every user-supplied string reaches a shell only single-quoted (POSIX: inside '…' nothing is special; a
 * quote is written as '\''), and environment names are checked against the POSIX name grammar.
 *
 * Per-task placeholders: a command payload's argv may contain `{{node}}` (the node's name) and `{{rank}}`
 * (the task's rank). `taskWrapper` substitutes them at run time with bash pattern replacement, and the
 * result is used as one argv element: it is never evaluated again, so it cannot inject anything.
 */

/** POSIX single-quoting of one word. */
export function shQuote(s: string): string {
  if (s === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function assertEnvName(name: string, where: string): void {
  if (!ENV_NAME.test(name)) throw new Error(`${where}: '${name}' is not a valid environment variable name`);
}

/** Job names reach schedulers as one argv element; control characters (newline, tab …) become spaces. */
export function sanitizeJobName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const s = name.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return s === '' ? 'golongrl-job' : s;
}

/**
 * `bash -c WRAPPER golongrl-task ARG…`: replaces `{{node}}`/`{{rank}}` in every argument by the values
 * of the two named environment variables, then execs the arguments as they are (no re-evaluation).
 */
export function taskWrapper(nodeVar: string, rankVar: string): string[] {
  assertEnvName(nodeVar, 'taskWrapper');
  assertEnvName(rankVar, 'taskWrapper');
  const body = `a=(); for x in "$@"; do x="\${x//\\{\\{node\\}\\}/\${${nodeVar}:-}}"; x="\${x//\\{\\{rank\\}\\}/\${${rankVar}:-0}}"; a+=("$x"); done; exec "\${a[@]}"`;
  return ['bash', '-c', body, 'golongrl-task'];
}

/** Does any argv element use a per-task placeholder? (Then the wrapper is needed.) */
export function usesPlaceholders(argv: readonly string[]): boolean {
  return argv.some((a) => a.includes('{{node}}') || a.includes('{{rank}}'));
}

/** Local substitution, for backends that run the argv directly (the local child process). */
export function substitutePlaceholders(argv: readonly string[], node: string, rank: number): string[] {
  return argv.map((a) => a.split('{{node}}').join(node).split('{{rank}}').join(String(rank)));
}
