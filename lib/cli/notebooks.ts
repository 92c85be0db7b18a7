/**
 * `golongrl notebooks [--output-dir DIR] [--html DIR]` (= `npm run notebooks`): execute every notebook in
 * `notebooks/` headless with Jupyter's nbclient and the tslab kernel; any cell error fails it; with
 * `--html` the executed notebooks are also exported to HTML by nbconvert.
 * `golongrl lab` (= `npm run lab`): start Jupyter with the same kernelspec (as root too), passing
 * `--ip`, `--port`, `--no-browser`, `--allow-root` through, or say how to install it.
 */
import { spawn } from 'node:child_process';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { executeNotebook, exportHtml, findJupyter, INSTALL_HINT, listNotebooks, repoRoot, SERVER_HINT, writeKernelSpec, type NotebookRun } from '../notebook/jupyter.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './io.js';

export const NOTEBOOKS_HELP = `golongrl notebooks [--output-dir DIR] [--html DIR] [--only NAME] [--json]

Executes every notebooks/*.ipynb headless (Jupyter nbclient, tslab kernel started at the repo root)
and writes the executed copies to DIR (default notebooks/.executed, git-ignored). Any cell error — a
type error included — fails the run (exit 1) and prints the failing cell.
  --output-dir DIR   where executed notebooks go
  --html DIR         also export each executed notebook to DIR/<name>.html (nbconvert; figures as PNG)
  --only NAME        run only notebooks whose file name contains NAME
  --json             print the per-notebook results as one JSON object`;

export const LAB_HELP = `golongrl lab [--ip IP] [--port N] [--no-browser] [--allow-root] [--json]

Starts Jupyter (lab if installed, else the classic notebook) with the repo-local tslab kernelspec, in
the repository root. --ip, --port, --no-browser and --allow-root are passed to Jupyter; as root,
--allow-root is added for you (Jupyter refuses to start as root without it). Without Jupyter it prints
how to install it and exits 1.`;

const indent = (s: string, p: string) => s.split('\n').map((l) => p + l).join('\n');

export async function runNotebooks(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'output-dir': { type: 'string' }, html: { type: 'string' }, only: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(NOTEBOOKS_HELP + '\n');
    return EXIT_OK;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const info = findJupyter();
  if (!info) {
    process.stderr.write(INSTALL_HINT + '\n');
    return EXIT_FAILURE;
  }
  const root = repoRoot();
  const outDir = values['output-dir'] ?? join(root, 'notebooks', '.executed');
  const notebooks = listNotebooks(root).filter((n) => !values.only || n.includes(values.only));
  if (notebooks.length === 0) throw new UsageError('no notebooks found in notebooks/');
  const results: (NotebookRun & { html?: string })[] = [];
  for (const [i, nb] of notebooks.entries()) {
    process.stderr.write(`[${i + 1}/${notebooks.length}] ${relative(root, nb)} … `);
    const r: NotebookRun & { html?: string } = await executeNotebook(info, root, nb, outDir);
    if (r.ok && values.html) {
      const h = exportHtml(info, r.output, values.html);
      if (h.ok) r.html = h.output;
      else Object.assign(r, { ok: false, error: `HTML export failed: ${h.error}` });
    }
    results.push(r);
    process.stderr.write(`${r.ok ? 'ok' : 'FAILED'} (${r.seconds.toFixed(1)} s)${r.html ? ` → ${relative(process.cwd(), r.html)}` : ''}\n`);
    const f = r.failure;
    if (f) process.stderr.write(`  cell ${f.cell}:\n${indent(f.source, '    | ')}\n${indent(f.error, '    ')}\n`);
    if (r.error) process.stderr.write(`${r.error}\n`);
  }
  const failed = results.filter((r) => !r.ok).length;
  if (values.json) process.stdout.write(JSON.stringify({ python: info.python, nbconvert: info.nbconvert, output_dir: outDir, results }) + '\n');
  process.stderr.write(`${results.length - failed} passed, ${failed} failed\n`);
  return failed ? EXIT_FAILURE : EXIT_OK;
}

/** Jupyter's argv for `golongrl lab`: the notebook dir, the pass-through options, --allow-root as root. */
export function labArgs(server: 'lab' | 'notebook', root: string, o: { ip?: string; port?: string; 'no-browser'?: boolean; 'allow-root'?: boolean }, uid = process.getuid?.() ?? -1): string[] {
  const args = ['-m', server === 'lab' ? 'jupyterlab' : 'notebook', `--notebook-dir=${root}`];
  if (o.ip !== undefined) args.push(`--ip=${o.ip}`);
  if (o.port !== undefined) {
    if (!/^\d+$/.test(o.port) || Number(o.port) > 65535) throw new UsageError(`--port: expected a port number, got '${o.port}'`);
    args.push(`--port=${o.port}`);
  }
  if (o['no-browser']) args.push('--no-browser');
  if (o['allow-root'] || uid === 0) args.push('--allow-root');
  return args;
}

export async function runLab(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ip: { type: 'string' },
      port: { type: 'string' },
      'no-browser': { type: 'boolean' },
      'allow-root': { type: 'boolean' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(LAB_HELP + '\n');
    return EXIT_OK;
  }
  const info = findJupyter();
  const root = repoRoot();
  if (!info || !info.server) {
    const hint = info ? SERVER_HINT : INSTALL_HINT;
    if (values.json) process.stdout.write(JSON.stringify({ ok: false, jupyter: info, hint }) + '\n');
    else process.stderr.write(hint + '\n');
    return EXIT_FAILURE;
  }
  const args = labArgs(info.server, root, values);
  const jupyterPath = writeKernelSpec(root);
  if (values.json) process.stdout.write(JSON.stringify({ ok: true, server: info.server, jupyter_path: jupyterPath, root, argv: [info.python, ...args] }) + '\n');
  const child = spawn(info.python, args, {
    cwd: root,
    env: { ...process.env, JUPYTER_PATH: jupyterPath },
    stdio: 'inherit',
  });
  // Stopping golongrl stops Jupyter (it shuts its kernels down on SIGTERM/SIGINT).
  const forward = (sig: NodeJS.Signals) => () => void child.kill(sig);
  const onTerm = forward('SIGTERM');
  const onInt = forward('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  try {
    return await new Promise((res) => child.on('close', (code) => res(code ?? EXIT_FAILURE)));
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  }
}
