/**
 * `golongrl status [ID]`, `logs ID [--follow]`, `cancel ID`, `list` — the job verbs over the persisted
 * records in runs/jobs/ (lib/cluster/jobs.ts). `status` queries the backends (one batched query per
 * backend); `list` only reads the records (last known states, no query).
 */
import { parseArgs } from 'node:util';
import { listChains, type ChainRecord } from '../cluster/chain.js';
import { attachJob, listJobs, pollStates, type JobHandle } from '../cluster/jobs.js';
import { sanitizeJobName } from '../cluster/shell.js';
import { knownSecretValues, readEnvFile, redact, SecretError } from '../cluster/secrets.js';
import { assertJobId } from '../cluster/store.js';
import { isTerminal } from '../cluster/types.js';
import { EXIT_OK, LineWriter, UsageError } from './io.js';

const COMMON = `  --jobs-dir DIR   job records (default runs/jobs)
  --json           JSON output`;

export const STATUS_HELP = `golongrl status [ID] [--json]

The state of one job, or of every job not yet finished (one batched query per backend).
States: PENDING RUNNING COMPLETING COMPLETED FAILED CANCELLED TIMEOUT PREEMPTED REQUEUED NODE_FAIL
OUT_OF_MEMORY UNKNOWN (docs/cluster.md maps each backend's states onto these).
${COMMON}`;
export const LOGS_HELP = `golongrl logs ID [--follow] [--stream stdout|stderr] [--env-file FILE] [--json]

Print a job's log lines; --follow keeps printing until the job ends (Ctrl-C stops following).
Known secret values are printed as *** : the job's declared secrets and every credential-looking variable
(…_API_KEY, …_TOKEN, …_SECRET, …_PASSWORD, WANDB_API_KEY, HF_TOKEN …) of this shell, and the values in
--env-file FILE (the secrets file the job was submitted with).
${COMMON}`;
export const CANCEL_HELP = `golongrl cancel ID [--json]

Cancel a job (local: SIGTERM to its process group, then SIGKILL; slurm: scancel; ray: /stop; skypilot: sky cancel).
${COMMON}`;
export const LIST_HELP = `golongrl list [--chains] [--json]

Every recorded job with its LAST KNOWN state (no backend query; 'golongrl status' refreshes).
  --chains               list the phase chains of phased recipes instead (runs/jobs/chains/, see
                         docs/cluster-recipes.md): each chain's state and its phases' jobs and states
${COMMON}`;

function opts(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'jobs-dir': { type: 'string' }, json: { type: 'boolean', default: false }, chains: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
}

function jobsOpts(v: { 'jobs-dir'?: string | boolean }) {
  return typeof v['jobs-dir'] === 'string' ? { jobsDir: v['jobs-dir'] } : {};
}

function row(j: JobHandle) {
  return { id: j.id, backend: j.backend, backend_id: j.backendId, state: j.lastState, name: j.name, recipe: j.record.recipe ?? null, submitted_at: j.record.submittedAt, state_at: j.record.lastStateAt, stdout: j.paths.stdout, ...(j.record.error ? { error: j.record.error } : {}) };
}

function chainTable(chains: readonly ChainRecord[]): string {
  if (chains.length === 0) return '(no phase chains)';
  return chains
    .map((c) => [`${c.id}  ${c.recipe}  ${c.backend}  ${c.state}${c.error ? `  (${c.error})` : ''}`, ...c.phases.map((p) => `  phase ${p.phase} ${p.label}: ${p.state}  job ${p.jobId ?? '-'}  steps ${p.steps[0]}..${p.steps[1]}`)].join('\n'))
    .join('\n');
}

function table(jobs: JobHandle[]): string {
  if (jobs.length === 0) return '(no jobs)';
  const rows = jobs.map((j) => [j.id, j.backend, j.backendId || '-', j.lastState, j.record.recipe ?? '-', sanitizeJobName(j.name) + (j.record.error ? `  [not submitted: ${sanitizeJobName(j.record.error)}]` : '')]);
  const head = ['ID', 'BACKEND', 'BACKEND_ID', 'STATE', 'RECIPE', 'NAME'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ')).join('\n');
}

/** attachJob with a missing/unreadable record as a usage error (exit 2, one line), never a stack trace. */
function attach(id: string, o: ReturnType<typeof jobsOpts>): JobHandle {
  try {
    return attachJob(id, o);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function checkedId(id: string): string {
  try {
    assertJobId(id);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return id;
}

function oneId(positionals: string[], verb: string): string {
  if (positionals.length !== 1) throw new UsageError(`${verb} needs exactly one job ID (see 'golongrl list')`);
  return checkedId(positionals[0]);
}

export async function runStatus(argv: string[]): Promise<number> {
  const { values, positionals } = opts(argv);
  if (values.help) return (process.stdout.write(STATUS_HELP + '\n'), EXIT_OK);
  if (positionals.length > 1) throw new UsageError('status takes at most one job ID');
  const jobs = positionals.length === 1 ? [attach(checkedId(positionals[0]), jobsOpts(values))] : listJobs(jobsOpts(values)).filter((j) => !isTerminal(j.lastState) && !j.dryRun);
  await pollStates(jobs);
  if (values.json) {
    process.stdout.write(JSON.stringify(positionals.length === 1 ? row(jobs[0]) : jobs.map(row)) + '\n');
  } else if (positionals.length === 1) {
    const r = row(jobs[0]);
    process.stdout.write(`${r.id}  ${r.state}\n  backend ${r.backend} (${r.backend_id || 'never submitted'})\n  name    ${sanitizeJobName(r.name)}\n  recipe  ${r.recipe ?? '-'}\n  submitted ${r.submitted_at}; state seen ${r.state_at}\n  logs    ${r.stdout}\n${r.error ? `  error   ${r.error}\n` : ''}`);
  } else {
    process.stdout.write((jobs.length ? table(jobs) : '(no unfinished jobs; golongrl list shows all)') + '\n');
  }
  return EXIT_OK;
}

export async function runLogs(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'jobs-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
      follow: { type: 'boolean', default: false },
      stream: { type: 'string', default: 'stdout' },
      'env-file': { type: 'string' },
    },
  });
  if (values.help) return (process.stdout.write(LOGS_HELP + '\n'), EXIT_OK);
  const stream = values.stream;
  if (stream !== 'stdout' && stream !== 'stderr') throw new UsageError(`--stream must be stdout or stderr, got '${String(stream)}'`);
  const job = attach(oneId(positionals, 'logs'), jobsOpts(values));
  let fileSecrets: Record<string, string> = {};
  try {
    if (values['env-file'] !== undefined) fileSecrets = readEnvFile(values['env-file']);
  } catch (e) {
    if (e instanceof SecretError) throw new UsageError(e.message);
    throw e;
  }
  const secrets = knownSecretValues(job.record.spec.secretEnv ?? [], process.env, fileSecrets);
  const clean = (line: string) => (secrets.length ? redact(line, secrets) : line);
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  const w = new LineWriter();
  try {
    for await (const line of job.logs({ follow: values.follow, stream, signal: ac.signal })) {
      const l = clean(line);
      await w.line(values.json ? JSON.stringify({ id: job.id, stream, line: l }) : l);
      if (values.follow) await w.flush();
    }
  } finally {
    process.off('SIGINT', stop);
    await w.flush();
  }
  return EXIT_OK;
}

export async function runCancel(argv: string[]): Promise<number> {
  const { values, positionals } = opts(argv);
  if (values.help) return (process.stdout.write(CANCEL_HELP + '\n'), EXIT_OK);
  const job = attach(oneId(positionals, 'cancel'), jobsOpts(values));
  await job.cancel();
  const state = await job.state();
  if (values.json) process.stdout.write(JSON.stringify({ ...row(job), state }) + '\n');
  else process.stdout.write(`${job.id}  ${state}${isTerminal(state) ? '' : ' (cancel requested)'}\n`);
  return EXIT_OK;
}

export async function runList(argv: string[]): Promise<number> {
  const { values, positionals } = opts(argv);
  if (values.help) return (process.stdout.write(LIST_HELP + '\n'), EXIT_OK);
  if (positionals.length) throw new UsageError('list takes no arguments');
  if (values.chains) {
    const chains = listChains(typeof values['jobs-dir'] === 'string' ? values['jobs-dir'] : undefined);
    if (values.json) process.stdout.write(JSON.stringify(chains) + '\n');
    else process.stdout.write(chainTable(chains) + '\n');
    return EXIT_OK;
  }
  const bad: string[] = [];
  const jobs = listJobs({ ...jobsOpts(values), onBad: (f, e) => bad.push(`${f}: ${e.message}`) });
  for (const b of bad) process.stderr.write(`golongrl list: skipped unreadable record ${b}\n`);
  if (values.json) process.stdout.write(JSON.stringify(jobs.map(row)) + '\n');
  else process.stdout.write(table(jobs) + '\n');
  return EXIT_OK;
}
