/**
 * Figures to files: SVG as is, PNG through resvg (a Rust SVG renderer, no browser, no canvas).
 *
 * resvg draws text with real fonts, so PNGs need DejaVu Sans installed (`fonts-dejavu-core` on
 * Debian); the SVG output does not depend on installed fonts.
 */
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { toSvg, type Figure } from './figure.js';
import { mkdirp } from '../util/fsx.js';

export interface PngOptions {
  /** Output width in pixels (height follows the aspect ratio). Default: twice the figure width. */
  width?: number;
  /** Background colour behind the figure (default white). */
  background?: string;
}

/** A rasterised figure: RGBA pixels, row-major, 4 bytes per pixel. */
export interface Raster {
  width: number;
  height: number;
  pixels: Uint8Array;
  png: Uint8Array;
}

/** Render a figure with resvg: the PNG bytes and the raw RGBA pixels. */
export function rasterize(fig: Figure, options: PngOptions = {}): Raster {
  const r = new Resvg(toSvg(fig), {
    fitTo: { mode: 'width', value: Math.round(options.width ?? fig.width * 2) },
    background: options.background ?? 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans', defaultFontSize: 10 },
    shapeRendering: 2,
    textRendering: 1,
  });
  const image = r.render();
  return { width: image.width, height: image.height, pixels: new Uint8Array(image.pixels), png: new Uint8Array(image.asPng()) };
}

/** PNG bytes of a figure (for reports, `tslab.display.png`, or files). */
export function toPng(fig: Figure, options: PngOptions = {}): Uint8Array {
  return rasterize(fig, options).png;
}

/** Write a figure as PNG (creating the parent directory). */
export function savePng(fig: Figure, path: string, options: PngOptions = {}): void {
  mkdirp(dirname(path));
  writeFileSync(path, toPng(fig, options));
}

/** Write a figure as a standalone SVG file (creating the parent directory). */
export function saveSvg(fig: Figure, path: string): void {
  mkdirp(dirname(path));
  writeFileSync(path, toSvg(fig));
}
