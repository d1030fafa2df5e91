import { compileErrors, validate } from '@readme/openapi-parser';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useTestBot } from '../helpers/slack-app.ts';
import { ADMIN, ALICE, BOB, QA_MEMBER, as } from '../helpers/world.ts';

// The HTTP API under /api/v1 on the Slack app's own port, called over loopback as a CI job calls it.

const t = useTestBot();
let base: string;
let ci: string;
let reader: string;

async function call(method: string, path: string, o: { token?: string; body?: unknown; key?: string } = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(o.key ? { 'idempotency-key': o.key } : {}),
    },
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any>, headers: response.headers };
}

beforeAll(() => {
  base = new URL('/api/v1', t.bot.url).toString();
});
// After the bot's reset, which empties the database.
beforeEach(async () => {
  const tokens = t.bot.runtime.services.tokens;
  ci = (await tokens.create(as(ADMIN), { name: 'ci', scopes: ['components:read', 'components:write', 'requests:read', 'requests:write', 'runs:read'], instances: ['dev-*'] })).secret;
  reader = (await tokens.create(as(ADMIN), { name: 'reader', scopes: ['components:read'] })).secret;
});

describe('the HTTP API', () => {
  it('describes itself in an OpenAPI 3 document, needing no token for it', async () => {
    const doc = await call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const checked = await validate(structuredClone(doc.body) as never);
    expect(checked.valid, checked.valid ? '' : compileErrors(checked)).toBe(true);
    expect(Object.keys(doc.body.paths).sort()).toEqual([
      '/api/v1/instances/{instance}/components',
      '/api/v1/instances/{instance}/refresh',
      '/api/v1/instances/{instance}/send',
      '/api/v1/requests',
      '/api/v1/requests/{id}',
      '/api/v1/runs/{id}',
      '/api/v1/runs/{id}/status',
    ]);
    expect(doc.body.components.securitySchemes.Bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.body.paths['/api/v1/instances/{instance}/components'].put.requestBody.content['application/json'].schema).toBeDefined();
  });

  it('refuses a missing or unknown token with 401, a missing scope or an instance outside the token with 403', async () => {
    const none = await call('GET', '/instances/dev-alice/components');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.body.error).toEqual({ code: 'UNAUTHENTICATED', message: 'Send a token as `Authorization: Bearer <token>`; an admin makes one with `sandbox tokens create`.' });
    expect((await call('GET', '/instances/dev-alice/components', { token: 'sbx_nope' })).status).toBe(401);
    const scope = await call('PUT', '/instances/dev-alice/components', { token: reader, body: { components: [{ key: 'Layout/A', content: 'a' }] } });
    expect(scope.status).toBe(403);
    expect(scope.body.error.message).toBe('The token reader lacks the scope components:write: its scopes are components:read. Use a token that has it.');
    const outside = await call('GET', '/instances/staging/components', { token: ci });
    expect(outside.status).toBe(403);
    expect(outside.body.error.message).toBe('The token ci does not cover staging: its instances are dev-*.');
  });

  it('puts many components at once, lists them, removes one; bad input is 400 naming the field', async () => {
    const put = await call('PUT', '/instances/dev-alice/components', { token: ci, body: { components: [{ key: 'Layout/Account', content: 'v2\n', dependsOn: ['Field/Tier'] }, { key: 'Field/Tier', content: 'picklist\n' }] } });
    expect(put).toMatchObject({ status: 200, body: { instance: 'dev-alice', written: 2 } });
    const listed = await call('GET', '/instances/dev-alice/components?content=true', { token: ci });
    expect(listed.body.components).toEqual([
      expect.objectContaining({ key: 'Field/Tier', content: 'picklist\n', changedBy: 'api:ci', dependsOn: [] }),
      expect.objectContaining({ key: 'Layout/Account', content: 'v2\n', changedBy: 'api:ci', dependsOn: ['Field/Tier'] }),
    ]);
    const bad = await call('PUT', '/instances/dev-alice/components', { token: ci, body: { components: [{ key: 'Layout/B' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'components.0.content' });
    const badKey = await call('PUT', '/instances/dev-alice/components', { token: ci, body: { components: [{ key: 'no slash', content: 'x' }] } });
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.message).toContain('"no slash" is not a component key');
    const removed = await call('DELETE', '/instances/dev-alice/components?key=Field/Tier', { token: ci });
    expect(removed).toMatchObject({ status: 200, body: { removed: 'Field/Tier' } });
    expect((await call('DELETE', '/instances/dev-alice/components?key=Field/Tier', { token: ci })).status).toBe(404);
    expect((await call('GET', '/instances/dev-nobody/components', { token: ci })).status).toBe(404);
  });

  it('sends, then lists and reads the request, and tails the log of its runs', async () => {
    await t.bot.runtime.services.sync(as(ALICE), 'dev-alice');
    await call('PUT', '/instances/dev-alice/components', { token: ci, body: { components: [{ key: 'Layout/Sent', content: 'by CI\n' }] } });
    const sent = await call('POST', '/instances/dev-alice/send', { token: ci, body: { message: 'from the pipeline' } });
    expect(sent.status).toBe(201);
    expect(sent.body.request).toMatchObject({ id: 'DR-1', state: 'pending_approval', requester: 'api:ci', source: 'dev-alice', target: 'staging', environment: 'Staging' });
    const again = await call('POST', '/instances/dev-alice/send', { token: ci, body: { message: 'again' } });
    expect(again.status).toBe(409);
    expect(await call('POST', '/instances/dev-alice/send', { token: ci, body: {} })).toMatchObject({ status: 400, body: { error: { field: 'message' } } });

    const page = await call('GET', '/requests?state=pending_approval&environment=Staging&limit=1', { token: ci });
    expect(page.body.requests.map((r: { id: string }) => r.id)).toEqual(['DR-1']);
    expect(page.body.next).toBeNull();
    expect((await call('GET', '/requests?state=nonsense', { token: ci })).body.error.field).toBe('state');
    const one = await call('GET', '/requests/DR-1', { token: ci });
    expect(one.body).toMatchObject({ request: { id: 'DR-1', message: 'from the pipeline' }, votes: [] });

    // The sync's run (RUN-1), read a line at a time as a job tails it.
    const [sync] = await t.bot.runtime.services.logs('RUN-1');
    const first = await call('GET', '/runs/RUN-1?limit=1', { token: ci });
    expect(first.body.run).toMatchObject({ id: 'RUN-1', kind: 'sync', status: 'succeeded', user: ALICE });
    expect(first.body.lines).toEqual([expect.objectContaining({ seq: 0, level: 'info', text: sync!.lines[0]!.text })]);
    expect(first.body.next).toBe(1);
    const rest = await call('GET', `/runs/RUN-1?from=${first.body.next}`, { token: ci });
    expect(rest.body.lines.map((l: { text: string }) => l.text)).toEqual(sync!.lines.slice(1).map((l) => l.text));
    expect(rest.body.next).toBe(sync!.lines.length);
    expect((await call('GET', `/runs/RUN-1?from=${rest.body.next}`, { token: ci })).body).toMatchObject({ lines: [], next: sync!.lines.length });
    expect((await call('GET', '/runs/RUN-99', { token: ci })).status).toBe(404);
  });

  it('answers what is true when asked, however many ask at once: a page shows a change made a moment before, a revoked token is refused at once', async () => {
    const services = t.bot.runtime.services;
    await services.sync(as(ALICE), 'dev-alice');
    await call('PUT', '/instances/dev-alice/components', { token: ci, body: { components: [{ key: 'Layout/Sent', content: 'by CI\n' }] } });
    await call('POST', '/instances/dev-alice/send', { token: ci, body: { message: 'from the pipeline' } });
    const states = async () => (await call('GET', '/requests', { token: ci })).body.requests.map((r: { id: string; state: string }) => `${r.id} ${r.state}`);
    const many = await Promise.all(Array.from({ length: 20 }, states));
    expect(many).toEqual(Array.from({ length: 20 }, () => ['DR-1 pending_approval']));
    // A person approves it meanwhile, and sends from Slack: the next page says so.
    await services.approve(as(QA_MEMBER), 1);
    expect(await states()).toEqual(['DR-1 approved']);
    await services.sync(as(BOB), 'dev-bob');
    await services.components.put(as(BOB), 'dev-bob', [{ key: 'Layout/Bob', content: 'b' }]);
    await services.send(as(BOB), { instance: 'dev-bob', message: 'by hand' });
    expect(await states()).toEqual(['DR-2 pending_approval', 'DR-1 approved']);
    await services.tokens.revoke(as(ADMIN), 'ci');
    const revoked = await call('GET', '/requests', { token: ci });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.message).toBe('This token is unknown or revoked: ask an admin for a new one (`sandbox tokens create`).');
  });

  it('answers a repeated Idempotency-Key with the first answer, at once or later, and changes nothing', async () => {
    await t.bot.runtime.services.sync(as(ALICE), 'dev-alice');
    await call('PUT', '/instances/dev-alice/components', { token: ci, body: { components: [{ key: 'Layout/Sent', content: 'by CI\n' }] } });
    const sends = await Promise.all(Array.from({ length: 5 }, () => call('POST', '/instances/dev-alice/send', { token: ci, key: 'build-7', body: { message: 'build 7' } })));
    expect(sends.map((s) => [s.status, s.body.request.id])).toEqual(Array.from({ length: 5 }, () => [201, 'DR-1']));
    expect(sends.filter((s) => s.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    const later = await call('POST', '/instances/dev-alice/send', { token: ci, key: 'build-7', body: { message: 'build 7' } });
    expect([later.status, later.body.request.id, later.headers.get('idempotent-replayed')]).toEqual([201, 'DR-1', 'true']);
    expect((await call('GET', '/requests', { token: ci })).body.requests).toHaveLength(1);
    const reused = await call('POST', '/instances/dev-alice/send', { token: ci, key: 'build-7', body: { message: 'build 8' } });
    expect(reused.status).toBe(400);
    expect(reused.body.error.field).toBe('Idempotency-Key');
    // A refusal is a first answer too: the repeat is refused alike, without sending.
    const refusedOnce = await call('POST', '/instances/dev-alice/send', { token: ci, key: 'build-9', body: { message: 'nothing new' } });
    const refusedAgain = await call('POST', '/instances/dev-alice/send', { token: ci, key: 'build-9', body: { message: 'nothing new' } });
    expect([refusedOnce.status, refusedAgain.status]).toEqual([409, 409]);
    expect(refusedAgain.body).toEqual(refusedOnce.body);
  });

  it('keeps the statuses an outside system reports of a running run, in order, and refuses one for a run that ended', async () => {
    const reporter = (await t.bot.runtime.services.tokens.create(as(ADMIN), { name: 'hook', scopes: ['runs:status', 'runs:read'] })).secret;
    const store = t.bot.runtime.services.deps.store;
    const running = await store.runs.create({ kind: 'deploy', user: 'U0DEPLOY', message: 'm', requestId: null, instanceId: null, environmentId: null, startedAt: new Date() });
    const first = await call('POST', `/runs/RUN-${running.id}/status`, { token: reporter, body: { state: 'in_progress', description: 'Deploying to the CRM' } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ run: `RUN-${running.id}`, status: { reporter: 'api:hook', state: 'in_progress', description: 'Deploying to the CRM' } });
    await call('POST', `/runs/RUN-${running.id}/status`, { token: reporter, body: { state: 'success' } });
    const read = await call('GET', `/runs/RUN-${running.id}`, { token: reporter });
    expect(read.body.statuses.map((s: { state: string }) => s.state)).toEqual(['in_progress', 'success']);
    expect((await call('POST', `/runs/RUN-${running.id}/status`, { token: reporter, body: { state: 'done' } })).body.error.field).toBe('state');
    expect((await call('POST', `/runs/RUN-${running.id}/status`, { token: ci, body: { state: 'success' } })).status).toBe(403);
    await store.runs.finish(running.id, 'succeeded', new Date(), null);
    const ended = await call('POST', `/runs/RUN-${running.id}/status`, { token: reporter, body: { state: 'failure' } });
    expect(ended.status).toBe(409);
    expect(ended.body.error.message).toBe(`RUN-${running.id} has ended (succeeded): a status is reported only while its run runs.`);
    expect((await call('POST', '/runs/RUN-999/status', { token: reporter, body: { state: 'success' } })).status).toBe(404);
  });
});
