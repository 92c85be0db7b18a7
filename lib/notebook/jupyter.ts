/**
 * The notebook environment: a repo-local Jupyter path with a generated tslab kernelspec, and
 * headless execution of every notebook through Jupyter's own nbconvert/nbclient.
 *
 * Why generated, and why this way:
 * - tslab uses its working directory as the TypeScript rootDir, so the kernel must start at the
 *   repository root (not in `notebooks/`) for cells to `import … from "./lib/…"`. Jupyter starts
 *   kernels in the notebook's folder, so the kernelspec's argv changes directory first.
 * - tslab compiles imported `lib/` files to CommonJS and loads them with `Module._compile`; from
 *   Node 20.19 on, Node's require(esm) sees our `"type": "module"` and refuses, so the kernel runs
 *   with `--no-experimental-require-module` where Node has that feature.
 * - The kernelspec lives in `.jupyter/` (git-ignored), selected with `JUPYTER_PATH`, so nothing is
 *   written to the user's own Jupyter configuration.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mkdirp } from '../util/fsx.js';

/** Debian's Python has Jupyter; a `python3` earlier on PATH (pyenv) may not. */
export const PYTHON_CANDIDATES = ['/usr/bin/python3', 'python3'];

export interface JupyterInfo {
  python: string;
  nbconvert: string | null;
  nbclient: string | null;
  /** A notebook server (`jupyter lab` or `jupyter notebook`) if installed. */
  server: 'lab' | 'notebook' | null;
}

export const SERVER_HINT =
  'Jupyter can execute notebooks here (nbconvert is installed) but has no notebook server for the UI. On Debian/Ubuntu:\n' +
  '  sudo apt-get install -y --no-install-recommends jupyter-notebook\n' +
  "or: pip install jupyterlab. Headless execution works already: 'npm run notebooks'.";

export const INSTALL_HINT =
  'Jupyter was not found. On Debian/Ubuntu:\n' +
  '  sudo apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client jupyter-core\n' +
  'and, for the interactive UI, jupyter-notebook (or: pip install jupyterlab).';

function pyVersion(python: string, module: string): string | null {
  const r = spawnSync(python, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Find a Python with nbconvert and nbclient, and whether a notebook server is installed. */
export function findJupyter(): JupyterInfo | null {
  for (const python of PYTHON_CANDIDATES) {
    const nbconvert = pyVersion(python, 'nbconvert');
    if (!nbconvert) continue;
    const nbclient = pyVersion(python, 'nbclient');
    const server = pyVersion(python, 'jupyterlab') ? 'lab' : pyVersion(python, 'notebook') ? 'notebook' : null;
    return { python, nbconvert, nbclient, server };
  }
  return null;
}

/** The repository root: the folder holding this project's package.json (found from the working directory up). */
export function repoRoot(start = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'lib', 'notebook', 'jupyter.ts'))) return dir;
    const up = resolve(dir, '..');
    if (up === dir) throw new Error(`not inside the golongrl-lab repository: ${start}`);
    dir = up;
  }
}

/** The kernel.json for tslab, starting the kernel at `root`. */
export function tslabKernelSpec(root: string, node = process.execPath): Record<string, unknown> {
  const nodeFlags = (process.features as { require_module?: boolean }).require_module !== undefined ? ' --no-experimental-require-module' : '';
  const tslab = join(root, 'node_modules', 'tslab', 'bin', 'tslab');
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  return {
    argv: ['/bin/sh', '-c', `cd ${q(root)} && exec ${q(node)}${nodeFlags} ${q(tslab)} kernel --config-path "$0"`, '{connection_file}'],
    display_name: 'TypeScript (tslab, golongrl-lab)',
    language: 'typescript',
  };
}

/** Write `.jupyter/kernels/tslab/kernel.json` under `root`; returns the JUPYTER_PATH to use. */
export function writeKernelSpec(root: string): string {
  const jupyterPath = join(root, '.jupyter');
  const dir = join(jupyterPath, 'kernels', 'tslab');
  mkdirp(dir);
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify(tslabKernelSpec(root), null, 2) + '\n');
  return jupyterPath;
}

export function listNotebooks(root: string): string[] {
  const dir = join(root, 'notebooks');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => join(dir, f));
}

export interface CellFailure {
  /** 0-based index among all cells. */
  cell: number;
  source: string;
  /** The cell's stderr (where tslab prints type errors) and its error outputs. */
  error: string;
}

export interface NotebookRun {
  notebook: string;
  output: string;
  ok: boolean;
  seconds: number;
  /** The first failing cell (execution stops there). */
  failure?: CellFailure;
  /** The runner's own stderr tail when it failed without a cell error (e.g. the kernel died). */
  error?: string;
}

/**
 * Export an (executed) notebook to HTML with Jupyter's own nbconvert (`--to html`), into `outDir`
 * under the same name with `.html`. Figures shown with `show()` carry a PNG, which nbconvert embeds
 * as `<img src="data:image/png;base64,…">`, so the HTML is self-contained.
 */
export function exportHtml(info: JupyterInfo, notebook: string, outDir: string): { ok: boolean; output: string; error?: string } {
  mkdirp(outDir);
  const name = notebook.split('/').at(-1)!.replace(/\.ipynb$/, '');
  const output = join(outDir, `${name}.html`);
  const r = spawnSync(info.python, ['-m', 'nbconvert', '--to', 'html', '--output-dir', outDir, '--output', name, notebook], { encoding: 'utf8' });
  if (r.status === 0) return { ok: true, output };
  return { ok: false, output, error: (r.stderr || r.error?.message || `nbconvert exited with ${r.status}`).slice(-4000) };
}

/** `lib/notebook/execute.py`, the nbclient driver (shipped beside this file). */
export function executorScript(root: string): string {
  return join(root, 'lib', 'notebook', 'execute.py');
}

/**
 * Execute one notebook headless with Jupyter's nbclient (kernel `tslab`, started at the repo root),
 * cell by cell; the first cell whose execution fails — a type error included — fails the notebook.
 * The executed copy (outputs up to the failure) is written to `outDir` under the same name.
 */
export function executeNotebook(info: JupyterInfo, root: string, notebook: string, outDir: string, timeoutS = 900): Promise<NotebookRun> {
  const jupyterPath = writeKernelSpec(root);
  mkdirp(outDir);
  const name = notebook.split('/').at(-1)!;
  const output = join(outDir, name);
  const started = Date.now();
  return new Promise((res) => {
    const child = spawn(info.python, [executorScript(root), notebook, output, 'tslab', String(timeoutS), root], {
      cwd: root,
      env: { ...process.env, JUPYTER_PATH: jupyterPath, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    });
    child.on('close', (code) => {
      const seconds = (Date.now() - started) / 1000;
      let result: { ok: boolean; cell: number | null; source: string; error: string } | undefined;
      try {
        result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
      } catch {
        result = undefined;
      }
      if (code === 0 && result) {
        const failure = result.ok ? undefined : { cell: result.cell ?? -1, source: result.source, error: result.error };
        res({ notebook, output, ok: result.ok, seconds, failure });
      } else res({ notebook, output, ok: false, seconds, error: stderr.slice(-6000) || `runner exited with ${code}` });
    });
  });
}
