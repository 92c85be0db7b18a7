/**
 * The notebook environment with real Jupyter (nbclient, nbconvert, the notebook server) and the real
 * tslab kernel: the generated kernelspec starts at the repo root so cells import lib/, a type error
 * fails the run at the right cell with tslab's message, every figure `show()` draws survives the HTML
 * export as a PNG <img>, and `golongrl lab` starts (as root) and answers on loopback.
 *
 * Nothing here is skipped when Jupyter is missing: `requireJupyter()` fails with the install command
 * (scripts/setup-test-env.sh, the first step of `npm test`, installs it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labArgs } from '../../lib/cli/notebooks.js';
import { executeNotebook, exportHtml, findJupyter, INSTALL_HINT, repoRoot, SERVER_HINT, tslabKernelSpec, type JupyterInfo } from '../../lib/notebook/jupyter.js';

const root = repoRoot();
const jupyter = findJupyter();
const tmp = mkdtempSync(join(tmpdir(), 'golongrl-nb-'));

/** Jupyter with nbconvert/nbclient (and a notebook server when `server`), or a failure saying how to install it. */
function requireJupyter(server = false): JupyterInfo {
  if (!jupyter) throw new Error(`Jupyter (nbconvert + nbclient) not found. Run 'bash scripts/setup-test-env.sh' (as root it installs the Debian packages).\n${INSTALL_HINT}`);
  if (server && !jupyter.server) throw new Error(`No Jupyter notebook server. Run 'bash scripts/setup-test-env.sh'.\n${SERVER_HINT}`);
  return jupyter;
}

function notebook(cells: string[]): string {
  const path = join(tmp, `nb-${Math.random().toString(36).slice(2)}.ipynb`);
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    cells: cells.map((source, i) => ({ id: `c${i}`, cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source })),
  };
  writeFileSync(path, JSON.stringify(nb));
  return path;
}

describe('tslab kernelspec', () => {
  it('changes to the repo root before starting tslab', () => {
    const spec = tslabKernelSpec('/some/repo dir', '/usr/bin/node') as { argv: string[] };
    expect(spec.argv[0]).toBe('/bin/sh');
    expect(spec.argv[2]).toMatch(/^cd '\/some\/repo dir' && exec '\/usr\/bin\/node'/);
    expect(spec.argv[2]).toContain("'/some/repo dir/node_modules/tslab/bin/tslab' kernel --config-path \"$0\"");
    expect(spec.argv[3]).toBe('{connection_file}');
  });
});

describe('headless execution (Jupyter nbclient + tslab)', () => {
  it('runs cells that import lib/ and records their outputs', async () => {
    const nb = notebook([
      'import { computeScore } from "./lib/rewards/index.js";',
      'computeScore({ data_source: "EM", response: "a</think> b", ground_truth: { golden_label: "b" } })',
    ]);
    const r = await executeNotebook(requireJupyter(), root, nb, join(tmp, 'out'));
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const out = JSON.parse(readFileSync(r.output, 'utf8'));
    // tslab prints the value of a cell's last expression on stdout
    expect(out.cells[1].outputs).toEqual([{ name: 'stdout', output_type: 'stream', text: ['1\n'] }]);
  }, 180_000);
  it('a type error fails the notebook at that cell, with the compiler message', async () => {
    const nb = notebook(['const ok: number = 1;', 'const bad: number = "not a number";', 'console.log("never runs")']);
    const r = await executeNotebook(requireJupyter(), root, nb, join(tmp, 'out'));
    expect(r.ok).toBe(false);
    expect(r.failure?.cell).toBe(1);
    expect(r.failure?.error).toMatch(/not assignable to type 'number'/);
  }, 180_000);
  it('a runtime error fails it too', async () => {
    const nb = notebook(['throw new Error("boom")']);
    const r = await executeNotebook(requireJupyter(), root, nb, join(tmp, 'out'));
    expect(r.ok).toBe(false);
    expect(r.failure?.cell).toBe(0);
    expect(r.failure?.error).toContain('boom');
  }, 180_000);
});

describe('figures survive the HTML export (nbconvert)', () => {
  it('every figure show() draws is a PNG <img> in the exported HTML, and tables are HTML tables', async () => {
    const info = requireJupyter();
    const nb = notebook([
      'import { Plot, plotFigure, show, showTable } from "./lib/plot/index.js";\nimport { aq } from "./lib/util/arquero.cjs";',
      'show(plotFigure({ width: 240, height: 140, marks: [Plot.dot([[1, 2], [2, 3]])] }, { title: "one" }))',
      'show(plotFigure({ width: 240, height: 140, marks: [Plot.barY([1, 3, 2])] }, { title: "two" }));\nshow(plotFigure({ width: 200, height: 120, marks: [Plot.lineY([3, 1, 2])] }, { title: "three" }), { svg: false });',
      'showTable(aq.from([{ task: "EM", n: 3 }, { task: "F1", n: 5 }]))',
    ]);
    const r = await executeNotebook(info, root, nb, join(tmp, 'out'));
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const executed = JSON.parse(readFileSync(r.output, 'utf8')) as { cells: { outputs: { output_type: string; data?: Record<string, unknown>; metadata?: Record<string, unknown> }[] }[] };
    const displays = executed.cells.flatMap((c) => c.outputs).filter((o) => o.output_type === 'display_data');
    const figures = displays.filter((o) => o.data?.['image/png']);
    expect(figures).toHaveLength(3);
    // One output per figure, carrying PNG + text (no SVG: nbconvert 6.5 would pick it and strip it).
    for (const f of figures) expect(Object.keys(f.data!).sort()).toEqual(['image/png', 'text/plain']);
    expect(figures[0].metadata).toEqual({ 'image/png': { width: 240, height: expect.any(Number) } });

    const h = exportHtml(info, r.output, join(tmp, 'html'));
    expect(h.ok, h.error).toBe(true);
    const html = readFileSync(h.output, 'utf8');
    const imgs = [...html.matchAll(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)"[^>]*>/g)];
    expect(imgs).toHaveLength(3);
    for (const [, b64] of imgs) expect(Buffer.from(b64, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(html).toContain('width=240');
    expect(html).toMatch(/<table>[\s\S]*<th style="text-align:left">task<\/th>[\s\S]*<td style="text-align:right">5<\/td>/);
  }, 240_000);
});

/** A TCP port that was free a moment ago (bound on loopback, then released). */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

describe('golongrl lab', () => {
  it('passes --ip, --port, --no-browser and --allow-root through, and adds --allow-root as root', () => {
    expect(labArgs('notebook', '/r', { ip: '127.0.0.1', port: '8899', 'no-browser': true }, 1000)).toEqual(['-m', 'notebook', '--notebook-dir=/r', '--ip=127.0.0.1', '--port=8899', '--no-browser']);
    expect(labArgs('lab', '/r', {}, 0)).toEqual(['-m', 'jupyterlab', '--notebook-dir=/r', '--allow-root']);
    expect(labArgs('notebook', '/r', { 'allow-root': true }, 1000)).toContain('--allow-root');
    expect(() => labArgs('notebook', '/r', { port: 'http' }, 1000)).toThrow(/--port: expected a port number/);
  });

  it('starts with --allow-root --no-browser --port <free>, answers on loopback, and stops on SIGTERM', async () => {
    requireJupyter(true);
    const port = await freePort();
    const child = spawn(process.execPath, [join(root, 'bin', 'golongrl.mjs'), 'lab', '--allow-root', '--no-browser', '--ip', '127.0.0.1', '--port', String(port)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d));
    child.stderr.on('data', (d: Buffer) => (log += d));
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    try {
      let status = 0;
      let body = '';
      for (let i = 0; i < 240 && status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 250));
        if (child.exitCode !== null) break;
        try {
          const resp = await fetch(`http://127.0.0.1:${port}/api`);
          status = resp.status;
          body = await resp.text();
        } catch {
          /* not listening yet */
        }
      }
      expect(status, log.slice(-3000)).toBe(200);
      expect(JSON.parse(body)).toHaveProperty('version');
    } finally {
      child.kill('SIGTERM');
    }
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
    if (code === 'timeout') child.kill('SIGKILL');
    expect(code).not.toBe('timeout');
  }, 120_000);
});
