#!/usr/bin/env node
// Bundle the CLI (lib/cli/main.ts and everything it imports from lib/ and cluster/) with esbuild into
// dist/cli/: main.mjs plus one chunk per lazily loaded verb (code splitting), so `golongrl` starts without
// compiling TypeScript through tsx at every run, and a verb loads only what it uses (`score` never loads
// tfjs or jsdom).
// npm runs this as the `prepare` script (on `npm ci` / `npm install`); `node scripts/build-cli.mjs` rebuilds.
// Packages under node_modules stay external (loaded as they are). dist/cli.meta.json lists the source files
// that went in: bin/golongrl.mjs uses the bundle only while none of them is newer than it, so a developer
// editing lib/ never runs stale code (it falls back to tsx). A missing esbuild is not an error: the CLI then
// always runs through tsx. Then it writes jieba's dictionary image (see the end of this file).
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
const dist = join(root, 'dist');
const out = join(dist, 'cli');
const tmp = `${out}.tmp-${process.pid}`;
mkdirSync(dist, { recursive: true });
const t0 = performance.now();
const result = await esbuild.build({
  entryPoints: { main: join(root, 'lib', 'cli', 'main.ts') },
  outdir: tmp,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
  // CommonJS parts (lib/util/arquero.cjs) call require(): give each ES module chunk one.
  banner: { js: "import { createRequire as __golongrlCreateRequire } from 'node:module'; const require = __golongrlCreateRequire(import.meta.url);" },
});
const inputs = Object.keys(result.metafile.inputs)
  .map((p) => relative(root, join(root, p)))
  .filter((p) => !p.startsWith('node_modules'));
// Swap the whole folder in (a running CLI keeps its already-loaded chunks; a new one sees old or new, whole).
const old = `${out}.old-${process.pid}`;
try {
  renameSync(out, old);
} catch {
  // first build
}
renameSync(tmp, out);
rmSync(old, { recursive: true, force: true });
rmSync(join(dist, 'cli.mjs'), { force: true }); // the single-file bundle of earlier versions
rmSync(join(dist, 'cli.mjs.map'), { force: true });
writeFileSync(join(dist, 'cli.meta.json'), JSON.stringify({ entry: 'lib/cli/main.ts', out: 'dist/cli/main.mjs', inputs }, null, 1) + '\n');
process.stderr.write(`build-cli: dist/cli/main.mjs (+ chunks) from ${inputs.length} source files in ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);

// jieba's dictionary image (lib/rewards/jieba.ts): the first process that segments Chinese builds jieba-rs's
// dictionary (≈0.3 s) and saves the wasm memory to node_modules/.cache/golongrl/; scoring one Chinese row
// with the fresh bundle here does it now, so no later `golongrl score` pays for it. Best effort.
if (process.env.GOLONGRL_JIEBA_IMAGE !== '0') {
  const { spawnSync } = await import('node:child_process');
  const row = { data_source: 'longbench_pro', response: '<think>\n好\n</think>\n我们在北京学习中文。', ground_truth: { doc_ids: ['我们学习中文。'], summary: 'Chinese' }, extra_info: { reward_mode: 'T4.2 Query-Focused Summary' } };
  const r = spawnSync(process.execPath, [join(root, 'bin', 'golongrl.mjs'), 'score', '-'], { input: JSON.stringify(row) + '\n', encoding: 'utf8' });
  if (r.status !== 0) process.stderr.write(`build-cli: could not warm jieba's dictionary image (${(r.stderr || '').trim().split('\n').pop()})\n`);
}
