/**
 * docs/cluster.md "From a bare Slurm cluster to a running GoLongRL job", rehearsed: the recipe YAML of step
 * 5 and every command block marked "rehearsed here" are read FROM THE DOCUMENT and run in bash, in order,
 * against a real two-node Slurm cluster (test/cluster/slurm_harness.ts). Two substitutions, both because
 * this is not a GPU cluster: the recipe's partition becomes the test cluster's (`debug`) and its
 * `module load`/`source` set-up lines become one line that leaves a marker (no environment modules here);
 * `npx golongrl` runs this checkout's bin/golongrl.mjs. The document changing breaks this test.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSlurmCluster } from './slurm_harness.js';

const REPO = resolve('.');
const DOC = readFileSync(join(REPO, 'docs', 'cluster.md'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'golongrl-howto-'));

const slurm = useSlurmCluster({ nodes: 2 }, [tmp]);

/** The how-to section's fenced blocks: [lang, body, is it marked "rehearsed here"]. */
function blocks(): { lang: string; body: string; rehearsed: boolean }[] {
  const start = DOC.indexOf('## From a bare Slurm cluster to a running GoLongRL job');
  const end = DOC.indexOf('\n## ', start + 5);
  const sec = DOC.slice(start, end);
  const out: { lang: string; body: string; rehearsed: boolean }[] = [];
  const re = /```(\w+)\n([\s\S]*?)\n\s*```/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(sec))) {
    const before = sec.slice(Math.max(0, m.index - 200), m.index);
    out.push({ lang: m[1], body: m[2].replace(/^ {3}/gm, ''), rehearsed: /\*\*rehearsed here\*\*\s*$/.test(before.trimEnd()) });
  }
  return out;
}

describe('docs/cluster.md how-to on a real Slurm cluster', () => {
  it('the recipe file, dry run, smoke test with --wait, watched evaluation and results, as written', () => {
    const all = blocks();
    const yaml = all.find((b) => b.lang === 'yaml' && b.body.includes('# cluster/recipes/my-run.yaml'));
    expect(yaml, 'the how-to shows a recipe file').toBeDefined();
    const rehearsed = all.filter((b) => b.rehearsed);
    expect(rehearsed.map((b) => b.lang)).toEqual(['bash', 'bash', 'bash']);
    const recipes = join(tmp, 'recipes');
    cpSync(join(REPO, 'cluster', 'recipes'), recipes, { recursive: true });
    const recipe = (yaml as { body: string }).body
      .replace('partition: gpu', 'partition: debug')
      .replace(/setup:\n(\s+- .*\n?)+/, 'setup:\n  - export GOLONGRL_HOWTO_SETUP=ran\n');
    expect(recipe).toContain('partition: debug');
    const runDir = join(tmp, 'run');
    const script = [
      'set -euo pipefail',
      `npx() { shift; node ${JSON.stringify(join(REPO, 'bin', 'golongrl.mjs'))} "$@"; }`,
      `cat > "$GOLONGRL_RECIPES_DIR/my-run.yaml" <<'GOLONGRL_EOF'\n${recipe}\nGOLONGRL_EOF`,
      ...rehearsed.map((b) => b.body),
    ].join('\n');
    let out = '';
    try {
      out = execFileSync('bash', ['-c', script], {
        cwd: REPO,
        encoding: 'utf8',
        env: { ...process.env, GOLONGRL_RECIPES_DIR: recipes, RUN_DIR: runDir, SLURM_CONF: slurm.cluster.conf },
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 1 << 26,
        timeout: 400_000,
      });
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; status?: number };
      throw new Error(`the how-to failed (exit ${x.status}):\n${(x.stdout ?? '').slice(-3000)}\n${(x.stderr ?? '').slice(-3000)}`);
    }
    // dry run: rendered with the recipe's scheduler settings, nothing left for the preflight
    expect(out).toContain('#SBATCH --partition=debug');
    expect(out).toContain('#SBATCH --account=my-project');
    expect(out).not.toContain('preflight — a real submit would stop here');
    // the smoke test ran on Slurm and ended COMPLETED; its checkpoints were evaluated and listed
    expect(existsSync(join(runDir, 'metrics.jsonl'))).toBe(true);
    expect(out).toMatch(/state COMPLETED/);
    expect(out).toMatch(/my-run\s+2\b/); // `results` lists step 2 of the run
    expect(existsSync(join(runDir, 'eval.db'))).toBe(true);
    // clean the job records this rehearsal left in the checkout's runs/jobs
    for (const id of out.match(/^\d{8}-\d{6}-[0-9a-f]{8}$/gm) ?? []) rmSync(join(REPO, 'runs', 'jobs', id), { recursive: true, force: true });
  }, 420_000);
});
