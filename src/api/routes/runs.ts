import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { parseId } from '../../domain/ids.ts';
import type { Services } from '../../domain/services/index.ts';
import { actingWith, type ApiEnv } from '../auth.ts';
import { LogLineView, logLineView, RunView, runView } from '../schemas.ts';
import { errorResponses, json } from './common.ts';

const RunParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'RUN-45' }) });

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
  responses: { 200: json(z.object({ run: RunView, lines: z.array(LogLineView), next: z.number().int() }), 'The run and its lines; `next` is where the following read starts'), ...errorResponses },
});

export function runRoutes(api: OpenAPIHono<ApiEnv>, services: Services) {
  api.openapi(log, async (c) => {
    actingWith(c, 'runs:read');
    const { from, limit } = c.req.valid('query');
    const r = await services.runLog(parseId(c.req.valid('param').id, 'run').id, from, limit);
    return c.json({ run: runView(r.run), lines: r.lines.map(logLineView), next: r.next }, 200);
  });
}
