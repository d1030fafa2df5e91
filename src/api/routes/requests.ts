import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { parseId } from '../../domain/ids.ts';
import { plainVoice, spell } from '../../domain/message.ts';
import type { Services } from '../../domain/services/index.ts';
import type { RequestQuery } from '../../domain/services/listings.ts';
import { actingWith, type ApiEnv } from '../auth.ts';
import { IdempotencyHeader, InstanceParam, RequestView, requestView } from '../schemas.ts';
import { FreshCopies } from '../fresh-copies.ts';
import { sharedReads } from '../shared-reads.ts';
import { errorResponses, json } from './common.ts';

const RequestParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'DR-12' }) });
const Names = z.array(z.string().min(1)).optional();

const send = createRoute({
  method: 'post',
  path: '/instances/{instance}/send',
  summary: "Send an instance's changes to the next environment up, as a deployment request (scope requests:write)",
  request: {
    params: InstanceParam,
    headers: IdempotencyHeader,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            message: z.string().min(1).openapi({ description: 'What the changes do' }),
            changeRequest: z.string().optional().openapi({ example: 'CR-3' }),
            only: Names.openapi({ description: 'Send only these of its changes' }),
            except: Names.openapi({ description: 'Send all its changes but these' }),
            confirmDrift: z.boolean().optional().openapi({ description: 'Send although the target changed since the last sync' }),
          }),
        },
      },
    },
  },
  responses: { 201: json(z.object({ request: RequestView, warnings: z.array(z.string()) }), 'The request, waiting in its queue'), ...errorResponses },
});

const list = createRoute({
  method: 'get',
  path: '/requests',
  summary: 'Deployment requests, newest first (scope requests:read)',
  request: {
    query: z.object({
      state: z.string().optional().openapi({ description: 'States, comma-separated', example: 'pending_approval,approved' }),
      environment: z.string().optional().openapi({ example: 'Staging' }),
      instance: z.string().optional().openapi({ description: 'The instance they were sent from', example: 'dev-alice' }),
      cursor: z.string().optional().openapi({ description: 'The `next` of the previous page' }),
      limit: z.coerce.number().int().min(1).max(500).optional().openapi({ example: 50 }),
    }),
  },
  responses: { 200: json(z.object({ requests: z.array(RequestView), next: z.string().nullable() }), 'A page of requests; `next` reads the following one'), ...errorResponses },
});

const read = createRoute({
  method: 'get',
  path: '/requests/{id}',
  summary: 'One deployment request, with its votes and runs (scope requests:read)',
  request: { params: RequestParam },
  responses: {
    200: json(z.object({ request: RequestView, votes: z.array(z.object({ voter: z.string(), decision: z.string() })), runs: z.array(z.string()) }), 'The request'),
    ...errorResponses,
  },
});

export function requestRoutes(api: OpenAPIHono<ApiEnv>, services: Services) {
  api.openapi(send, async (c) => {
    const { instance } = c.req.valid('param');
    const body = c.req.valid('json');
    const actor = actingWith(c, 'requests:write', instance);
    const changeRequestId = body.changeRequest === undefined ? undefined : parseId(body.changeRequest, 'changeRequest').id;
    const sent = await services.send(actor, { instance, message: body.message, changeRequestId, only: body.only, except: body.except, confirmDrift: body.confirmDrift });
    const listed = { request: sent.request, source: instance, target: sent.targetInstance.name, environment: sent.target.name };
    return c.json({ request: requestView(listed), warnings: sent.warnings.map((w) => spell(w, plainVoice)) }, 201);
  });
  // A page is read again only when requests changed since it was read (see fresh-copies.ts); clients asking for it at
  // the same moment share that read, and its JSON is written once for all of them.
  const readPage = sharedReads(async (query: RequestQuery) => {
    const page = await services.listRequests(query);
    return JSON.stringify({ requests: page.requests.map(requestView), next: page.next });
  }, JSON.stringify);
  const pages = new FreshCopies<string>(100);
  api.openapi(list, async (c) => {
    actingWith(c, 'requests:read');
    const q = c.req.valid('query');
    const query = { states: q.state?.split(',').map((s) => s.trim()).filter(Boolean), environment: q.environment, instance: q.instance, cursor: q.cursor, limit: q.limit };
    const page = (await pages.get(JSON.stringify(query), c.get('changes').requests, () => readPage(query)))!;
    // Already JSON: the route's typing knows only answers still to be written out (c.json).
    return c.body(page, 200, { 'content-type': 'application/json' }) as never;
  });
  api.openapi(read, async (c) => {
    actingWith(c, 'requests:read');
    const o = await services.requestOverview(parseId(c.req.valid('param').id, 'request').id);
    const listed = { request: o.request, source: o.source.name, target: o.target.name, environment: o.environment.name };
    return c.json({ request: requestView(listed), votes: o.votes.map((v) => ({ voter: v.voter, decision: v.decision })), runs: o.runs.map((r) => `RUN-${r.id}`) }, 200);
  });
}
