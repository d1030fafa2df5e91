import type { z } from '@hono/zod-openapi';
import { ErrorBody } from '../schemas.ts';

/** A JSON response of a route, as the OpenAPI document describes it. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

/** The refusals every route may answer with. */
export const errorResponses = {
  400: json(ErrorBody, 'Bad input: `error.field` names the field at fault'),
  401: json(ErrorBody, 'No token, or one that is unknown or revoked'),
  403: json(ErrorBody, 'The token lacks the scope, or does not cover the instance'),
  404: json(ErrorBody, 'No such instance, request or run'),
  409: json(ErrorBody, 'Refused in the state things are in (the message says why and what to do)'),
};
