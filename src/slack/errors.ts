import type { Logger } from '@slack/bolt';
import { DomainError, type ErrorCode } from '../domain/errors.ts';
import { fields } from './ids.ts';

/** How a refusal reads in Slack: what was refused and why, with what to do next (the message says it). */
export function refusalText(error: unknown): string {
  if (error instanceof DomainError) return `:no_entry: ${error.message}`;
  return `:warning: Something went wrong on our side: ${(error as Error)?.message ?? String(error)}. Nothing was changed by the part that failed; try again, and tell an admin if it persists.`;
}

/** Refusals that are about one field of a modal, shown under that field instead of in a message. */
const FIELD_OF: Partial<Record<ErrorCode, string>> = {
  CHANGE_REQUEST_REQUIRED: fields.changeRequest,
  DRIFT_NOT_CONFIRMED: fields.confirmDrift,
};

/** The modal field a refusal belongs to, given the fields the modal has (falls back to its first input). */
export function fieldFor(error: DomainError, available: readonly string[]): string | undefined {
  const field = FIELD_OF[error.code];
  if (field && available.includes(field)) return field;
  return available[0];
}

/** Failures that are not refusals are logged with their stack; refusals are the user's business only. */
export function logUnexpected(logger: Logger, what: string, error: unknown) {
  if (!(error instanceof DomainError)) logger.error(`${what} failed:`, error);
}
