import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A file of this package by its path from the package's root (`drizzle`, `src/workspace/demo-pipeline.yml`), found
 * the same whether the code runs from src/ (tests) or from the bundle in dist/ (`npm start`, `sandbox`).
 */
export function packageFile(path: string): string {
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, path);
    if (dirname(dir) === dir) throw new Error(`No package.json above ${here}: cannot find ${path}.`);
  }
}
