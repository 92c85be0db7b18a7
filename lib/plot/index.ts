/**
 * The plotting layer: Observable Plot charts as deterministic standalone SVG (notebooks) and PNG
 * (CLI reports, via resvg). See docs/plotting.md.
 */
/**
 * Observable Plot itself, for specs the helpers do not cover (pass them to `plotFigure`). Use this
 * rather than importing '@observablehq/plot': that package is ESM-only, which the tslab kernel
 * cannot load (see plot_runtime.cjs).
 */
export { Plot } from './plot_runtime.cjs';
export { plotFigure, plotDocument, composeFigure, toSvg, normalizeSvg, escapeXml, FONT_FAMILY } from './figure.js';
export type { Figure, FigureText, Legend } from './figure.js';
export { toPng, savePng, saveSvg, rasterize } from './output.js';
export type { PngOptions, Raster } from './output.js';
export { facetGrid } from './facets.js';
export type { Field, FacetGrid, FacetCell } from './facets.js';
export { facetedHistogram } from './histogram.js';
export type { FacetedHistogramOptions } from './histogram.js';
export { smoothedCurves } from './curves.js';
export type { SmoothedCurvesOptions } from './curves.js';
export { bandCurves, gridOfFigures } from './bands.js';
export type { BandCurvesOptions } from './bands.js';
export { groupedBars } from './bars.js';
export type { GroupedBarsOptions } from './bars.js';
export { show, showTable, useDisplay, tableHtml, tableText, formatCell, figureBundle } from './display.js';
export type { Display, TableOptions, ShowOptions, TableLike } from './display.js';
