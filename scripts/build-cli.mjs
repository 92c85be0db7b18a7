#!/usr/bin/env node
// Bundle the CLI (lib/cli/main.ts and everything it imports from lib/ and cluster/) into one ES module,
// dist/cli.mjs, with esbuild — so `golongrl` starts without compiling TypeScript through tsx at every run.
// npm runs this as the `prepare` script (on `npm ci` / `npm install`); `node scripts/build-cli.mjs` rebuilds.
// Packages under node_modules stay external (loaded as they are). dist/cli.meta.json lists the source files
// that went in: bin/golongrl.mjs uses the bundle only while none of them is newer than it, so a developer
// editing lib/ never runs stale code (it falls back to tsx). A missing esbuild is not an error: the CLI then
// always runs through tsx.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let esbuild;
try {
  esbuild = await import('esbuild');
} catch (e) {
  process.stderr.write(`build-cli: esbuild not available (${e.message}); the CLI will run through tsx\n`);
  process.exit(0);
}
const out = join(root, 'dist', 'cli.mjs');
const tmp = `${out}.tmp-${process.pid}`;
mkdirSync(dirname(out), { recursive: true });
const t0 = performance.now();
const result = await esbuild.build({
  entryPoints: [join(root, 'lib', 'cli', 'main.ts')],
  outfile: tmp,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
  // CommonJS parts (lib/util/arquero.cjs) call require(): give the ES module one.
  banner: { js: "import { createRequire as __golongrlCreateRequire } from 'node:module'; const require = __golongrlCreateRequire(import.meta.url);" },
});
const inputs = Object.keys(result.metafile.inputs)
  .map((p) => relative(root, join(root, p)))
  .filter((p) => !p.startsWith('node_modules'));
renameSync(tmp, out);
renameSync(`${tmp}.map`, `${out}.map`);
writeFileSync(join(root, 'dist', 'cli.meta.json'), JSON.stringify({ entry: 'lib/cli/main.ts', out: 'dist/cli.mjs', inputs }, null, 1) + '\n');
process.stderr.write(`build-cli: dist/cli.mjs from ${inputs.length} source files in ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);
