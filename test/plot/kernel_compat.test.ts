/**
 * The tslab kernel compiles lib/ to CommonJS and runs Node with require(esm) off (see
 * lib/notebook/jupyter.ts). Everything lib/plot loads at runtime must therefore be require()-able
 * there: jsdom (jsdom ≥ 27 pulls in ES-only modules, hence the pin to 26), resvg, and Plot through
 * plot_runtime.cjs (Plot itself is ES-only). This test renders a chart in exactly that mode.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const noRequireEsm = (process.features as { require_module?: boolean }).require_module !== undefined ? ['--no-experimental-require-module'] : [];

const script = `
const { JSDOM } = require('jsdom');
const { Resvg } = require('@resvg/resvg-js');
const { Plot } = require('./lib/plot/plot_runtime.cjs');
const document = new JSDOM('').window.document;
const svg = Plot.plot({ document, width: 200, height: 100, marks: [Plot.rectY([1, 2, 2, 3], Plot.binX({ y: 'count' }, { x: (d) => d }))] });
svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
const png = new Resvg(svg.outerHTML).render();
console.log(JSON.stringify({ version: Plot.version, rects: svg.querySelectorAll('rect').length, width: png.width }));
`;

describe('lib/plot under CommonJS with require(esm) off (the tslab kernel)', () => {
  it('loads jsdom, resvg and Plot, and renders', () => {
    const r = spawnSync(process.execPath, [...noRequireEsm, '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out.version).toBe('0.6.17');
    expect(out.rects).toBeGreaterThan(0);
    expect(out.width).toBe(200);
  });
});
