#!/usr/bin/env node
// The `golongrl` command. The library is TypeScript. `npm ci` runs scripts/build-cli.mjs (the `prepare`
// script), which bundles the CLI into dist/cli/ (main.mjs + a chunk per verb); we run that bundle while it is up to date with every
// source file that went into it (dist/cli.meta.json), and otherwise — a developer edited lib/, or there is
// no bundle — compile through tsx on load, so stale code never runs. GOLONGRL_TSX=1 forces tsx.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

function bundleIsFresh() {
  if (process.env.GOLONGRL_TSX === '1') return false;
  try {
    const built = statSync(new URL('dist/cli/main.mjs', root)).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(new URL('dist/cli.meta.json', root), 'utf8'));
    if (!Array.isArray(inputs) || inputs.length === 0) return false;
    for (const f of inputs) if (statSync(new URL(f, root)).mtimeMs > built) return false;
    return true;
  } catch {
    return false; // no bundle, or a source file was removed
  }
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import('../dist/cli/main.mjs'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../lib/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
