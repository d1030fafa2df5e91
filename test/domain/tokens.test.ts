import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { tokenActor } from '../../src/domain/services/tokens.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, QA_MEMBER, as, createWorld, type World } from '../helpers/world.ts';
import { refused } from './support.ts';

// API tokens (DESIGN.md section 11): made, listed and revoked by admins, shown once and kept hashed, and the
// instances a token names are those it may work on, whoever owns them.

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());
beforeEach(async () => {
  world = await createWorld(db);
});

const tokens = () => world.services.tokens;

describe('API tokens', () => {
  it('are made by an admin: the secret is answered once and kept only as its SHA-256', async () => {
    const { token, secret } = await tokens().create(as(ADMIN), { name: 'ci', scopes: ['components:write', 'requests:write', 'components:write'], instances: ['dev-*'] });
    expect(secret).toMatch(/^sbx_[A-Za-z0-9_-]{43}$/);
    expect(token).toMatchObject({ name: 'ci', scopes: ['components:write', 'requests:write'], instances: ['dev-*'], createdBy: ADMIN, revokedAt: null });
    const rows = await queryRows<Record<string, unknown>>(db.db, sql`select * from api_tokens`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect((await tokens().authenticate(secret))?.name).toBe('ci');
    // Its last use is recorded, at most once a minute.
    const firstUse = world.clock.now();
    expect((await tokens().list(as(ADMIN)))[0]!.lastUsedAt).toEqual(firstUse);
    world.clock.advance(30_000);
    await tokens().authenticate(secret);
    expect((await tokens().list(as(ADMIN)))[0]!.lastUsedAt).toEqual(firstUse);
    world.clock.advance(60_000);
    await tokens().authenticate(secret);
    expect((await tokens().list(as(ADMIN)))[0]!.lastUsedAt).toEqual(world.clock.now());
    expect(await tokens().authenticate(`${secret}x`)).toBeUndefined();
    expect(await tokens().authenticate('not a token')).toBeUndefined();
    const [entry] = (await world.services.audit({ subject: 'ci' })).filter((e) => e.action === 'tokens create');
    expect(entry).toMatchObject({ actor: ADMIN, outcome: 'created' });
    expect(JSON.stringify(entry)).not.toContain(secret);
  });

  it('are refused to anyone but an admin, and with a bad name, scope or pattern, saying what is allowed', async () => {
    expect((await refused(tokens().create(as(ALICE), { name: 'ci', scopes: ['runs:read'] }), 'NOT_PERMITTED')).message).toBe('Only an admin can make API tokens.');
    await refused(tokens().list(as(ALICE)), 'NOT_PERMITTED');
    expect((await refused(tokens().create(as(ADMIN), { name: 'CI bot', scopes: ['runs:read'] }), 'INVALID_INPUT')).input).toBe('name');
    const scope = await refused(tokens().create(as(ADMIN), { name: 'ci', scopes: ['runs:read', 'approve'] }), 'INVALID_INPUT');
    expect(scope.message).toBe('approve is not a scope: give one or more of components:read, components:write, requests:read, requests:write, runs:read, runs:status.');
    expect(scope.input).toBe('scopes');
    expect((await refused(tokens().create(as(ADMIN), { name: 'ci', scopes: [] }), 'INVALID_INPUT')).message).toMatch(/^A token needs at least one scope/);
    expect((await refused(tokens().create(as(ADMIN), { name: 'ci', scopes: ['runs:read'], instances: ['dev/*'] }), 'INVALID_INPUT')).input).toBe('instances');
    expect(await tokens().list(as(ADMIN))).toEqual([]);
  });

  it('are revoked by name: the secret is refused from then on, and the name may be given again', async () => {
    const first = await tokens().create(as(ADMIN), { name: 'ci', scopes: ['runs:read'] });
    expect(first.token.instances).toEqual(['*']);
    const twice = await refused(tokens().create(as(ADMIN), { name: 'ci', scopes: ['runs:read'] }), 'INVALID_INPUT');
    expect(twice.message).toBe('There is a token named ci already: revoke it first (`sandbox tokens revoke ci`), or choose another name.');
    await tokens().revoke(as(ADMIN), 'ci');
    expect(await tokens().authenticate(first.secret)).toBeUndefined();
    await refused(tokens().revoke(as(ADMIN), 'ci'), 'NOT_FOUND');
    const second = await tokens().create(as(ADMIN), { name: 'ci', scopes: ['runs:read'] });
    expect((await tokens().authenticate(second.secret))?.id).toBe(second.token.id);
    expect((await tokens().list(as(ADMIN))).map((t) => [t.name, t.revokedAt !== null])).toEqual([['ci', true], ['ci', false]]);
  });

  it('act as api:<name> on the instances they name, whoever owns them, and on no other; they never approve', async () => {
    const { token } = await tokens().create(as(ADMIN), { name: 'ci', scopes: ['components:write'], instances: ['dev-a*'] });
    const ci = tokenActor(token);
    await world.services.components.put(ci, 'dev-alice', [{ key: 'Layout/Account', content: 'from CI\n' }]);
    expect((await world.services.components.list('dev-alice'))[0]).toMatchObject({ changedBy: 'api:ci' });
    const outside = await refused(world.services.components.put(ci, 'dev-bob', [{ key: 'Layout/Account', content: 'x' }]), 'NOT_PERMITTED');
    expect(outside.message).toBe('The token ci cannot change components of dev-bob: its instances are dev-a*. Make a token for it, or use one that covers it.');
    const [entry] = await world.services.audit({ subject: 'dev-alice' });
    expect(entry).toMatchObject({ actor: 'api:ci', via: 'api', action: 'components put' });

    await world.services.sync(as(ALICE), 'dev-alice');
    await world.services.components.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Account', content: 'v2\n' }]);
    const { request } = await world.services.send(ci, { instance: 'dev-alice', message: 'sent by CI' });
    const vote = await refused(world.services.approve({ ...ci, user: QA_MEMBER }, request.id), 'NOT_PERMITTED');
    expect(vote.message).toBe('DR-1 cannot be approved through the API: approvals stay with people, in Slack or on the command line.');
  });
});
