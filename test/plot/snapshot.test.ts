/**
 * Golden SVG snapshots, in the style of Observable Plot's own tests: every figure in ./plots.ts is
 * rendered from seeded data and compared with test/plot/snapshots/<name>.svg. On a difference the
 * new output is written beside it as <name>-changed.svg (open both to review) and the test fails;
 * `UPDATE_SNAPSHOTS=1 npx vitest run test/plot` rewrites the snapshots instead.
 *
 * The comparison rounds decimals to 4 places, so a last-bit float difference between platforms
 * cannot fail it; anything visible can.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { plots } from './plots.js';

const DIR = fileURLToPath(new URL('./snapshots/', import.meta.url));
const update = process.env.UPDATE_SNAPSHOTS === '1';
const comparable = (svg: string) => svg.replace(/-?\d+\.\d+/g, (n) => String(Math.round(Number(n) * 1e4) / 1e4));

describe('plot snapshots', () => {
  for (const [name, make] of Object.entries(plots)) {
    it(name, () => {
      const actual = make().svg;
      const expectedPath = `${DIR}${name}.svg`;
      const changedPath = `${DIR}${name}-changed.svg`;
      if (update) {
        writeFileSync(expectedPath, actual);
        rmSync(changedPath, { force: true });
        return;
      }
      if (!existsSync(expectedPath)) {
        writeFileSync(changedPath, actual);
        expect.fail(`no snapshot ${name}.svg: review ${name}-changed.svg, then run UPDATE_SNAPSHOTS=1 npx vitest run test/plot`);
      }
      const expected = readFileSync(expectedPath, 'utf8');
      if (comparable(actual) === comparable(expected)) {
        rmSync(changedPath, { force: true });
        return;
      }
      writeFileSync(changedPath, actual);
      expect.fail(`${name}.svg changed: compare test/plot/snapshots/${name}-changed.svg with ${name}.svg; if intended, run UPDATE_SNAPSHOTS=1 npx vitest run test/plot`);
    });
  }

  it('every snapshot file belongs to a registered plot', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.svg') && !f.endsWith('-changed.svg'));
    expect(files.map((f) => f.slice(0, -4)).sort()).toEqual(Object.keys(plots).sort());
  });

  it('every figure is well-formed standalone SVG', () => {
    const { DOMParser } = new JSDOM('').window;
    for (const [name, make] of Object.entries(plots)) {
      const fig = make();
      const doc = new DOMParser().parseFromString(fig.svg, 'image/svg+xml');
      expect(doc.getElementsByTagName('parsererror'), name).toHaveLength(0);
      const root = doc.documentElement;
      expect(root.namespaceURI, name).toBe('http://www.w3.org/2000/svg');
      expect([Number(root.getAttribute('width')), Number(root.getAttribute('height'))], name).toEqual([fig.width, fig.height]);
      // Pure SVG: no HTML (figure, div, h2) that resvg could not draw.
      expect(fig.svg, name).not.toMatch(/<(figure|div|h2|h3|figcaption|span)\b/);
    }
  });
});

