// `npm run build` (run by `npm install` through `prepare`, and before the tests): compiles src/ to dist/, incrementally,
// and copies beside the code the files it reads at run time.
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
cpSync(`${root}src/workspace/demo-pipeline.yml`, `${root}dist/workspace/demo-pipeline.yml`);
