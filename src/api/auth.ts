import type { Context, MiddlewareHandler } from 'hono';
import { type ApiToken, type ChangeCounts, grants, type Scope } from '../domain/api-tokens.ts';
import type { Actor } from '../domain/ports.ts';
import type { Services } from '../domain/services/index.ts';
import { CALLBACK_PREFIX, hashOfSecret, tokenActor, USE_RECORDED_EVERY_MS } from '../domain/services/tokens.ts';
import { withLogContext } from '../log-context.ts';
import { ApiRefusal } from './errors.ts';
import { FreshCopies } from './fresh-copies.ts';
import { sharedReads } from './shared-reads.ts';

/**
 * A request's token, and the change counts read after it arrived (what copies kept in memory are checked against);
 * or, for a status callback, the run's callback token, which is checked by the route alone (see run-statuses.ts).
 */
export type ApiEnv = { Variables: { token: ApiToken; changes: ChangeCounts; callback?: string } };

/**
 * Every request under the API carries a token (`Authorization: Bearer sbx_…`) that is known and not revoked.
 *
 * Requests that come at the same moment share one read of the change counts, and a token is looked up again only
 * when tokens changed since (a revocation counts at once) or its last use is due to be written.
 */
export function bearer(services: Services): MiddlewareHandler<ApiEnv> {
  const changeCounts = sharedReads<void, ChangeCounts>(services.changeCounts, () => '');
  const lookUp = sharedReads(services.tokens.authenticate, (secret) => secret);
  const known = new FreshCopies<ApiToken>(1_000, USE_RECORDED_EVERY_MS);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const secret = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!secret) throw new ApiRefusal(401, 'UNAUTHENTICATED', 'Send a token as `Authorization: Bearer <token>`; an admin makes one with `sandbox tokens create`.');
    if (secret.startsWith(CALLBACK_PREFIX)) {
      // Read nothing here: on PGlite the database may be held by the very deployment this callback is for.
      c.set('callback', secret);
      return withLogContext({ api: { token: 'callback', method: c.req.method, path: c.req.path } }, next);
    }
    const changes = await changeCounts();
    const token = await known.get(hashOfSecret(secret), changes.tokens, () => lookUp(secret));
    if (!token) throw new ApiRefusal(401, 'UNAUTHENTICATED', 'This token is unknown or revoked: ask an admin for a new one (`sandbox tokens create`).');
    c.set('token', token);
    c.set('changes', changes);
    await withLogContext({ api: { token: token.name, method: c.req.method, path: c.req.path } }, next);
  };
}

/** Who acts for the request's token, once it is known to hold `scope` (and to cover `instance`, when given). */
export function actingWith(c: Context<ApiEnv>, scope: Scope, instance?: string): Actor {
  if (c.get('callback')) throw new ApiRefusal(403, 'NOT_PERMITTED', "A run's callback token only reports that run's status: use a token from `sandbox tokens create` for anything else.");
  const token = c.get('token');
  if (!token.scopes.includes(scope)) {
    throw new ApiRefusal(403, 'NOT_PERMITTED', `The token ${token.name} lacks the scope ${scope}: its scopes are ${token.scopes.join(', ')}. Use a token that has it.`);
  }
  if (instance !== undefined && !grants(token.instances, instance)) {
    throw new ApiRefusal(403, 'NOT_PERMITTED', `The token ${token.name} does not cover ${instance}: its instances are ${token.instances.join(', ')}.`);
  }
  return tokenActor(token);
}
