import type { Logger } from '@slack/bolt';
import { DomainError } from '../domain/errors.ts';
import { fields } from './ids.ts';
import { inSlack } from './blocks/format.ts';

/** How a refusal reads in Slack: what was refused and why, with what to do next (the message says it). */
export function refusalText(error: unknown): string {
  if (error instanceof DomainError) return `:no_entry: ${inSlack(error.words)}`;
  return `:warning: Something went wrong on our side: ${(error as Error)?.message ?? String(error)}. Nothing was changed by the part that failed; try again, and tell an admin if it persists.`;
}

/**
 * The modal field a refusal belongs to: the input it is about, when the modal has that field. A refusal about no
 * input (nothing new to send, a lock…) has none: no retyping could mend it, so it replaces the form instead.
 */
export function fieldFor(error: DomainError, available: readonly string[]): string | undefined {
  const field = error.input && fields[error.input as keyof typeof fields];
  return field && available.includes(field) ? field : undefined;
}

/** Failures that are not refusals are logged with their stack; refusals are the user's business only. */
export function logUnexpected(logger: Logger, what: string, error: unknown) {
  if (!(error instanceof DomainError)) logger.error(`${what} failed:`, error);
}
