import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Services } from '../domain/services/index.ts';
import type { ApiEnv } from './auth.ts';

/**
 * A write made with an `Idempotency-Key` header is answered once: a repeat (same token, key, method, path and body)
 * gets the first answer again, marked `Idempotent-Replayed: true`, and changes nothing.
 */
export function idempotent(services: Services): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    // A callback token's repeats are kept as the statuses they are: answers are kept per API token, and it is none.
    if (key === undefined || c.req.method === 'GET' || c.get('callback')) return next();
    const fingerprint = createHash('sha256').update(`${c.req.method} ${c.req.url.replace(/^[^/]*\/\/[^/]*/, '')}\n${await c.req.text()}`).digest('hex');
    const answer = await services.tokens.answerOnce(c.get('token').id, key, fingerprint, async () => {
      await next();
      return { status: c.res.status, body: await c.res.clone().json() };
    });
    if (!answer.replayed) return;
    c.res = new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true' } });
  };
}
