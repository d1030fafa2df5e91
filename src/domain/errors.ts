import { type Message, msg, plainVoice, spell } from './message.ts';

/**
 * Every refusal the product makes is a DomainError: a stable code for adapters and tests,
 * and a message a person can act on (what was refused, why, what to do next).
 */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'NOT_PERMITTED'
  | 'INVALID_STATE'
  | 'NOTHING_TO_SEND'
  | 'ALREADY_QUEUED'
  | 'REVERTED_AS_IS'
  | 'DRIFT_NOT_CONFIRMED'
  | 'CHANGE_REQUEST_REQUIRED'
  | 'ENVIRONMENT_LOCKED'
  | 'ENVIRONMENT_FROZEN'
  | 'ALREADY_VOTED'
  | 'SELF_APPROVAL'
  | 'NOT_APPROVED'
  | 'NOTHING_TO_REVERT'
  | 'CONFIG_INVALID'
  | 'CONFIG_CONFLICT'
  | 'DATABASE_BUSY'
  | 'GROUP_UNRESOLVED'
  | 'HOOK_REFUSED';

export class DomainError extends Error {
  /** The input the refusal is about (`message`, `changeRequest`, `customizations`…), for forms that show it beside that field. */
  input?: string;
  /** The message with its people and commands kept apart, for each adapter to spell (see message.ts); `message` is it in plain text. */
  readonly words: Message;

  constructor(
    readonly code: ErrorCode,
    message: string | Message,
    readonly details?: Record<string, unknown>,
  ) {
    super(spell(message, plainVoice));
    this.name = 'DomainError';
    this.words = typeof message === 'string' ? [message] : message;
  }

  about(input: string): this {
    this.input = input;
    return this;
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, hint: string | Message) {
    super('NOT_FOUND', msg`${what} was not found. ${hint}`);
  }
}

export class InvalidInputError extends DomainError {
  constructor(message: string | Message) {
    super('INVALID_INPUT', message);
  }
}

export class NotPermittedError extends DomainError {
  constructor(message: string | Message) {
    super('NOT_PERMITTED', message);
  }
}

export class InvalidStateError extends DomainError {
  constructor(message: string | Message) {
    super('INVALID_STATE', message);
  }
}
