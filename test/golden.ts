/** Locating and reading the golden vectors in ../shared/golden (beside the repository, as in CI). */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const GOLDEN_DIR = fileURLToPath(new URL('../../shared/golden/', import.meta.url));

export function readGolden<T>(name: string): T[] {
  const path = GOLDEN_DIR + name;
  if (!existsSync(path)) throw new Error(`golden file ${path} not found: the tests expect shared/ beside the repository`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
