import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, type ErrorCode } from '../domain/errors.ts';

/** The one place where the domain's refusals become HTTP statuses; a refusal not named here is a conflict with the state of things. */
const STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  NOT_FOUND: 404,
  INVALID_INPUT: 400,
  NOT_PERMITTED: 403,
  CONFIG_INVALID: 500,
  DATABASE_BUSY: 503,
  GROUP_UNRESOLVED: 502,
};

/** A refusal of the API itself (no token, a token without the scope), before any service is called. */
export class ApiRefusal extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly code: 'UNAUTHENTICATED' | 'NOT_PERMITTED',
    message: string,
  ) {
    super(message);
  }
}

export const errorBody = (code: string, message: string, field?: string) => ({ error: { code, message, ...(field ? { field } : {}) } });

/** Answers an error thrown by a route: a refusal with its status and sentence; anything else a 500 that names no detail. */
export function answerError(error: unknown, c: Context, log: (message: string) => void) {
  if (error instanceof ApiRefusal) {
    if (error.status === 401) c.header('WWW-Authenticate', 'Bearer');
    return c.json(errorBody(error.code, error.message), error.status);
  }
  if (error instanceof DomainError) return c.json(errorBody(error.code, error.message, error.input), STATUS[error.code] ?? 409);
  log(`API ${c.req.method} ${c.req.path} failed: ${(error as Error).message}`);
  return c.json(errorBody('INTERNAL', 'The bot could not do this because of an error on its side; it is in its log. Try again, or tell its operators.'), 500);
}
