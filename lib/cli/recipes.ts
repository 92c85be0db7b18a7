/**
 * `golongrl recipes [--json]` — the cluster recipes in cluster/recipes/ (one YAML file each; a new file is
 * a new recipe, no code change), each loaded and validated as `submit` would (lib/cluster/recipes.ts):
 * name, kind (single job or phased), what it extends, its description. A file that does not load is listed
 * as invalid with its error (file:line: key: …) and the verb exits 2.
 */
import { parseArgs } from 'node:util';
import { listRecipes, RecipeError, recipesDir } from '../cluster/recipes.js';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError } from './io.js';

export const RECIPES_HELP = `golongrl recipes [--json]

The cluster recipes: every YAML file in cluster/recipes/ ($GOLONGRL_RECIPES_DIR overrides) whose name does
not start with '_' (those are bases to extend). Each is loaded and checked (keys, types, the verl schema)
as 'golongrl submit NAME' would; an invalid one is shown with its error and the exit code is 2.
Writing a recipe: docs/cluster-recipes.md.
  --json   one JSON array on stdout`;

export async function runRecipes(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return (process.stdout.write(RECIPES_HELP + '\n'), EXIT_OK);
  if (positionals.length) throw new UsageError('recipes takes no arguments');
  let dir: string;
  try {
    dir = recipesDir();
  } catch (e) {
    if (e instanceof RecipeError) {
      process.stderr.write(`golongrl recipes: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  const list = listRecipes(dir);
  const bad = list.filter((r) => r.kind === 'invalid');
  if (values.json) process.stdout.write(JSON.stringify(list) + '\n');
  else {
    const rows = list.map((r) => [r.name, r.kind === 'phased' ? `phased (${r.phases})` : r.kind, r.extends ?? '-', r.kind === 'invalid' ? 'see error below' : r.description]);
    const head = ['NAME', 'KIND', 'EXTENDS', 'DESCRIPTION'];
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const lines = [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  '));
    lines.push('', `${list.length} recipe(s) in ${dir}; 'golongrl submit NAME --dry-run' shows one rendered`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  for (const b of bad) process.stderr.write(`golongrl recipes: ${b.error}\n`);
  return bad.length ? EXIT_BAD_INPUT : EXIT_OK;
}
