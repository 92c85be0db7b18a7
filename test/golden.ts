/** Locating and reading the golden vectors in test/fixtures/golden (inside the repository; provenance in its README). */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const GOLDEN_DIR = fileURLToPath(new URL('./fixtures/golden/', import.meta.url));

/** Absolute path of one golden file, e.g. `goldenPath('rewards.jsonl')`. */
export function goldenPath(name: string): string {
  return GOLDEN_DIR + name;
}

export function readGolden<T>(name: string): T[] {
  const path = goldenPath(name);
  if (!existsSync(path)) throw new Error(`golden file ${path} not found (test/fixtures/golden/ is part of the repository)`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
