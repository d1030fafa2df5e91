import { exitCodeFor } from './errors.ts';
import type { CliHost, Output } from './kit.ts';
import { buildProgram } from './program.ts';

/** Runs one `sandbox` command line over the services of `host`; resolves to its exit code. */
export async function runCli(argv: string[], io: Output, host: CliHost): Promise<number> {
  const program = buildProgram(io, host);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return exitCodeFor(error, { err: io.err, json: program.opts().json === true ? io.out : undefined }, argv);
  }
}
