import { CommanderError } from 'commander';
import { DomainError } from '../domain/errors.ts';
import { RunFailed } from './program.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_REFUSED = 2;

/** The one place where errors become exit codes: a refusal exits 2, a failure 1, each with its message on stderr. */
export function exitCodeFor(error: unknown, err: (text: string) => void): number {
  if (error instanceof CommanderError) {
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT_OK : EXIT_REFUSED;
  }
  if (error instanceof DomainError) {
    err(error.message);
    return EXIT_REFUSED;
  }
  if (error instanceof RunFailed) {
    err(error.message);
    return EXIT_FAILURE;
  }
  err(`Failed: ${(error as Error)?.message ?? String(error)}`);
  return EXIT_FAILURE;
}
