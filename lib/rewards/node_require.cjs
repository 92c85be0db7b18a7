'use strict';
/**
 * A CommonJS `require` resolving from lib/rewards/, usable from both module systems this project runs
 * under: the tests and the CLI run lib/ as ES modules (where `require` does not exist), and the tslab
 * notebook kernel compiles lib/ to CommonJS, where a module-level `const require = createRequire(...)`
 * collides with the wrapper's own `require` and `import.meta` does not exist. jieba.ts needs `require`
 * itself (resolve the glue's path, load a fresh copy of it through require.cache), so it takes this one.
 */
exports.nodeRequire = require;
