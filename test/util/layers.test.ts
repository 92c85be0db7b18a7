/**
 * The layer order of ARCHITECTURE.md, checked on the import statements of lib/:
 *
 *     util  →  data  →  rewards  →  advantage  →  train  →  cluster / eval  →  notebook, cli
 *
 * A file may import its own layer, lib/util, and layers to its left. lib/plot, lib/logs and lib/paper
 * are side layers that import only lib/util (and each other not at all). Every import of every file
 * under the checked layers is resolved (relative specifiers, static and dynamic), so a new file cannot
 * slip past.
 *
 * Scope (stated, not hidden): train, cluster, eval, replay, notebook and cli are not checked here yet —
 * lib/train/compare/driver.ts imports lib/cluster (work in progress of the compare helper), and
 * `cluster/` (recipe data) must not import lib/ once the cluster helper's move is done. The exceptions
 * below are the only imports of lib/data from a higher layer; each says why it is still there.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LIB = join(ROOT, 'lib');

const MAIN = ['util', 'data', 'rewards', 'advantage', 'train', 'cluster', 'eval', 'notebook', 'cli'];
const SIDE = new Set(['plot', 'logs', 'paper']);
const CHECKED = ['util', 'data', 'rewards', 'advantage', 'plot', 'logs', 'paper'];

/** file → imports it may make despite the order, with the reason. */
const EXCEPTIONS: Record<string, Record<string, string>> = {
  'lib/data/schema.ts': {
    'lib/rewards/index.ts': "validation rejects rows the rewards cannot score: checkRewardCase lives with the rewards' registry",
  },
  'lib/data/synthetic_rollouts.ts': {
    'lib/rewards/index.ts': 'synthetic rollouts are scored by the real rewards (demo, notebook 03, the rollout-dump fixture)',
    'lib/rewards/types.ts': 'the RewardCase shape of those rollouts',
  },
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : /\.(ts|cts|mts)$/.test(f) && !f.endsWith('.d.cts') ? [p] : [];
  });
}

function layerOf(rel: string): string | undefined {
  const m = /^lib\/([^/]+)\//.exec(rel);
  return m?.[1];
}

/** The repository-relative targets of a file's relative imports (static, re-exports, dynamic, require). */
function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const specs = [...src.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]);
  return specs.map((s) => relative(ROOT, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

function allowed(from: string, to: string): boolean {
  if (from === to || to === 'util') return true;
  if (SIDE.has(from)) return false;
  if (SIDE.has(to)) return from !== 'util' && from !== 'data' && from !== 'rewards' && from !== 'advantage';
  const a = MAIN.indexOf(from);
  const b = MAIN.indexOf(to);
  return a >= 0 && b >= 0 && b < a;
}

describe('layer order of lib/', () => {
  const files = walk(LIB).map((f) => relative(ROOT, f));

  it('finds the files and their imports (the check is not vacuous)', () => {
    expect(files.filter((f) => f.startsWith('lib/data/')).length).toBeGreaterThan(10);
    expect(importsOf(join(ROOT, 'lib/data/schema.ts'))).toContain('lib/data/capabilities.ts');
  });

  for (const layer of CHECKED) {
    it(`lib/${layer} imports only ${SIDE.has(layer) ? 'lib/util' : `lib/util and ${MAIN.slice(0, MAIN.indexOf(layer)).join(', ') || 'nothing else'}`}`, () => {
      const bad: string[] = [];
      for (const f of files.filter((x) => layerOf(x) === layer)) {
        for (const target of importsOf(join(ROOT, f))) {
          const to = layerOf(target);
          if (!to || allowed(layer, to) || EXCEPTIONS[f]?.[target]) continue;
          bad.push(`${f} → ${target}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('lib/data no longer imports the capability map or the sub-task table from lib/rewards', () => {
    const offenders = files
      .filter((f) => f.startsWith('lib/data/') && f !== 'lib/data/rollout_dump.ts')
      .filter((f) => importsOf(join(ROOT, f)).some((t) => t === 'lib/rewards/capabilities.ts' || t === 'lib/rewards/subtasks.ts'));
    expect(offenders).toEqual([]);
  });

  it('every listed exception is still needed (remove it when the import goes)', () => {
    for (const [file, targets] of Object.entries(EXCEPTIONS)) {
      const imports = importsOf(join(ROOT, file));
      for (const t of Object.keys(targets)) expect(imports, `${file} no longer imports ${t}: drop the exception`).toContain(t);
    }
  });
});
