import { z } from '@hono/zod-openapi';
import { SCOPES } from '../domain/api-tokens.ts';
import { formatId } from '../domain/ids.ts';
import type { ListedRequest } from '../domain/types.ts';
import type { Component, LogLine, Run } from '../domain/types.ts';

// What the API reads and answers, as zod schemas: they validate requests and make the OpenAPI document.

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'NOT_PERMITTED' }),
      message: z.string().openapi({ example: 'The token ci cannot send dev-bob: its instances are dev-a*.' }),
      field: z.string().optional().openapi({ description: 'The input at fault, when one is' }),
    }),
  })
  .openapi('Error');

/** Writes take an `Idempotency-Key`: a repeat with the same key gets the first answer again and changes nothing. */
export const IdempotencyHeader = z.object({
  'idempotency-key': z.string().optional().openapi({ description: 'Makes the write safe to repeat: a repeat within a day gets the first answer again and changes nothing', example: 'build-4711-send' }),
});

export const InstanceParam = z.object({ instance: z.string().openapi({ param: { name: 'instance', in: 'path' }, example: 'dev-alice' }) });

const Key = z.string().min(1).openapi({ example: 'Layout/Account' });

export const ComponentInput = z
  .object({ key: Key, content: z.string(), dependsOn: z.array(Key).optional() })
  .openapi('ComponentInput');

export const ComponentView = z
  .object({ key: Key, hash: z.string(), dependsOn: z.array(Key), changedBy: z.string(), changedAt: z.string().openapi({ format: 'date-time' }), content: z.string().optional() })
  .openapi('Component');

export const componentView = (c: Component, withContent: boolean) => ({
  key: c.key,
  hash: c.hash,
  dependsOn: c.dependsOn,
  changedBy: c.changedBy,
  changedAt: c.changedAt.toISOString(),
  ...(withContent ? { content: c.content } : {}),
});

export const RequestView = z
  .object({
    id: z.string().openapi({ example: 'DR-12' }),
    state: z.string().openapi({ example: 'pending_approval' }),
    message: z.string(),
    requester: z.string(),
    source: z.string().openapi({ example: 'dev-alice' }),
    target: z.string().openapi({ example: 'staging' }),
    environment: z.string().openapi({ example: 'Staging' }),
    changeRequest: z.string().nullable().openapi({ example: 'CR-3' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    deployedAt: z.string().nullable().openapi({ format: 'date-time' }),
    deployedBy: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .openapi('Request');

export const requestView = ({ request: r, source, target, environment }: ListedRequest) => ({
  id: formatId('request', r.id),
  state: r.state,
  message: r.message,
  requester: r.requester,
  source,
  target,
  environment,
  changeRequest: r.changeRequestId === null ? null : formatId('changeRequest', r.changeRequestId),
  createdAt: r.createdAt.toISOString(),
  deployedAt: r.deployedAt?.toISOString() ?? null,
  deployedBy: r.deployedBy,
  reason: r.reason,
});

export const RunView = z
  .object({
    id: z.string().openapi({ example: 'RUN-45' }),
    kind: z.string().openapi({ example: 'deploy' }),
    status: z.string().openapi({ example: 'running' }),
    user: z.string(),
    request: z.string().nullable().openapi({ example: 'DR-12' }),
    startedAt: z.string().openapi({ format: 'date-time' }),
    endedAt: z.string().nullable().openapi({ format: 'date-time' }),
    summary: z.string().nullable(),
  })
  .openapi('Run');

export const runView = (r: Run) => ({
  id: formatId('run', r.id),
  kind: r.kind,
  status: r.status,
  user: r.user,
  request: r.requestId === null ? null : formatId('request', r.requestId),
  startedAt: r.startedAt.toISOString(),
  endedAt: r.endedAt?.toISOString() ?? null,
  summary: r.summary,
});

export const LogLineView = z.object({ seq: z.number().int(), at: z.string().openapi({ format: 'date-time' }), level: z.string(), text: z.string() }).openapi('LogLine');
export const logLineView = (l: LogLine & { seq: number }) => ({ seq: l.seq, at: l.at.toISOString(), level: l.level, text: l.text });

export const ScopeName = z.enum(SCOPES);
