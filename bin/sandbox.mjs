#!/usr/bin/env node
// The `sandbox` command: the compiled command line in dist/, built by `npm install` (or `npm run build`).
const cli = await import('../dist/cli.js').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  process.stderr.write('The sandbox command is not built yet: run npm install (or npm run build) in its checkout first.\n');
  process.exit(1);
});
const io = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };
process.exitCode = await cli.sandboxCommand(process.argv.slice(2), io);
