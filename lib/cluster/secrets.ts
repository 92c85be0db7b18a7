/**
 * Secrets (WANDB_API_KEY, judge API keys) for cluster jobs. They travel only through the environment:
 * `loadSecretEnv` reads them from the submitting process's environment or from a dotenv-style file that
 * must have mode 0600 (owner read/write only — the rule `ssh` applies to private keys); `redact` scrubs
 * known values from any line before it is logged; `assertNoSecrets` is the check tests (and backends) run
 * on every generated artifact — scripts, argv, job records — that no secret value appears in it.
 *
 * Env-file format (a strict subset of dotenv): one `NAME=value` per line; blank lines and `#` comments
 * are skipped; an optional leading `export `; the value may be wrapped in '…' or "…" (no escapes, no
 * interpolation). Anything else is an error naming the file and line. Values are never echoed in errors.
 */
import { readFileSync, statSync } from 'node:fs';

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses an env file (after checking its mode); returns name → value. */
export function readEnvFile(path: string): Record<string, string> {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new SecretError(`${path}: cannot read env file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!st.isFile()) throw new SecretError(`${path}: env file is not a regular file`);
  const mode = st.mode & 0o777;
  if (process.platform !== 'win32' && mode !== 0o600)
    throw new SecretError(`${path}: env file has mode ${mode.toString(8).padStart(4, '0')}; secrets files must have mode 0600 (run: chmod 600 ${path})`);
  const text = readFileSync(path, 'utf8');
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new SecretError(`${path}:${i + 1}: malformed line (expected NAME=value)`);
    const name = m[1];
    if (!NAME.test(name)) throw new SecretError(`${path}:${i + 1}: '${name}' is not a valid variable name`);
    let value = m[2];
    const q = value[0];
    if (q === '"' || q === "'") {
      if (value.length < 2 || value[value.length - 1] !== q) throw new SecretError(`${path}:${i + 1}: ${name}: unterminated ${q === '"' ? 'double' : 'single'} quote`);
      value = value.slice(1, -1);
    } else if (/\s#/.test(value)) {
      value = value.replace(/\s+#.*$/, '');
    }
    out[name] = value;
  }
  return out;
}

/**
 * The values of `names`: from `env` (default process.env) first, else from `envFile`. Throws naming every
 * missing secret (names only). An env file is read (and its mode checked) only when given.
 */
export function loadSecretEnv(names: readonly string[], opts: { envFile?: string; env?: NodeJS.ProcessEnv } = {}): Record<string, string> {
  const env = opts.env ?? process.env;
  for (const n of names) if (!NAME.test(n)) throw new SecretError(`'${n}' is not a valid secret name`);
  const file = opts.envFile !== undefined ? readEnvFile(opts.envFile) : {};
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const n of names) {
    const v = env[n] !== undefined && env[n] !== '' ? env[n] : file[n];
    if (v === undefined || v === '') missing.push(n);
    else out[n] = v;
  }
  if (missing.length)
    throw new SecretError(
      `missing secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: set ${missing.length > 1 ? 'them' : 'it'} in the environment${opts.envFile !== undefined ? ` or in ${opts.envFile}` : ' or pass an env file (mode 0600)'}`,
    );
  return out;
}

/** Replaces every occurrence of each secret value (longest first; values shorter than 4 characters are refused) with `***`. */
export function redact(text: string, secretValues: readonly string[]): string {
  const vals = [...new Set(secretValues.filter((v) => v !== ''))].sort((a, b) => b.length - a.length);
  for (const v of vals) if (v.length < 4) throw new SecretError(`refusing to redact a secret shorter than 4 characters (it would scrub ordinary text)`);
  let out = text;
  for (const v of vals) out = out.split(v).join('***');
  return out;
}

/**
 * Throws if any secret value occurs in `artifact` (a generated script, an argv, a record): the error names
 * the artifact and the secret's NAME, never its value. Accepts strings, arrays and JSON-able objects.
 */
export function assertNoSecrets(artifact: unknown, secrets: Readonly<Record<string, string>>, what = 'artifact'): void {
  const text = typeof artifact === 'string' ? artifact : JSON.stringify(artifact);
  for (const [name, value] of Object.entries(secrets)) {
    if (value === '') continue;
    if (text.includes(value)) throw new SecretError(`${what} contains the value of secret ${name}`);
    // Also the forms a value takes after JSON or shell quoting.
    const json = JSON.stringify(value).slice(1, -1);
    if (json !== value && text.includes(json)) throw new SecretError(`${what} contains the (JSON-escaped) value of secret ${name}`);
  }
}

/**
 * Names that look like credentials: `*_API_KEY`, `*_TOKEN`, `*_SECRET`, `*_PASSWORD` (any case), plus the
 * ones this project knows by name. NOT what keeps credentials out of jobs (that is the allow-list below);
 * used to find values `golongrl logs` should redact.
 */
export const SECRET_NAME_PATTERN = /(?:^|_)(?:API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD)$/i;
export const KNOWN_SECRET_NAMES: readonly string[] = ['WANDB_API_KEY', 'GOLONGRL_JUDGE_API_KEY', 'ARK_API_KEY', 'OPENAI_API_KEY', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN'];

export function looksSecret(name: string): boolean {
  return KNOWN_SECRET_NAMES.includes(name) || SECRET_NAME_PATTERN.test(name);
}

/**
 * The allow-list: what a job inherits from the submitting environment (docs/cluster.md "What a job's
 * environment holds"). Exact names: the process basics, locale and time zone, Hugging Face cache and
 * offline switches, Python/conda/module paths and thread counts. Prefixes: locale (`LC_`), GPU and
 * communication settings (`CUDA_`, `NCCL_`, `NVIDIA_`, `TORCH_`), scheduler and cluster settings (`SLURM_`,
 * `RAY_`, `SKYPILOT_`) and this project's (`GOLONGRL_`) — a name under a prefix that still looks like a
 * credential (`SECRETISH`: …KEY, …TOKEN, …SECRET, PASSWORD, CREDENTIAL, AUTH, PRIVATE…) is withheld anyway.
 * Anything else (AWS_SECRET_ACCESS_KEY, PGPASSWORD, MYSQL_PWD, DOCKER_AUTH_CONFIG, a judge key …) reaches a
 * job only when the job declares it: in `env` (non-secret) or `secretEnv` (a secret).
 */
export const SAFE_ENV_NAMES: readonly string[] = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TERM', 'TMPDIR', 'HOSTNAME',
  'HF_HOME', 'HF_HUB_CACHE', 'HF_DATASETS_CACHE', 'HF_HUB_OFFLINE', 'HF_DATASETS_OFFLINE', 'TRANSFORMERS_CACHE', 'TRANSFORMERS_OFFLINE',
  'PYTHONPATH', 'PYTHONUNBUFFERED', 'VIRTUAL_ENV', 'CONDA_PREFIX', 'CONDA_DEFAULT_ENV', 'CONDA_EXE', 'LD_LIBRARY_PATH',
  'MODULEPATH', 'LOADEDMODULES', 'MODULESHOME', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'TOKENIZERS_PARALLELISM',
];
export const SAFE_ENV_PREFIXES: readonly string[] = ['LC_', 'CUDA_', 'NCCL_', 'NVIDIA_', 'TORCH_', 'SLURM_', 'RAY_', 'SKYPILOT_', 'GOLONGRL_'];
/** A credential-looking word (one `_`-separated part) in a name: withheld even under an allowed prefix. */
export const SECRETISH = /(?:^|_)(?:API_?KEY|APIKEY|KEY|TOKEN|SECRET|PASS|PASSWORD|PASSWD|PWD|CREDENTIALS?|AUTH|PRIVATE|COOKIE|CERT|DSN)(?:_|$)/i;

/**
 * `GOLONGRL_JOB_ENV=NAME,NAME…` in the submitting environment: extra non-secret names the user declares for
 * every job (a site's $SCRATCH, a tool's settings). A credential-looking name is refused here — declare it
 * as a secret (`secretEnv`) so it is resolved, checked and redacted like one.
 */
export const JOB_ENV_VAR = 'GOLONGRL_JOB_ENV';

export function declaredPassThrough(parent: NodeJS.ProcessEnv): string[] {
  const names = (parent[JOB_ENV_VAR] ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const n of names) {
    if (!NAME.test(n)) throw new SecretError(`${JOB_ENV_VAR}: '${n}' is not a valid variable name`);
    if (SECRETISH.test(n) || looksSecret(n) || /PASSW|PWD|SECRET|TOKEN|KEY|CREDENTIAL|AUTH|PRIVATE|COOKIE/i.test(n)) throw new SecretError(`${JOB_ENV_VAR}: '${n}' looks like a credential; declare it as a secret of the job (secret_env / secretEnv) instead`);
  }
  return names;
}

/** Is `name` in the allow-list (and not credential-looking)? */
export function safeEnvName(name: string, extra: readonly string[] = []): boolean {
  if (extra.includes(name) || SAFE_ENV_NAMES.includes(name)) return true; // named one by one
  return !SECRETISH.test(name) && SAFE_ENV_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * The environment a job (or the scheduler client that exports its environment to the job: `sbatch
 * --export=<these names>`, `sky launch`) is started with: the ALLOW-LISTED part of the submitting process's
 * environment (`safeEnvName`, plus `extraSafe` names a backend's client needs and the names the user lists
 * in $GOLONGRL_JOB_ENV), then the spec's non-secret
 * `env`, then the declared secrets. Nothing else: an AWS key or a judge key in the watcher's shell does not
 * reach a training job that never asked for it. Returns the environment and the names it withheld (names
 * only, for a notice).
 */
export function jobEnvironment(
  parent: NodeJS.ProcessEnv,
  declared: readonly string[],
  env: Readonly<Record<string, string>>,
  secrets: Readonly<Record<string, string>>,
  extraSafe: readonly string[] = [],
): { env: NodeJS.ProcessEnv; withheld: string[] } {
  const out: NodeJS.ProcessEnv = {};
  const withheld: string[] = [];
  const extra = [...extraSafe, ...declaredPassThrough(parent)];
  for (const [k, v] of Object.entries(parent)) {
    if (v === undefined) continue;
    if (declared.includes(k)) continue; // a declared secret comes from `secrets` (env or env file), below
    if (!safeEnvName(k, extra)) {
      withheld.push(k);
      continue;
    }
    out[k] = v;
  }
  return { env: { ...out, ...env, ...secrets }, withheld: withheld.sort() };
}

/** Known secret values to scrub from printed logs: the declared secrets' and every credential-looking variable's values here. */
export function knownSecretValues(declared: readonly string[], env: NodeJS.ProcessEnv = process.env, extra: Readonly<Record<string, string>> = {}): string[] {
  const vals = new Set<string>();
  for (const [k, v] of Object.entries(env)) if (v && v.length >= 4 && (declared.includes(k) || looksSecret(k))) vals.add(v);
  for (const v of Object.values(extra)) if (v.length >= 4) vals.add(v);
  return [...vals];
}
