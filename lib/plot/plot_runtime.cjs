'use strict';
/**
 * Observable Plot, loadable from both module systems this project runs under.
 *
 * Plot (and d3) ship as ES modules, with UMD bundles beside them (`dist/plot.umd.js`,
 * `dist/d3.js`). The tests and the CLI run lib/ as ES modules, but the tslab kernel compiles lib/
 * to CommonJS and runs Node with require(esm) off, where `require("@observablehq/plot")` fails
 * with ERR_REQUIRE_ESM. So lib/plot never imports Plot's ES module: this CommonJS file (an ES
 * module can import it, and tslab's compiled code can require it) evaluates the two UMD bundles
 * instead, giving the very same Plot everywhere — what the snapshot tests check is what a
 * notebook draws. Plot's UMD asks for d3 as `require("d3@7.9.0/dist/d3.min.js")` (a CDN path);
 * we hand it the installed d3's own UMD bundle.
 */
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { runInThisContext } = require('node:vm');

/** Run a UMD bundle as a CommonJS module (without Node's loader, which would see "type": "module"). */
function evaluateUmd(file, requireFn) {
  const module = { exports: {} };
  const wrapper = runInThisContext(`(function (exports, require, module) {${readFileSync(file, 'utf8')}\n})`, { filename: file });
  wrapper.call(module.exports, module.exports, requireFn, module);
  return module.exports;
}

// Resolving (not loading) the ES entry points is fine under CommonJS: src/index.js, dist/d3.mjs.
const plotDir = dirname(dirname(require.resolve('@observablehq/plot')));
const d3Dir = dirname(require.resolve('d3', { paths: [plotDir] }));
const d3 = evaluateUmd(join(d3Dir, 'd3.js'), require);
const Plot = evaluateUmd(join(plotDir, 'dist', 'plot.umd.js'), (id) => (/^d3(@|$)/.test(id) ? d3 : require(id)));

module.exports = { Plot };
