/**
 * PNG export through resvg (size from the PNG header, pixels actually drawn, title text drawn with
 * a real font), file writers, and determinism of the SVG (Plot's clip-id counter normalised).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { facetedHistogram, normalizeSvg, Plot, plotFigure, type Raster, rasterize, savePng, saveSvg, smoothedCurves, toPng, toSvg } from '../../lib/plot/index.js';
import { advantagesByEstimator, trainingCurves } from './fixtures.js';

/** Width and height from a PNG's IHDR chunk (big-endian u32 at bytes 16 and 20). */
function pngSize(png: Uint8Array): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(new TextDecoder().decode(png.subarray(12, 16))).toBe('IHDR');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Pixels in rows [y0, y1) that are not (near) white, and those that are dark (text, axes). */
function ink(r: Raster, y0 = 0, y1 = r.height): { nonWhite: number; dark: number } {
  let nonWhite = 0;
  let dark = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < r.width; x++) {
      const i = 4 * (y * r.width + x);
      const m = Math.min(r.pixels[i], r.pixels[i + 1], r.pixels[i + 2]);
      if (m < 245) nonWhite++;
      if (r.pixels[i] + r.pixels[i + 1] + r.pixels[i + 2] < 200) dark++;
    }
  }
  return { nonWhite, dark };
}

const histogram = () =>
  facetedHistogram(advantagesByEstimator(2, ['precise_retrieval', 'comprehension', 'summarization']), {
    x: 'advantage',
    facet: 'task',
    fill: 'estimator',
    title: 'Advantage per task',
    xLabel: 'advantage',
  });

describe('toPng / rasterize', () => {
  it('writes a PNG of the requested width, aspect ratio kept', () => {
    const fig = histogram();
    const png = toPng(fig, { width: 1000 });
    expect(pngSize(png)).toEqual({ width: 1000, height: Math.round((fig.height * 1000) / fig.width) });
    expect(pngSize(toPng(fig))).toEqual({ width: 2 * fig.width, height: 2 * fig.height }); // default: 2× for sharp reports
  });

  it('draws the chart: bars in both series colours, axes and text', () => {
    const fig = histogram();
    const r = rasterize(fig, { width: fig.width });
    expect([r.width, r.height]).toEqual([fig.width, fig.height]);
    expect(r.pixels.length).toBe(4 * r.width * r.height);
    const all = ink(r);
    expect(all.nonWhite / (r.width * r.height)).toBeGreaterThan(0.03);
    expect(all.dark).toBeGreaterThan(500);
    // Both legend colours (#4269d0 blue, #efb118 yellow) appear somewhere.
    const has = (rgb: [number, number, number]) => {
      for (let i = 0; i < r.pixels.length; i += 4) {
        if (Math.abs(r.pixels[i] - rgb[0]) < 8 && Math.abs(r.pixels[i + 1] - rgb[1]) < 8 && Math.abs(r.pixels[i + 2] - rgb[2]) < 8) return true;
      }
      return false;
    };
    expect(has([0x42, 0x69, 0xd0])).toBe(true);
    expect(has([0xef, 0xb1, 0x18])).toBe(true);
  });

  it('renders the title as text (needs DejaVu Sans: Debian fonts-dejavu-core)', () => {
    const fig = histogram();
    const r = rasterize(fig, { width: fig.width });
    const titleBand = ink(r, 8, 28); // the bold 14px title sits on y ≈ 13–28
    expect(titleBand.dark, 'no title drawn: is a DejaVu Sans font installed (apt-get install fonts-dejavu-core)?').toBeGreaterThan(150);
  });

  it('uses the background colour it is given', () => {
    const fig = plotFigure({ width: 200, height: 100, marks: [Plot.frame()] });
    const centre = (r: Raster) => [...r.pixels.subarray(4 * (50 * r.width + 100), 4 * (50 * r.width + 100) + 4)];
    expect(centre(rasterize(fig, { width: 200, background: 'black' }))).toEqual([255, 255, 255, 255]); // the figure's own white background
    const bare = { ...fig, svg: fig.svg.replace(/<rect width="200" height="\d+" fill="white"\/>/, '') };
    expect(bare.svg).not.toBe(fig.svg);
    expect(centre(rasterize(bare, { width: 200, background: 'black' }))).toEqual([0, 0, 0, 255]);
  });
});

describe('saveSvg / savePng', () => {
  it('write the figure to (new) directories', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'golongrl-plot-')), 'nested', 'out');
    const fig = histogram();
    saveSvg(fig, join(dir, 'h.svg'));
    savePng(fig, join(dir, 'h.png'), { width: 400 });
    expect(readFileSync(join(dir, 'h.svg'), 'utf8')).toBe(toSvg(fig));
    expect(pngSize(new Uint8Array(readFileSync(join(dir, 'h.png')))).width).toBe(400);
  });
});

describe('determinism', () => {
  it('the same figure renders to the same bytes, whatever was drawn before', () => {
    const make = () => smoothedCurves(trainingCurves(9, 40), { x: 'step', y: 'reward', stroke: 'run', facet: 'task', window: 5 });
    const first = make().svg;
    histogram();
    expect(make().svg).toBe(first);
  });

  it("renumbers Plot's clip-path ids per figure", () => {
    const spec = () => plotFigure({ width: 300, height: 200, marks: [Plot.lineY([1, 3, 2, 5], { clip: true }), Plot.dot([1, 2], { x: (d: number) => d, y: (d: number) => d, clip: true })] });
    const a = spec().svg;
    const b = spec().svg; // Plot's global counter has moved on by now
    expect(a).toBe(b);
    expect(a).toMatch(/id="plot-clip-1-[0-9a-f]{8}"/);
    expect(a).toMatch(/clip-path="url\(#plot-clip-1-[0-9a-f]{8}\)"/);
  });

  it('normalizeSvg keeps references consistent and leaves the root class alone', () => {
    const svg = '<svg class="plot-d6a7b5"><clipPath id="plot-clip-17"/><g clip-path="url(#plot-clip-17)"/><clipPath id="plot-clip-4"/></svg>';
    const out = normalizeSvg(svg);
    const suffix = /plot-clip-1-([0-9a-f]{8})/.exec(out)![1];
    expect(out).toBe(`<svg class="plot-d6a7b5"><clipPath id="plot-clip-1-${suffix}"/><g clip-path="url(#plot-clip-1-${suffix})"/><clipPath id="plot-clip-2-${suffix}"/></svg>`);
    expect(normalizeSvg('<svg class="plot-d6a7b5"/>')).toBe('<svg class="plot-d6a7b5"/>');
  });
});

describe('sparse series', () => {
  // A task whose groups were kept at one or two steps only (the compare report's rarely-kept tasks).
  const rows = [
    ...[1, 2, 3, 4, 5, 6].map((step) => ({ step, reward: 0.1 * step, run: 'GRPO', task: 'dense' })),
    { step: 3, reward: 0.25, run: 'GRPO', task: 'sparse' },
    { step: 5, reward: 0.25, run: 'TMN', task: 'sparse' },
  ];

  it("draws no Plot warning marker and, with dots, one circle per raw point", () => {
    const warnings: unknown[][] = [];
    const orig = console.warn;
    console.warn = (...a: unknown[]) => void warnings.push(a);
    try {
      const svg = smoothedCurves(rows, { x: 'step', y: 'reward', stroke: 'run', facet: 'task', window: 3, dots: true }).svg;
      expect(warnings).toEqual([]);
      expect(svg).not.toContain('⚠');
      expect(svg.match(/<circle /g)?.length).toBe(rows.length);
      const plain = smoothedCurves(rows, { x: 'step', y: 'reward', stroke: 'run', facet: 'task', window: 3 }).svg;
      expect(plain).not.toContain('<circle ');
    } finally {
      console.warn = orig;
    }
  });
});
