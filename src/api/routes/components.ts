import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Services } from '../../domain/services/index.ts';
import { actingWith, type ApiEnv } from '../auth.ts';
import { ComponentInput, ComponentView, componentView, IdempotencyHeader, InstanceParam } from '../schemas.ts';
import { errorResponses, json } from './common.ts';

const list = createRoute({
  method: 'get',
  path: '/instances/{instance}/components',
  summary: "An instance's components (scope components:read)",
  request: { params: InstanceParam, query: z.object({ content: z.enum(['true', 'false']).optional().openapi({ description: 'Include each component\'s content' }) }) },
  responses: { 200: json(z.object({ instance: z.string(), components: z.array(ComponentView) }), 'The components, by key'), ...errorResponses },
});

const put = createRoute({
  method: 'put',
  path: '/instances/{instance}/components',
  summary: 'Write many components into an instance at once (scope components:write)',
  request: {
    params: InstanceParam,
    headers: IdempotencyHeader,
    body: { content: { 'application/json': { schema: z.object({ components: z.array(ComponentInput).min(1).max(10_000) }) } }, required: true },
  },
  responses: { 200: json(z.object({ instance: z.string(), written: z.number().int() }), 'Written, all or none'), ...errorResponses },
});

const remove = createRoute({
  method: 'delete',
  path: '/instances/{instance}/components',
  summary: 'Remove one component from an instance (scope components:write)',
  request: { params: InstanceParam, headers: IdempotencyHeader, query: z.object({ key: z.string().min(1).openapi({ example: 'Layout/Account' }) }) },
  responses: { 200: json(z.object({ instance: z.string(), removed: z.string() }), 'Removed'), ...errorResponses },
});

const refresh = createRoute({
  method: 'post',
  path: '/instances/{instance}/refresh',
  summary: "Read a git-backed instance's branch (scope components:write)",
  request: { params: InstanceParam, headers: IdempotencyHeader },
  responses: {
    200: json(z.object({ instance: z.string(), tip: z.string(), changed: z.boolean(), written: z.array(z.string()), removed: z.array(z.string()) }), 'What the branch holds is what the instance holds'),
    ...errorResponses,
  },
});


export function componentRoutes(api: OpenAPIHono<ApiEnv>, services: Services) {
  api.openapi(list, async (c) => {
    const { instance } = c.req.valid('param');
    actingWith(c, 'components:read', instance);
    const components = await services.components.list(instance);
    return c.json({ instance, components: components.map((x) => componentView(x, c.req.valid('query').content === 'true')) }, 200);
  });
  api.openapi(put, async (c) => {
    const { instance } = c.req.valid('param');
    const written = await services.components.put(actingWith(c, 'components:write', instance), instance, c.req.valid('json').components);
    return c.json({ instance, written }, 200);
  });
  api.openapi(remove, async (c) => {
    const { instance } = c.req.valid('param');
    const { key } = c.req.valid('query');
    await services.components.remove(actingWith(c, 'components:write', instance), instance, key);
    return c.json({ instance, removed: key }, 200);
  });
  api.openapi(refresh, async (c) => {
    const { instance } = c.req.valid('param');
    const r = await services.refresh(actingWith(c, 'components:write', instance), instance);
    return c.json({ instance: r.instance.name, tip: r.tip, changed: r.changed, written: r.written, removed: r.removed }, 200);
  });
}
