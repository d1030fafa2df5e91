import { CommanderError } from 'commander';
import { forTerminal } from './voice.ts';
import { DomainError, type ErrorCode } from '../domain/errors.ts';
import { RunFailed } from './kit.ts';

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

export interface ErrorOutput {
  err(text: string): void;
  /** With `--json`: stdout, which then carries one `{"error":{"code","message"}}` object as well. */
  json?: (text: string) => void;
}

/** A usage error as a sentence: commander's message without its `error: ` prefix, or what to do when no command was given. */
const usageMessage = (error: CommanderError) =>
  error.code === 'commander.help' || error.code === 'commander.helpDisplayed'
    ? 'Give a command: see `sandbox --help`.'
    : error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');

/**
 * The one place where errors become exit codes: a refusal exits 2, a failure 1, each with its message on stderr.
 * With `--json` the same code and message are also printed on stdout as `{"error":{"code","message"}}`
 * (a failed run adds them to the result it ended with, so stdout still holds one object).
 */
export function exitCodeFor(error: unknown, { err, json }: ErrorOutput, argv: readonly string[] = []): number {
  const report = (code: ErrorCode | 'FAILED', message: string, result?: object) => json?.(JSON.stringify({ ...result, error: { code, message } }));
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return EXIT_OK; // help asked for is fine
    report('INVALID_INPUT', usageMessage(error)); // commander printed its message on stderr already
    return EXIT_REFUSED; // a usage error (or no command) is refused
  }
  if (error instanceof DomainError) {
    const hint = hintFor(error, argv);
    const message = hint ? `${forTerminal(error.words)} ${hint}` : forTerminal(error.words);
    err(message);
    report(error.code, message);
    return EXIT_REFUSED;
  }
  if (error instanceof RunFailed) {
    err(error.message);
    report('FAILED', error.message, error.result);
    return EXIT_FAILURE;
  }
  const message = `Failed: ${(error as Error)?.message ?? String(error)}`;
  err(message);
  report('FAILED', message);
  return EXIT_FAILURE;
}
