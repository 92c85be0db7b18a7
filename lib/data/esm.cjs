'use strict';
/**
 * `import()` for ES-only packages (hyparquet, hyparquet-writer), usable from both module systems this
 * project runs under. The tests and the CLI run lib/ as ES modules; the tslab notebook kernel compiles
 * lib/ to CommonJS and runs Node with require(esm) off, and TypeScript's CommonJS output turns
 * `await import('hyparquet')` into `require('hyparquet')`, which then fails with ERR_REQUIRE_ESM.
 * A dynamic import written in this CommonJS file is left alone by the compiler and is allowed in
 * CommonJS, so it loads the ES module in both settings (resolved from this directory).
 */
exports.importEsm = (specifier) => import(specifier);
