import { exitCodeFor } from './errors.ts';
import { buildProgram, type Output } from './program.ts';
import { forTerminal } from './render.ts';

/** Runs one `sandbox` command line; resolves to its exit code. */
export async function runCli(argv: string[], terminal: Output): Promise<number> {
  const io: Output = { out: (s) => terminal.out(forTerminal(s)), err: (s) => terminal.err(forTerminal(s)) };
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return exitCodeFor(error, { err: io.err, json: program.opts().json === true ? io.out : undefined }, argv);
  }
}
