import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { parseId } from '../../domain/ids.ts';
import type { Services } from '../../domain/services/index.ts';
import { actingWith, type ApiEnv } from '../auth.ts';
import { RUN_STATES, type RunStatusReport } from '../../domain/api-tokens.ts';
import { IdempotencyHeader, LogLineView, logLineView, RunView, runView } from '../schemas.ts';
import { errorResponses, json } from './common.ts';

const RunParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'RUN-45' }) });

const StatusView = z.object({ at: z.string().openapi({ format: 'date-time' }), reporter: z.string(), state: z.enum(RUN_STATES), description: z.string().nullable() }).openapi('RunStatus');
const statusView = (s: RunStatusReport) => ({ at: s.at.toISOString(), reporter: s.reporter, state: s.state, description: s.description });

const log = createRoute({
  method: 'get',
  path: '/runs/{id}',
  summary: "A run and its log lines from a line number on, to tail it (scope runs:read)",
  request: {
    params: RunParam,
    query: z.object({
      from: z.coerce.number().int().min(0).optional().openapi({ description: 'The first line wanted: the `next` of the previous read (0: from the start)' }),
      limit: z.coerce.number().int().min(1).max(500).optional(),
    }),
  },
  responses: {
    200: json(z.object({ run: RunView, lines: z.array(LogLineView), next: z.number().int(), statuses: z.array(StatusView) }), 'The run, its lines and the statuses reported of it; `next` is where the following read starts'),
    ...errorResponses,
  },
});

const report = createRoute({
  method: 'post',
  path: '/runs/{id}/status',
  summary: "Report how an outside system's part of a running run goes: a status callback (scope runs:status, or the run's callback token a webhook target was given)",
  request: {
    params: RunParam,
    headers: IdempotencyHeader,
    body: { required: true, content: { 'application/json': { schema: z.object({ state: z.enum(RUN_STATES), description: z.string().max(1000).optional() }) } } },
  },
  responses: { 201: json(z.object({ run: z.string(), status: StatusView }), 'Kept with the run'), ...errorResponses },
});

export function runRoutes(api: OpenAPIHono<ApiEnv>, services: Services) {
  api.openapi(report, async (c) => {
    const runId = parseId(c.req.valid('param').id, 'run').id;
    const callback = c.get('callback');
    const status = await services.reportRunStatus(callback ? { callback } : { actor: actingWith(c, 'runs:status') }, runId, c.req.valid('json'));
    return c.json({ run: `RUN-${runId}`, status: statusView(status) }, 201);
  });
  api.openapi(log, async (c) => {
    actingWith(c, 'runs:read');
    const { from, limit } = c.req.valid('query');
    const r = await services.runLog(parseId(c.req.valid('param').id, 'run').id, from, limit);
    return c.json({ run: runView(r.run), lines: r.lines.map(logLineView), next: r.next, statuses: r.statuses.map(statusView) }, 200);
  });
}
