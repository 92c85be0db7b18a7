/**
 * The notebook environment with real Jupyter (nbclient) and the real tslab kernel: the generated
 * kernelspec starts at the repo root so cells import lib/, and a type error fails the run at the
 * right cell with tslab's message.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeNotebook, findJupyter, repoRoot, tslabKernelSpec } from '../../lib/notebook/jupyter.js';

const root = repoRoot();
const jupyter = findJupyter();
const tmp = mkdtempSync(join(tmpdir(), 'golongrl-nb-'));

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

describe.skipIf(!jupyter)('headless execution (Jupyter nbclient + tslab)', () => {
  it('runs cells that import lib/ and records their outputs', async () => {
    const nb = notebook([
      'import { computeScore } from "./lib/rewards/index.js";',
      'computeScore({ data_source: "EM", response: "a</think> b", ground_truth: { golden_label: "b" } })',
    ]);
    const r = await executeNotebook(jupyter!, root, nb, join(tmp, 'out'));
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const out = JSON.parse(readFileSync(r.output, 'utf8'));
    // tslab prints the value of a cell's last expression on stdout
    expect(out.cells[1].outputs).toEqual([{ name: 'stdout', output_type: 'stream', text: ['1\n'] }]);
  }, 180_000);
  it('a type error fails the notebook at that cell, with the compiler message', async () => {
    const nb = notebook(['const ok: number = 1;', 'const bad: number = "not a number";', 'console.log("never runs")']);
    const r = await executeNotebook(jupyter!, root, nb, join(tmp, 'out'));
    expect(r.ok).toBe(false);
    expect(r.failure?.cell).toBe(1);
    expect(r.failure?.error).toMatch(/not assignable to type 'number'/);
  }, 180_000);
  it('a runtime error fails it too', async () => {
    const nb = notebook(['throw new Error("boom")']);
    const r = await executeNotebook(jupyter!, root, nb, join(tmp, 'out'));
    expect(r.ok).toBe(false);
    expect(r.failure?.cell).toBe(0);
    expect(r.failure?.error).toContain('boom');
  }, 180_000);
});

describe.skipIf(jupyter?.server !== null)('golongrl lab without a notebook server', () => {
  it('says how to install one and exits 1 (it never starts anything)', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [join(root, 'bin', 'golongrl.mjs'), 'lab', '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.hint).toMatch(jupyter ? /jupyter-notebook/ : /jupyter-nbconvert/);
  });
});
