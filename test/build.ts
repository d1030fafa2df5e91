import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Vitest's global set-up: the programs the tests start as people start them (`npm start`, `sandbox`) run the
 * bundles in dist/, so they are built from the sources under test first (about a second with esbuild).
 */
export default function build() {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))], { stdio: 'inherit' });
}
