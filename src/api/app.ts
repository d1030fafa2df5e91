import { OpenAPIHono } from '@hono/zod-openapi';
import type { Services } from '../domain/services/index.ts';
import { type ApiEnv, bearer } from './auth.ts';
import { API_BASE } from './base.ts';
import { answerError, errorBody } from './errors.ts';
import { idempotent } from './idempotency.ts';
import { componentRoutes } from './routes/components.ts';
import { requestRoutes } from './routes/requests.ts';
import { runRoutes } from './routes/runs.ts';

export { API_BASE } from './base.ts';

/**
 * The HTTP API for CI systems and scripts (DESIGN.md section 11): a thin adapter over the same services as the Slack
 * app and the command line. Requests are validated, and the OpenAPI document made, from the same zod schemas.
 */
export interface ApiOptions {
  log(message: string): void;
  /** Each answer: its method, the route it matched (its pattern), its status and how long it took. */
  answered?(method: string, route: string, status: number, seconds: number): void;
}

export function createApi(services: Services, o: ApiOptions) {
  const api = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issue = result.error.issues[0]!;
      const field = issue.path.join('.') || result.target;
      return c.json(errorBody('INVALID_INPUT', `${field}: ${issue.message}.`, field), 400);
    },
  }).basePath(API_BASE);
  api.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', { type: 'http', scheme: 'bearer', description: 'A token from `sandbox tokens create`' });
  api.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    // The route's pattern, even when a middleware answered before its handler ran (a 401): never the instance or id asked for.
    const route = c.req.matchedRoutes.filter((r) => r.method !== 'ALL').at(-1)?.path ?? 'unmatched';
    o.answered?.(c.req.method, route, c.res.status, (performance.now() - started) / 1000);
  });
  const authenticated = bearer(services);
  api.use('*', async (c, next) => (c.req.path === `${API_BASE}/openapi.json` ? next() : authenticated(c, next)));
  api.use('*', idempotent(services));
  componentRoutes(api, services);
  requestRoutes(api, services);
  runRoutes(api, services);
  // The document is made once, from the routes above: it cannot change while the process runs.
  const document = JSON.stringify(
    api.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'Sandbox bot API', version: '1', description: 'Components, sends, requests and runs of the sandbox release process, for CI systems and scripts. Approvals stay with people.' },
      security: [{ Bearer: [] }],
    }),
  );
  api.get('/openapi.json', (c) => c.body(document, 200, { 'content-type': 'application/json' }));
  api.notFound((c) => c.json(errorBody('NOT_FOUND', `There is no ${c.req.method} ${c.req.path} in this API: ${API_BASE}/openapi.json lists what there is.`), 404));
  api.onError((error, c) => answerError(error, c, o.log));
  return api;
}
