// `npm run build` (run by `npm install` through `prepare`, and by the tests' global set-up): bundles the programs
// (`npm start`, `npm run demo`, the `sandbox` command) into dist/ with esbuild. One bundle per program, with the
// modules they load only when needed (a database driver, Slack's client) split into chunks of their own, starts far
// faster than hundreds of separate modules. Types are checked by `npm run typecheck`, not here.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/app/main.ts', cli: 'src/app/cli.ts', demo: 'src/app/demo.ts', 'diff-worker': 'src/app/diff-worker.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Loaded from node_modules as they are: PGlite finds its WebAssembly beside its own code, node-cron its daemon,
  // Slack's packages are CommonJS with optional dependencies of their own.
  // @napi-rs/canvas loads its prebuilt native binary from node_modules.
  external: ['@electric-sql/pglite', 'node-cron', '@slack/*', '@napi-rs/canvas'],
  // Bundled CommonJS packages still call require().
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
