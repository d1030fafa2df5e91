import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, BOB, CAROL, DEPLOYER, as, createWorld, type World } from '../helpers/world.ts';
import { auditTrail, refused, seedPipeline } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

/** DR-n: staging's change sent to production, waiting for Bob's and Carol's approvals. */
async function waitingInProduction() {
  await world.put('staging', { 'Layout/Account': 'v2' });
  const cr = await world.services.changeRequests.create(as(ALICE), { name: 'n', type: 'normal', overview: 'o' });
  await world.services.changeRequests.submit(as(ALICE), cr.id);
  await world.services.changeRequests.approve(as(BOB), cr.id);
  await world.services.changeRequests.approve(as(CAROL), cr.id);
  return (await world.services.send(as(ALICE), { instance: 'staging', message: 'm', changeRequestId: cr.id })).request;
}

describe('claims (Assign to me)', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1' });
  });

  it('lets an approver hold a waiting request; others still vote; the holder or an admin releases it', async () => {
    const s = world.services;
    const request = await waitingInProduction();
    const held = await s.claim(as(BOB), request.id);
    expect(held).toMatchObject({ claimedBy: BOB, claimedAt: world.clock.now() });
    const taken = await refused(s.claim(as(CAROL), request.id), 'INVALID_STATE');
    expect(taken.message).toBe(`DR-${request.id} is held by @${BOB} since ${world.clock.now().toISOString()}; they or an admin can release it first.`);
    expect((await refused(s.claim(as(BOB), request.id), 'INVALID_STATE')).message).toContain('You hold');
    // Others may still vote while Bob holds it.
    expect((await s.approve(as(CAROL), request.id)).approvals).toBe(1);
    expect((await refused(s.unclaim(as(CAROL), request.id), 'NOT_PERMITTED')).message).toContain('only they or an admin can release it');
    expect((await s.unclaim(as(ADMIN), request.id)).claimedBy).toBeNull();
    await refused(s.unclaim(as(BOB), request.id), 'INVALID_STATE');
    await s.claim(as(BOB), request.id);
    await s.unclaim(as(BOB), request.id);
    expect((await auditTrail(world, `DR-${request.id}`)).filter(([a]) => a === 'claim' || a === 'unclaim')).toEqual([
      ['claim', 'claimed'],
      ['claim', 'refused'],
      ['claim', 'refused'],
      ['unclaim', 'refused'],
      ['unclaim', 'released'],
      ['unclaim', 'refused'],
      ['claim', 'claimed'],
      ['unclaim', 'released'],
    ]);
  });

  it('refuses a decided request, the requester, and someone who may not approve', async () => {
    const s = world.services;
    const request = await waitingInProduction();
    expect((await refused(s.claim(as(ALICE), request.id), 'SELF_APPROVAL')).message).toContain('You sent');
    expect((await refused(s.claim(as(DEPLOYER), request.id), 'NOT_PERMITTED')).message).toContain('You are not an approver of Production');
    await s.approve(as(BOB), request.id);
    await s.approve(as(CAROL), request.id);
    const decided = await refused(s.claim(as(BOB), request.id), 'INVALID_STATE');
    expect(decided.message).toBe(`DR-${request.id} is approved: only a request waiting for approval can be claimed.`);
    expect((await s.requestOverview(request.id)).request.claimedBy).toBeNull();
  });

  it('gives a request to one of two approvers claiming at once', async () => {
    const request = await waitingInProduction();
    const results = await Promise.allSettled([world.services.claim(as(BOB), request.id), world.services.claim(as(CAROL), request.id)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const holder = (await world.services.requestOverview(request.id)).request.claimedBy;
    expect([BOB, CAROL]).toContain(holder);
  });
});
