import { CommanderError } from 'commander';
import { DomainError, type ErrorCode } from '../domain/errors.ts';
import { RunFailed } from './program.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_REFUSED = 2;

/** What to type, for refusals whose way out is an option of the command that was refused. */
const OPTION_HINTS: Partial<Record<string, Partial<Record<ErrorCode, string>>>> = {
  send: { DRIFT_NOT_CONFIRMED: 'Add --yes to send anyway.', CHANGE_REQUEST_REQUIRED: 'Attach it with --cr CR-….' },
};

function hintFor(error: DomainError, argv: readonly string[]): string | undefined {
  const command = argv.find((a) => !a.startsWith('-'));
  if (error.code === 'NOT_PERMITTED' && !argv.includes('--user')) return 'You did not say who you are: add --user <slack id>.';
  return command ? OPTION_HINTS[command]?.[error.code] : undefined;
}

/** The one place where errors become exit codes: a refusal exits 2, a failure 1, each with its message on stderr. */
export function exitCodeFor(error: unknown, err: (text: string) => void, argv: readonly string[] = []): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT_OK : EXIT_REFUSED; // help asked for is fine; a usage error (or no command) is refused
  }
  if (error instanceof DomainError) {
    const hint = hintFor(error, argv);
    err(hint ? `${error.message} ${hint}` : error.message);
    return EXIT_REFUSED;
  }
  if (error instanceof RunFailed) {
    err(error.message);
    return EXIT_FAILURE;
  }
  err(`Failed: ${(error as Error)?.message ?? String(error)}`);
  return EXIT_FAILURE;
}
