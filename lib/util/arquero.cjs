'use strict';
/**
 * arquero (Observable's dataframe library), loadable from both module systems this project runs under.
 *
 * arquero ships as an ES module ("type": "module") with a self-contained UMD bundle beside it
 * (`dist/arquero.js`, flechette included). The tests and the CLI run lib/ as ES modules, but the tslab
 * notebook kernel compiles lib/ to CommonJS with require(esm) off, where `require("arquero")` fails
 * with ERR_REQUIRE_ESM. So lib/ never imports arquero's ES module: this CommonJS file evaluates the UMD
 * bundle once and every caller (tests, CLI, notebooks) gets the very same code (as lib/plot does for
 * Observable Plot, see lib/plot/plot_runtime.cjs).
 */
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { runInThisContext } = require('node:vm');

// Resolving (not loading) the ES entry point is fine under CommonJS: <pkg>/src/index.js.
const dir = dirname(dirname(require.resolve('arquero')));
const file = join(dir, 'dist', 'arquero.js');
const mod = { exports: {} };
runInThisContext(`(function (exports, require, module) {${readFileSync(file, 'utf8')}\n})`, { filename: file }).call(mod.exports, mod.exports, require, mod);

module.exports = { aq: mod.exports };
